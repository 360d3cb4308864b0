"""Shared fixtures: simulated exports (no register needed) and their cleaned results."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from analysis import clean, config, simulate

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
