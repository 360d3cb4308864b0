"""The pipeline run on the bundled example that tests and notebooks read, built once per test
session, also when xdist runs the tests in several workers."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

from analysis import config, pipeline


def shared(tmp_path_factory, name: str, build) -> Path:
    """A folder built once per test session: the first worker to ask builds it
    (`build(folder)`), the others wait for it and read it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this session
    folder = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


def pipeline_run(tmp_path_factory) -> Path:
    """The whole pipeline with one deck per Land, size class and Kommunentyp, without a register
    (as nbval runs the notebooks): processed data, contacts and reports in the folder returned.
    Tests and notebooks read it and never write into it."""
    return shared(tmp_path_factory, "pipeline_run", lambda folder: pipeline.run(
        config.EXAMPLE_RAW, folder / "processed", folder / "reports", by=("land", "size", "type")))  # fmt: skip
