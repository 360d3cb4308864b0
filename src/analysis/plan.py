"""The run plan: which notebooks `python -m analysis run` executes, in which order, which of them
may run side by side, and which decks it renders. Read this first to follow a run."""

from __future__ import annotations

#: Analysis notebooks, in the order they run; each writes into the processed folder.
ANALYSIS_NOTEBOOKS = [
    "01_clean.ipynb",  # export -> cleaned, matched, weighted responses and the audit table
    "02_weights.ipynb",  # weights against the register (read-only)
    "03_hypotheses.ipynb",  # pre-registered hypothesis tests
    "04_typology.ipynb",  # Kommunentypen
    "06_examples.ipynb",  # good examples: coding, catalogue, who can learn from whom (needs the types)
    "07_export.ipynb",  # exports for R, SPSS, Stata and Excel
]
#: Analysis notebooks that follow each other and read only the cleaned data, not each other's
#: outputs: with helper kernels (decks by subgroup) they run side by side.
SIDE_BY_SIDE = frozenset({"03_hypotheses.ipynb", "04_typology.ipynb"})
#: Analysis notebooks whose outputs no deck reads: with helper kernels they run while decks render.
NOT_READ_BY_DECKS = frozenset({"07_export.ipynb"})

#: The briefing notebook, executed once per deck after the analysis notebooks.
BRIEFING_NOTEBOOK = "90_briefing.ipynb"
#: The national deck, in the reports folder; subgroup decks go to `reports/<kind>/`.
BRIEFING_HTML = "briefing.html"
#: Subgroup decks (`run --by KIND`): kind -> (column, German name of one group, of the kinds).
SUBGROUPS = {
    "land": ("land_code", "Bundesland", "Länder"),
    "size": ("size_class", "Größenklasse", "Größenklassen"),
    "type": ("kommunentyp", "Kommunentyp", "Kommunentypen"),
}
