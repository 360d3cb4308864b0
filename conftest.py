"""Test session set-up shared by tests/ and the nbval run of notebooks/: processed outputs of
notebooks executed with their default parameters go to temporary folders, so that `make test`
leaves the data of the last `make briefing` untouched, and they use no register, so that their
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
