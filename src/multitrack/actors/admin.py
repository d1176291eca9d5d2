"""Admin for superusers only: conflicts, parties, organisations, people and affiliations.

Lists name people by pseudonym only: a list view is what a passer-by sees over a shoulder.
"""

from __future__ import annotations

from django.contrib import admin

from multitrack.accounts.admin import SuperuserOnly, SuperuserOnlyInline
from multitrack.actors.models import (
    Affiliation,
    Conflict,
    ContestedTerm,
    Organisation,
    Party,
    Person,
)


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
    readonly_fields = ["created_at"]


@admin.register(Affiliation)
class AffiliationAdmin(SuperuserOnly):
    list_display = ["person", "capacity", "organisation", "role", "start_date", "end_date"]
    list_filter = ["capacity"]
    search_fields = ["person__pseudonym", "organisation__name", "role"]
    list_select_related = ["person", "organisation"]
    autocomplete_fields = ["person", "organisation"]
