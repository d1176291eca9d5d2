"""User text on its way into places that would read it as markup.

Django's templates escape everything (no template marks user text safe; a test keeps it so).
Two places do not go through them:

- Plotly draws labels, legends and hover text as its own small HTML (``<b>``, ``<a href>``,
  ``<br>``...). A participant's statement or a party's name must show as typed, so every string
  of a figure is escaped before the page gets it; Plotly turns the entities back into the
  characters. Templates (``hovertemplate``, ``texttemplate``) are code, not text: user text
  never goes into them, only through ``%{...}`` fields.
- A Markdown export is opened in editors and viewers that render raw HTML inside Markdown, so
  user text in it is sanitised with nh3: every tag is dropped (script and style with their
  content), and ``<``, ``>`` and ``&`` become entities.
"""

from __future__ import annotations

import html
from typing import Any

import nh3

# Plotly reads these as templates ("%{y} at %{x}"), written by the code, never by a user.
_PLOTLY_TEMPLATE_KEYS = frozenset({"hovertemplate", "texttemplate", "hovertemplatefallback"})


def plotly_safe(figure: Any, *, key: str = "") -> Any:
    """A copy of a Plotly figure (or part of one) with every text string HTML-escaped."""
    if isinstance(figure, dict):
        return {name: plotly_safe(value, key=name) for name, value in figure.items()}
    if isinstance(figure, list | tuple):
        return [plotly_safe(value, key=key) for value in figure]
    if isinstance(figure, str) and key not in _PLOTLY_TEMPLATE_KEYS:
        return html.escape(figure, quote=False)
    return figure


def markdown_safe(text: str) -> str:
    """User text for a Markdown document: no HTML tag survives, the words do."""
    return nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
