"""Admin for superusers only: processes, rosters, meetings, attendance, notes and follow-ups.

People appear by pseudonym (their ``__str__``); note texts are never shown in lists.
"""

from __future__ import annotations

from django.contrib import admin

from multitrack.accounts.admin import SuperuserOnly, SuperuserOnlyInline
from multitrack.processes.models import (
    AgendaItem,
    Attendance,
    FollowUp,
    Meeting,
    Note,
    Process,
    ProcessParticipant,
)


class ParticipantInline(SuperuserOnlyInline):
    model = ProcessParticipant
    autocomplete_fields = ["person"]


@admin.register(Process)
class ProcessAdmin(SuperuserOnly):
    list_display = ["title", "conflict", "declared_track", "ground_rules", "start_date", "end_date"]
    list_filter = ["declared_track", "ground_rules"]
    search_fields = ["title", "conflict__name"]
    list_select_related = ["conflict"]
    inlines = [ParticipantInline]
    readonly_fields = ["created_at"]


@admin.register(ProcessParticipant)
class ProcessParticipantAdmin(SuperuserOnly):
    list_display = ["person", "process", "added_at"]
    search_fields = ["person__pseudonym", "process__title"]
    list_select_related = ["person", "process"]
    autocomplete_fields = ["person", "process"]


class AgendaItemInline(SuperuserOnlyInline):
    model = AgendaItem


class AttendanceInline(SuperuserOnlyInline):
    model = Attendance
    autocomplete_fields = ["person"]


@admin.register(Meeting)
class MeetingAdmin(SuperuserOnly):
    list_display = ["title", "process", "date", "status", "declared_track", "is_virtual"]
    list_filter = ["status", "declared_track", "is_virtual"]
    search_fields = ["title", "process__title", "place"]
    list_select_related = ["process"]
    date_hierarchy = "date"
    inlines = [AgendaItemInline, AttendanceInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(SuperuserOnly):
    list_display = ["title", "meeting", "position"]
    search_fields = ["title"]
    list_select_related = ["meeting"]


@admin.register(Attendance)
class AttendanceAdmin(SuperuserOnly):
    list_display = ["person", "meeting", "status", "capacity_override", "is_acting_officially"]
    list_filter = ["status", "is_acting_officially"]
    search_fields = ["person__pseudonym", "meeting__title"]
    list_select_related = ["person", "meeting"]
    autocomplete_fields = ["person", "meeting"]


@admin.register(Note)
class NoteAdmin(SuperuserOnly):
    list_display = ["meeting", "written_by", "written_at"]
    search_fields = ["meeting__title"]
    list_select_related = ["meeting", "written_by"]
    readonly_fields = ["written_at"]


@admin.register(FollowUp)
class FollowUpAdmin(SuperuserOnly):
    list_display = ["description", "meeting", "owner", "due_date", "is_done"]
    list_filter = ["is_done"]
    search_fields = ["description", "meeting__title", "owner__pseudonym"]
    list_select_related = ["meeting", "owner"]
    autocomplete_fields = ["owner"]
