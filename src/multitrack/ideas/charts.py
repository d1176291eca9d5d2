"""Figures for the channel timeline: official status as bands, informal meetings as marks.

Plain dictionaries in Plotly's figure format, drawn by ``multitrack/charts.js`` from a
``json_script`` element: no inline script, no external URL.
"""

from __future__ import annotations

import datetime
from typing import Any

from multitrack.ideas.rules import OfficialStatus
from multitrack.ideas.selectors import ConflictChannels, spells_of

STATUS_COLOURS = {
    OfficialStatus.ACTIVE: "#2e7d32",
    OfficialStatus.STALLED: "#d49a00",
    OfficialStatus.SUSPENDED: "#e65100",
    OfficialStatus.BROKEN_DOWN: "#b71c1c",
    OfficialStatus.AGREEMENT_SIGNED: "#1565c0",
    OfficialStatus.IMPLEMENTATION: "#4527a0",
}
TRACK_SYMBOLS = {"1": "diamond", "1.5": "square", "2": "circle"}
DAY_MS = 86_400_000


def channel_timeline(channels: ConflictChannels) -> dict[str, Any]:
    """One row per official track (status bands) and one per pair of parties (informal marks)."""
    today = channels.today
    data: list[dict[str, Any]] = []
    shown: set[str] = set()
    for official_track in channels.official_tracks:
        for spell in spells_of(official_track):
            end = spell.end or today + datetime.timedelta(days=1)
            if spell.start > today:
                continue
            label = spell.status.label
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "y": [official_track.name],
                    "base": [spell.start.isoformat()],
                    "x": [(end - spell.start).days * DAY_MS],
                    "marker": {"color": STATUS_COLOURS[spell.status]},
                    "name": label,
                    "legendgroup": label,
                    "showlegend": label not in shown,
                    "hovertext": [f"{label} from {spell.start:%d %b %Y}: {spell.reason}"],
                    "hoverinfo": "text",
                }
            )
            shown.add(label)
    for row in channels.rows:
        informal = [m for m in row.channels.meetings if m.kind == "informal"]
        if not informal:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "y": [f"{row.first.name} and {row.second.name}"] * len(informal),
                "x": [m.date.isoformat() for m in informal],
                "marker": {
                    "size": 11,
                    "color": "#37474f",
                    "symbol": [TRACK_SYMBOLS.get(m.track, "circle") for m in informal],
                },
                "name": "Informal meetings (◆ 1, ■ 1.5, ● 2)",
                "legendgroup": "informal",
                "showlegend": "informal" not in shown,
                "hovertext": [f"Track {m.track}: {m.label}" for m in informal],
                "hoverinfo": "text",
            }
        )
        shown.add("informal")
    return {
        "data": data,
        "layout": {
            "barmode": "overlay",
            "xaxis": {"type": "date", "title": {"text": "Date"}},
            "yaxis": {"automargin": True, "type": "category"},
            "legend": {"orientation": "h", "y": -0.25},
            "height": 160 + 40 * (len(channels.official_tracks) + len(channels.rows)),
        },
    }
