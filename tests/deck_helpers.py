"""Helpers shared by the deck tests and the browser tests."""

from __future__ import annotations

from pathlib import Path

import nbformat

from analysis import codebook, config, plan
from analysis.report import reveal

LAENDER = list(codebook.load().scales["land"].codes.values())
INJECTION = '<script>window.__injected = 1</script><img src="x" onerror="window.__injected = 2"> Bürgerportal & Co.'


def expected_slides(suppressed: bool, left_out: int = 0) -> int:
    """Slides the briefing notebook defines; a suppressed deck keeps those without figures;
    `left_out`: slides with nothing to show in this deck (`slides.omitted`)."""
    nb = nbformat.read(config.NOTEBOOKS / plan.BRIEFING_NOTEBOOK, as_version=4)
    return (
        sum(
            c.metadata.get("slideshow", {}).get("slide_type") == "slide"
            and not (suppressed and reveal.FIGURE_TAG in c.metadata.get("tags", []))
            for c in nb.cells
        )
        - left_out
    )


def land_decks(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((root / "reports" / "land").glob("*.html"))}


def subgroup_decks(root: Path) -> list[Path]:
    """Every subgroup deck of a run (Länder, size classes, Kommunentypen)."""
    return [p for kind in plan.SUBGROUPS for p in sorted((root / "reports" / kind).glob("*.html"))]


def slides_html(text: str) -> str:
    """The slides of a deck's HTML, without the inlined reveal.js."""
    return text.split('<div class="slides">', 1)[1].split('<p class="deck-footer">', 1)[0]
