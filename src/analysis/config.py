"""Every path of the project, built from its root; notebooks and code never hard-code paths.

Thresholds live in `settings`, the notebooks a run executes in `plan`."""

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


def lab_output(folder: Path) -> Path | None:
    """Where a notebook run without a folder parameter (in the lab) writes: `folder` (e.g.
    PROCESSED, REPORTS), unless it is a link into the pipeline's runs (`python -m analysis run`
    replaces all of a run's outputs together; a notebook must not overwrite some of them): None,
    nothing written."""
    return None if Path(folder).is_symlink() and Path(folder).resolve().parent.parent.name.endswith("-runs") else folder


#: The codebook; ANALYSIS_CODEBOOK points to another (a new wave's draft, a test's variant).
CODEBOOK = Path(os.environ.get("ANALYSIS_CODEBOOK", Path(__file__).with_name("codebook.yaml")))

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


def register() -> Path | None:
    """The official register every entry point uses unless told otherwise (`make briefing`,
    `run`, `clean`, `simulate`, the notebooks): the workbook named by ANALYSIS_REGISTER (empty:
    none), else `SHARED_REGISTER` when it is there; None means no register (names stay
    unmatched, weights from the committed margins)."""
    named = os.environ.get("ANALYSIS_REGISTER")
    if named is not None:
        return Path(named) if named.strip() else None
    return SHARED_REGISTER if SHARED_REGISTER.is_file() else None


def register_param(value: str | None) -> Path | None:
    """A notebook's `register_path` parameter: None means `register()`, "" no register."""
    if value is None:
        return register()
    return Path(value) if str(value).strip() else None


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
EXAMPLES_CODED_FILE = "beispiele_kodiert.parquet"
EXCHANGE_FILE = "austausch.parquet"

#: Good examples for organisers, in the reports folder: catalogue and who can learn from whom.
EXAMPLES_DIR = "gute-beispiele"
CATALOGUE_HTML = "katalog.html"
CATALOGUE_XLSX = "katalog.xlsx"
EXCHANGE_XLSX = "austausch.xlsx"


def truth_path(export: Path) -> Path:
    """Where the simulator puts the per-row truth of a simulated export."""
    export = Path(export)
    return export.with_name(export.name.split(".")[0] + ".truth.csv")


def provenance_path(export: Path) -> Path:
    """The provenance sidecar of an export: `<file>.provenance.json`."""
    export = Path(export)
    return export.with_name(export.name + ".provenance.json")


#: The codebook as a readable document (generated, committed; copied beside the exports).
CODEBOOK_DOC = ROOT / "docs" / "codebook.md"
#: Exports for R, SPSS, Stata and Excel users, inside the processed folder.
EXPORT_DIR = "export"

#: The pre-registered hypotheses.
HYPOTHESES = ROOT / "config" / "hypotheses.yaml"
CONTACTS_FILE = "contacts.csv"

#: BLAS and OpenMP threads of a pipeline kernel or a test worker: one. Their parallelism is
#: one process per core; more threads only compete for the same cores (on 2 cores 04_typology
#: took 2.3 s instead of 1.0 s, a 21-deck sweep 46 s instead of 37 s, and under the two test
#: workers 04_typology's nbval run 23 s instead of 3 s). Results do not depend on it.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
