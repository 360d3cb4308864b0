"""Benchmark 3: simulated exports of 1,000, 10,000 and 100,000 responses through ingest,
cleaning, weighting and the hypothesis models (complete-case and weighted; MICE, whose cost
does not grow with n in the same way, is left out), each size in a fresh process: time per
stage and peak memory. Goals: 100,000 responses <= 30 s and <= 2 GB; ten times the data at
most ten times the time.

Germany has about 11,000 municipalities and the simulator draws each at most once, so a large
export stacks simulated surveys of successive seeds; to keep cleaning from dropping the repeats
as duplicates, each name gets a distinct suffix ("Neustadt Baaab"), and the register margins
are multiplied by the number of stacked surveys (else more Landkreise would answer than exist).
The duplicate submissions the simulator plants then count as distinct municipalities too."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import ROOT, write

SIZES = [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000]
CHILD = """
import json, resource, sys, time
from pathlib import Path
from analysis import clean, hypotheses, register
path, copies = Path(sys.argv[1]), int(sys.argv[2])
committed = register.read_margins
register.read_margins = lambda: committed().assign(  # `copies` Germanys, as the export stacks surveys
    n_units=lambda m: m["n_units"] * copies, population=lambda m: m["population"] * copies)
t0 = time.perf_counter()
result = clean.clean(path)
t1 = time.perf_counter()
results = hypotheses.run(result.responses, mice=False)
t2 = time.perf_counter()
print(json.dumps({"n_clean": len(result.responses), "clean_s": t1 - t0, "models_s": t2 - t1,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _letters(i: int) -> str:
    """0 -> "Baa", 1 -> "Bab", ...: a distinct word for each response."""
    word = ""
    for _ in range(4):
        i, r = divmod(i, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[r] + word
    return "B" + word


def large_export(n: int, seed: int = 20261122):
    """`n` exported rows: simulated surveys with successive seeds (each at most about as large
    as the municipalities the simulator draws from), stacked, renumbered, names made distinct."""
    import pandas as pd

    from analysis import codebook, simulate

    parts, truths = [], []
    while sum(len(p) for p in parts) < n:
        export, truth_rows, truth = simulate.simulate(n, seed + len(parts), "limesurvey")
        parts.append(export)
        truths.append(truth_rows)
    export = pd.concat(parts, ignore_index=True).head(n)
    export["id"] = [str(i) for i in range(1, n + 1)]
    column = next(v.column("limesurvey") for v in codebook.load().variables if v.name == "municipality_name")
    export[column] = [f"{name} {_letters(i)}" if name else name for i, name in enumerate(export[column])]
    return export, pd.concat(truths, ignore_index=True), truth, len(parts)


def main() -> None:
    from analysis import simulate

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            path = Path(tmp) / f"export_{n}.csv"
            export, truth_rows, truth, copies = large_export(n)
            simulate.write_export(export, truth_rows, truth, path)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(copies)], capture_output=True, text=True, cwd=ROOT
            )
            if out.returncode:
                sys.exit(f"{n} responses failed:\n{out.stderr}")
            rows.append({"n": n, **json.loads(out.stdout.strip().splitlines()[-1])})
            print(rows[-1], flush=True)
    lines = [
        "| responses | analysed | ingest + cleaning + weighting | hypothesis models | total | peak memory |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['n_clean']:,} | {r['clean_s']:.1f} s | {r['models_s']:.1f} s | "
                     f"{r['clean_s'] + r['models_s']:.1f} s | {r['peak_mib']:,.0f} MiB |")  # fmt: skip
    notes = []
    for a, b in zip(rows, rows[1:]):
        ta, tb = a["clean_s"] + a["models_s"], b["clean_s"] + b["models_s"]
        notes.append(f"{b['n']:,} vs {a['n']:,} responses: {tb / ta:.1f}× the time (goal ≤ 10×)")
    big = rows[-1]
    if big["n"] == 100_000:
        total = big["clean_s"] + big["models_s"]
        notes.append(
            f"100,000 responses: {total:.1f} s (goal ≤ 30 s), peak {big['peak_mib'] / 1024:.2f} GiB (goal ≤ 2 GB)"
        )
    write(
        "scale",
        "Scale: ingest, cleaning, weighting, hypothesis models",
        "\n".join(lines),
        "\n".join(f"- {n}" for n in notes),
    )


if __name__ == "__main__":
    main()
