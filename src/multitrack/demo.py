"""The demo workspace: a realistic but entirely fictional conflict, its dialogues and their users.

Everything in it is invented: the Republic of Varnia, the Kestrel Federation, the Oru community
living on both shores of the Selka Strait, the Northern Seas Concord that mediates between them,
and every person and organisation. Any resemblance to real people is a coincidence of common
names.

The content is built through the same services the web pages use, so it passes the same
validation, permission checks and Chatham House guard, and it is the same on every load
(``random.Random(random_state)``). The passwords are not: they are drawn from ``secrets`` on
each load, never fixed, and kept in ``VAR_DIR / "demo-logins.txt"`` (mode 0600) for
``multitrack demo --print-login``, with the authenticator app keys of the conveners and the
administrator, who must use two-step sign-in (``--print-login`` shows their current code).

The demo only loads into an empty database (no process and no user), so it can never mix
invented people into a real registry.
"""

from __future__ import annotations

import base64
import datetime
import os
import random
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import totp

from multitrack.accounts.mfa_services import authenticator_app_create
from multitrack.accounts.models import Role
from multitrack.actors.capacity import Capacity, is_serving_official
from multitrack.actors.models import Conflict, Organisation, Party, Person
from multitrack.actors.services import (
    affiliation_add,
    conflict_create,
    organisation_create,
    party_add,
    person_create,
    person_update,
)
from multitrack.processes.models import Attendance, GroundRules, Meeting, Process
from multitrack.processes.rules import Track
from multitrack.processes.services import (
    agenda_item_add,
    attendance_record,
    follow_up_add,
    follow_up_set_done,
    meeting_schedule,
    membership_set,
    note_write,
    process_create,
    roster_add,
)

DEMO_SEED = 2023
LOGINS_FILE_NAME = "demo-logins.txt"
_D = datetime.date


class DatabaseNotEmptyError(Exception):
    """The demo was not loaded because the database already holds data."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo account: what it is for, its username, its (random) password and, for those who
    must use two-step sign-in (conveners, the administrator), their authenticator app's key."""

    role_label: str
    username: str
    password: str
    authenticator_key: str = ""  # base32, as an authenticator app takes it; "" if none

    def line(self) -> str:
        return f"  Log in as {self.role_label} '{self.username}' with password: {self.password}"

    def two_step_line(self) -> str:
        """The code the authenticator app would show now, and the key to add it to a real app."""
        code = current_code(self.authenticator_key)
        return (
            f"    then two-step sign-in code {code} (a new one every 30 s, each works once; "
            "`.venv/bin/multitrack demo --print-login` prints fresh ones), "
            f"or add this key to an authenticator app: {self.authenticator_key}"
        )


@dataclass
class DemoSummary:
    """What a demo load created."""

    processes: int = 0
    meetings: int = 0
    people: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    logins_path: Path | None = None


def demo_logins_path() -> Path:
    """Where the demo's passwords are kept."""
    return Path(settings.VAR_DIR) / LOGINS_FILE_NAME


def database_is_empty() -> bool:
    """Whether the database has no process and no user, so the demo may load into it."""
    return not Process.objects.exists() and not get_user_model().objects.exists()


def demo_load(*, random_state: int = DEMO_SEED, logins_path: Path | None = None) -> DemoSummary:
    """Build the fictional demo workspace in an empty database and write its logins file.

    Raises ``DatabaseNotEmptyError`` if the database already holds a process or a user.
    """
    if not database_is_empty():
        raise DatabaseNotEmptyError(
            "The database is not empty; the demo loads only into an empty database, so it never "
            "mixes invented people into a real registry."
        )
    path = logins_path or demo_logins_path()
    with transaction.atomic():
        # Seeded on purpose: the content is the same on every load (passwords use secrets).
        summary = _Builder(random.Random(random_state)).build()  # noqa: S311  # nosec B311
        _load_extensions()
        # Inside the transaction: if the file cannot be written, nobody has unknown passwords.
        _write_logins(path, summary.logins)
    summary.logins_path = path
    return summary


def _load_extensions() -> None:
    """Ideas and official talks, best-practice data and a consultation, on top of the base.

    Imported here because each extension finds the base demo's people and processes by name
    through this module.
    """
    from multitrack.consultations.demo import load_consultations_demo
    from multitrack.ideas.demo import load_ideas_demo
    from multitrack.practice.demo import load_practice_demo

    # The consultation first: one demo idea is born in it (from its bridging statements).
    load_consultations_demo()
    load_ideas_demo()
    load_practice_demo()


def demo_logins(*, logins_path: Path | None = None) -> list[DemoLogin]:
    """The demo logins kept at the last load (empty if the demo was never loaded here)."""
    path = logins_path or demo_logins_path()
    if not path.exists():
        return []
    logins = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            # Three columns in files written before two-step sign-in, four since.
            logins.append(DemoLogin(*raw.split("\t")))
    return logins


def current_code(authenticator_key: str) -> str:
    """The six-digit code an authenticator app with this base32 key shows now (RFC 6238)."""
    return f"{totp(base64.b32decode(authenticator_key)):06d}"


def _write_logins(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # os.open's mode only applies to a new file: make sure an old one is private too.
    os.chmod(path, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("# Multitrack demo logins (fictional workspace). Keep this file private.\n")
        file.write("# role\tusername\tpassword\tauthenticator app key (two-step sign-in)\n")
        for login in logins:
            file.write(
                f"{login.role_label}\t{login.username}\t{login.password}"
                f"\t{login.authenticator_key}\n"
            )


def _password() -> str:
    return secrets.token_urlsafe(12)


# --- The content ---------------------------------------------------------------------------

CONFLICT_NAME = "Selka Strait dispute (fictional)"
CONFLICT_SUMMARY = (
    "A fictional dispute between the Republic of Varnia and the Kestrel Federation over the "
    "maritime boundary and fishing grounds of the Selka Strait. The Oru community lives on both "
    "shores and has been cut off from family and sacred sites since the crossing rules changed. "
    "Official talks in Aldmere, mediated by the Northern Seas Concord, stall and resume."
)

# key: (name, party key or "", kind, country)
PARTIES = {
    "varnia": ("Republic of Varnia", Party.Kind.STATE, False),
    "kestrel": ("Kestrel Federation", Party.Kind.STATE, False),
    "oru": ("Oru community", Party.Kind.COMMUNITY, True),
}

K = Organisation.Kind
ORGANISATIONS: dict[str, tuple[str, str, str, str]] = {
    "v_mfa": ("Varnian Ministry of Foreign Affairs", K.GOVERNMENT, "Varnia", "varnia"),
    "v_interior": ("Varnian Ministry of the Interior", K.GOVERNMENT, "Varnia", "varnia"),
    "v_education": ("Varnian Ministry of Education", K.GOVERNMENT, "Varnia", "varnia"),
    "v_coast": ("Varnian Coast Guard", K.GOVERNMENT, "Varnia", "varnia"),
    "k_ffo": ("Kestrel Federal Foreign Office", K.GOVERNMENT, "Kestrel Federation", "kestrel"),
    "k_fish": ("Kestrel Federal Fisheries Agency", K.GOVERNMENT, "Kestrel Federation", "kestrel"),
    "k_defence": ("Kestrel Ministry of Defence", K.GOVERNMENT, "Kestrel Federation", "kestrel"),
    "concord": ("Northern Seas Concord", K.INTERGOVERNMENTAL, "", ""),
    "u_solvik": ("University of Solvik", K.UNIVERSITY_OR_THINK_TANK, "Varnia", ""),
    "u_kestrel": (
        "Kestrel Institute for Maritime Studies",
        K.UNIVERSITY_OR_THINK_TANK,
        "Kestrel Federation",
        "",
    ),
    "meridian": ("Meridian Centre for Dialogue", K.UNIVERSITY_OR_THINK_TANK, "", ""),
    "fisherfolk": ("Selka Fisherfolk Alliance", K.NGO_OR_CIVIL_SOCIETY, "", ""),
    "oru_rights": ("Oru Rights Network", K.NGO_OR_CIVIL_SOCIETY, "", "oru"),
    "bridges": ("Bridges Women's Forum", K.NGO_OR_CIVIL_SOCIETY, "Varnia", ""),
    "v_youth": ("Varnian Youth Council", K.NGO_OR_CIVIL_SOCIETY, "Varnia", ""),
    "oru_youth": ("Oru Youth Circle", K.NGO_OR_CIVIL_SOCIETY, "", "oru"),
    "k_civic": ("Kestrel Civic Foundation", K.NGO_OR_CIVIL_SOCIETY, "Kestrel Federation", ""),
    "tidewater": ("Tidewater Dialogue Trust", K.NGO_OR_CIVIL_SOCIETY, "", ""),
    "synod": ("Holy Synod of Varnia", K.RELIGIOUS, "Varnia", ""),
    "oru_elders": ("Oru Council of Elders", K.RELIGIOUS, "", "oru"),
    "k_interfaith": ("Kestrel Interfaith Council", K.RELIGIOUS, "Kestrel Federation", ""),
    "tarsk": ("Tarsk Shipping Company", K.BUSINESS, "Varnia", ""),
    "k_chamber": ("Kestrel Chamber of Commerce", K.BUSINESS, "Kestrel Federation", ""),
    "ledger": ("Solvik Daily Ledger", K.MEDIA, "Varnia", ""),
    "kbs": ("Kestrel Broadcasting Service", K.MEDIA, "Kestrel Federation", ""),
    "oru_radio": ("Oru Community Radio", K.MEDIA, "", "oru"),
}

# First names by gender, and family names, per party ("intl": mediator staff and experts).
W, M, N = Person.Gender.WOMAN, Person.Gender.MAN, Person.Gender.NON_BINARY
FIRST_NAMES: dict[str, dict[str, str]] = {
    "varnia": {
        W: "Milena Ilse Oksana Petra Lidia Teodora Zofia Irena",
        M: "Dragan Andrei Viktor Stefan Bogdan Radu Emil Luka",
        N: "Sasha",
    },
    "kestrel": {
        W: "Eleanor Aisha Ingrid Freya Nadia Priya Grace Mei",
        M: "Tobias Callum Marcus Samuel Owen Hugo Kwame Arjun",
        N: "Robin",
    },
    "oru": {
        W: "Amani Leyla Mariam Soraya Zara Nuriye Ayla",
        M: "Tarek Idris Kaveh Yusuf Emre Dawit Samir",
        N: "Noor",
    },
    "intl": {W: "Sofía Annika Chiamaka Yuki Lucía", M: "Kenji Mateo Pierre Henrik Tunde"},
}
FAMILY_NAMES: dict[str, str] = {
    "varnia": "Varga Dravić Petrescu Lindqvist Halvorsen Novak Kovač Ionescu Sørensen Marin "
    "Bălan Horváth Stanek Radev",
    "kestrel": "Ashworth Brennan Okafor Lindgren Whitlock Castell Rahman Holt Devereux Mensah "
    "Fitzgerald Nakamura Osei Pemberton",
    "oru": "Abarra Keshani Orhani Temelli Saradan Ilkay Benaro Qasimi Durrani Melek Haddou",
    "intl": "Márquez Watanabe Eze Moreau Berg Castillo Adeyemi Lindholm",
}
# Where the mediator's staff and experts come from (ISO 3166-1 codes): their public holidays are
# checked before meetings. Varnia, the Kestrel Federation and the Oru homeland are fictional, so
# their people have no country; their religious calendars are set per party (practice/demo.py).
INTL_COUNTRIES = {
    "Sofía": "AR",
    "Annika": "SE",
    "Chiamaka": "NG",
    "Yuki": "JP",
    "Lucía": "ES",
    "Kenji": "JP",
    "Mateo": "AR",
    "Pierre": "FR",
    "Henrik": "NO",
    "Tunde": "NG",
}
LANGUAGES = {
    "varnia": ["Varnian"],
    "kestrel": ["Kestrelian", "English"],
    "oru": ["Oru"],
    "intl": ["English", "French"],
}
SECOND_LANGUAGES = {
    "varnia": ["Oru", "English"],
    "kestrel": ["Oru", "Varnian"],
    "oru": ["Varnian", "Kestrelian"],
    "intl": ["Varnian", "Kestrelian", "Spanish"],
}
# Birds, trees and stones: words no note about fisheries or family visits will use.
# fmt: off
PSEUDONYMS = [
    "Heron", "Cedar", "Alder", "Birch", "Wren", "Linnet", "Osprey", "Plover", "Rowan", "Hazel",
    "Juniper", "Larch", "Sorrel", "Tansy", "Yarrow", "Bracken", "Fennel", "Marten", "Otter",
    "Lynx", "Ibex", "Egret", "Curlew", "Dunlin", "Godwit", "Lapwing", "Merlin", "Petrel", "Avocet",
    "Bittern", "Grebe", "Oriole", "Pipit", "Shrike", "Tern", "Warbler", "Aspen", "Hawthorn",
    "Myrtle", "Poplar", "Sycamore", "Walnut", "Acacia", "Baobab", "Cypress", "Tamarind", "Basalt",
    "Quartz", "Garnet", "Jasper", "Onyx", "Agate", "Beryl", "Cobalt", "Obsidian", "Kingfisher",
    "Nightjar", "Puffin", "Sandpiper", "Starling", "Redstart", "Whimbrel", "Fulmar", "Gannet",
    "Kittiwake", "Cormorant",
]
# fmt: on

C = Capacity
# Roster slots per process: (party, capacity, organisation key, role, how many).
SLOTS: dict[str, list[tuple[str, Capacity, str, str, int]]] = {
    "coastal": [
        ("varnia", C.ACADEMIC, "u_solvik", "Lecturer in fisheries economics", 1),
        ("varnia", C.FORMER_OFFICIAL, "meridian", "Senior adviser", 1),
        ("varnia", C.NGO_OR_CIVIL_SOCIETY, "fisherfolk", "Regional coordinator", 2),
        ("varnia", C.BUSINESS, "tarsk", "Operations director", 1),
        ("varnia", C.JOURNALIST, "ledger", "Maritime correspondent", 1),
        ("varnia", C.RELIGIOUS_LEADER, "synod", "Priest of the port parish", 1),
        ("varnia", C.YOUTH_REPRESENTATIVE, "v_youth", "Board member", 1),
        ("kestrel", C.ACADEMIC, "u_kestrel", "Research fellow", 3),
        ("kestrel", C.FORMER_OFFICIAL, "k_civic", "Trustee", 1),
        ("kestrel", C.NGO_OR_CIVIL_SOCIETY, "k_civic", "Programme officer", 1),
        ("kestrel", C.NGO_OR_CIVIL_SOCIETY, "fisherfolk", "Harbour organiser", 1),
        ("kestrel", C.BUSINESS, "k_chamber", "Head of maritime trade", 1),
        ("kestrel", C.JOURNALIST, "kbs", "Producer", 1),
        ("oru", C.COMMUNITY_LEADER, "", "Village representative", 2),
        ("oru", C.NGO_OR_CIVIL_SOCIETY, "oru_rights", "Coordinator", 1),
    ],
    "voices": [
        ("oru", C.COMMUNITY_LEADER, "", "Community elder", 3),
        ("oru", C.WOMENS_GROUP_REPRESENTATIVE, "bridges", "Oru women's network lead", 3),
        ("oru", C.YOUTH_REPRESENTATIVE, "oru_youth", "Youth organiser", 2),
        ("oru", C.RELIGIOUS_LEADER, "oru_elders", "Keeper of the shrine", 2),
        ("oru", C.JOURNALIST, "oru_radio", "Presenter", 1),
        ("oru", C.NGO_OR_CIVIL_SOCIETY, "oru_rights", "Legal officer", 1),
        ("varnia", C.NGO_OR_CIVIL_SOCIETY, "bridges", "Director", 1),
        ("varnia", C.RELIGIOUS_LEADER, "synod", "Bishop's envoy", 1),
        ("varnia", C.ACADEMIC, "u_solvik", "Professor of anthropology", 1),
        ("kestrel", C.NGO_OR_CIVIL_SOCIETY, "k_civic", "Community programmes lead", 1),
        ("kestrel", C.ACADEMIC, "u_kestrel", "Lecturer in minority rights", 1),
        ("kestrel", C.JOURNALIST, "kbs", "Reporter", 1),
    ],
    "lakeside": [
        ("varnia", C.DIPLOMAT, "v_mfa", "Counsellor, boundary affairs", 3),
        ("varnia", C.SENIOR_OFFICIAL, "v_mfa", "Director for neighbouring states", 1),
        ("varnia", C.SENIOR_OFFICIAL, "v_interior", "Deputy director for border crossings", 1),
        ("varnia", C.MILITARY_OR_SECURITY, "v_coast", "Commander, strait sector", 1),
        ("varnia", C.FORMER_OFFICIAL, "u_solvik", "Visiting professor", 1),
        ("kestrel", C.DIPLOMAT, "k_ffo", "First secretary, strait desk", 3),
        ("kestrel", C.SENIOR_OFFICIAL, "k_ffo", "Director-general for the region", 1),
        ("kestrel", C.SENIOR_OFFICIAL, "k_fish", "Head of international fisheries", 1),
        ("kestrel", C.MILITARY_OR_SECURITY, "k_defence", "Naval liaison officer", 1),
        ("intl", C.INTERGOVERNMENTAL_OFFICIAL, "concord", "Political affairs officer", 4),
        ("intl", C.ACADEMIC, "meridian", "Senior researcher", 2),
    ],
}

PROCESSES: dict[str, dict[str, Any]] = {
    "coastal": {
        "title": "Selka Strait Coastal Dialogue",
        "declared_track": Track.TRACK_2,
        "convener": "meridian",
        "ground_rules": GroundRules.CHATHAM_HOUSE,
        "start_date": _D(2023, 2, 1),
        "aims": (
            "Build trust between fishing and port communities on both shores of the Selka "
            "Strait, and develop practical options on shared fisheries data, search and rescue "
            "and port access in storms that the official talks in Aldmere can take up."
        ),
        "working_languages": ["English"],
        "interpretation_languages": ["Varnian", "Kestrelian"],
    },
    "voices": {
        "title": "Oru Voices Dialogue",
        "declared_track": Track.TRACK_2,
        "convener": "tidewater",
        "ground_rules": GroundRules.CHATHAM_HOUSE,
        "start_date": _D(2023, 4, 1),
        "aims": (
            "Give Oru women, young people, elders and faith leaders from both shores a safe space "
            "to agree on their priorities (family visits, language education, sacred sites) and "
            "to carry them into the official talks, where the community has no seat."
        ),
        "working_languages": ["Oru", "Varnian"],
        "interpretation_languages": ["Kestrelian"],
    },
    "lakeside": {
        "title": "Lakeside Consultations",
        "declared_track": Track.TRACK_1_5,
        "convener": "concord",
        "ground_rules": GroundRules.OFF_THE_RECORD,
        "start_date": _D(2023, 3, 1),
        "aims": (
            "Bring officials of both governments, in a personal capacity, together with experts "
            "and community voices to test options before they are tabled at the official talks "
            "in Aldmere, and to keep a channel open whenever the official talks stall."
        ),
        "working_languages": ["English"],
        "interpretation_languages": ["Varnian", "Kestrelian"],
    },
}

# Earlier posts at the same organisation, all ended before the dialogues began.
EARLIER_ROLES: dict[Capacity, str] = {
    C.ACADEMIC: "Doctoral researcher",
    C.NGO_OR_CIVIL_SOCIETY: "Volunteer",
    C.JOURNALIST: "Junior reporter",
    C.BUSINESS: "Analyst",
    C.DIPLOMAT: "Attaché",
    C.SENIOR_OFFICIAL: "Desk officer",
    C.MILITARY_OR_SECURITY: "Lieutenant",
    C.INTERGOVERNMENTAL_OFFICIAL: "Junior professional officer",
    C.WOMENS_GROUP_REPRESENTATIVE: "Volunteer",
}

# The academic who joins government on 1 March 2024 comes to one more round, as an official.
ENVOY_LAST_ROUND = _D(2024, 4, 23)
HELD, CANCELLED, PLANNED = Meeting.Status.HELD, Meeting.Status.CANCELLED, Meeting.Status.PLANNED
# (date, title, place, is virtual, status, special). Specials: "closed" (officials only,
# declared Track 1), "technical" (the officials send apologies), "teacher" (a serving official
# comes once, in a personal capacity).
MEETINGS: dict[str, list[tuple[datetime.date, str, str, bool, str, str]]] = {
    "coastal": [
        (_D(2023, 3, 14), "Round 1: Listening to the coast", "Port Ellery", False, HELD, ""),
        (_D(2023, 6, 20), "Round 2: What the catch tells us", "", True, HELD, ""),
        (_D(2023, 10, 10), "Round 3: Search and rescue at sea", "Tarsk", False, HELD, ""),
        (_D(2024, 2, 6), "Round 4: Safe harbour in storms", "Port Ellery", False, HELD, ""),
        (ENVOY_LAST_ROUND, "Round 5: A shared data pilot", "Valmont", False, HELD, ""),
        (_D(2024, 9, 17), "Round 6: Fuel, subsidies and pressure on stocks", "", True, HELD, ""),
        (_D(2025, 2, 11), "Round 7: Women in the fish trade", "Tarsk", False, CANCELLED, ""),
        (
            _D(2025, 6, 24),
            "Round 7 (rescheduled): Women in the fish trade",
            "Valmont",
            False,
            HELD,
            "",
        ),
        (_D(2026, 4, 14), "Round 8: Three years on", "Port Ellery", False, HELD, ""),
    ],
    "voices": [
        (_D(2023, 5, 9), "First gathering", "Mirel", False, HELD, ""),
        (_D(2023, 9, 26), "Family visits across the strait", "Mirel", False, HELD, ""),
        (_D(2024, 1, 30), "Language and schooling", "", True, HELD, ""),
        (_D(2024, 6, 11), "Sacred sites and cemeteries", "Orsa", False, HELD, ""),
        (_D(2024, 11, 19), "Priorities for the official talks", "Mirel", False, HELD, ""),
        (_D(2025, 4, 8), "Schooling in the mother tongue", "Orsa", False, HELD, "teacher"),
        (_D(2025, 10, 14), "Young voices", "", True, HELD, ""),
        (_D(2026, 6, 16), "Looking back, looking ahead", "Mirel", False, HELD, ""),
    ],
    "lakeside": [
        (_D(2023, 4, 18), "Opening consultation", "Lake Orsa Lodge", False, HELD, ""),
        (_D(2023, 11, 21), "Confidence-building at sea", "Lake Orsa Lodge", False, HELD, ""),
        (
            _D(2024, 2, 20),
            "Closed session: wording for the search and rescue statement",
            "Valmont",
            False,
            HELD,
            "closed",
        ),
        (_D(2024, 5, 14), "Fisheries management models", "Lake Orsa Lodge", False, HELD, ""),
        (_D(2024, 10, 8), "Keeping a channel open", "", True, HELD, ""),
        (_D(2025, 3, 18), "Technical session: fisheries data", "Valmont", False, HELD, "technical"),
        (
            _D(2025, 9, 23),
            "Family visits as a humanitarian question",
            "Lake Orsa Lodge",
            False,
            HELD,
            "",
        ),
        (
            _D(2026, 12, 8),
            "Options for the next round of official talks",
            "Lake Orsa Lodge",
            False,
            PLANNED,
            "",
        ),
    ],
}

AGENDA: dict[str, list[tuple[str, str]]] = {
    "coastal": [
        ("Catch trends on both shores", "What each community has seen over five seasons."),
        ("A common format for catch data", "Anonymised, so no boat can be singled out."),
        ("Search and rescue hotline", "A direct line between duty officers."),
        ("Safe harbour for small boats in storms", ""),
        ("Fuel subsidies and pressure on stocks", ""),
        ("Women in processing and trade", "Who is missing from the room."),
        ("Messages for the official talks", "What to pass on, and through which channel."),
        ("Port fees and inspections", ""),
    ],
    "voices": [
        ("Family visits and crossing rules", "Experiences since the rules changed."),
        ("Schooling in the Oru language", ""),
        ("Sacred sites and cemeteries", "Access, upkeep, safe passage."),
        ("Community radio and accurate information", ""),
        ("Safety of participants", "What each of us needs to take part safely."),
        ("Three priorities for the official talks", ""),
        ("Reaching Oru people in the capitals", ""),
    ],
    "lakeside": [
        ("Sequencing confidence-building measures", ""),
        ("Practical arrangements that leave legal positions intact", ""),
        ("Joint fisheries management: models from elsewhere", ""),
        ("Search and rescue: draft statement", ""),
        ("Family visits as a humanitarian matter", ""),
        ("Keeping a channel open while the talks are suspended", ""),
        ("Options for the next round of official talks", ""),
    ],
}

# Chatham House notes: what was said, never by whom (the builder's guard checks every one).
NOTES: dict[str, list[str]] = {
    "coastal": [
        "Participants from both shores described falling catches over five seasons and agreed "
        "that neither side's figures are trusted by the other. Several voices warned that "
        "publishing raw numbers could be used against small boat owners.",
        "There was broad agreement that crews in distress must be helped whatever their flag. "
        "Concerns were raised about boarding practices at sea; a hotline between duty officers "
        "was suggested as a first step.",
        "Access to shelter for small boats during storms was described as the most urgent "
        "humanitarian issue. The convening team was asked to collect examples, without "
        "naming crews.",
        "A participant with experience of earlier negotiations cautioned that ideas presented "
        "as coming from this group would be dismissed; framing them as options from "
        "independent experts was preferred.",
        "The group reviewed a draft on a shared data pilot. The phrase 'historic fishing "
        "grounds' was contested and replaced by 'areas fished by both communities'.",
        "Several participants felt the dialogue should widen to people who process and sell "
        "the catch. There was no consensus on inviting reporters to a future round.",
        "Participants noted that the pause in the official talks had raised tensions in coastal "
        "towns, and agreed to keep meeting and to pass a short summary of options on.",
        "Fuel support schemes on both shores were said to push boats into contested waters. "
        "Participants asked for a comparison of the two schemes.",
        "Looking back over three years, participants felt trust between fishing communities "
        "has grown while trust between the two capitals has not.",
    ],
    "voices": [
        "Women described how hard it has become to visit family across the strait since the "
        "crossing rules changed. Older participants stressed that visits to graves matter "
        "more to them than trade.",
        "Young participants asked for schooling in the mother tongue to be recognised on both "
        "shores. Others worried that pressing this now could provoke a backlash.",
        "The group agreed on three priorities to share with both governments: family visits, "
        "language education and the protection of sacred sites.",
        "Participants discussed how community broadcasting could carry accurate information "
        "about crossing rules; concerns about the safety of presenters were raised.",
        "A participant spoke of harassment at checkpoints. Others asked that incidents be "
        "documented through human rights monitors rather than in this dialogue.",
        "Faith leaders offered to host a future gathering at a shrine; participants from the "
        "other shore asked for guarantees of safe passage first.",
        "Participants felt listened to by the official talks on family visits but not on "
        "language, and discussed how to keep the second issue alive.",
        "Discussion turned to people of the community living in the capital cities, who are "
        "often left out of village-level consultations.",
    ],
    "lakeside": [
        "Participants explored how to sequence confidence-building measures at sea. Officials, "
        "speaking in a personal capacity, were open to a duty-officer hotline if it is not "
        "presented as a concession.",
        "Neither side can move on the legal question of the boundary this year; participants "
        "agreed to focus on practical arrangements that leave positions intact.",
        "The closed session reviewed draft wording for a joint statement on search and rescue "
        "for the next round of official talks.",
        "Experts presented three models of joint fisheries management used in other seas. "
        "Participants asked for a short comparison paper.",
        "With the officials unable to attend, experts and community representatives worked "
        "through the fisheries data questions; the options will be passed on to both "
        "governments.",
        "Participants discussed how to keep a channel open while the official talks are "
        "suspended, and whether this group should meet more often.",
        "Community representatives urged that family visits be treated as a humanitarian "
        "matter separate from the boundary; officials were receptive but non-committal.",
    ],
}

FOLLOW_UPS: dict[str, list[str]] = {
    "coastal": [
        "Circulate the draft anonymised catch-data template",
        "Collect examples of boats refused shelter in storms",
        "Prepare a one-page note on a duty-officer hotline",
        "Compare the fuel support schemes on both shores",
        "Invite people from the fish trade to the next round",
        "Send the summary of options through the agreed channel",
    ],
    "voices": [
        "Write up the three priorities in both languages",
        "Ask the mediators how the priorities will be raised",
        "Map the sacred sites that need safe access",
        "Check safety arrangements for travel to the next gathering",
        "Prepare a short guide to the current crossing rules",
    ],
    "lakeside": [
        "Draft a comparison paper on joint fisheries management",
        "Circulate the revised statement wording to participants",
        "Prepare options for a humanitarian crossing arrangement",
        "Brief the mediation team on the session's options",
        "Propose dates for the next consultation",
    ],
}

USERS: list[tuple[str, str, str]] = [
    # username, role label for the logins file, email
    ("admin", "administrator", "admin@example.org"),
    ("amara", "convener", "amara@example.org"),
    ("tomas", "convener", "tomas@example.org"),
    ("lina", "facilitator", "lina@example.org"),
    ("jun", "analyst", "jun@example.org"),
    ("rosa", "observer", "rosa@example.org"),
]
# Who must use two-step sign-in (multitrack.accounts.mfa.mfa_required says the same).
TWO_STEP_ROLES = {"administrator", "convener"}
# Who holds which role where: need-to-know differs from one login to the next.
MEMBERSHIPS: list[tuple[str, str, Role]] = [
    ("amara", "coastal", Role.CONVENER),
    ("amara", "lakeside", Role.CONVENER),
    ("tomas", "voices", Role.CONVENER),
    ("lina", "coastal", Role.FACILITATOR),
    ("lina", "voices", Role.FACILITATOR),
    ("jun", "lakeside", Role.ANALYST),
    ("jun", "coastal", Role.OBSERVER),
    ("rosa", "voices", Role.OBSERVER),
]
# Who records each process's meetings (and so appears in its audit trail).
RECORDERS = {"coastal": "lina", "voices": "lina", "lakeside": "amara"}


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )


class _Builder:
    """Builds the demo through the services; every choice comes from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.users: dict[str, Any] = {}
        self.parties: dict[str, Party] = {}
        self.organisations: dict[str, Organisation] = {}
        self.processes: dict[str, Process] = {}
        self.rosters: dict[str, list[Person]] = {key: [] for key in PROCESSES}
        self.pseudonyms = list(PSEUDONYMS)
        self.rng.shuffle(self.pseudonyms)
        self.used_names: set[str] = set()
        self.story: dict[str, Person] = {}
        self.summary = DemoSummary()

    @property
    def admin(self) -> Any:
        return self.users["admin"]

    def build(self) -> DemoSummary:
        self.create_users()
        conflict = self.create_conflict()
        self.create_organisations()
        self.create_processes(conflict)
        self.create_people()
        self.create_meetings()
        self.summary.processes = len(self.processes)
        self.summary.people = Person.objects.count()
        self.summary.meetings = Meeting.objects.count()
        return self.summary

    # Users ----------------------------------------------------------------------------------

    def create_users(self) -> None:
        user_model = get_user_model()
        for username, role_label, email in USERS:
            password = _password()
            if username == "admin":
                user = user_model.objects.create_superuser(username, email, password)
            else:
                user = user_model.objects.create_user(username, email, password)
            self.users[username] = user
            key = ""
            if role_label in TWO_STEP_ROLES:
                # They must use two-step sign-in: an authenticator app whose key the logins
                # file keeps, so `multitrack demo --print-login` can show a current code.
                device = authenticator_app_create(actor=user)
                key = base64.b32encode(device.bin_key).decode()
            self.summary.logins.append(DemoLogin(role_label, username, password, key))

    # The conflict and the registry -----------------------------------------------------------

    def create_conflict(self) -> Conflict:
        conflict = conflict_create(actor=self.admin, name=CONFLICT_NAME, summary=CONFLICT_SUMMARY)
        for key, (name, kind, is_minority) in PARTIES.items():
            self.parties[key] = party_add(
                actor=self.admin, conflict=conflict, name=name, kind=kind, is_minority=is_minority
            )
        return conflict

    def create_organisations(self) -> None:
        for key, (name, kind, country, party_key) in ORGANISATIONS.items():
            self.organisations[key] = organisation_create(
                actor=self.admin,
                name=name,
                kind=kind,
                country=country,
                party=self.parties.get(party_key),
            )

    def create_processes(self, conflict: Conflict) -> None:
        for key, spec in PROCESSES.items():
            self.processes[key] = process_create(
                actor=self.admin,
                conflict=conflict,
                title=spec["title"],
                declared_track=spec["declared_track"],
                convener_organisation=self.organisations[spec["convener"]],
                aims=spec["aims"],
                start_date=spec["start_date"],
                ground_rules=spec["ground_rules"],
            )
        for username, process_key, role in MEMBERSHIPS:
            membership_set(
                actor=self.admin,
                process=self.processes[process_key],
                user=self.users[username],
                role=role,
            )
        # process_create made the administrator convener; a superuser sees everything anyway.
        for process in self.processes.values():
            membership_set(actor=self.admin, process=process, user=self.admin, role=None)

    # People ---------------------------------------------------------------------------------

    def new_person(self, process_key: str, party_key: str) -> Person:
        first_names = [
            (first, gender)
            for gender, names in FIRST_NAMES[party_key].items()
            for first in names.split()
        ]
        while True:
            first, gender = self.rng.choice(first_names)
            family = self.rng.choice(FAMILY_NAMES[party_key].split())
            name = f"{first} {family}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        if self.rng.random() < 0.1:
            gender = Person.Gender.UNDISCLOSED
        extra = SECOND_LANGUAGES[party_key]
        languages = LANGUAGES[party_key] + self.rng.sample(extra, self.rng.randint(0, 2))
        email = ""
        if self.rng.random() < 0.6:
            email = f"{_ascii(first).lower()}.{_ascii(family).lower()}@example.org"
        person = person_create(
            actor=self.admin,
            process=self.processes[process_key],
            display_name=name,
            pseudonym=self.pseudonyms.pop(),
            parties=[self.parties[party_key]] if party_key in self.parties else [],
            gender=gender,
            languages=languages,
            country=INTL_COUNTRIES.get(first, "") if party_key == "intl" else "",
            email=email,
        )
        self.rosters[process_key].append(person)
        return person

    def affiliate(
        self,
        person: Person,
        capacity: Capacity,
        org_key: str,
        role: str,
        *,
        start: datetime.date | None,
        end: datetime.date | None = None,
    ) -> None:
        affiliation_add(
            actor=self.admin,
            person=person,
            capacity=capacity,
            organisation=self.organisations.get(org_key),
            role=role,
            start_date=start,
            end_date=end,
        )

    def with_history(
        self, person: Person, party_key: str, capacity: Capacity, org_key: str, role: str
    ) -> None:
        """A current affiliation, and often an earlier one that ended before the dialogues."""
        first_year = 2019 if capacity == Capacity.YOUTH_REPRESENTATIVE else 2008
        start = _D(self.rng.randint(first_year, 2022), self.rng.randint(1, 12), 1)
        day_before = start - datetime.timedelta(days=1)
        if capacity == Capacity.FORMER_OFFICIAL:
            # Former officials were serving ones until the day before.
            government = self.rng.choice(
                ["v_mfa", "v_interior"] if party_key == "varnia" else ["k_ffo", "k_fish"]
            )
            if self.rng.random() < 0.5:
                was, title = Capacity.DIPLOMAT, "Ambassador"
            else:
                was, title = Capacity.SENIOR_OFFICIAL, "Head of department"
            earlier_start = _D(start.year - 15, 9, 1)
            self.affiliate(person, was, government, title, start=earlier_start, end=day_before)
        elif capacity in EARLIER_ROLES and self.rng.random() < 0.4:
            earlier_start = _D(start.year - self.rng.randint(3, 8), self.rng.randint(1, 12), 1)
            earlier_role = EARLIER_ROLES[capacity]
            self.affiliate(
                person, capacity, org_key, earlier_role, start=earlier_start, end=day_before
            )
        self.affiliate(person, capacity, org_key, role, start=start)
        if capacity == Capacity.RELIGIOUS_LEADER:
            title = "Elder" if party_key == "oru" else "Reverend"
            if party_key != "oru" and person.gender == Person.Gender.MAN:
                title = "Father"
            first_name = person.display_name.split()[0]
            person_update(actor=self.admin, person=person, aliases=[f"{title} {first_name}"])

    def create_people(self) -> None:
        for process_key, slots in SLOTS.items():
            for party_key, capacity, org_key, role, count in slots:
                for _ in range(count):
                    person = self.new_person(process_key, party_key)
                    self.with_history(person, party_key, capacity, org_key, role)
        self.create_story_people()
        # Some people take part in more than one dialogue.
        shared = [
            ("coastal", "voices", Capacity.COMMUNITY_LEADER),
            ("coastal", "voices", Capacity.NGO_OR_CIVIL_SOCIETY),
            ("coastal", "lakeside", Capacity.ACADEMIC),
            ("coastal", "lakeside", Capacity.COMMUNITY_LEADER),
            ("coastal", "lakeside", Capacity.FORMER_OFFICIAL),
            ("voices", "lakeside", Capacity.WOMENS_GROUP_REPRESENTATIVE),
        ]
        for source, target, capacity in shared:
            candidates = [
                p
                for p in self.rosters[source]
                if p not in self.rosters[target]
                and p not in self.story.values()
                and p.capacity_on(_D(2024, 1, 1)) == capacity
            ]
            person = self.rng.choice(candidates)
            roster_add(actor=self.admin, process=self.processes[target], person=person)
            self.rosters[target].append(person)

    def create_story_people(self) -> None:
        # An academic who joins government halfway through a Track 2 dialogue.
        envoy = self.new_person("coastal", "varnia")
        self.affiliate(
            envoy,
            Capacity.ACADEMIC,
            "u_solvik",
            "Professor of maritime law",
            start=_D(2012, 9, 1),
            end=_D(2024, 2, 29),
        )
        self.affiliate(
            envoy,
            Capacity.SENIOR_OFFICIAL,
            "v_interior",
            "Special envoy for coastal communities",
            start=_D(2024, 3, 1),
        )
        # A deputy minister who leaves office and stays in the Track 1.5 process.
        deputy = self.new_person("lakeside", "kestrel")
        self.affiliate(
            deputy,
            Capacity.MINISTER,
            "k_ffo",
            "Deputy foreign minister",
            start=_D(2020, 9, 1),
            end=_D(2024, 5, 31),
        )
        self.affiliate(
            deputy, Capacity.FORMER_OFFICIAL, "u_kestrel", "Visiting fellow", start=_D(2024, 6, 1)
        )
        # A serving official who comes once to a Track 2 dialogue, in a personal capacity.
        teacher = self.new_person("voices", "varnia")
        self.affiliate(
            teacher,
            Capacity.MID_LEVEL_OFFICIAL,
            "v_education",
            "Head of minority-language curricula",
            start=_D(2019, 1, 15),
        )
        self.story = {"envoy": envoy, "deputy": deputy, "teacher": teacher}

    # Meetings -------------------------------------------------------------------------------

    def create_meetings(self) -> None:
        for process_key, meetings in MEETINGS.items():
            actor = self.users[RECORDERS[process_key]]
            spec = PROCESSES[process_key]
            notes = list(NOTES[process_key])
            for index, (date, title, place, is_virtual, status, special) in enumerate(meetings):
                meeting = meeting_schedule(
                    actor=actor,
                    process=self.processes[process_key],
                    title=title,
                    date=date,
                    place=place,
                    is_virtual=is_virtual,
                    status=status,
                    declared_track=Track.TRACK_1 if special == "closed" else "",
                    working_languages=spec["working_languages"],
                    interpretation_languages=spec["interpretation_languages"],
                )
                self.add_agenda(actor, meeting, process_key, first=index == 0)
                if status != HELD:
                    continue
                attended = self.record_attendance(actor, meeting, process_key, special)
                note_count = 1 if special == "closed" else self.rng.randint(1, 2)
                for _ in range(note_count):
                    text = notes.pop(0) if notes else self.rng.choice(NOTES[process_key])
                    note_write(actor=actor, meeting=meeting, text=text)
                self.add_follow_ups(actor, meeting, process_key, attended)

    def add_agenda(self, actor: Any, meeting: Meeting, process_key: str, *, first: bool) -> None:
        opening = "Welcome, ground rules and introductions"
        if not first:
            opening = "Where we left off: follow-ups from the last meeting"
        agenda_item_add(actor=actor, meeting=meeting, title=opening)
        for title, description in self.rng.sample(AGENDA[process_key], self.rng.randint(2, 3)):
            agenda_item_add(actor=actor, meeting=meeting, title=title, description=description)
        agenda_item_add(actor=actor, meeting=meeting, title="Next steps and follow-ups")

    def status(self) -> str:
        return self.rng.choices(
            [Attendance.Status.ATTENDED, Attendance.Status.EXCUSED, Attendance.Status.ABSENT],
            weights=[75, 15, 10],
        )[0]

    def record_attendance(
        self, actor: Any, meeting: Meeting, process_key: str, special: str
    ) -> list[Person]:
        """Record who came; returns those who attended."""
        story = set(self.story.values())
        records: dict[Person, tuple[str, bool]] = {}
        regulars = [p for p in self.rosters[process_key] if p not in story]
        is_official = {p: is_serving_official(p.capacity_on(meeting.date) or "") for p in regulars}
        for person in regulars:
            if special == "closed" and not is_official[person]:
                continue  # officials only
            if self.rng.random() < 0.85:
                status = self.status()
                acting = is_official[person] and (special == "closed" or self.rng.random() < 0.4)
                if special == "technical" and is_official[person]:
                    status = Attendance.Status.EXCUSED
                if special == "closed":
                    status = self.rng.choice(
                        [Attendance.Status.ATTENDED] * 5 + [Attendance.Status.EXCUSED]
                    )
                records[person] = (status, acting)
        if process_key == "lakeside" and special not in {"closed", "technical"}:
            # A Track 1.5 meeting needs officials and non-officials actually in the room.
            for wanted in (True, False):
                in_room = [
                    p
                    for p, (s, _a) in records.items()
                    if s == Attendance.Status.ATTENDED and is_official[p] == wanted
                ]
                if not in_room:
                    person = next(p for p in regulars if is_official[p] == wanted)
                    records[person] = (Attendance.Status.ATTENDED, False)
        self.add_story_attendance(meeting, process_key, special, records)

        for person, (status, acting) in records.items():
            attendance_record(
                actor=actor,
                meeting=meeting,
                person=person,
                status=status,
                is_acting_officially=acting,
            )
        return [p for p, (s, _a) in records.items() if s == Attendance.Status.ATTENDED]

    def add_story_attendance(
        self,
        meeting: Meeting,
        process_key: str,
        special: str,
        records: dict[Person, tuple[str, bool]],
    ) -> None:
        attended = Attendance.Status.ATTENDED
        if process_key == "coastal":
            # Comes as an academic until joining government; comes once more (the round
            # then runs at Track 1.5), and is excused after that.
            if meeting.date <= ENVOY_LAST_ROUND:
                records[self.story["envoy"]] = (attended, False)
            else:
                records[self.story["envoy"]] = (Attendance.Status.EXCUSED, False)
        elif process_key == "voices" and special == "teacher":
            records[self.story["teacher"]] = (attended, False)
        elif process_key == "lakeside":
            # In the room as a deputy minister, then as a former official.
            records[self.story["deputy"]] = (attended, special == "closed")

    def add_follow_ups(
        self, actor: Any, meeting: Meeting, process_key: str, attended: list[Person]
    ) -> None:
        for description in self.rng.sample(FOLLOW_UPS[process_key], self.rng.randint(1, 2)):
            owner = self.rng.choice(attended) if attended and self.rng.random() < 0.6 else None
            follow_up = follow_up_add(
                actor=actor,
                meeting=meeting,
                description=description,
                owner=owner,
                owner_note="" if owner else "convening team",
                due_date=meeting.date + datetime.timedelta(days=self.rng.choice([21, 30, 45, 60])),
            )
            if (
                follow_up.due_date
                and follow_up.due_date < _D(2026, 6, 1)
                and (self.rng.random() < 0.85)
            ):
                follow_up_set_done(actor=actor, follow_up=follow_up, is_done=True)
