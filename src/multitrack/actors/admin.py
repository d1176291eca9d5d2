"""Admin for superusers only: conflicts, parties, organisations, people and affiliations.

Lists name people by pseudonym only: a list view is what a passer-by sees over a shoulder.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from multitrack.accounts.admin import SuperuserOnly, SuperuserOnlyInline
from multitrack.actors.models import (
    Affiliation,
    Conflict,
    ContestedTerm,
    Organisation,
    Party,
    Person,
)
from multitrack.actors.real_name_log import real_names_shown


class PartyInline(SuperuserOnlyInline):
    model = Party


class ContestedTermInline(SuperuserOnlyInline):
    model = ContestedTerm


@admin.register(Conflict)
class ConflictAdmin(SuperuserOnly):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]
    inlines = [PartyInline, ContestedTermInline]
    readonly_fields = ["created_at"]


@admin.register(Party)
class PartyAdmin(SuperuserOnly):
    list_display = ["name", "conflict", "kind", "is_minority"]
    list_filter = ["kind", "is_minority", "conflict"]
    search_fields = ["name", "conflict__name"]
    list_select_related = ["conflict"]


@admin.register(ContestedTerm)
class ContestedTermAdmin(SuperuserOnly):
    list_display = ["term", "neutral_wording", "conflict"]
    search_fields = ["term", "neutral_wording"]
    list_select_related = ["conflict"]


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnly):
    list_display = ["name", "kind", "country", "party"]
    list_filter = ["kind"]
    search_fields = ["name", "country"]
    list_select_related = ["party"]
    readonly_fields = ["created_at"]


class AffiliationInline(SuperuserOnlyInline):
    model = Affiliation
    autocomplete_fields = ["organisation"]


@admin.register(Person)
class PersonAdmin(SuperuserOnly):
    # Never display_name in the list: it shows to anyone who glances at the screen.
    list_display = ["pseudonym", "gender", "created_at"]
    list_filter = ["gender"]
    search_fields = ["pseudonym"]
    filter_horizontal = ["parties"]
    inlines = [AffiliationInline]
    readonly_fields = ["created_at", "forgotten_at", "forgotten_reason"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A forgotten person's placeholder is never edited back into a person.
        forgotten = obj is not None and obj.is_forgotten
        return super().has_change_permission(request, obj) and not forgotten

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The person's page shows their real name and contact details: the view is logged."""
        if (
            object_id.isdigit()
            and Person.objects.filter(pk=int(object_id), forgotten_at__isnull=True).exists()
        ):
            real_names_shown(request, [int(object_id)])
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Affiliation)
class AffiliationAdmin(SuperuserOnly):
    list_display = ["person", "capacity", "organisation", "role", "start_date", "end_date"]
    list_filter = ["capacity"]
    search_fields = ["person__pseudonym", "organisation__name", "role"]
    list_select_related = ["person", "organisation"]
    autocomplete_fields = ["person", "organisation"]
