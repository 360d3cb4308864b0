"""Benchmark 4: the duration of `make test` (the README's test command). Goal: <= 5 minutes."""

from __future__ import annotations

from machine import timed, write


def main() -> None:
    seconds = timed(["make", "test"])
    table = ("| what | wall time | goal |\n|---|---:|---|\n"
             f"| `make test` | {seconds / 60:.1f} min ({seconds:.0f} s) | ≤ 5 min {'erreicht' if seconds <= 300 else 'verfehlt'} |")  # fmt: skip
    write("tests", "Duration of the test suite", table)


if __name__ == "__main__":
    main()
