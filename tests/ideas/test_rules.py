"""The pure rules: stage changes, channel computation over dates, warnings, and text checks."""

from __future__ import annotations

import datetime

import pytest

from multitrack.ideas.rules import (
    ALLOWED_STAGE_CHANGES,
    ChannelKind,
    ChannelMeeting,
    FlagKind,
    IdeaHistory,
    IdeaStage,
    OfficialStatus,
    blocked_since,
    check_text,
    consideration_summary,
    pair_channels,
    quiet_channel,
    quiet_channel_message,
    stage_change_errors,
    status_spells,
    unresolved,
)

S = IdeaStage
D = datetime.date
TODAY = D(2026, 5, 16)


# Stage changes.

STAGE_CASES = [
    (S.RAISED, S.DEVELOPED, True),
    (S.RAISED, S.TRANSFERRED, True),
    (S.RAISED, S.SET_ASIDE, True),
    (S.RAISED, S.ENDORSED, False),
    (S.RAISED, S.ADOPTED, False),
    (S.RAISED, S.UNDER_CONSIDERATION, False),
    (S.DEVELOPED, S.ENDORSED, True),
    (S.DEVELOPED, S.TRANSFERRED, True),
    (S.DEVELOPED, S.REJECTED, False),
    (S.ENDORSED, S.TRANSFERRED, True),
    (S.ENDORSED, S.DEVELOPED, True),
    (S.TRANSFERRED, S.UNDER_CONSIDERATION, True),
    (S.TRANSFERRED, S.REJECTED, True),
    (S.TRANSFERRED, S.ADOPTED, False),
    (S.UNDER_CONSIDERATION, S.ADOPTED, True),
    (S.UNDER_CONSIDERATION, S.REJECTED, True),
    (S.UNDER_CONSIDERATION, S.RAISED, False),
    (S.ADOPTED, S.DEVELOPED, False),
    (S.ADOPTED, S.SET_ASIDE, False),
    (S.SET_ASIDE, S.RAISED, True),
    (S.SET_ASIDE, S.DEVELOPED, True),
    (S.SET_ASIDE, S.ADOPTED, False),
    (S.REJECTED, S.DEVELOPED, True),
    (S.REJECTED, S.TRANSFERRED, False),
]


@pytest.mark.parametrize(("current", "new", "allowed"), STAGE_CASES)
def test_stage_transitions_follow_the_table(current: S, new: S, allowed: bool) -> None:
    errors = stage_change_errors(
        current=current,
        new=new,
        date=D(2026, 5, 1),
        reason="Discussed at the round",
        has_provision=new == S.ADOPTED,
        last_change_date=D(2026, 4, 1),
        today=TODAY,
    )
    assert ("stage" not in errors) is allowed
    assert set(errors) <= {"stage"}


def test_every_stage_has_a_row_in_the_table() -> None:
    assert set(ALLOWED_STAGE_CHANGES) == set(IdeaStage)
    assert ALLOWED_STAGE_CHANGES[S.ADOPTED] == frozenset()


@pytest.mark.parametrize(
    ("new", "date", "reason", "has_provision", "expected"),
    [
        (S.ADOPTED, D(2026, 5, 1), "In the text", False, {"provision"}),
        (S.ADOPTED, D(2026, 5, 1), "In the text", True, set()),
        (S.REJECTED, D(2026, 5, 1), "Refused", True, {"provision"}),
        (S.REJECTED, D(2026, 5, 1), "   ", False, {"reason"}),
        (S.REJECTED, D(2026, 3, 31), "Refused", False, {"date"}),
        (S.REJECTED, D(2026, 4, 1), "Same day as the last change", False, set()),
        (S.REJECTED, D(2026, 5, 17), "Tomorrow", False, {"date"}),
    ],
)
def test_each_change_is_dated_explained_and_adoption_needs_a_provision(
    new: S, date: D, reason: str, has_provision: bool, expected: set[str]
) -> None:
    errors = stage_change_errors(
        current=S.UNDER_CONSIDERATION,
        new=new,
        date=date,
        reason=reason,
        has_provision=has_provision,
        last_change_date=D(2026, 4, 1),
        today=TODAY,
    )
    assert set(errors) == expected


def test_a_refused_change_says_what_is_possible() -> None:
    errors = stage_change_errors(
        current=S.RAISED,
        new=S.ADOPTED,
        date=TODAY,
        reason="x",
        has_provision=True,
        last_change_date=None,
        today=TODAY,
    )
    assert errors["stage"].startswith("An idea that is raised cannot become adopted")
    assert "developed" in errors["stage"]


def test_consideration_summary_counts_and_times_the_ideas_that_reached_officials() -> None:
    summary = consideration_summary(
        [
            IdeaHistory(1, D(2026, 1, 1), D(2026, 1, 31)),
            IdeaHistory(1, D(2026, 1, 1), D(2026, 3, 2)),
            IdeaHistory(1, D(2026, 1, 1), None),
        ]
    )
    assert (summary.ideas, summary.reached) == (3, 2)
    assert (summary.shortest_days, summary.longest_days, summary.median_days) == (30, 60, 45)
    assert consideration_summary([]).median_days is None


# Official status.


def test_blocked_since_dates_the_whole_blocked_run() -> None:
    spells = status_spells(
        [
            (D(2026, 1, 10), OfficialStatus.ACTIVE, "Opened"),
            (D(2026, 3, 3), OfficialStatus.STALLED, "Deadlock on the line"),
            (D(2026, 4, 1), OfficialStatus.SUSPENDED, "Walk-out"),
        ]
    )
    blocked = blocked_since(spells, TODAY)
    assert blocked is not None
    assert (blocked.status, blocked.start) == (OfficialStatus.SUSPENDED, D(2026, 3, 3))
    assert blocked_since(spells, D(2026, 2, 1)) is None
    assert blocked_since([], TODAY) is None


# Channels, table-driven over dates. Parties 1, 2, 3.


def informal(date: D, *parties: int, track: str = "2") -> ChannelMeeting:
    return ChannelMeeting(date, ChannelKind.INFORMAL, track, frozenset(parties), f"m{date}")


def official(date: D, *parties: int) -> ChannelMeeting:
    return ChannelMeeting(date, ChannelKind.OFFICIAL, "1", frozenset(parties), f"r{date}")


CHANNEL_CASES = [
    # meetings, pair, expected dates for the pair
    ([informal(D(2026, 1, 5), 1, 2)], (1, 2), [D(2026, 1, 5)]),
    ([informal(D(2026, 1, 5), 1, 3)], (1, 2), []),
    ([informal(D(2026, 1, 5), 1)], (1, 2), []),
    ([informal(D(2026, 1, 5), 1, 2, 3)], (2, 3), [D(2026, 1, 5)]),
    (
        [informal(D(2026, 2, 1), 2, 1), official(D(2026, 1, 1), 1, 2)],
        (1, 2),
        [D(2026, 1, 1), D(2026, 2, 1)],
    ),
    ([informal(D(2026, 6, 1), 1, 2)], (1, 2), []),  # after "until": not yet
    ([informal(TODAY, 1, 2)], (1, 2), [TODAY]),  # on the day counts
    ([informal(D(2026, 1, 5), 1, 2, 9)], (1, 2), [D(2026, 1, 5)]),  # a party of another conflict
]


@pytest.mark.parametrize(("meetings", "pair", "dates"), CHANNEL_CASES)
def test_pair_channels_keep_the_meetings_that_included_both_parties(
    meetings: list[ChannelMeeting], pair: tuple[int, int], dates: list[D]
) -> None:
    channels = pair_channels([1, 2, 3], meetings, until=TODAY)
    assert set(channels) == {(1, 2), (1, 3), (2, 3)}
    assert [m.date for m in channels[pair].meetings] == dates


def test_pair_channels_tell_the_last_meeting_by_kind_and_track() -> None:
    channels = pair_channels(
        [1, 2],
        [
            informal(D(2026, 1, 5), 1, 2, track="1.5"),
            informal(D(2026, 2, 5), 1, 2, track="2"),
            official(D(2026, 3, 5), 1, 2),
        ],
        until=TODAY,
    )[(1, 2)]
    last_informal = channels.last_informal
    assert last_informal is not None and last_informal.date == D(2026, 2, 5)
    last_15 = channels.last(track="1.5")
    assert last_15 is not None and last_15.date == D(2026, 1, 5)
    assert channels.count(kind=ChannelKind.OFFICIAL) == 1


STALLED = status_spells([(D(2026, 3, 3), OfficialStatus.STALLED, "Deadlock")])
ACTIVE = status_spells([(D(2026, 3, 3), OfficialStatus.ACTIVE, "Opened")])


@pytest.mark.parametrize(
    ("spells", "last_informal", "threshold", "gap"),
    [
        (STALLED, D(2026, 3, 3), 60, 74),  # 74 days > 60: warn
        (STALLED, D(2026, 3, 17), 60, None),  # exactly 60 days: within the threshold
        (STALLED, D(2026, 3, 16), 60, 61),
        (STALLED, D(2026, 3, 3), 90, None),  # a longer threshold set for this conflict
        (STALLED, None, 60, "never"),
        (ACTIVE, None, 60, None),  # official talks active: no warning
    ],
)
def test_quiet_channel_warns_only_when_talks_are_blocked_and_the_gap_is_too_long(
    spells: list, last_informal: D | None, threshold: int, gap: int | str | None
) -> None:
    warning = quiet_channel(
        pair=(1, 2),
        spells=spells,
        last_informal=last_informal,
        today=TODAY,
        threshold_days=threshold,
    )
    if gap is None:
        assert warning is None
    elif gap == "never":
        assert warning is not None and warning.gap_days is None
    else:
        assert warning is not None and warning.gap_days == gap


def test_quiet_channel_message_reads_like_the_issue() -> None:
    warning = quiet_channel(
        pair=(1, 2), spells=STALLED, last_informal=D(2026, 3, 3), today=TODAY, threshold_days=60
    )
    assert warning is not None
    message = quiet_channel_message(warning, talks="Border talks", parties="North and South")
    assert message == (
        "Border talks (North and South): official talks stalled since 3 March 2026; "
        "no Track 1.5 or Track 2 meeting with both sides for 74 days."
    )


# Attribution and terminology checks.

NAMES = ["Zoë Ñúñez-Ortega", "Participant 007", "Harbour Institute", "Deputy Water Minister"]
TERMS = [("Northgate", "the northern crossing"), ("Liberated Territories", "the disputed area")]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("As zoe nunez ortega said, water first.", "zoe nunez ortega"),
        ("ZOË  ÑÚÑEZ-ORTEGA proposed it.", "ZOË  ÑÚÑEZ-ORTEGA"),
        ("An idea from participant   007.", "participant   007"),
        ("The Harbour\u00a0Institute drafted it.", "Harbour\u00a0Institute"),
        ("The deputy water minister agreed.", "deputy water minister"),
    ],
)
def test_check_text_flags_registry_names_in_any_spelling(text: str, words: str) -> None:
    flags = check_text(text, names=NAMES, terms=TERMS)
    assert [(f.kind, f.words) for f in flags] == [(FlagKind.NAME, words)]


@pytest.mark.parametrize(
    ("text", "words", "suggestion"),
    [
        ("A crossing at Northgate.", "Northgate", "the northern crossing"),
        ("A crossing at NORTHGATE.", "NORTHGATE", "the northern crossing"),
        ("Patrols in the liberated  territories.", "liberated  territories", "the disputed area"),
    ],
)
def test_check_text_flags_contested_terms_with_the_neutral_wording(
    text: str, words: str, suggestion: str
) -> None:
    flags = check_text(text, names=NAMES, terms=TERMS)
    assert [(f.kind, f.words, f.suggestion) for f in flags] == [(FlagKind.TERM, words, suggestion)]


def test_check_text_ignores_parts_of_words_and_reports_each_flag_once() -> None:
    text = "Northgates and Northgate and NORTHGATE; zoe nunezortega."
    flags = check_text(text, names=NAMES, terms=TERMS)
    assert [f.words for f in flags] == ["Northgate"]


def test_overridden_flags_no_longer_block() -> None:
    flags = check_text(
        "Zoe Nunez-Ortega at Northgate.", names=NAMES, terms=TERMS, overridden=["northgate"]
    )
    assert [f.words for f in unresolved(flags)] == ["Zoe Nunez-Ortega"]
    assert [f.is_overridden for f in flags] == [False, True]
