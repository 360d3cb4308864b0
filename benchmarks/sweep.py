"""Benchmark 2: national deck plus 16 Land decks plus 4 type decks against the national deck
alone, each a full `python -m analysis run`. Goal: <= 2x."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from machine import timed, write


def run(tmp: Path, *extra: str) -> float:
    return timed([sys.executable, "-m", "analysis", "run", "--out", str(tmp / "processed"),
                  "--reports", str(tmp / "reports"), *extra])  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        national = run(Path(tmp) / "national")
        sweep = run(Path(tmp) / "sweep", "--by", "land", "--by", "type")
        decks = len(list((Path(tmp) / "sweep" / "reports").rglob("*.html"))) - 1  # without index.html
    ratio = sweep / national
    table = ("| what | decks | wall time | goal |\n|---|---:|---:|---|\n"
             f"| national deck alone | 1 | {national:.1f} s | |\n"
             f"| national + 16 Länder + 4 Kommunentypen | {decks} | {sweep:.1f} s | |\n"
             f"| ratio | | {ratio:.2f} | ≤ 2 {'erreicht' if ratio <= 2 else 'verfehlt'} |")  # fmt: skip
    write("sweep", "Subgroup sweep against the national deck", table)


if __name__ == "__main__":
    main()
