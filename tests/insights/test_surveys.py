"""Survey change with its interval, and small-group suppression."""

from __future__ import annotations

import pytest
from scipy import stats

from multitrack.insights.surveys import MINIMUM_GROUP, survey_change, welch_interval


def test_minimum_group_is_five() -> None:
    assert MINIMUM_GROUP == 5


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], []),
        ([50] * 4, [60] * 10),
        ([50] * 10, [60] * 4),
        ([50], [60]),
    ],
)
def test_groups_below_five_are_suppressed(before: list[float], after: list[float]) -> None:
    result = survey_change("Thermometer", before, after)
    assert result.is_suppressed
    assert result.mean_before is None and result.change is None and result.low is None
    assert result.respondents_before is None and result.respondents_after is None
    assert "not shown" in result.text
    assert "50" not in result.text and "60" not in result.text


def test_five_respondents_each_are_shown() -> None:
    result = survey_change("Trust", [1, 2, 3, 4, 5], [3, 4, 5, 6, 7])
    assert not result.is_suppressed
    assert result.change == pytest.approx(2.0)
    assert result.low is not None and result.high is not None
    assert result.low < 2.0 < result.high


def test_interval_matches_scipy_welch() -> None:
    before = [40, 45, 50, 55, 60, 35]
    after = [55, 60, 70, 65, 50]
    change, low, high = welch_interval(before, after)
    reference = stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert (low, high) == (pytest.approx(reference.low), pytest.approx(reference.high))
    assert change == pytest.approx(60 - 47.5)


def test_identical_answers_give_a_zero_width_interval() -> None:
    assert welch_interval([4, 4, 4], [5, 5, 5]) == (1.0, 1.0, 1.0)


def test_same_input_same_answer() -> None:
    before, after = [1, 3, 5, 7, 9], [2, 4, 6, 8, 10]
    assert survey_change("x", before, after) == survey_change("x", before, after)


def test_reading_says_whether_the_change_is_clear() -> None:
    clear = survey_change("Trust", [1, 1, 2, 2, 1], [6, 7, 6, 7, 6])
    assert "rose by" in clear.text and "a clear change" in clear.text
    unclear = survey_change("Trust", [1, 7, 1, 7, 4], [2, 6, 1, 7, 5])
    assert "could be chance" in unclear.text
