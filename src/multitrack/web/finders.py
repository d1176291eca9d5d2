"""Serve Plotly's JavaScript from the plotly Python package itself: no CDN, no copy in the repo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_FILE = "plotly.min.js"
PREFIX = "vendor/plotly"


class PlotlyFinder(BaseFinder):
    """Finds ``vendor/plotly/plotly.min.js`` in the installed plotly package (and nothing else)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = Path(plotly.__file__).parent / "package_data"
        self.storage = FileSystemStorage(location=str(location))
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]  # read by collectstatic

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(  # type: ignore[override]  # the stubs overload on find_all
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        if path == f"{PREFIX}/{PLOTLY_FILE}":
            found = self.storage.path(PLOTLY_FILE)
            return [found] if find_all else found
        return [] if find_all else ""

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield PLOTLY_FILE, self.storage
