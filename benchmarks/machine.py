"""Shared by the benchmark scripts: the machine described, wall time of a command, and the
results written to `benchmarks/results/` as Markdown (atomically)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from analysis import files

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def describe() -> str:
    """CPU, cores, memory, OS and Python of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}; {os.cpu_count()} cores; {memory:.0f} GiB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")  # fmt: skip


def timed(cmd: list[str], **kwargs) -> float:
    """Wall seconds of a command run to completion (its output discarded); fails loudly."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, **kwargs)
    return time.perf_counter() - started


def runs_text(seconds: list[float]) -> str:
    """Each run's wall time, for the tables beside the median."""
    return ", ".join(f"{x:.1f}" for x in seconds)


def write(name: str, title: str, table: str, notes: str = "") -> Path:
    """`benchmarks/results/<name>.md` with the machine, the table and notes; also printed."""
    text = (f"# {title}\n\nMachine: {describe()}\n\nCommand: `{' '.join([Path(sys.executable).name, *sys.argv])}`, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{table}\n" + (f"\n{notes}\n" if notes else ""))  # fmt: skip
    print(text)
    return files.write_text(RESULTS / f"{name}.md", text)
