"""Test session set-up shared by tests/ and the nbval run of notebooks/: the notebooks executed
with their default parameters read the session's pipeline run (`tests/shared_run.py`) as in the
lab, and write nothing into it; other outputs go to temporary folders, so that `make test`
leaves the data of the last `make briefing` untouched. They use no register, so that their
stored outputs do not depend on ../shared."""

import os
import shutil
import tempfile

import pytest

_TMP = tempfile.mkdtemp(prefix="analysis-test-")
os.environ.setdefault("ANALYSIS_PROCESSED", os.path.join(_TMP, "processed"))
os.environ.setdefault("ANALYSIS_REPORTS", os.path.join(_TMP, "reports"))
# notebooks re-executed by nbval use no register (config.register()), with or without ../shared
os.environ.setdefault("ANALYSIS_REGISTER", "")

from analysis.config import SINGLE_THREADED  # noqa: E402 (reads the folders set above)

# one thread per test worker and notebook kernel: xdist runs one worker per core
for _name, _value in SINGLE_THREADED.items():
    os.environ.setdefault(_name, _value)


def pytest_unconfigure(config):
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before nbval starts the notebook's kernel
def pytest_runtest_setup(item):
    """A notebook (nbval) reads a pipeline run, as a researcher's notebooks in the lab read the
    last run: the session's, built by the first test or notebook that needs it (then found)."""
    if item.path.suffix == ".ipynb":
        from tests import shared_run

        root = shared_run.pipeline_run(item.config._tmp_path_factory)
        os.environ["ANALYSIS_PROCESSED"] = str(root / "processed")
        os.environ["ANALYSIS_REPORTS"] = str(root / "reports")
