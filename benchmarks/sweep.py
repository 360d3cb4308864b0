"""Benchmark 2: national deck plus 16 Land decks plus 4 type decks against the national deck
alone, each a full `python -m analysis run`, three times alternating, medians compared.
Goal: <= 1.6x."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from statistics import median

from machine import runs_text, timed, write


def run(tmp: Path, *extra: str) -> float:
    return timed([sys.executable, "-m", "analysis", "run", "--out", str(tmp / "processed"),
                  "--reports", str(tmp / "reports"), *extra])  # fmt: skip


REPEATS = 3


def main() -> None:
    national, sweep = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(REPEATS):  # alternating, so that both see the same machine state
            national.append(run(Path(tmp) / f"national{i}"))
            sweep.append(run(Path(tmp) / f"sweep{i}", "--by", "land", "--by", "type"))
        reports = Path(tmp) / "sweep0" / "reports"
        decks = 1 + sum(len(list((reports / kind).glob("*.html"))) for kind in ("land", "type"))  # national, subgroups
    ratio = median(sweep) / median(national)
    table = ("| what | decks | median wall time | runs | goal |\n|---|---:|---:|---|---|\n"
             f"| national deck alone | 1 | {median(national):.1f} s | {runs_text(national)} | |\n"
             f"| national + 16 Länder + 4 Kommunentypen | {decks} | {median(sweep):.1f} s | {runs_text(sweep)} | |\n"
             f"| ratio | | {ratio:.2f} | | ≤ 1,6 {'erreicht' if ratio <= 1.6 else 'verfehlt'} |")  # fmt: skip
    write("sweep", "Subgroup sweep against the national deck", table)


if __name__ == "__main__":
    main()
