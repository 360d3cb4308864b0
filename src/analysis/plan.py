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
#: The analysis notebook that reads only the cleaned data and that no other analysis notebook
#: reads: with a helper kernel (2 cores or more) it runs there right after the cleaning, while
#: the main kernel goes on with the others.
IN_HELPER = "03_hypotheses.ipynb"
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
