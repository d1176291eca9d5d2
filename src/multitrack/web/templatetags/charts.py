"""``{{ figure|plotly_json:"element-id" }}``: a Plotly figure for charts.js, its text escaped.

Like ``json_script`` (the JSON sits in a ``<script type="application/json">`` element, so no
inline script runs), but every label, legend and hover text is first escaped for Plotly's own
HTML (``multitrack.web.text_safety.plotly_safe``). Every chart uses it instead of
``json_script``; a test keeps it so.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from multitrack.web.text_safety import plotly_safe

register = template.Library()


@register.filter
def plotly_json(figure: Any, element_id: str) -> SafeString:
    return json_script(plotly_safe(figure), element_id)
