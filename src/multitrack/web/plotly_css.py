"""Plotly's runtime styles as files, because the CSP forbids the ``<style>`` Plotly would inject.

At load Plotly adds two ``<style>`` elements unless the page already holds elements with their
ids: its own global rules (skipped when ``#plotly.js-style-global`` has class
``no-inline-styles``) and MapLibre's CSS (skipped when an element with MapLibre's id exists).
``web/_plotly.html`` supplies both as ``<link>`` elements to the files this module writes from the
installed plotly.js. After upgrading plotly, run ``.venv/bin/python -m multitrack.web.plotly_css``
and update the id in ``web/_plotly.html`` and the hash in settings if the tests say so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "multitrack"
GLOBAL_CSS = STATIC_DIR / "plotly.css"
MAPLIBRE_CSS = STATIC_DIR / "plotly-maplibre.css"

# The rules object in plotly.js's build/plotcss.js, minified: {"X,X div":'direction:ltr;...',...}.
RULES_OBJECT = re.compile(r'\{"X,X div":.*?\};for\(', re.DOTALL)
STRING = r'"[^"\\]*"|\'[^\'\\]*\''
RULE = re.compile(rf"\s*(?:({STRING})|([A-Za-z_]\w*))\s*:\s*({STRING})\s*,?")
MAPLIBRE = re.compile(
    r'document\.getElementById\("([0-9a-f]{64})"\)\)\{var e=document\.createElement\("style"\);'
    r"e\.id=\"\1\",e\.textContent='([^'\\]*)'"
)
PIXELATED = re.compile(r"CSS_DECLARATIONS=(\[\[.*?\]\])")


def plotly_source() -> str:
    """The installed plotly.min.js, the one the app serves."""
    return PLOTLY_JS.read_text(encoding="utf-8")


def _found(match: re.Match[str] | None, what: str) -> re.Match[str]:
    if match is None:
        raise ValueError(f"{what} not found in plotly.min.js: has Plotly changed how it styles?")
    return match


def global_css(source: str) -> str:
    """Plotly's global rules (modebar, hover labels, notifier), as Plotly would insert them."""
    body = _found(RULES_OBJECT.search(source), "Plotly's style rules").group(0)[1 : -len("};for(")]
    version = re.search(r"plotly\.js v([\w.-]+)", source)
    lines = [
        f"/* Plotly.js {version.group(1) if version else ''} global styles, written by "
        "multitrack.web.plotly_css: the CSP forbids the <style> Plotly would inject. */"
    ]
    position = 0
    while position < len(body):
        rule = _found(RULE.match(body, position), f"A rule at {body[position:][:40]!r}")
        key = rule.group(1)[1:-1] if rule.group(1) else rule.group(2)
        # The same substitutions Plotly makes before inserting each rule.
        selector = (
            re.sub(r"^,", " ,", key)
            .replace("X", ".js-plotly-plot .plotly")
            .replace("Y", ".plotly-notifier")
        )
        lines.append(f"{selector} {{{rule.group(3)[1:-1]}}}")
        position = rule.end()
    return "\n".join(lines) + "\n"


def maplibre_style(source: str) -> tuple[str, str]:
    """The id of the ``<style>`` Plotly adds for MapLibre (map traces), and its CSS."""
    match = _found(MAPLIBRE.search(source), "MapLibre's style")
    header = (
        "/* MapLibre GL JS's CSS (BSD-3-Clause), as bundled in Plotly.js, written by "
        "multitrack.web.plotly_css: the CSP forbids the <style> Plotly would inject. */\n"
    )
    return match.group(1), header + match.group(2) + "\n"


def pixelated_style_hash(source: str) -> str:
    """The CSP hash of the one style attribute Plotly sets: heatmap images drawn pixelated."""
    declarations = json.loads(_found(PIXELATED.search(source), "The pixelated style").group(1))
    style = "".join(f"{name}: {value}; " for name, value in declarations)
    return "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()


def main() -> None:
    """Write both stylesheets from the installed Plotly and say what the settings need."""
    source = plotly_source()
    GLOBAL_CSS.write_text(global_css(source), encoding="utf-8")
    maplibre_id, css = maplibre_style(source)
    MAPLIBRE_CSS.write_text(css, encoding="utf-8")
    print(f"wrote {GLOBAL_CSS} and {MAPLIBRE_CSS}")
    print(f"MapLibre style id for web/_plotly.html: {maplibre_id}")
    print(f"style-src-attr hash for settings: '{pixelated_style_hash(source)}'")


if __name__ == "__main__":
    main()
