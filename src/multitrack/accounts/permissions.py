"""Named permissions and which roles hold them (pretix-style: one place to read who may do what)."""

from __future__ import annotations

from enum import StrEnum

from multitrack.accounts.models import Role


class Permission(StrEnum):
    """Things a member of a process may do in it."""

    VIEW_PROCESS = "view_process"
    EDIT_PROCESS = "edit_process"
    MANAGE_MEMBERS = "manage_members"
    RECORD_MEETINGS = "record_meetings"  # meetings, agenda, attendance, follow-ups
    READ_NOTES = "read_notes"
    WRITE_NOTES = "write_notes"
    SEE_REAL_NAMES = "see_real_names"  # display names and contact details
    EDIT_PEOPLE = "edit_people"  # add people to the roster, edit them, import CSV
    # Best practice (practice/ and insights/).
    EDIT_PRACTICE = "edit_practice"  # stakeholder targets, calendars, observances, venues, surveys
    RECORD_TIES = "record_ties"  # relationship ties between participants
    READ_TIES = "read_ties"  # who is tied to whom (members without it see only totals)
    RECORD_SURVEY_RESPONSES = "record_survey_responses"
    READ_SURVEYS = "read_surveys"  # survey results (always suppressed below five respondents)
    REPORT_WITH_NAMES = "report_with_names"  # the internal process report, with names
    RUN_CONSULTATIONS = "run_consultations"  # create, edit, invite, seed, import and export
    MODERATE_STATEMENTS = "moderate_statements"  # the moderation queue of a consultation
    VIEW_RESULTS = "view_results"  # a consultation's opinion map and reports
    RECORD_IDEAS = "record_ideas"  # ideas, their versions, stages and transfers; non-paper drafts
    RECORD_OFFICIAL_TALKS = "record_official_talks"  # official tracks, rounds, status, agreements
    EXPORT_DOCUMENTS = "export_documents"  # export non-papers, override their checks
    REVIEW_AUDIT = "review_audit"  # the process's audit trail (conveners only)
    # Meeting attachments: confidential documents, read like notes (observers never learn of them).
    READ_ATTACHMENTS = "read_attachments"
    MANAGE_ATTACHMENTS = "manage_attachments"  # upload and remove them
    # Forget a person everywhere (conveners only; needed in every process the person is in).
    FORGET_PEOPLE = "forget_people"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.CONVENER: frozenset(Permission),
    Role.FACILITATOR: frozenset(
        {
            Permission.VIEW_PROCESS,
            Permission.RECORD_MEETINGS,
            Permission.READ_NOTES,
            Permission.WRITE_NOTES,
            Permission.READ_ATTACHMENTS,
            Permission.MANAGE_ATTACHMENTS,
            Permission.SEE_REAL_NAMES,
            Permission.EDIT_PEOPLE,
            Permission.RECORD_IDEAS,
            Permission.RECORD_OFFICIAL_TALKS,
            Permission.RUN_CONSULTATIONS,
            Permission.MODERATE_STATEMENTS,
            Permission.VIEW_RESULTS,
            Permission.RECORD_TIES,
            Permission.READ_TIES,
            Permission.RECORD_SURVEY_RESPONSES,
            Permission.READ_SURVEYS,
        }
    ),
    Role.ANALYST: frozenset(
        {
            Permission.VIEW_PROCESS,
            Permission.READ_NOTES,
            Permission.READ_ATTACHMENTS,
            Permission.VIEW_RESULTS,
            Permission.READ_TIES,
            Permission.READ_SURVEYS,
        }
    ),
    Role.OBSERVER: frozenset({Permission.VIEW_PROCESS, Permission.VIEW_RESULTS}),
}
