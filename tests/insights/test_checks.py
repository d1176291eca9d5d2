"""Meeting checks: languages, observances (on known dates) and venues."""

from __future__ import annotations

import datetime

import pytest

from multitrack.insights.checks import (
    CheckKind,
    CustomObservance,
    Participant,
    calendar_choices,
    calendar_for,
    check_languages,
    check_meeting,
    check_observances,
    check_venue,
    observances_on,
)

D = datetime.date


@pytest.mark.parametrize(
    ("calendar", "date", "name"),
    [
        ("islamic", D(2025, 3, 30), "Eid al-Fitr"),  # 1 Shawwal 1446
        ("islamic", D(2024, 4, 10), "Eid al-Fitr"),
        ("islamic", D(2025, 6, 6), "Eid al-Adha"),
        ("jewish", D(2025, 10, 2), "Yom Kippur"),
        ("jewish", D(2024, 10, 12), "Yom Kippur"),
        ("jewish", D(2025, 9, 23), "Rosh Hashanah"),
        ("orthodox", D(2025, 1, 7), "Orthodox Christmas Day"),
        ("orthodox", D(2024, 5, 5), "Easter Sunday"),  # Orthodox Easter 2024, not 31 March
        ("country:LB", D(2025, 11, 22), "Independence Day"),
    ],
)
def test_known_observances_are_found(calendar: str, date: datetime.date, name: str) -> None:
    found = observances_on(calendar_for(calendar), date)
    assert name in [o.name for o in found if not o.is_eve]


@pytest.mark.parametrize(
    ("calendar", "date"),
    [
        ("islamic", D(2025, 1, 25)),  # Egypt's Revolution Day is not an Islamic observance
        ("jewish", D(2025, 5, 1)),  # Israel's Independence Day (observed) is not religious
        ("orthodox", D(2024, 3, 31)),  # Western Easter 2024
        ("orthodox", D(2025, 2, 15)),  # Serbia's Statehood Day
    ],
)
def test_religious_calendars_keep_only_religious_days(calendar: str, date: datetime.date) -> None:
    assert observances_on(calendar_for(calendar), date) == []


def test_jewish_holidays_flag_the_evening_before() -> None:
    (eve,) = observances_on(calendar_for("jewish"), D(2025, 10, 1))
    assert (eve.name, eve.is_eve) == ("Yom Kippur", True)


def test_future_islamic_dates_are_flagged_as_estimated() -> None:
    (eid, *_) = observances_on(calendar_for("islamic"), D(2030, 2, 5))
    assert eid.name == "Eid al-Fitr"
    assert eid.is_estimated
    issues = check_observances(D(2030, 2, 5), {"South": ["islamic"]})
    assert issues[0].is_estimated
    assert "estimated date" in issues[0].text


def test_unknown_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown"):
        calendar_for("country:XX")
    with pytest.raises(ValueError, match="Unknown"):
        calendar_for("pastafarian")


def test_calendar_choices_list_religions_first_then_countries() -> None:
    choices = calendar_choices()
    assert [key for key, _ in choices[:3]] == ["jewish", "islamic", "orthodox"]
    assert ("country:IL", "Public holidays: Israel") in choices


def test_observance_check_names_party_and_day() -> None:
    issues = check_observances(D(2025, 10, 2), {"North": ["jewish"], "South": ["islamic"]})
    assert [i.text for i in issues] == [
        "Yom Kippur (Jewish holidays, observed by North) falls on that day."
    ]
    assert issues[0].kind == CheckKind.OBSERVANCE


def test_a_clear_date_has_no_observance_issue() -> None:
    assert check_observances(D(2025, 3, 12), {"North": ["jewish"], "South": ["islamic"]}) == []


@pytest.mark.parametrize(
    ("observance", "date", "falls"),
    [
        (CustomObservance("Founders' day", D(2020, 5, 4), recurs_yearly=True), D(2025, 5, 4), True),
        (
            CustomObservance("Founders' day", D(2020, 5, 4), recurs_yearly=True),
            D(2025, 5, 5),
            False,
        ),
        (CustomObservance("Election", D(2025, 5, 4)), D(2025, 5, 4), True),
        (CustomObservance("Election", D(2025, 5, 4)), D(2026, 5, 4), False),
    ],
)
def test_custom_observances(observance: CustomObservance, date: datetime.date, falls: bool) -> None:
    assert bool(check_observances(date, {}, [observance])) is falls


@pytest.mark.parametrize(
    ("participants", "working", "interpreted", "uncovered", "issue_count"),
    [
        ([], ["English"], [], [], 0),
        ([], [], [], [], 1),  # no working language at all
        ([Participant(1, ("Arabic",))], ["English"], ["arabic"], [], 0),  # case-insensitive
        (
            [Participant(1, ("Arabic",)), Participant(2, ("Greek", "Turkish"))],
            ["English"],
            ["Arabic"],
            [2],
            1,
        ),
        ([Participant(1, ())], ["English"], [], [1], 1),  # unknown language
    ],
)
def test_language_coverage(
    participants: list[Participant],
    working: list[str],
    interpreted: list[str],
    uncovered: list[int],
    issue_count: int,
) -> None:
    issues, missing = check_languages(participants, working, interpreted)
    assert missing == uncovered
    assert len(issues) == issue_count


@pytest.mark.parametrize(
    ("place", "is_virtual", "refusals", "count"),
    [
        ("Geneva", False, {"North": ["Istanbul"]}, 0),
        ("Istanbul, Türkiye", False, {"North": ["istanbul"]}, 1),
        ("Istanbul", True, {"North": ["Istanbul"]}, 0),  # virtual: no venue to refuse
        ("", False, {}, 1),  # no venue yet
        ("Nicosia", False, {"North": ["Nicosia"], "South": ["Nicosia", "Athens"]}, 2),
    ],
)
def test_venue_check(
    place: str, is_virtual: bool, refusals: dict[str, list[str]], count: int
) -> None:
    assert len(check_venue(place, is_virtual, refusals)) == count


def test_check_meeting_gathers_all_three() -> None:
    result = check_meeting(
        date=D(2025, 3, 30),
        place="Beirut",
        is_virtual=False,
        working_languages=["English"],
        interpretation_languages=[],
        participants=[Participant(1, ("Arabic",), party="South")],
        calendars_by_party={"South": ["islamic"]},
        refused_by_party={"North": ["Beirut"]},
    )
    assert not result.is_clear
    assert [i.kind for i in result.issues] == [
        CheckKind.LANGUAGE,
        CheckKind.OBSERVANCE,
        CheckKind.VENUE,
    ]


# Observances of the participants: their countries and their parties' calendars ------------------


@pytest.mark.parametrize(
    ("country", "date", "name", "calendar"),
    [
        ("KE", D(2025, 6, 1), "Madaraka Day", "Public holidays: Kenya"),
        ("EG", D(2025, 3, 30), "Eid al-Fitr", "Public holidays: Egypt"),
        ("IL", D(2025, 10, 2), "Yom Kippur", "Public holidays: Israel"),
    ],
)
def test_a_participants_country_holiday_is_found_and_says_whose(
    country: str, date: datetime.date, name: str, calendar: str
) -> None:
    participants = [Participant(1, country=country, pseudonym="Falcon")]

    (issue,) = check_observances(date, {}, participants=participants)

    assert issue.text == f"{name} ({calendar}, observed by Falcon) falls on that day."


def test_several_participants_from_a_country_are_counted_not_named() -> None:
    participants = [
        Participant(1, country="KE", pseudonym="Falcon"),
        Participant(2, country="KE", pseudonym="Heron"),
        Participant(3, country="EG", pseudonym="Ibis"),
    ]

    (issue,) = check_observances(D(2025, 6, 1), {}, participants=participants)

    assert "observed by 2 participants from KE" in issue.text
    assert "Falcon" not in issue.text
    assert "Heron" not in issue.text


def test_without_names_even_one_participant_is_a_count() -> None:
    participants = [Participant(1, country="KE", pseudonym="Falcon")]

    (issue,) = check_observances(D(2025, 6, 1), {}, participants=participants, with_names=False)

    assert "observed by 1 participant from KE" in issue.text
    assert "Falcon" not in issue.text


def test_a_date_clear_for_every_participant_country_has_no_issue() -> None:
    participants = [Participant(1, country="KE"), Participant(2, country="IL")]

    assert check_observances(D(2025, 6, 3), {}, participants=participants) == []


def test_only_the_calendars_of_parties_present_count() -> None:
    calendars = {"North": ["jewish"], "South": ["islamic"]}
    only_south = [Participant(1, party="South")]

    assert check_observances(D(2025, 10, 2), calendars, participants=only_south) == []
    (issue,) = check_observances(D(2025, 3, 30), calendars, participants=only_south)
    assert issue.text == "Eid al-Fitr (Islamic holidays, observed by South) falls on that day."


def test_a_party_calendar_and_a_participant_country_share_one_issue() -> None:
    participants = [Participant(1, party="Kenya", country="KE", pseudonym="Falcon")]

    (issue,) = check_observances(
        D(2025, 6, 1), {"Kenya": ["country:KE"]}, participants=participants
    )

    assert issue.text == (
        "Madaraka Day (Public holidays: Kenya, observed by Kenya, Falcon) falls on that day."
    )


def test_an_unknown_participant_country_is_skipped() -> None:
    assert check_observances(D(2025, 6, 1), {}, participants=[Participant(1, country="ZZ")]) == []
