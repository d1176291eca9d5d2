"""Admin: settings and moderation state only; votes are append-only and never edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from multitrack.consultations.models import Consultation, OpinionMap, Statement, VoteRecord


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["title", "process", "moderation", "access", "results_visibility", "closes_at"]
    list_filter = ["moderation", "access"]
    exclude = ["public_key", "map_requested_at"]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["consultation", "number", "status", "is_meta", "is_seed", "moderated_at"]
    list_filter = ["status", "is_meta"]
    readonly_fields = ["author", "moderated_by", "moderated_at"]


@admin.register(OpinionMap)
class OpinionMapAdmin(admin.ModelAdmin):
    list_display = ["consultation", "computed_at", "engine_version", "random_state", "n_votes"]
    exclude = ["result", "state"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(VoteRecord)
class VoteRecordAdmin(admin.ModelAdmin):
    """The vote history, readable only: excluding votes goes through an auditable list."""

    list_display = ["consultation", "participant", "statement", "value", "origin", "cast_at"]
    list_filter = ["origin"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
