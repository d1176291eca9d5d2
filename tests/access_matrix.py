"""Who gets what from every URL of Multitrack: the access matrix, as one explicit table.

Each row names a URL (by its name, or "METHOD /api/v1/path" for an API operation), the method
it is requested with, and the answer each of six callers gets: an anonymous visitor, an
outsider (signed in, no role in the process), and the observer, analyst, facilitator and
convener of the process that owns the object. Most answers are derived from
``ROLE_PERMISSIONS`` through the rules below, so a row reads as the rule it follows:

    members(RECORD_MEETINGS)   anonymous: sign-in page; outsider: 404 (need-to-know: the object
                               "does not exist"); members: allowed if their role holds
                               RECORD_MEETINGS, else 403.

tests/test_access_matrix.py requests every row as every caller, and fails for a URL of the
project that has no row here: add one when you add a URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from multitrack.accounts.permissions import ROLE_PERMISSIONS, Permission
from multitrack.ideas import documents
from tests.access_world import World

CALLERS = ("anonymous", "outsider", "observer", "analyst", "facilitator", "convener")
MEMBERS = ("observer", "analyst", "facilitator", "convener")

# What a caller gets.
OK = "allowed"  # the page or action works (the row says which statuses count as working)
LOGIN = "login"  # 302 to the sign-in page, with ?next=
HIDDEN = "404"  # need-to-know: the object does not exist for this caller
FORBIDDEN = "403"  # a member whose role lacks the permission, or an account lacking a right
UNAUTHENTICATED = "401"  # the API without credentials
INVALID = "400"  # reachable, but the request is refused as it stands (and changes nothing)
ADMIN_LOGIN = "admin-login"  # 302 to the admin's own sign-in page

Expect = Mapping[str, str]
Build = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Expected answers per caller, with the rule in words for failure messages."""

    text: str
    expect: Expect

    def but(self, why: str, **overrides: str) -> Rule:
        """The same rule with named exceptions (say why: a reviewer reads it)."""
        return Rule(f"{self.text}, except {why}", {**self.expect, **overrides})


def _by_role(permission: Permission) -> dict[str, str]:
    return {role: OK if permission in ROLE_PERMISSIONS[role] else FORBIDDEN for role in MEMBERS}


def members(permission: Permission, *, api: bool = False) -> Rule:
    """Members of the process whose role holds ``permission``; outsiders are told 404."""
    anonymous = UNAUTHENTICATED if api else LOGIN
    return Rule(
        f"members holding {permission} (outsiders 404)",
        {"anonymous": anonymous, "outsider": HIDDEN, **_by_role(permission)},
    )


def in_some_process(permission: Permission) -> Rule:
    """Accounts holding ``permission`` in some process; no object to hide, so others get 403."""
    return Rule(
        f"accounts holding {permission} in some process (others 403)",
        {"anonymous": LOGIN, "outsider": FORBIDDEN, **_by_role(permission)},
    )


def signed_in(*, api: bool = False) -> Rule:
    """Every signed-in account (lists and personal pages show only what the account may see)."""
    return Rule(
        "every signed-in account",
        {"anonymous": UNAUTHENTICATED if api else LOGIN} | dict.fromkeys(CALLERS[1:], OK),
    )


def anyone(text: str = "anyone, signed in or not") -> Rule:
    """Public pages: signing in, resetting a password, participant links."""
    return Rule(text, dict.fromkeys(CALLERS, OK))


def everyone(outcome: str, text: str) -> Rule:
    """The same answer for all six callers."""
    return Rule(text, dict.fromkeys(CALLERS, outcome))


def model_permission(codename: str) -> Rule:
    """An account-wide Django permission (here only the convener holds it), not a role."""
    return Rule(
        f"accounts with the model permission {codename} (the convener here; others 403)",
        {"anonymous": LOGIN} | dict.fromkeys(CALLERS[1:-1], FORBIDDEN) | {"convener": OK},
    )


def creator_only(*, api: bool = False) -> Rule:
    """A consultation standing alone: its creator (the convener) is its only staff."""
    return Rule(
        "the creator of a standalone consultation only (everyone else 404)",
        {"anonymous": UNAUTHENTICATED if api else LOGIN}
        | dict.fromkeys(CALLERS[1:-1], HIDDEN)
        | {"convener": OK},
    )


def owner_only(what: str) -> Rule:
    """Something of one account (here the convener's): nobody else learns it exists."""
    return Rule(
        f"the {what}'s owner only (everyone else 404)",
        {"anonymous": LOGIN} | dict.fromkeys(CALLERS[1:-1], HIDDEN) | {"convener": OK},
    )


@dataclass(frozen=True)
class Row:
    """One URL requested one way, and what each caller gets."""

    key: str  # the URL name, or "METHOD /api/v1/path" as in the OpenAPI schema
    method: str
    rule: Rule
    kwargs: Build = lambda world: {}
    body: Build | None = None
    query: str = ""
    variant: str = ""  # when the same URL is requested in more than one situation
    # An allowed call changes the database: proves the body is a real one, so that a refused
    # caller's unchanged database means something.
    writes: bool = False
    ok: frozenset[int] = frozenset()  # statuses that count as allowed; defaults by method
    is_api: bool = False
    is_json: bool = False  # the body is sent as JSON (the API, and the passkey ceremonies)
    # A refusal that is itself a security event goes to the audit trail (and nothing else).
    audits_refusals: bool = False
    # Whether the URL answers 405 to the methods it has no row for (see other_methods_note).
    refuses_other_methods: bool = True
    other_methods_note: str = ""

    @property
    def expect(self) -> Expect:
        return self.rule.expect

    @property
    def allowed_statuses(self) -> frozenset[int]:
        if self.ok:
            return self.ok
        if self.is_api:
            return frozenset({200, 201, 204})
        return frozenset({200}) if self.method == "GET" else frozenset({200, 302})

    @property
    def label(self) -> str:
        variant = f" [{self.variant}]" if self.variant else ""
        name = self.key if self.is_api else f"{self.method} {self.key}"
        return f"{name}{variant}"


def pk(attribute: str, name: str = "pk") -> Build:
    """URL kwargs: ``{name: world.<attribute>.pk}``."""
    return lambda world: {name: _attribute(world, attribute).pk}


def _attribute(world: World, dotted: str) -> Any:
    value: Any = world
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def get(name: str, rule: Rule, kwargs: Build = lambda w: {}, **options: Any) -> Row:
    return Row(name, "GET", rule, kwargs, **options)


def post(name: str, rule: Rule, kwargs: Build = lambda w: {}, **options: Any) -> Row:
    return Row(name, "POST", rule, kwargs, **options)


DAY = "2025-05-01"
PROCESS = pk("process")
MEETING = pk("meeting")
CONFLICT = pk("conflict")
PERSON = pk("person")
IDEA = pk("idea")
TRACK = pk("official_track")
CONSULTATION = pk("consultation")
P = Permission


def _csv_upload(world: World) -> dict[str, Any]:
    content = (
        "name,pseudonym,gender,languages,party,organisation,role,capacity\n"
        "Imported Person,Participant Wren,woman,English,,,,academic\n"
    )
    return {"file": SimpleUploadedFile("people.csv", content.encode(), "text/csv")}


def _overridden_words(world: World) -> dict[str, Any]:
    flags = documents.non_paper_flags(world.flagged_non_paper)
    return {"words": [flag.key for flag in flags], "reason": "The parties' own wording."}


def _survey_answers(world: World) -> dict[str, Any]:
    return {f"item_{item.pk}": item.scale_min for item in world.survey.items.all()}


def _non_paper_rewrite(world: World) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Harbour options, revised", "context": "Revised."}
    for option in world.non_paper.options.all():
        prefix = f"option_{option.pk}_"
        body |= {prefix + "heading": option.heading, prefix + "text": option.text + " More."}
    return body


# --- The web pages ----------------------------------------------------------------------

PUBLIC = anyone()
PUBLIC_FORM = anyone("anyone (signed-in accounts are sent on to the dashboard)")

ACCOUNTS = [
    get("login", PUBLIC_FORM, ok=frozenset({200, 302})),
    post(
        "login",
        PUBLIC_FORM,
        body=lambda w: {"username": "convener", "password": "not the password"},
    ),
    post("logout", anyone("anyone (signing out is POST only)")),
    get("password_reset", PUBLIC),
    post("password_reset", PUBLIC, body=lambda w: {"email": "nobody@example.org"}),
    get("password_reset_done", PUBLIC),
    get(
        "password_reset_confirm",
        anyone("anyone (a wrong link says so)"),
        lambda w: {"uidb64": "MQ", "token": "wrong-token"},
        refuses_other_methods=False,
        other_methods_note="Django's view answers a wrong link the same, whatever the method",
    ),
    post(
        "password_reset_confirm",
        anyone("anyone (a wrong link says so)"),
        lambda w: {"uidb64": "MQ", "token": "wrong-token"},
        body=lambda w: {"new_password1": "x", "new_password2": "x"},
    ),
    get("password_reset_complete", PUBLIC),
    get("password_change", signed_in()),
    post(
        "password_change",
        signed_in(),
        body=lambda w: {"old_password": "wrong", "new_password1": "a", "new_password2": "a"},
    ),
    get("password_change_done", signed_in()),
    get("api-token-list", signed_in()),
    post("api-token-list", signed_in(), body=lambda w: {"name": "laptop"}, writes=True),
    post("api-token-revoke", owner_only("token"), pk("api_token"), writes=True),
    get("process-audit", members(P.REVIEW_AUDIT), PROCESS),
]

# Two-step sign-in: each account's own devices. Conveners here have an authenticator app and a
# verified session; the others have no second factor (they may add one).
OWN_ACCOUNT = signed_in()
TWO_STEP = [
    get("two-step", OWN_ACCOUNT),
    get("two-step-setup", OWN_ACCOUNT, ok=frozenset({200, 302})),
    get("two-step-authenticator", OWN_ACCOUNT, ok=frozenset({200, 302})),
    post(
        "two-step-authenticator",
        OWN_ACCOUNT,
        body=lambda w: {"code": "000000"},
        ok=frozenset({200, 302}),
    ),
    post("two-step-passkey-added", OWN_ACCOUNT),
    get("two-step-verify", OWN_ACCOUNT, ok=frozenset({200, 302})),
    post(
        "two-step-verify", OWN_ACCOUNT, body=lambda w: {"code": "000000"}, ok=frozenset({200, 302})
    ),
    post("two-step-recovery-codes", OWN_ACCOUNT),
    post(
        "two-step-device-remove",
        owner_only("device"),
        lambda w: {"kind": "authenticator-app", "pk": w.convener_device.pk},
    ),
]

# Passkey ceremonies (JSON): a passkey is a second factor only, so without a password-signed-in
# session every ceremony is refused (403). An empty ceremony is refused as invalid (400).
CEREMONY_BEGIN = Rule(
    "signed-in accounts, for their own passkeys (anonymous 403: never a sign-in on its own)",
    {"anonymous": FORBIDDEN} | dict.fromkeys(CALLERS[1:], OK),
)
EMPTY_CEREMONY = Rule(
    "nobody with an empty ceremony (400); anonymous 403",
    {"anonymous": FORBIDDEN} | dict.fromkeys(CALLERS[1:], INVALID),
)


def _ceremony(name: str, rule: Rule, **options: Any) -> Row:
    return post(f"otp_webauthn:{name}", rule, body=lambda w: {}, is_json=True, **options)


PASSKEYS = [
    _ceremony("credential-registration-begin", CEREMONY_BEGIN),
    _ceremony("credential-registration-complete", EMPTY_CEREMONY),
    _ceremony("credential-authentication-begin", CEREMONY_BEGIN),
    # A failed verification is audited (accounts.mfa.verification_failed).
    _ceremony("credential-authentication-complete", EMPTY_CEREMONY, audits_refusals=True),
    get("otp_webauthn:js-i18n-catalog", anyone("anyone: the passkey script's translations")),
]

WEB = [
    get("dashboard", signed_in()),
    get("favicon", PUBLIC, ok=frozenset({301})),
]

SAMPLE_PERSON = {
    "pseudonym": "Participant Kite",
    "display_name": "Someone New",
    "gender": "undisclosed",
}

ACTORS = [
    get("person-list", signed_in()),
    get("person-create", in_some_process(P.EDIT_PEOPLE)),
    post(
        "person-create",
        in_some_process(P.EDIT_PEOPLE),
        body=lambda w: SAMPLE_PERSON | {"process": w.process.pk},
        writes=True,
    ),
    get("person-detail", members(P.VIEW_PROCESS), PERSON),
    # Forgetting takes FORGET_PEOPLE in every process the person is in.
    get("person-forget", members(P.FORGET_PEOPLE), pk("southerner")),
    post(
        "person-forget",
        members(P.FORGET_PEOPLE),
        pk("southerner"),
        body=lambda w: {"reason": "request", "confirm": w.southerner.pseudonym},
        writes=True,
    ),
    get("person-edit", members(P.EDIT_PEOPLE), PERSON),
    post(
        "person-edit",
        members(P.EDIT_PEOPLE),
        PERSON,
        body=lambda w: {
            "pseudonym": w.person.pseudonym,
            "display_name": "Renamed Person",
            "gender": "undisclosed",
            "parties": [w.north.pk],
        },
        writes=True,
    ),
    post(
        "affiliation-add",
        members(P.EDIT_PEOPLE),
        PERSON,
        body=lambda w: {"capacity": "academic", "role": "Adviser"},
        writes=True,
    ),
    post(
        "affiliation-remove",
        members(P.EDIT_PEOPLE),
        lambda w: {"pk": w.person.pk, "affiliation_pk": w.affiliation.pk},
        writes=True,
    ),
    get("organisation-list", signed_in()),
    get("organisation-create", in_some_process(P.EDIT_PEOPLE)),
    post(
        "organisation-create",
        in_some_process(P.EDIT_PEOPLE),
        body=lambda w: {"name": "Harbour Institute", "kind": "university"},
        writes=True,
    ),
    get("organisation-detail", members(P.VIEW_PROCESS), pk("organisation")),
    get("conflict-list", signed_in()),
    get("conflict-create", model_permission("actors.add_conflict")),
    post(
        "conflict-create",
        model_permission("actors.add_conflict"),
        body=lambda w: {"name": "Island dispute"},
        writes=True,
    ),
    get("conflict-detail", members(P.VIEW_PROCESS), CONFLICT),
    # Parties and the context profile belong to the conflict's creator and conveners in it.
    post(
        "party-add",
        members(P.EDIT_PROCESS),
        CONFLICT,
        body=lambda w: {"name": "Fishing community", "kind": "community"},
        writes=True,
    ),
    get("conflict-context-edit", members(P.EDIT_PROCESS), CONFLICT),
    post(
        "conflict-context-edit",
        members(P.EDIT_PROCESS),
        CONFLICT,
        body=lambda w: {"languages": "Greek", "customs": "Tea first.", "sensitivities": ""},
        writes=True,
    ),
    post(
        "contested-term-add",
        members(P.EDIT_PROCESS),
        CONFLICT,
        body=lambda w: {"term": "the Old Quay", "neutral_wording": "the quay"},
        writes=True,
    ),
    post(
        "contested-term-remove",
        members(P.EDIT_PROCESS),
        lambda w: {"pk": w.conflict.pk, "term_pk": w.contested_term.pk},
        writes=True,
    ),
]

SAMPLE_MEETING = {
    "title": "Round 9",
    "date": DAY,
    "declared_track": "2",
    "status": "planned",
    "working_languages": "English",
}

PROCESSES = [
    get("process-list", signed_in()),
    get("process-create", model_permission("processes.add_process")),
    post(
        "process-create",
        model_permission("processes.add_process"),
        body=lambda w: {
            "title": "Second channel",
            "conflict": w.conflict.pk,
            "declared_track": "2",
            "ground_rules": "chatham_house",
        },
        writes=True,
    ),
    get("process-detail", members(P.VIEW_PROCESS), PROCESS),
    get("process-edit", members(P.EDIT_PROCESS), PROCESS),
    post(
        "process-edit",
        members(P.EDIT_PROCESS),
        PROCESS,
        body=lambda w: {
            "title": w.process.title,
            "conflict": w.conflict.pk,
            "declared_track": "2",
            "ground_rules": "chatham_house",
            "aims": "Reopen the harbour.",
        },
        writes=True,
    ),
    post(
        "member-add",
        members(P.MANAGE_MEMBERS),
        PROCESS,
        body=lambda w: {"username": "stranger", "role": "observer"},
        writes=True,
    ),
    post(
        "member-change",
        members(P.MANAGE_MEMBERS),
        lambda w: {"pk": w.process.pk, "user_id": w.workspace.analyst.pk},
        body=lambda w: {"role": "observer"},
        writes=True,
    ),
    post(
        "member-remove",
        members(P.MANAGE_MEMBERS),
        lambda w: {"pk": w.process.pk, "user_id": w.workspace.analyst.pk},
        writes=True,
    ),
    get("meeting-create", members(P.RECORD_MEETINGS), PROCESS),
    post(
        "meeting-create",
        members(P.RECORD_MEETINGS),
        PROCESS,
        body=lambda w: SAMPLE_MEETING,
        writes=True,
    ),
    get("meeting-detail", members(P.VIEW_PROCESS), MEETING),
    get("meeting-edit", members(P.RECORD_MEETINGS), MEETING),
    post(
        "meeting-edit",
        members(P.RECORD_MEETINGS),
        MEETING,
        body=lambda w: SAMPLE_MEETING | {"title": "Round 9, moved"},
        writes=True,
    ),
    get("meeting-confirm", members(P.RECORD_MEETINGS), MEETING),
    post(
        "meeting-confirm",
        members(P.RECORD_MEETINGS),
        MEETING,
        body=lambda w: {"acknowledge_issues": "1"},
        writes=True,
    ),
    post(
        "agenda-item-add",
        members(P.RECORD_MEETINGS),
        MEETING,
        body=lambda w: {"title": "Fishing quotas"},
        writes=True,
    ),
    post(
        "attendance-add",
        members(P.RECORD_MEETINGS),
        MEETING,
        body=lambda w: {"person": w.southerner.pk, "status": "attended"},
        writes=True,
    ),
    post(
        "attendance-change",
        members(P.RECORD_MEETINGS),
        lambda w: {"meeting_pk": w.meeting.pk, "pk": w.attendance.pk},
        body=lambda w: {"status": "excused"},
        writes=True,
    ),
    post(
        "attendance-remove",
        members(P.RECORD_MEETINGS),
        lambda w: {"meeting_pk": w.meeting.pk, "pk": w.attendance.pk},
        writes=True,
    ),
    post(
        "note-add",
        members(P.WRITE_NOTES),
        MEETING,
        body=lambda w: {"text": "The weather was discussed at length."},
        writes=True,
    ),
    post(
        "follow-up-add",
        members(P.RECORD_MEETINGS),
        MEETING,
        body=lambda w: {"description": "Share the quota table"},
        writes=True,
    ),
    post(
        "follow-up-set-done",
        members(P.RECORD_MEETINGS),
        lambda w: {"meeting_pk": w.meeting.pk, "pk": w.follow_up.pk},
        body=lambda w: {"is_done": "1"},
        writes=True,
    ),
    # Attachments are read like notes; observers must not learn that one exists (404).
    post(
        "attachment-add",
        members(P.MANAGE_ATTACHMENTS),
        MEETING,
        body=lambda w: {"file": SimpleUploadedFile("minutes.txt", b"Minutes of the round.\n")},
        writes=True,
    ),
    get(
        "attachment-download",
        members(P.READ_ATTACHMENTS).but(
            "members without it, who are told it does not exist (404)", observer=HIDDEN
        ),
        lambda w: {"meeting_pk": w.meeting.pk, "pk": w.attachment.pk},
    ),
    post(
        "attachment-remove",
        members(P.MANAGE_ATTACHMENTS).but(
            "members who may not read attachments, who are told it does not exist (404)",
            observer=HIDDEN,
        ),
        lambda w: {"meeting_pk": w.meeting.pk, "pk": w.attachment.pk},
        writes=True,
    ),
    # The uploaded file waits in the session (not the database) until it is confirmed.
    get("people-import", members(P.EDIT_PEOPLE), PROCESS),
    post("people-import", members(P.EDIT_PEOPLE), PROCESS, body=_csv_upload),
    get("people-import-preview", members(P.EDIT_PEOPLE), PROCESS, ok=frozenset({302})),
    post("people-import-confirm", members(P.EDIT_PEOPLE), PROCESS, body=lambda w: {"digest": "x"}),
    post("people-import-cancel", members(P.EDIT_PEOPLE), PROCESS),
]

IDEAS = [
    get("idea-board", signed_in()),
    get("idea-create", members(P.RECORD_IDEAS), PROCESS),
    post(
        "idea-create",
        members(P.RECORD_IDEAS),
        PROCESS,
        body=lambda w: {
            "title": "Hotline",
            "summary": "A military hotline.",
            "kind": "cbm",
            "issue": "security",
            "sensitivity": "high",
            "origin_meeting": w.held_meeting.pk,
        },
        writes=True,
    ),
    get("idea-from-consultation", members(P.RECORD_IDEAS), CONSULTATION, ok=frozenset({302})),
    get("idea-detail", members(P.VIEW_PROCESS), IDEA),
    post(
        "idea-stage-change",
        members(P.RECORD_IDEAS),
        IDEA,
        body=lambda w: {"stage": "developed", "date": DAY, "reason": "Reworked"},
        writes=True,
    ),
    post(
        "idea-version-add",
        members(P.RECORD_IDEAS),
        IDEA,
        body=lambda w: {"summary": "A smaller board.", "date": DAY},
        writes=True,
    ),
    post(
        "idea-transfer",
        members(P.RECORD_IDEAS),
        IDEA,
        body=lambda w: {"date": DAY, "carrier_kind": "briefing", "recipient_kind": "ministry"},
        writes=True,
    ),
    # Official talks belong to the conflict: its processes' members see them.
    get("official-track-list", members(P.VIEW_PROCESS), CONFLICT),
    post(
        "official-track-list",
        members(P.RECORD_OFFICIAL_TALKS),
        CONFLICT,
        body=lambda w: {"name": "Water talks", "parties": [w.north.pk, w.south.pk]},
        writes=True,
    ),
    get("official-track-detail", members(P.VIEW_PROCESS), TRACK),
    post(
        "round-add",
        members(P.RECORD_OFFICIAL_TALKS),
        TRACK,
        body=lambda w: {"title": "Second round", "start_date": DAY, "level": "senior"},
        writes=True,
    ),
    post(
        "official-status-add",
        members(P.RECORD_OFFICIAL_TALKS),
        TRACK,
        body=lambda w: {"status": "stalled", "date": DAY, "reason": "Deadlock"},
        writes=True,
    ),
    post(
        "agreement-add",
        members(P.RECORD_OFFICIAL_TALKS),
        TRACK,
        body=lambda w: {"title": "Quay accord", "date": DAY, "signatories": [w.north.pk]},
        writes=True,
    ),
    get("agreement-detail", members(P.VIEW_PROCESS), pk("agreement")),
    post(
        "agreement-detail",
        members(P.RECORD_OFFICIAL_TALKS),
        pk("agreement"),
        body=lambda w: {"number": "2", "text": "Joint patrols."},
        writes=True,
    ),
    get("channel-overview", members(P.VIEW_PROCESS), CONFLICT),
    get("non-paper-create", members(P.RECORD_IDEAS), PROCESS),
    post(
        "non-paper-create",
        members(P.RECORD_IDEAS),
        PROCESS,
        body=lambda w: {"title": "Board options", "ideas": [w.idea.pk]},
        writes=True,
    ),
    get("non-paper-detail", members(P.VIEW_PROCESS), pk("non_paper")),
    post(
        "non-paper-detail",
        members(P.RECORD_IDEAS),
        pk("non_paper"),
        body=_non_paper_rewrite,
        writes=True,
    ),
    post(
        "non-paper-override",
        members(P.EXPORT_DOCUMENTS),
        pk("flagged_non_paper"),
        body=_overridden_words,
        writes=True,
    ),
    post(
        "non-paper-export",
        members(P.EXPORT_DOCUMENTS),
        lambda w: {"pk": w.non_paper.pk, "format": "md"},
        writes=True,
    ),
]

PRACTICE_ENTRIES: dict[str, Build] = {
    "category": lambda w: {
        "category-label": "Youth",
        "category-kind": "women",
        "category-minimum_percent": 30,
    },
    "tag": lambda w: {"tag-person": w.southerner.pk, "tag-tag": "youth"},
    "calendar": lambda w: {"calendar-party": w.south.pk, "calendar-calendar": "islamic"},
    "observance": lambda w: {"observance-name": "Quay Day", "observance-date": DAY},
    "venue": lambda w: {"venue-party": w.north.pk, "venue-venue": "South Gate"},
}


def _practice_add(what: str, body: Build) -> Row:
    return post(
        "practice-add",
        members(P.EDIT_PRACTICE),
        lambda w: {"pk": w.process.pk, "what": what},
        body=body,
        variant=what,
        writes=True,
    )


def _practice_delete(what: str) -> Row:
    return post(
        "practice-delete",
        members(P.EDIT_PRACTICE),
        lambda w: {"pk": w.process.pk, "what": what, "entry_pk": getattr(w, what).pk},
        variant=what,
        writes=True,
    )


PRACTICE = [
    get("practice-settings", members(P.VIEW_PROCESS), PROCESS),
    *(_practice_add(what, body) for what, body in PRACTICE_ENTRIES.items()),
    *(_practice_delete(what) for what in PRACTICE_ENTRIES),
    get("tie-list", members(P.READ_TIES), PROCESS),
    post(
        "tie-list",
        members(P.RECORD_TIES),
        PROCESS,
        body=lambda w: {
            "person": w.southerner.pk,
            "other": w.person.pk,
            "kind": "trusts",
            "strength": 4,
            "observed_on": DAY,
        },
        writes=True,
    ),
    post(
        "tie-delete",
        members(P.RECORD_TIES),
        lambda w: {"pk": w.process.pk, "tie_pk": w.tie.pk},
        writes=True,
    ),
    # The list and the questions are for every member; results are on the health page.
    get("survey-list", members(P.VIEW_PROCESS), PROCESS),
    post(
        "survey-list",
        members(P.EDIT_PRACTICE),
        PROCESS,
        body=lambda w: {"meeting": w.meeting.pk, "phase": "before", "is_anonymous": "on"},
        writes=True,
    ),
    get("survey-detail", members(P.VIEW_PROCESS), pk("survey")),
    post(
        "survey-detail",
        members(P.RECORD_SURVEY_RESPONSES),
        pk("survey"),
        body=_survey_answers,
        writes=True,
    ),
]

INSIGHTS = [
    get("process-health", members(P.VIEW_PROCESS), PROCESS),
    get("process-report", members(P.VIEW_PROCESS), PROCESS),
    get(
        "process-report",
        members(P.REPORT_WITH_NAMES),
        PROCESS,
        query="internal=1",
        variant="internal, with names",
    ),
    get("meeting-checks", members(P.VIEW_PROCESS), MEETING),
]

SAMPLE_CONSULTATION = {
    "title": "Quay futures",
    "question": "What next for the quay?",
    "moderation": "pre",
    "access": "link",
    "results_visibility": "members",
    "accepts_statements": "on",
    "statement_max_length": 280,
}
STANDALONE = "standalone"

CONSULTATIONS = [
    get("consultation-list", signed_in()),
    # A consultation may stand alone, outside any process: any account may open one.
    get("consultation-create", signed_in()),
    post(
        "consultation-create",
        signed_in(),
        body=lambda w: SAMPLE_CONSULTATION,
        writes=True,
    ),
    get("process-consultation-create", members(P.RUN_CONSULTATIONS), PROCESS),
    post(
        "process-consultation-create",
        members(P.RUN_CONSULTATIONS),
        PROCESS,
        body=lambda w: SAMPLE_CONSULTATION,
        writes=True,
    ),
    get("consultation-detail", members(P.VIEW_PROCESS), CONSULTATION),
    get(
        "consultation-detail",
        creator_only(),
        pk("standalone_consultation"),
        variant=STANDALONE,
    ),
    get("consultation-edit", members(P.RUN_CONSULTATIONS), CONSULTATION),
    post(
        "consultation-edit",
        members(P.RUN_CONSULTATIONS),
        CONSULTATION,
        body=lambda w: SAMPLE_CONSULTATION,
        writes=True,
    ),
    post(
        "statement-seed",
        members(P.RUN_CONSULTATIONS),
        CONSULTATION,
        body=lambda w: {"text": "Night fishing should be allowed."},
        writes=True,
    ),
    post(
        "invitations-create",
        members(P.RUN_CONSULTATIONS),
        pk("invited_consultation"),
        body=lambda w: {"count": 2},
        writes=True,
    ),
    get("moderation-queue", members(P.MODERATE_STATEMENTS), CONSULTATION),
    post(
        "moderation-queue",
        members(P.MODERATE_STATEMENTS),
        CONSULTATION,
        body=lambda w: {"numbers": [1], "decision": "meta", "reason": "About the process"},
        writes=True,
    ),
    get("consultation-results", members(P.VIEW_RESULTS), CONSULTATION),
    get(
        "consultation-results",
        creator_only(),
        pk("standalone_consultation"),
        variant=STANDALONE,
    ),
    # Public results are public on the participant link; the staff page stays the members'.
    get(
        "consultation-results",
        members(P.VIEW_RESULTS),
        pk("public_consultation"),
        variant="public results",
    ),
    post("consultation-recompute", members(P.RUN_CONSULTATIONS), CONSULTATION, writes=True),
    get(
        "consultation-report",
        members(P.VIEW_RESULTS),
        lambda w: {"pk": w.consultation.pk, "fmt": "json"},
        variant="json",
    ),
    get(
        "consultation-report",
        members(P.VIEW_RESULTS),
        lambda w: {"pk": w.consultation.pk, "fmt": "csv"},
        variant="csv",
    ),
    get("consultation-export", members(P.RUN_CONSULTATIONS), CONSULTATION),
    # Without a file: refused with a message (the consultation is not empty anyway).
    post("consultation-import", members(P.RUN_CONSULTATIONS), CONSULTATION),
]

# Participants: no account. The link is the key; the answer is the same for every browser,
# signed in or not (staff read results on the staff pages, never through the link).
LINK = "link"
INVITED = "invited, no invitation"
PARTICIPANT = anyone("anyone with the link")
NO_MAP = everyone(HIDDEN, "nobody: results are for members of the process")
NO_MAP_YET = everyone(HIDDEN, "participants who have voted (none of these browsers has)")
NEEDS_INVITATION = everyone(INVALID, "invited participants only: refused, nothing stored")


def _key(attribute: str) -> Build:
    return lambda w: {"key": getattr(w, attribute).public_key}


VOTE = {"statement": 1, "value": 1}

PARTICIPANTS = [
    get("participate", PARTICIPANT, _key("consultation"), variant=LINK),
    get("participate", PARTICIPANT, _key("invited_consultation"), variant=INVITED),
    post(
        "participate-vote",
        PARTICIPANT,
        _key("consultation"),
        body=lambda w: VOTE,
        writes=True,
        variant=LINK,
    ),
    post(
        "participate-vote",
        NEEDS_INVITATION,
        _key("invited_consultation"),
        body=lambda w: VOTE,
        variant=INVITED,
    ),
    get("participate-votes", PARTICIPANT, _key("consultation"), variant=LINK),
    get("participate-write", PARTICIPANT, _key("consultation"), variant=LINK),
    post(
        "participate-write",
        PARTICIPANT,
        _key("consultation"),
        body=lambda w: {"text": "Lighthouses need keepers from both shores."},
        writes=True,
        variant=LINK,
    ),
    post(
        "participate-write",
        NEEDS_INVITATION,
        _key("invited_consultation"),
        body=lambda w: {"text": "Lighthouses need keepers from both shores."},
        variant=INVITED,
    ),
    get("participate-map", NO_MAP, _key("consultation"), variant="results for members"),
    get(
        "participate-map",
        anyone("anyone with the link: the results are public"),
        _key("public_consultation"),
        variant="public results",
    ),
    get(
        "participate-map",
        NO_MAP_YET,
        _key("after_voting_consultation"),
        variant="results for participants who voted",
    ),
    # Opening an invitation only asks (link previews must not use it up); posting redeems it.
    get(
        "participate-join",
        PARTICIPANT,
        lambda w: {"key": w.invited_consultation.public_key, "token": w.invitation_token},
        variant="valid invitation",
    ),
    post(
        "participate-join",
        anyone("anyone holding the invitation"),
        lambda w: {"key": w.invited_consultation.public_key, "token": w.invitation_token},
        writes=True,
        variant="valid invitation",
    ),
    post(
        "participate-join",
        everyone(INVALID, "nobody: a made-up invitation is refused"),
        lambda w: {"key": w.invited_consultation.public_key, "token": "made-up"},
        variant="made-up invitation",
    ),
]

# The API's own pages: its description is public (it holds no data).
SCHEMA = anyone("anyone: the schema describes operations, not data")
READ_ONLY_ANY_METHOD = "django-ninja's schema views answer any method; they only read"
API_PAGES = [
    get(
        "api:openapi-json",
        SCHEMA,
        refuses_other_methods=False,
        other_methods_note=READ_ONLY_ANY_METHOD,
    ),
    get(
        "api:openapi-view",
        SCHEMA,
        refuses_other_methods=False,
        other_methods_note=READ_ONLY_ANY_METHOD,
    ),
    get(
        "api:api-root",
        everyone(HIDDEN, "nobody: there is nothing at the root"),
        refuses_other_methods=False,
        other_methods_note="404 for every method",
    ),
]

# The admin's own sign-in page is public like ours; every other admin URL follows ADMIN_RULE.
ADMIN_PAGES = [
    get("admin:login", anyone("anyone: the admin's own sign-in page")),
    post(
        "admin:login",
        anyone("anyone: the admin's own sign-in page"),
        body=lambda w: {"username": "convener", "password": "not the password"},
    ),
    # Non-staff are sent to the admin's index, which asks them to sign in as staff.
    get(
        "admin:logout",
        anyone("anyone is sent on to the admin's index"),
        ok=frozenset({302}),
        refuses_other_methods=False,
        other_methods_note="the admin sends non-staff away before it looks at the method",
    ),
]

WEB_ROWS: list[Row] = [
    *ACCOUNTS,
    *TWO_STEP,
    *PASSKEYS,
    *WEB,
    *ACTORS,
    *PROCESSES,
    *IDEAS,
    *PRACTICE,
    *INSIGHTS,
    *CONSULTATIONS,
    *PARTICIPANTS,
    *API_PAGES,
    *ADMIN_PAGES,
]

# The admin: every URL under it sends all six callers (none of them staff) to its own sign-in.
ADMIN_NAMESPACE = "admin"
ADMIN_RULE = everyone(ADMIN_LOGIN, "staff accounts only (none of the six callers is staff)")


# --- The JSON API -----------------------------------------------------------------------

V1 = "/api/v1"


def api(method: str, path: str, rule: Rule, kwargs: Build = lambda w: {}, **options: Any) -> Row:
    return Row(f"{method} {V1}{path}", method, rule, kwargs, is_api=True, **options)


def read(permission: Permission = P.VIEW_PROCESS) -> Rule:
    return members(permission, api=True)


def write(permission: Permission) -> Rule:
    return members(permission, api=True)


LISTING = signed_in(api=True)  # outsiders get an empty list (the matrix checks no row leaks)
PROCESS_ID = lambda w: {"process_id": w.process.pk}  # noqa: E731
MEETING_ID = lambda w: {"meeting_id": w.meeting.pk}  # noqa: E731
PERSON_ID = lambda w: {"person_id": w.person.pk}  # noqa: E731
CONFLICT_ID = lambda w: {"conflict_id": w.conflict.pk}  # noqa: E731
IDEA_ID = lambda w: {"idea_id": w.idea.pk}  # noqa: E731
TRACK_ID = lambda w: {"official_track_id": w.official_track.pk}  # noqa: E731
CONSULTATION_ID = lambda w: {"consultation_id": w.consultation.pk}  # noqa: E731

API_ACCOUNTS_AND_REGISTRY = [
    api("GET", "/me", signed_in(api=True)),
    api("GET", "/people", LISTING),
    api("GET", "/people/{person_id}", read(), PERSON_ID),
    api(
        "POST",
        "/people",
        # No object named in the path, but the body names the process: outsiders 404.
        write(P.EDIT_PEOPLE),
        body=lambda w: {
            "process_id": w.process.pk,
            "pseudonym": "Participant Kite",
            "display_name": "Someone New",
        },
        writes=True,
    ),
    api(
        "PATCH",
        "/people/{person_id}",
        write(P.EDIT_PEOPLE),
        PERSON_ID,
        body=lambda w: {"phone": "+1 555 0100"},
        writes=True,
    ),
    api("GET", "/organisations", LISTING),
    api(
        "GET",
        "/organisations/{organisation_id}",
        read(),
        lambda w: {"organisation_id": w.organisation.pk},
    ),
    api(
        "POST",
        "/organisations",
        write(P.EDIT_PEOPLE).but(
            "an outsider, who holds the permission nowhere (403: nothing to hide)",
            outsider=FORBIDDEN,
        ),
        body=lambda w: {"name": "Harbour Institute", "kind": "university"},
        writes=True,
    ),
    api("GET", "/conflicts", LISTING),
    api("GET", "/conflicts/{conflict_id}", read(), CONFLICT_ID),
    api(
        "POST",
        "/conflicts",
        write(P.EDIT_PROCESS).but(
            "that it takes the model permission actors.add_conflict (outsiders 403)",
            outsider=FORBIDDEN,
        ),
        body=lambda w: {"name": "Island dispute"},
        writes=True,
    ),
    api(
        "POST",
        "/conflicts/{conflict_id}/parties",
        write(P.EDIT_PROCESS),
        CONFLICT_ID,
        body=lambda w: {"name": "Fishing community", "kind": "community"},
        writes=True,
    ),
    api("GET", "/conflicts/{conflict_id}/terms", read(), CONFLICT_ID),
    api(
        "POST",
        "/conflicts/{conflict_id}/terms",
        write(P.EDIT_PROCESS),
        CONFLICT_ID,
        body=lambda w: {"term": "the Old Quay", "neutral_wording": "the quay"},
        writes=True,
    ),
    api(
        "DELETE",
        "/conflicts/{conflict_id}/terms/{term_id}",
        write(P.EDIT_PROCESS),
        lambda w: {"conflict_id": w.conflict.pk, "term_id": w.contested_term.pk},
        writes=True,
    ),
]

API_PROCESSES = [
    api("GET", "/processes", LISTING),
    api("GET", "/processes/{process_id}", read(), PROCESS_ID),
    api(
        "POST",
        "/processes",
        write(P.EDIT_PROCESS).but(
            "that it takes the model permission processes.add_process (outsiders 403)",
            outsider=FORBIDDEN,
        ),
        body=lambda w: {"conflict_id": w.conflict.pk, "title": "Second channel"},
        writes=True,
    ),
    api(
        "PATCH",
        "/processes/{process_id}",
        write(P.EDIT_PROCESS),
        PROCESS_ID,
        body=lambda w: {"aims": "Reopen the harbour."},
        writes=True,
    ),
    api(
        "POST",
        "/processes/{process_id}/roster",
        write(P.EDIT_PEOPLE),
        PROCESS_ID,
        # Already on the roster: allowed callers get 200 and nothing changes.
        body=lambda w: {"person_id": w.southerner.pk},
    ),
    api("GET", "/meetings", LISTING),
    api("GET", "/meetings/{meeting_id}", read(), MEETING_ID),
    api(
        "POST",
        "/meetings",
        write(P.RECORD_MEETINGS),
        body=lambda w: {"process_id": w.process.pk, "title": "Round 9", "date": DAY},
        writes=True,
    ),
    api(
        "PATCH",
        "/meetings/{meeting_id}",
        write(P.RECORD_MEETINGS),
        MEETING_ID,
        body=lambda w: {"place": "Geneva"},
        writes=True,
    ),
    api("GET", "/meetings/{meeting_id}/attendance", read(), MEETING_ID),
    api(
        "POST",
        "/meetings/{meeting_id}/attendance",
        write(P.RECORD_MEETINGS),
        MEETING_ID,
        body=lambda w: {"person_id": w.southerner.pk, "status": "excused"},
        writes=True,
    ),
    api(
        "PATCH",
        "/meetings/{meeting_id}/attendance/{person_id}",
        write(P.RECORD_MEETINGS),
        lambda w: {"meeting_id": w.meeting.pk, "person_id": w.person.pk},
        body=lambda w: {"is_acting_officially": True},
        writes=True,
    ),
    api(
        "DELETE",
        "/meetings/{meeting_id}/attendance/{person_id}",
        write(P.RECORD_MEETINGS),
        lambda w: {"meeting_id": w.meeting.pk, "person_id": w.person.pk},
        writes=True,
    ),
]

API_IDEAS = [
    api("GET", "/ideas", LISTING),
    api(
        "POST",
        "/ideas",
        write(P.RECORD_IDEAS),
        body=lambda w: {
            "process_id": w.process.pk,
            "origin_meeting_id": w.held_meeting.pk,
            "title": "Hotline",
            "summary": "A military hotline.",
            "issue": "security",
        },
        writes=True,
    ),
    api("GET", "/ideas/{idea_id}", read(), IDEA_ID),
    api("GET", "/ideas/{idea_id}/journey", read(), IDEA_ID),
    api(
        "POST",
        "/ideas/{idea_id}/stage-changes",
        write(P.RECORD_IDEAS),
        IDEA_ID,
        body=lambda w: {"stage": "developed", "date": DAY, "reason": "Reworked"},
        writes=True,
    ),
    api(
        "POST",
        "/ideas/{idea_id}/versions",
        write(P.RECORD_IDEAS),
        IDEA_ID,
        body=lambda w: {"summary": "A smaller board.", "date": DAY},
        writes=True,
    ),
    api(
        "POST",
        "/ideas/{idea_id}/transfers",
        write(P.RECORD_IDEAS),
        IDEA_ID,
        body=lambda w: {"date": DAY, "carrier_kind": "briefing", "recipient_kind": "ministry"},
        writes=True,
    ),
    api("GET", "/conflicts/{conflict_id}/official-tracks", read(), CONFLICT_ID),
    api(
        "POST",
        "/conflicts/{conflict_id}/official-tracks",
        write(P.RECORD_OFFICIAL_TALKS),
        CONFLICT_ID,
        body=lambda w: {"name": "Water talks", "party_ids": [w.north.pk, w.south.pk]},
        writes=True,
    ),
    api("GET", "/official-tracks/{official_track_id}", read(), TRACK_ID),
    api("GET", "/official-tracks/{official_track_id}/rounds", read(), TRACK_ID),
    api(
        "POST",
        "/official-tracks/{official_track_id}/rounds",
        write(P.RECORD_OFFICIAL_TALKS),
        TRACK_ID,
        body=lambda w: {"title": "Second round", "start_date": DAY},
        writes=True,
    ),
    api(
        "POST",
        "/official-tracks/{official_track_id}/status",
        write(P.RECORD_OFFICIAL_TALKS),
        TRACK_ID,
        body=lambda w: {"status": "stalled", "date": DAY, "reason": "Deadlock"},
        writes=True,
    ),
    api(
        "POST",
        "/official-tracks/{official_track_id}/agreements",
        write(P.RECORD_OFFICIAL_TALKS),
        TRACK_ID,
        body=lambda w: {"title": "Quay accord", "date": DAY, "signatory_ids": [w.north.pk]},
        writes=True,
    ),
    api("GET", "/agreements/{agreement_id}", read(), lambda w: {"agreement_id": w.agreement.pk}),
    api(
        "POST",
        "/agreements/{agreement_id}/provisions",
        write(P.RECORD_OFFICIAL_TALKS),
        lambda w: {"agreement_id": w.agreement.pk},
        body=lambda w: {"number": "2", "text": "Joint patrols."},
        writes=True,
    ),
    api("GET", "/conflicts/{conflict_id}/channels", read(), CONFLICT_ID),
    api("GET", "/channel-warnings", LISTING),
    api(
        "POST",
        "/non-papers",
        write(P.RECORD_IDEAS),
        body=lambda w: {
            "process_id": w.process.pk,
            "title": "Board options",
            "idea_ids": [w.idea.pk],
        },
        writes=True,
    ),
    api("GET", "/non-papers/{non_paper_id}", read(), lambda w: {"non_paper_id": w.non_paper.pk}),
    api(
        "POST",
        "/non-papers/{non_paper_id}/overrides",
        write(P.EXPORT_DOCUMENTS),
        lambda w: {"non_paper_id": w.flagged_non_paper.pk},
        body=_overridden_words,
        writes=True,
    ),
    api(
        "POST",
        "/non-papers/{non_paper_id}/exports/{format}",
        write(P.EXPORT_DOCUMENTS),
        lambda w: {"non_paper_id": w.non_paper.pk, "format": "md"},
        writes=True,
    ),
]

API_INSIGHTS = [
    api("GET", "/processes/{process_id}/health", read(), PROCESS_ID),
    api("GET", "/meetings/{meeting_id}/checks", read(), MEETING_ID),
    api(
        "POST",
        "/processes/{process_id}/stakeholder-categories",
        write(P.EDIT_PRACTICE),
        PROCESS_ID,
        body=lambda w: {"label": "Youth", "kind": "women", "minimum_percent": 30},
        writes=True,
    ),
    api("GET", "/processes/{process_id}/ties", read(P.READ_TIES), PROCESS_ID),
    api(
        "POST",
        "/processes/{process_id}/ties",
        write(P.RECORD_TIES),
        PROCESS_ID,
        body=lambda w: {
            "person_id": w.southerner.pk,
            "other_id": w.person.pk,
            "kind": "trusts",
            "observed_on": DAY,
        },
        writes=True,
    ),
    api(
        "POST",
        "/surveys/{survey_id}/responses",
        write(P.RECORD_SURVEY_RESPONSES),
        lambda w: {"survey_id": w.survey.pk},
        body=lambda w: {"answers": {str(item.pk): item.scale_min for item in w.survey.items.all()}},
        writes=True,
    ),
]

API_CONSULTATIONS = [
    api("GET", "/consultations/", LISTING),
    api("GET", "/consultations/{consultation_id}", read(), CONSULTATION_ID),
    api(
        "GET",
        "/consultations/{consultation_id}",
        creator_only(api=True),
        lambda w: {"consultation_id": w.standalone_consultation.pk},
        variant=STANDALONE,
    ),
    api("GET", "/consultations/{consultation_id}/results", read(P.VIEW_RESULTS), CONSULTATION_ID),
    api(
        "GET",
        "/consultations/{consultation_id}/results",
        read(P.VIEW_RESULTS),
        lambda w: {"consultation_id": w.public_consultation.pk},
        variant="public results",
    ),
    api(
        "GET",
        "/consultations/{consultation_id}/moderation",
        read(P.MODERATE_STATEMENTS),
        CONSULTATION_ID,
    ),
    api(
        "POST",
        "/consultations/{consultation_id}/moderation",
        write(P.MODERATE_STATEMENTS),
        CONSULTATION_ID,
        body=lambda w: {"numbers": [1], "decision": "meta"},
        writes=True,
    ),
    # Participants: no staff credentials; the link's key and the browser's cookie.
    api(
        "GET",
        "/consultations/participate/{key}/next",
        PARTICIPANT,
        _key("consultation"),
        variant=LINK,
    ),
    api(
        "GET",
        "/consultations/participate/{key}/next",
        everyone(FORBIDDEN, "invited participants only (the page, too, shows no statement)"),
        _key("invited_consultation"),
        variant=INVITED,
    ),
    api(
        "POST",
        "/consultations/participate/{key}/votes",
        PARTICIPANT,
        _key("consultation"),
        body=lambda w: VOTE,
        writes=True,
        variant=LINK,
    ),
    api(
        "POST",
        "/consultations/participate/{key}/votes",
        everyone("422", "invited participants only: refused, nothing stored"),
        _key("invited_consultation"),
        body=lambda w: VOTE,
        variant=INVITED,
    ),
    api(
        "POST",
        "/consultations/participate/{key}/statements",
        PARTICIPANT,
        _key("consultation"),
        body=lambda w: {"text": "Lighthouses need keepers from both shores."},
        writes=True,
        variant=LINK,
    ),
    api(
        "POST",
        "/consultations/participate/{key}/statements",
        everyone("422", "invited participants only: refused, nothing stored"),
        _key("invited_consultation"),
        body=lambda w: {"text": "Lighthouses need keepers from both shores."},
        variant=INVITED,
    ),
]

API_ROWS: list[Row] = [
    *API_ACCOUNTS_AND_REGISTRY,
    *API_PROCESSES,
    *API_IDEAS,
    *API_INSIGHTS,
    *API_CONSULTATIONS,
]

ROWS: list[Row] = [*WEB_ROWS, *API_ROWS]


# --- Field-level need-to-know -------------------------------------------------------------

# Which canaries (tests/access_world.py) a caller may read in any answer, by permission.
CANARY_PERMISSIONS: dict[str, Permission] = {
    "process": P.VIEW_PROCESS,
    "names": P.SEE_REAL_NAMES,
    "notes": P.READ_NOTES,
    "attachments": P.READ_ATTACHMENTS,
    "invited": P.VIEW_PROCESS,
}
# And the convener's own account (their API token's name): nobody else.
PERSONAL_CANARIES = {"convener_account": "convener"}


def may_read(caller: str, canary: str) -> bool:
    """Whether ``caller`` may read the strings of kind ``canary`` at all."""
    if canary in PERSONAL_CANARIES:
        return caller == PERSONAL_CANARIES[canary]
    if caller not in MEMBERS:
        return False
    return CANARY_PERMISSIONS[canary] in ROLE_PERMISSIONS[caller]


# --- Naming another process's object ------------------------------------------------------

# Requests the convener may make about their own process, with one id swapped for an object
# of the stranger's process: in the URL (answer: 404) or in the body (answer: 404, or the form
# or payload refused). Either way nothing changes. Keyed by Row.label.
Override = Callable[[World], dict[str, dict[str, Any]]]


def _in_url(**names: Callable[[World], Any]) -> Override:
    return lambda w: {"kwargs": {name: get_pk(w) for name, get_pk in names.items()}}


def _in_body(**names: Callable[[World], Any]) -> Override:
    return lambda w: {"body": {name: value(w) for name, value in names.items()}}


THEIR_PERSON = lambda w: w.theirs.person.pk  # noqa: E731
THEIR_MEETING = lambda w: w.workspace.other_meeting.pk  # noqa: E731
THEIR_PROCESS = lambda w: w.workspace.other_process.pk  # noqa: E731
THEIR_PARTIES = lambda w: [w.theirs.party.pk]  # noqa: E731


def _their_entry(what: str) -> Override:
    return _in_url(entry_pk=lambda w: w.theirs.entries[what].pk)


FOREIGN: dict[str, Override] = {
    "POST person-create": _in_body(process=THEIR_PROCESS),
    "POST person-edit": _in_body(parties=THEIR_PARTIES),
    "POST affiliation-remove": _in_url(affiliation_pk=lambda w: w.theirs.affiliation.pk),
    "POST contested-term-remove": _in_url(term_pk=lambda w: w.theirs.contested_term.pk),
    "POST process-create": _in_body(conflict=lambda w: w.workspace.other_process.conflict_id),
    "POST member-change": _in_url(user_id=lambda w: w.theirs.stranger.pk),
    "POST member-remove": _in_url(user_id=lambda w: w.theirs.stranger.pk),
    "POST attendance-add": _in_body(person=THEIR_PERSON),
    "POST attendance-change": _in_url(pk=lambda w: w.theirs.attendance.pk),
    "POST attendance-remove": _in_url(pk=lambda w: w.theirs.attendance.pk),
    "POST follow-up-add": _in_body(owner=THEIR_PERSON),
    "POST follow-up-set-done": _in_url(pk=lambda w: w.theirs.follow_up.pk),
    "GET attachment-download": _in_url(pk=lambda w: w.theirs.attachment.pk),
    "POST attachment-remove": _in_url(pk=lambda w: w.theirs.attachment.pk),
    "POST idea-create": _in_body(origin_meeting=THEIR_MEETING),
    "POST idea-version-add": _in_body(meeting=THEIR_MEETING),
    "POST idea-transfer": _in_body(official_track=lambda w: w.theirs.official_track.pk),
    "POST official-track-list": _in_body(parties=THEIR_PARTIES),
    "POST agreement-add": _in_body(signatories=THEIR_PARTIES),
    "POST practice-add [tag]": _in_body(**{"tag-person": THEIR_PERSON}),
    "POST practice-add [calendar]": _in_body(**{"calendar-party": lambda w: w.theirs.party.pk}),
    "POST practice-add [venue]": _in_body(**{"venue-party": lambda w: w.theirs.party.pk}),
    **{f"POST practice-delete [{what}]": _their_entry(what) for what in PRACTICE_ENTRIES},
    "POST tie-list": _in_body(person=THEIR_PERSON),
    "POST tie-delete": _in_url(tie_pk=lambda w: w.theirs.tie.pk),
    "POST survey-list": _in_body(meeting=THEIR_MEETING),
    # The API.
    "POST /api/v1/people": _in_body(process_id=THEIR_PROCESS),
    "DELETE /api/v1/conflicts/{conflict_id}/terms/{term_id}": _in_url(
        term_id=lambda w: w.theirs.contested_term.pk
    ),
    "POST /api/v1/processes/{process_id}/roster": _in_body(person_id=THEIR_PERSON),
    "POST /api/v1/meetings": _in_body(process_id=THEIR_PROCESS),
    "POST /api/v1/meetings/{meeting_id}/attendance": _in_body(person_id=THEIR_PERSON),
    "PATCH /api/v1/meetings/{meeting_id}/attendance/{person_id}": _in_url(person_id=THEIR_PERSON),
    "DELETE /api/v1/meetings/{meeting_id}/attendance/{person_id}": _in_url(person_id=THEIR_PERSON),
    "POST /api/v1/ideas": _in_body(origin_meeting_id=THEIR_MEETING),
    "POST /api/v1/ideas/{idea_id}/versions": _in_body(meeting_id=THEIR_MEETING),
    "POST /api/v1/ideas/{idea_id}/transfers": _in_body(
        official_track_id=lambda w: w.theirs.official_track.pk
    ),
    "POST /api/v1/conflicts/{conflict_id}/official-tracks": _in_body(party_ids=THEIR_PARTIES),
    "POST /api/v1/official-tracks/{official_track_id}/agreements": _in_body(
        signatory_ids=THEIR_PARTIES
    ),
    "POST /api/v1/processes/{process_id}/ties": _in_body(person_id=THEIR_PERSON),
    "POST /api/v1/non-papers": _in_body(process_id=THEIR_PROCESS),
}
