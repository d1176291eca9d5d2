"""Plotly figures as plain dicts ({"data": [...], "layout": {...}}), drawn by web/charts.js.

Pure functions over plain data. Labels are what the caller passes in: the process health page
passes pseudonyms, the funders' report passes nothing personal.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

from multitrack.insights.surveys import SurveyChange

Figure = dict[str, Any]
PALETTE = ["#1f5f8b", "#b5562b", "#2d6a3e", "#6b4b9a", "#8a6d00", "#8a1c1c", "#3b7f8c"]


def _iso(dates: Sequence[datetime.date]) -> list[str]:
    return [d.isoformat() for d in dates]


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 14}}, "showlegend": True, **extra}


def representation_heatmap(
    meeting_labels: Sequence[str],
    category_labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    meets: Sequence[Sequence[bool]],
) -> Figure:
    """Categories (rows) by meeting (columns): green where the target was met, amber where not."""
    z = [[1 if ok else 0 for ok in row] for row in meets]
    text = [[str(c) for c in row] for row in counts]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": list(meeting_labels),
                "y": list(category_labels),
                "z": z,
                "text": text,
                "texttemplate": "%{text}",
                "zmin": 0,
                "zmax": 1,
                "showscale": False,
                "colorscale": [[0, "#f6c453"], [1, "#8fd19e"]],
                "hovertemplate": "%{y} at %{x}: %{text}<extra></extra>",
            }
        ],
        "layout": _layout(
            "People per category at each meeting (amber: below target)", showlegend=False
        ),
    }


def inclusivity_trend(
    dates: Sequence[datetime.date],
    women_share: Sequence[float | None],
    balance: Sequence[float | None],
    evenness: Sequence[float | None],
) -> Figure:
    """Share of women, balance between parties and evenness of capacities, per meeting (0-100%)."""

    def line(name: str, values: Sequence[float | None], colour: str) -> dict[str, Any]:
        return {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": _iso(dates),
            "y": [None if v is None else round(v * 100, 1) for v in values],
            "line": {"color": colour},
        }

    return {
        "data": [
            line("Women (%)", women_share, PALETTE[0]),
            line("Balance between parties (%)", balance, PALETTE[1]),
            line("Evenness of capacities (%)", evenness, PALETTE[2]),
        ],
        "layout": _layout("Inclusivity by meeting", yaxis={"range": [0, 105], "ticksuffix": "%"}),
    }


def engagement(
    dates: Sequence[datetime.date], attendance: Sequence[int], cohort: Sequence[float]
) -> Figure:
    """People at each meeting (bars) and the share of first participants present (line)."""
    return {
        "data": [
            {
                "type": "bar",
                "name": "People attending",
                "x": _iso(dates),
                "y": list(attendance),
                "marker": {"color": "#c9d3de"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "First participants present (%)",
                "x": _iso(dates),
                "y": [round(c * 100, 1) for c in cohort],
                "yaxis": "y2",
                "line": {"color": PALETTE[0]},
            },
        ],
        "layout": _layout(
            "Attendance and the first meeting's cohort",
            yaxis={"title": {"text": "people"}, "rangemode": "tozero"},
            yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "ticksuffix": "%"},
        ),
    }


def gaps(dates: Sequence[datetime.date], gap_days: Sequence[int]) -> Figure:
    """Days since the previous meeting, at each meeting after the first."""
    return {
        "data": [
            {
                "type": "bar",
                "name": "Days since previous meeting",
                "x": _iso(dates[1:]),
                "y": list(gap_days),
                "marker": {"color": PALETTE[1]},
            }
        ],
        "layout": _layout("Gaps between meetings (days)", showlegend=False),
    }


def densities(
    dates: Sequence[datetime.date],
    within: Mapping[str, Sequence[float | None]],
    across: Sequence[float | None],
) -> Figure:
    """Density of ties within each party and across parties, at each meeting date."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": f"Within {name}",
            "x": _iso(dates),
            "y": [None if v is None else round(v * 100, 1) for v in values],
            "line": {"color": PALETTE[(index + 1) % len(PALETTE)], "dash": "dot"},
        }
        for index, (name, values) in enumerate(within.items())
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Across parties",
            "x": _iso(dates),
            "y": [None if v is None else round(v * 100, 1) for v in across],
            "line": {"color": PALETTE[0], "width": 3},
        }
    )
    return {
        "data": data,
        "layout": _layout("Density of ties over time (%)", yaxis={"rangemode": "tozero"}),
    }


def network_picture(
    nodes: Sequence[tuple[int, str, str]],
    links: Sequence[tuple[int, int, bool]],
) -> Figure:
    """People on a circle, grouped by party; cross-party links drawn darker.

    ``nodes`` are (person id, label, party name); ``links`` (person id, person id, is cross-party).
    Labels may be empty (the funders' report shows no names).
    """
    ordered = sorted(nodes, key=lambda n: (n[2], n[0]))
    position = {}
    for index, (person_id, _, _) in enumerate(ordered):
        angle = 2 * math.pi * index / max(len(ordered), 1)
        position[person_id] = (round(math.cos(angle), 4), round(math.sin(angle), 4))
    data: list[dict[str, Any]] = []
    for is_cross, colour, name in (
        (False, "#c9d3de", "Within a party"),
        (True, "#1d2430", "Across parties"),
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for first, second, cross in links:
            if cross is is_cross and first in position and second in position:
                xs += [position[first][0], position[second][0], None]
                ys += [position[first][1], position[second][1], None]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": xs,
                "y": ys,
                "line": {"color": colour, "width": 2 if is_cross else 1},
                "hoverinfo": "skip",
            }
        )
    parties = sorted({n[2] for n in ordered})
    for index, party in enumerate(parties):
        members = [n for n in ordered if n[2] == party]
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text" if any(n[1] for n in members) else "markers",
                "name": party,
                "x": [position[n[0]][0] for n in members],
                "y": [position[n[0]][1] for n in members],
                "text": [n[1] for n in members],
                "textposition": "top center",
                "marker": {"size": 12, "color": PALETTE[index % len(PALETTE)]},
                # The party's name comes in as data, never as part of the template.
                "hovertemplate": "%{text}<extra>%{fullData.name}</extra>",
            }
        )
    axis = {"visible": False, "range": [-1.4, 1.4]}
    return {
        "data": data,
        "layout": _layout("Relationship network", xaxis=axis, yaxis={**axis, "scaleanchor": "x"}),
    }


def survey_changes(changes: Sequence[SurveyChange]) -> Figure:
    """Change per item with its 95% interval; suppressed items are left out entirely."""
    shown = [c for c in changes if not c.is_suppressed]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Change after the meeting",
                "x": [round(c.change or 0.0, 2) for c in shown],
                "y": [c.label for c in shown],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [round((c.high or 0) - (c.change or 0), 2) for c in shown],
                    "arrayminus": [round((c.change or 0) - (c.low or 0), 2) for c in shown],
                },
                "marker": {"size": 10, "color": PALETTE[0]},
            }
        ],
        "layout": _layout(
            "Change from before to after (95% interval)",
            showlegend=False,
            xaxis={"zeroline": True, "zerolinewidth": 2},
            margin={"l": 260},
        ),
    }
