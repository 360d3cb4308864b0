"""Benchmark: `.ci/run` (= `make test`) on a fresh clone, as a newcomer and CI meet it: the
repository cloned into a temporary folder with ../shared beside it, the environment created
(`make install`), then the whole suite, browser tests included. Goal: <= 5 minutes in all."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from machine import ROOT, write


def timed_in(folder: Path, cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started, proc.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fresh-clone-") as tmp:
        clone = Path(tmp) / "main"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        shared = ROOT.parent / "shared"
        if shared.exists():
            os.symlink(shared, Path(tmp) / "shared")
        install, _ = timed_in(clone, ["make", "install"])
        tests, out = timed_in(clone, ["./.ci/run"])
    summary = re.findall(r"=+ (\d+ passed.*?) in [\d.]+s", out)
    total = install + tests
    table = ("| what | wall time | goal |\n|---|---:|---|\n"
             f"| `make install` (new .venv) | {install:.0f} s | |\n"
             f"| `.ci/run` = `make test` ({summary[-1] if summary else '?'}) | {tests / 60:.1f} min ({tests:.0f} s) | |\n"
             f"| in all | {total / 60:.1f} min ({total:.0f} s) | ≤ 5 min {'erreicht' if total <= 300 else 'verfehlt'} |")  # fmt: skip
    write("tests", "The test suite on a fresh clone", table)


if __name__ == "__main__":
    main()
