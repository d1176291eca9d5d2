"""Admin for ideas and official talks: read-mostly, for support; the pages are the way to work.

Non-paper texts and transfers are not listed here: the admin shows every process's records to
staff, and those two are what a Chatham House process guards most.
"""

from __future__ import annotations

from django.contrib import admin

from multitrack.ideas.models import Agreement, Export, OfficialTrack, Provision, Round, StatusChange


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(OfficialTrack)
class OfficialTrackAdmin(admin.ModelAdmin):
    list_display = ["name", "conflict", "mediator"]
    list_filter = ["conflict"]
    inlines = [RoundInline, StatusChangeInline]


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "official_track", "date"]
    inlines = [ProvisionInline]


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["non_paper_id", "format", "exported_by", "exported_at", "sha256"]
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
