"""Survey results: change from before to after a meeting, with a confidence interval.

Pure functions, no database. Two rules protect respondents:

* No result for a group of fewer than ``MINIMUM_GROUP`` (5) respondents, before or after: not
  the mean, not the change, not the exact count. Everything that shows survey results (page, API,
  report) goes through ``survey_change``, so the rule holds everywhere.
* Anonymous responses cannot be paired, so the change is the difference of two independent means
  with a Welch t interval (unequal variances, Welch-Satterthwaite degrees of freedom). It is exact
  arithmetic, with no randomness, so the same answers always give the same interval. When every
  answer in both groups is the same, the interval has zero width.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

MINIMUM_GROUP = 5
CONFIDENCE = 0.95


@dataclass(frozen=True)
class SurveyChange:
    """The change in one item's mean answer from before to after, or why it is not shown."""

    label: str
    is_suppressed: bool
    mean_before: float | None = None
    mean_after: float | None = None
    change: float | None = None
    low: float | None = None
    high: float | None = None
    respondents_before: int | None = None
    respondents_after: int | None = None

    @property
    def text(self) -> str:
        if self.is_suppressed:
            return (
                f"{self.label}: not shown — fewer than {MINIMUM_GROUP} respondents before or after."
            )
        if self.change is None or self.low is None or self.high is None:
            return f"{self.label}: no result."
        direction = "rose" if self.change > 0 else "fell" if self.change < 0 else "did not change"
        amount = f" by {abs(self.change):.1f}" if self.change else ""
        interval = f"95% interval {self.low:+.1f} to {self.high:+.1f}"
        if self.low > 0 or self.high < 0:
            certainty = "a clear change"
        else:
            certainty = "the change could be chance"
        return (
            f"{self.label} {direction}{amount} ({self.mean_before:.1f} → {self.mean_after:.1f}; "
            f"{interval}; {certainty})."
        )


def welch_interval(
    before: Sequence[float], after: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """(change, low, high): mean(after) - mean(before) with a Welch t confidence interval.

    Needs at least two values in each group.

    >>> welch_interval([1, 2, 3], [2, 3, 4])[0]
    1.0
    """
    if len(before) < 2 or len(after) < 2:
        raise ValueError("Each group needs at least two values.")
    mean_before, mean_after = statistics.fmean(before), statistics.fmean(after)
    change = mean_after - mean_before
    var_before = statistics.variance(before) / len(before)
    var_after = statistics.variance(after) / len(after)
    standard_error = math.sqrt(var_before + var_after)
    if standard_error == 0:
        return change, change, change
    degrees = (var_before + var_after) ** 2 / (
        var_before**2 / (len(before) - 1) + var_after**2 / (len(after) - 1)
    )
    margin = float(stats.t.ppf((1 + confidence) / 2, degrees)) * standard_error
    return change, change - margin, change + margin


def survey_change(
    label: str, before: Sequence[float], after: Sequence[float], minimum: int = MINIMUM_GROUP
) -> SurveyChange:
    """The before/after change for one item, suppressed when either group is below ``minimum``."""
    if len(before) < minimum or len(after) < minimum:
        return SurveyChange(label=label, is_suppressed=True)
    change, low, high = welch_interval(before, after)
    return SurveyChange(
        label=label,
        is_suppressed=False,
        mean_before=statistics.fmean(before),
        mean_after=statistics.fmean(after),
        change=change,
        low=low,
        high=high,
        respondents_before=len(before),
        respondents_after=len(after),
    )
