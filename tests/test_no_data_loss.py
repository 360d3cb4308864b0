"""No data loss: the raw export is never changed, a run writes its outputs only when it has
finished (a killed run leaves the previous ones intact and usable), and two runs on the same
input give byte-identical processed data."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import clean, config, files, pipeline
from analysis.errors import InputError
from analysis.report import deck


def checksums(root: Path) -> dict[str, str]:
    """sha256 of every file under `root`, staging folders of runs left out."""
    return {
        str(p.relative_to(root)): files.sha256(p)
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(pipeline.STAGE_PREFIX) for part in p.relative_to(root).parts)
    }


@pytest.fixture
def previous_run(pipeline_run, tmp_path) -> Path:
    """A copy of a finished run's outputs in a fresh folder."""
    root, _, _ = pipeline_run
    for name in ("processed", "personal", "reports"):
        shutil.copytree(root / name, tmp_path / name)
    return tmp_path


def test_a_killed_run_leaves_the_previous_outputs_intact_and_usable(previous_run):
    root = previous_run
    before = checksums(root)
    raw_before = files.sha256(config.EXAMPLE_RAW)
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "run", "--out", str(root / "processed"), "--reports", str(root / "reports")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        # halfway: the cleaning and the hypothesis tests have written their (staged) results
        while not list(root.glob(f"{pipeline.STAGE_PREFIX}*/processed/{config.RESULTS_FILE}")):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run did not get halfway"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert checksums(root) == before  # nothing changed, nothing added, nothing half-written
    assert files.sha256(config.EXAMPLE_RAW) == raw_before
    responses, audit_table, _ = clean.load_processed(root / "processed")  # usable
    assert len(responses) > 0 and len(audit_table) > 0 and deck.load(root / "processed").n == len(responses)
    stages = list(root.glob(f"{pipeline.STAGE_PREFIX}*"))
    assert stages  # the dead run's staging folder ...
    pipeline._remove_dead_stages(root)
    assert not list(root.glob(f"{pipeline.STAGE_PREFIX}*"))  # ... is removed by the next run


def test_two_runs_give_byte_identical_processed_data(pipeline_run, tmp_path):
    root, html, _ = pipeline_run
    again = pipeline.run(config.EXAMPLE_RAW, tmp_path / "processed", tmp_path / "reports")
    first, second = checksums(root / "processed"), checksums(tmp_path / "processed")
    assert len(first) >= 15 and first == second
    assert again.read_bytes() == html.read_bytes()


def test_a_run_whose_raw_file_changes_writes_nothing(tmp_path, monkeypatch):
    raw = tmp_path / "export.csv"
    shutil.copyfile(config.EXAMPLE_RAW, raw)

    def run_into(raw_path, processed, reports, *args):
        processed.mkdir(parents=True)
        (processed / config.RESPONSES_FILE).write_text("neu")
        raw_path.write_text("während des Laufs überschrieben")
        return []

    monkeypatch.setattr(pipeline, "_run_into", run_into)
    with pytest.raises(InputError, match="Rohdatei hat sich während des Laufs geändert"):
        pipeline.run(raw, tmp_path / "processed", tmp_path / "reports")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_commit_moves_every_staged_file_and_decks_last(tmp_path):
    stage, target = tmp_path / "stage", tmp_path / "target"
    for name in ("reports/briefing.html", "reports/land/01-a.html", "reports/executed/01.ipynb", "processed/x.parquet"):
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_text(name)
    (target / "reports").mkdir(parents=True)
    (target / "reports" / "old.html").write_text("bleibt")
    pipeline.commit(stage, target, ["reports", "processed"])
    assert (target / "reports" / "land" / "01-a.html").read_text() == "reports/land/01-a.html"
    assert (target / "reports" / "old.html").read_text() == "bleibt"
    assert not [p for p in stage.rglob("*") if p.is_file()]
