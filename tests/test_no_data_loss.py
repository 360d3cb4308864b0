"""No data loss: the raw export is never changed, a run writes its outputs only when it has
finished (a killed run leaves the previous ones intact and usable), and two runs on the same
input give byte-identical processed data."""

from __future__ import annotations

import copy
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import clean, config, files, pipeline, plan
from analysis.errors import InputError
from analysis.report import deck

OUTPUTS = ("processed", "personal", "reports")


def checksums(root: Path) -> dict[str, str]:
    """sha256 of every output file, as people find them (through the links into the current run)."""
    return {
        str(p.relative_to(root)): files.sha256(p) for name in OUTPUTS for p in (root / name).rglob("*") if p.is_file()
    }


@pytest.fixture
def previous_run(pipeline_run, tmp_path) -> Path:
    """A copy of a finished run (its runs folder and the links into it) in a fresh folder."""
    root, _, _ = pipeline_run
    runs = pipeline.runs_folder(root / "processed")
    shutil.copytree(runs, tmp_path / runs.name, symlinks=True)
    for name in OUTPUTS:
        os.symlink(os.readlink(root / name), tmp_path / name)
    return tmp_path


def run_command(root: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "analysis",
        "run",
        "--out",
        str(root / "processed"),
        "--reports",
        str(root / "reports"),
    ]


def test_a_killed_run_leaves_the_previous_outputs_intact_and_usable(previous_run):
    root = previous_run
    before = checksums(root)
    raw_before = files.sha256(config.EXAMPLE_RAW)
    proc = subprocess.Popen(run_command(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    runs = pipeline.runs_folder(root / "processed")
    try:
        deadline = time.monotonic() + 240
        # midway: the cleaning has written its results into the new run, the analysis goes on
        while not [p for p in runs.glob(f"*/processed/{config.AUDIT_CSV}") if p.parent.parent.name != pipeline.CURRENT
                   and p.parent.parent != (runs / pipeline.CURRENT).resolve()]:  # fmt: skip
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run did not get midway"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert checksums(root) == before  # nothing changed, nothing added, nothing half-written
    assert files.sha256(config.EXAMPLE_RAW) == raw_before
    responses, audit_table, _ = clean.load_processed(root / "processed")  # usable
    assert len(responses) > 0 and len(audit_table) > 0 and deck.load(root / "processed").n == len(responses)
    dead = [p for p in runs.iterdir() if p.is_dir() and not p.is_symlink() and p != (runs / pipeline.CURRENT).resolve()]
    assert dead  # the dead run's folder ...
    pipeline._remove_uncommitted(runs)
    assert not [p for p in dead if p.exists()]  # ... is removed by the next run


KILL_AT_COMMIT = """
import os, signal, sys
from pathlib import Path
from analysis import config, pipeline
root, moment = Path(sys.argv[1]), sys.argv[2]
real = os.replace
def replace(src, dst):
    if Path(dst).name == pipeline.CURRENT and moment == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
    if Path(dst).name == pipeline.CURRENT and moment == "after":
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
if moment == "before":  # what is written before the commit does not matter here: a short run
    def run_into(raw, processed, reports, *args):
        for folder in (processed, reports):
            folder.mkdir(parents=True)
            (folder / "neu.txt").write_text("neu")
    pipeline._run_into = run_into
pipeline.run(config.EXAMPLE_RAW, root / "processed", root / "reports", jobs=1)  # one kernel, as on one core
"""


def kill_at_commit(root: Path, moment: str) -> None:
    proc = subprocess.run([sys.executable, "-c", KILL_AT_COMMIT, str(root), moment], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


def test_a_run_killed_just_before_the_commit_leaves_every_previous_output(previous_run):
    """The commit is one rename: killed just before it, every output is the previous run's."""
    root = previous_run
    before = checksums(root)
    runs = pipeline.runs_folder(root / "processed")
    previous = (runs / pipeline.CURRENT).resolve()
    kill_at_commit(root, "before")
    assert checksums(root) == before and (runs / pipeline.CURRENT).resolve() == previous
    staged = [p for p in runs.iterdir() if p.is_dir() and not p.is_symlink() and p != previous]
    assert [sorted(q.name for q in p.rglob("neu.txt")) for p in staged] == [["neu.txt", "neu.txt"]]


def test_a_run_killed_just_after_the_commit_is_complete_and_byte_identical(previous_run, pipeline_run):
    """Killed just after the commit (the rename), every output is the new run's, complete: its
    processed data byte-identical to the first run's on the same raw export (so two runs give
    byte-identical data), its national deck too (so a deck rendered again is byte-identical), and
    no subgroup decks (a national run). It runs in one kernel, the first with helper kernels: both ways
    give the same bytes."""
    root = previous_run
    before = checksums(root)
    runs = pipeline.runs_folder(root / "processed")
    previous = (runs / pipeline.CURRENT).resolve()
    kill_at_commit(root, "after")
    after = checksums(root)
    assert (runs / pipeline.CURRENT).resolve() != previous
    subgroups = ("reports/land/", "reports/size/", "reports/type/", "reports/index.html")
    assert set(after) == {k for k in before if not k.startswith(subgroups)}
    processed = lambda sums: {k: v for k, v in sums.items() if k.startswith("processed/")}  # noqa: E731
    assert len(processed(after)) >= 15 and processed(after) == processed(before)
    assert (root / "reports" / plan.BRIEFING_HTML).read_bytes() == pipeline_run[1].read_bytes()


def test_a_second_run_at_the_same_time_is_refused_in_one_line(tmp_path):
    runs = pipeline.runs_folder(tmp_path / "processed")
    runs.mkdir()
    with (runs / pipeline.LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4711")
        lock.flush()
        with pytest.raises(InputError, match="ein anderer Lauf schreibt gerade hierhin .Prozess 4711.") as exc:
            pipeline.run(config.EXAMPLE_RAW, tmp_path / "processed", tmp_path / "reports")
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "processed").exists() and not (tmp_path / "reports").exists()


def test_consent_stays_with_the_processed_data_it_belongs_to(cleaned, tmp_path):
    """Two cleaning runs whose output folders share a parent keep separate contacts."""
    a, b = cleaned, copy.deepcopy(cleaned)
    b.contacts["consent_named"] = b.contacts["consent_named"].map({"ja": "nein", "nein": "ja"})
    clean.save(a, tmp_path / "a")
    clean.save(b, tmp_path / "b")
    said_yes = lambda r: frozenset(r.contacts.loc[r.contacts["consent_named"] == "ja", "response_id"])  # noqa: E731
    assert clean.load_consent(tmp_path / "a") == said_yes(a) and clean.load_consent(tmp_path / "b") == said_yes(b)
    assert said_yes(a) and said_yes(a) != said_yes(b)


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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".processed-runs", "export.csv"]
    assert [p.name for p in (tmp_path / ".processed-runs").iterdir()] == [pipeline.LOCK]  # no run, no output
