"""Test session set-up shared by tests/ and the nbval run of notebooks/: the notebooks executed
with their default parameters read the session's pipeline run (`tests/shared_run.py`) as in the
lab, and write nothing into it; other outputs go to temporary folders, so that `make test`
leaves the data of the last `make briefing` untouched. They use no register, so that their
stored outputs do not depend on ../shared."""

import os
import shutil
import tempfile

_TMP = tempfile.mkdtemp(prefix="analysis-test-")
os.environ.setdefault("ANALYSIS_PROCESSED", os.path.join(_TMP, "processed"))
os.environ.setdefault("ANALYSIS_REPORTS", os.path.join(_TMP, "reports"))
# notebooks re-executed by nbval use no register (config.register()), with or without ../shared
os.environ.setdefault("ANALYSIS_REGISTER", "")


def pytest_unconfigure(config):
    shutil.rmtree(_TMP, ignore_errors=True)


def pytest_collection_finish(session):
    """When notebooks are run (nbval), they read a pipeline run, as a researcher's notebooks in
    the lab read the last run: each notebook on its own, in any worker."""
    if any(item.path.suffix == ".ipynb" for item in session.items):
        from tests import shared_run

        root = shared_run.pipeline_run(session.config._tmp_path_factory)
        os.environ["ANALYSIS_PROCESSED"] = str(root / "processed")
        os.environ["ANALYSIS_REPORTS"] = str(root / "reports")
