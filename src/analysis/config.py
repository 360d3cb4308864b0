"""Every path of the project, built from its root; notebooks and code never hard-code paths."""

from __future__ import annotations

import os
from pathlib import Path

#: Project root: the folder holding pyproject.toml (overridable for installed copies).
ROOT = Path(os.environ.get("ANALYSIS_ROOT", Path(__file__).resolve().parents[2]))

DATA = ROOT / "data"
RAW = DATA / "raw"
#: Processed outputs; ANALYSIS_PROCESSED redirects them (the test suite uses a temporary folder).
PROCESSED = Path(os.environ.get("ANALYSIS_PROCESSED", DATA / "processed"))
PERSONAL = DATA / "personal"  # contact e-mails and consent: never analysis data, never committed
REFERENCE = DATA / "reference"
NOTEBOOKS = ROOT / "notebooks"
#: Reports for organisers; ANALYSIS_REPORTS redirects them (the test suite uses a temporary folder).
REPORTS = Path(os.environ.get("ANALYSIS_REPORTS", ROOT / "reports"))

#: The bundled simulated example export.
EXAMPLE_RAW = RAW / "example_limesurvey.csv"
#: Names a researcher settled by hand (`name;land;ags`), beside the raw export: `<export>.overrides.csv`.
OVERRIDES_SUFFIX = ".overrides.csv"
#: Names the matcher left ambiguous or unmatched, with their candidates (in the processed folder).
UNRESOLVED_NAMES_FILE = "namen_offen.xlsx"
#: Land x size-class composition of the official register (committed aggregate).
REGISTER_MARGINS = REFERENCE / "register_margins_2024.csv"
#: Where the official register lies beside the project when the shared folder is present.
SHARED_REGISTER = ROOT.parent / "shared" / "reference" / "destatis" / "AuszugGV4QAktuell_2024.xlsx"

#: Good-example texts coded by hand, to measure the dictionary coding against (`analysis.examples`).
HAND_CODED_EXAMPLES = REFERENCE / "gute_beispiele_handkodiert.csv"

#: Processed outputs of the cleaning step.
RESPONSES_FILE = "responses.parquet"
AUDIT_FILE = "audit.parquet"
AUDIT_CSV = "audit.csv"
MARGINS_FILE = "register_margins.parquet"
RESULTS_FILE = "hypotheses.parquet"
RESULTS_CSV = "hypotheses.csv"
DIAGNOSTICS_FILE = "hypotheses_diagnostics.parquet"
TYPES_FILE = "kommunentypen.parquet"
TYPOLOGY_MODEL = "kommunentypen_model.json"

#: The codebook as a readable document (generated, committed; copied beside the exports).
CODEBOOK_DOC = ROOT / "docs" / "codebook.md"
#: Exports for R, SPSS, Stata and Excel users, inside the processed folder.
EXPORT_DIR = "export"

#: The pre-registered hypotheses.
HYPOTHESES = ROOT / "config" / "hypotheses.yaml"
CONTACTS_FILE = "contacts.csv"

#: Notebooks the pipeline runs, in order; then the briefing notebook, once per deck.
ANALYSIS_NOTEBOOKS = [
    "01_clean.ipynb",
    "02_weights.ipynb",
    "03_hypotheses.ipynb",
    "04_typology.ipynb",
    "06_examples.ipynb",
    "07_export.ipynb",
]
#: Analysis notebooks that follow each other and read only the cleaned data, not each other's
#: outputs: with helper kernels (decks by subgroup) they run side by side.
SIDE_BY_SIDE = frozenset({"03_hypotheses.ipynb", "04_typology.ipynb"})
#: Analysis notebooks whose outputs no deck reads: with helper kernels they run while decks render.
NOT_READ_BY_DECKS = frozenset({"07_export.ipynb"})
BRIEFING_NOTEBOOK = "90_briefing.ipynb"
BRIEFING_HTML = "briefing.html"

#: An export larger than this is refused before reading (the survey's real export is a few MB).
MAX_EXPORT_BYTES = 500 * 2**20
#: Free-text answers longer than this are cut (logged): a pasted document is not an example.
MAX_FREE_TEXT_CHARS = 5000

#: Subgroup results with fewer responding municipalities than this are suppressed.
MIN_CELL_N = 3
#: Raking categories with fewer respondents than this are pooled with others before weighting.
RAKING_MIN_CELL_N = 5

#: A complete response faster than this fraction of the median complete time is a speeder.
SPEEDER_FRACTION_OF_MEDIAN = 0.3
#: Question grids on which identical answers to every item mark a straight-liner.
STRAIGHTLINING_GRIDS = ("E01", "F01")
#: Words in a municipality name that mark a test response.
TEST_NAME_WORDS = frozenset(
    {"test", "testeingabe", "testkommune", "testgemeinde", "asdf", "dummy", "xxx", "qwertz", "loeschen"}
)
