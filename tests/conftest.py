"""Shared fixtures: simulated exports (no register needed) and their cleaned results."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from analysis import clean, config, examples, plan, simulate
from analysis.report import deck
from tests import shared_run

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def simulated_export(folder: Path, fmt: str = "limesurvey", n: int = 300, seed: int = 7, register=None) -> Path:
    export, truth_rows, truth = simulate.simulate(n, seed, fmt, register)
    path = folder / ("export.csv" if fmt == "limesurvey" else "export.xlsx")
    simulate.write_export(export, truth_rows, truth, path)
    return path


@pytest.fixture(scope="session")
def limesurvey_export(tmp_path_factory) -> Path:
    return simulated_export(tmp_path_factory.mktemp("lime"))


@pytest.fixture(scope="session")
def forms_export(tmp_path_factory) -> Path:
    return simulated_export(tmp_path_factory.mktemp("forms"), fmt="forms", seed=11)


@pytest.fixture(scope="session")
def cleaned(limesurvey_export) -> clean.CleanResult:
    return clean.clean(limesurvey_export)


requires_register = pytest.mark.skipif(
    not config.SHARED_REGISTER.is_file(), reason="official register (../shared) not present"
)


@pytest.fixture(scope="session")
def register_fixture(tmp_path_factory) -> Path:
    from tests import register_fixture

    return register_fixture.write(tmp_path_factory.mktemp("register") / "AuszugGV4QAktuell_2023.xlsx")


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """The whole pipeline on the bundled example with one deck per Land, size class and
    Kommunentyp, run once per session: (root, national deck, raw checksum before the run).
    Tests read it and never write into it."""
    from analysis import files

    before = files.sha256(config.EXAMPLE_RAW)
    root = shared_run.pipeline_run(tmp_path_factory)
    return root, root / "reports" / plan.BRIEFING_HTML, before


#: Fixtures that run the pipeline, a browser, or fit and refit the full models: tests using
#: them are `slow` (left out of `make test-fast`).
SLOW_FIXTURES = {"pipeline_run", "injected_deck", "previous_run", "browser", "run", "lab", "example_results",
                 "example", "extended", "plain"}  # fmt: skip


#: The longest modules, run first (`make test` keeps this order: --no-loadscope-reorder), so that
#: the two workers end together on short ones; xdist's own order (most tests first) left the
#: browser's 2 minutes for the end. The first of them builds the shared pipeline run.
LONG_FIRST = ["test_browser.py", "test_robustness.py", "test_readers.py", "test_bad_input.py", "test_no_data_loss.py"]


def pytest_collection_modifyitems(config, items):
    """Notebooks (nbval) and tests of slow fixtures are marked `slow`; the longest modules first."""
    for item in items:
        if item.path.suffix == ".ipynb" or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def injected_deck(pipeline_run, tmp_path_factory) -> Path:
    """The national deck rendered from processed data whose first quoted example carries HTML
    and script, by a municipality that consented to be named."""
    import shutil

    import pandas as pd

    from analysis import pipeline
    from tests.deck_helpers import INJECTION

    root, _, _ = pipeline_run
    work = tmp_path_factory.mktemp("injected")
    shutil.copytree(root / "processed", work / "processed")
    shutil.copytree(root / "personal", work / "personal")
    responses = pd.read_parquet(work / "processed" / config.RESPONSES_FILE)
    d = deck.load(work / "processed")
    quotes = examples.quotes(responses, d.consented, d.coding, d.margins)
    first = quotes[quotes["named"]].iloc[0]  # named: its name and text reach deck and exports
    rows = responses["good_example_text"].astype("string").str.strip() == first["text"]
    responses.loc[rows, "good_example_text"] = INJECTION
    responses.loc[rows, "municipality_name"] = '<b onmouseover="x()">Musterstadt</b>'
    responses.to_parquet(work / "processed" / config.RESPONSES_FILE)
    job = pipeline.deck_jobs(work / "processed", ())[0]
    with pipeline.kernel() as km:
        pipeline.render([job], work / "processed", config.EXAMPLE_RAW, work / "reports", work, km)
    return work / "reports" / plan.BRIEFING_HTML
