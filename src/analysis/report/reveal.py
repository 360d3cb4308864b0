"""Self-contained reveal.js decks and their index page: every script, style and font inlined,
no request to any other host, byte-identical on the same data.

reveal.js comes from the pinned `sphinx-revealjs` wheel (reveal.js 5.2.0), not from the repo.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
import sphinx_revealjs
from nbconvert import SlidesExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from .. import config, files, fmt, settings

REVEAL = Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
TEMPLATES = Path(__file__).parent / "templates"
#: Cells carrying these tags never reach the slides.
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "remove_cell"})
#: Cells with this tag show figures; a suppressed subgroup's deck drops them.
FIGURE_TAG = "figures"
#: Attribute of a slide's output that has nothing to show in this deck: the cell is dropped.
OMITTED_MARKER = "data-omitted"
_FONTS = {  # Source Sans Pro (SIL OFL), shipped with reveal.js's white theme
    ("normal", 400): "source-sans-pro-regular.woff",
    ("italic", 400): "source-sans-pro-italic.woff",
    ("normal", 600): "source-sans-pro-semibold.woff",
}


@cache
def assets() -> dict[str, str]:
    """reveal.js, its notes plugin, its stylesheet and the white theme with fonts as data URIs."""
    fonts_dir = REVEAL / "dist" / "theme" / "fonts" / "source-sans-pro"
    faces = "\n".join(
        f"@font-face {{ font-family: 'Source Sans Pro'; font-style: {style}; font-weight: {weight}; "
        f"src: url(data:font/woff;base64,{base64.b64encode((fonts_dir / name).read_bytes()).decode('ascii')}) "
        "format('woff'); }"
        for (style, weight), name in _FONTS.items()
    )
    theme = (REVEAL / "dist" / "theme" / "white.css").read_text(encoding="utf-8")
    theme = theme.replace("@import url(./fonts/source-sans-pro/source-sans-pro.css);", faces)
    return {
        "reveal_css": (REVEAL / "dist" / "reveal.css").read_text(encoding="utf-8"),
        "theme_css": theme,
        "reveal_js": (REVEAL / "dist" / "reveal.js").read_text(encoding="utf-8"),
        "notes_js": (REVEAL / "plugin" / "notes" / "notes.js").read_text(encoding="utf-8"),
        "deck_css": (TEMPLATES / "briefing" / "deck.css").read_text(encoding="utf-8"),
    }


def export(notebook: Path, html_path: Path, *, title: str, footer: str, suppressed: bool = False) -> Path:
    """Export an executed notebook as one self-contained HTML deck, code and parameters hidden;
    with `suppressed`, cells tagged `FIGURE_TAG` are dropped as well."""
    nb = nbformat.read(notebook, as_version=4)
    body, _ = _exporter(suppressed).from_notebook_node(
        nb, resources={"offline": {**assets(), "title": title, "footer": footer}}
    )
    # JupyterLab's cell wrappers are focusable (tabindex="0"); on slides they are not controls
    return files.write_text(html_path, body.replace(' tabindex="0"', ""))


class OmitPreprocessor(Preprocessor):
    """Drops the cells whose output marks them as omitted (`OMITTED_MARKER`): a slide with
    nothing to show in this deck."""

    def preprocess(self, nb, resources):
        nb.cells = [c for c in nb.cells if not any(
            OMITTED_MARKER in "".join(o.get("data", {}).get("text/html", "")) for o in c.get("outputs", [])
        )]  # fmt: skip
        return nb, resources


@cache
def _exporter(suppressed: bool) -> SlidesExporter:
    """The slides exporter (one per process: compiling its templates costs more than a deck)."""
    exporter = SlidesExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="briefing",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="de",
    )
    hidden = set(HIDDEN_TAGS) | ({FIGURE_TAG} if suppressed else set())
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=hidden, enabled=True), enabled=True)
    exporter.register_preprocessor(OmitPreprocessor(enabled=True), enabled=True)
    return exporter


@dataclass(frozen=True)
class Entry:
    """One deck in the index: its group, label, file (relative to the index) and n."""

    group: str
    label: str
    href: str
    n: int
    suppressed: bool


def write_index(entries: list[Entry], path: Path, *, title: str, status: str) -> Path:
    """A self-contained German index page linking every deck, with n and suppression."""
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.group, []).append(e)
    parts = []
    for group, items in groups.items():
        rows = "\n".join(
            f'<tr><td><a href="{html.escape(e.href)}">{html.escape(e.label)}</a></td>'
            f'<td class="num">{f"unter {settings.MIN_CELL_N}" if e.suppressed else fmt.number(e.n)}</td>'
            f"<td>{'zu wenige Antworten: keine Zahlen ausgewiesen' if e.suppressed else ''}</td></tr>"
            for e in items
        )
        parts.append(
            f"<h2>{html.escape(group)}</h2>\n<table><thead><tr><th>Foliensatz</th>"
            f'<th class="num">antwortende Kommunen</th><th>Hinweis</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>'
        )
    page = f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="robots" content="noindex" />
<title>{html.escape(title)}: alle Foliensätze</title>
<style>
body {{ font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; font-size: 18px; color: #1a1a1a; background: #fff; max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.4; }}
a {{ color: #0b4f9c; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ padding: 0.25em 0.8em; border-bottom: 1px solid #8c8c8c; text-align: left; }}
.num {{ text-align: right; }}
.notice {{ border-left: 0.4em solid #b3261e; background: #fde8e6; padding: 0.4em 0.8em; font-weight: 600; }}
</style>
</head>
<body>
<main>
<h1>{html.escape(title)}</h1>
<p class="notice">{html.escape(status)}</p>
<p>Ein Foliensatz für Deutschland und je einer pro Gruppe. Gruppen mit weniger als drei antwortenden Kommunen zeigen keine Zahlen.</p>
{chr(10).join(parts)}
<h2>Gute Beispiele</h2>
<ul>
<li><a href="{config.EXAMPLES_DIR}/{config.CATALOGUE_HTML}">Katalog der guten Beispiele</a> (nach Kategorie und Land filterbar)</li>
<li><a href="{config.EXAMPLES_DIR}/{config.EXCHANGE_XLSX}">Wer kann von wem lernen?</a> Tabelle für den Austausch (Excel)</li>
</ul>
</main>
</body>
</html>
"""
    return files.write_text(path, page)
