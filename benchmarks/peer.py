"""Benchmark: the pipeline against the peer a user would otherwise use. The peer runs the same
notebooks one by one with the papermill command line (each in a new kernel, as papermill does)
and exports the national deck with nbconvert's slides exporter and the project's template;
`python -m analysis run` does the same work. Three runs each, alternating, medians compared.
Goal: the pipeline takes <= 0.4 of the peer's time."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from statistics import median

from machine import ROOT, runs_text, timed, write

from analysis import config, pipeline, plan
from analysis.report import reveal

BIN = Path(sys.executable).parent


def peer(out: Path, env: dict) -> float:
    """The notebooks with papermill's command line, then nbconvert's slides exporter."""
    processed, reports, executed = out / "processed", out / "reports", out / "executed"
    for folder in (processed, reports, executed):
        folder.mkdir(parents=True)
    params = {"raw_path": str(config.EXAMPLE_RAW), "processed_dir": str(processed), "reports_dir": str(reports),
              "register_path": "", "subgroup_by": None}  # fmt: skip
    seconds = 0.0
    for name in [*plan.ANALYSIS_NOTEBOOKS, plan.BRIEFING_NOTEBOOK]:
        wanted = pipeline._parameters(name)
        args = [a for k, v in params.items() if k in wanted and v is not None for a in ("-p", k, v)]
        seconds += timed([str(BIN / "papermill"), "-k", "python3", "--no-progress-bar",
                          str(config.NOTEBOOKS / name), str(executed / name), *args], env=env)  # fmt: skip
    seconds += timed([str(BIN / "jupyter"), "nbconvert", "--to", "slides", "--no-input", "--no-prompt",
                      f"--TemplateExporter.extra_template_basedirs={reveal.TEMPLATES}", "--template", "briefing",
                      "--TagRemovePreprocessor.remove_cell_tags=parameters,injected-parameters,remove_cell",
                      "--output-dir", str(reports), str(executed / plan.BRIEFING_NOTEBOOK)], env=env)  # fmt: skip
    return seconds


REPEATS = 3


def main() -> None:
    ours, peers = [], []
    env = {**config.SINGLE_THREADED, **os.environ, "ANALYSIS_REGISTER": "", "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(REPEATS):  # alternating, so that both see the same machine state
            out = Path(tmp) / str(i)
            ours.append(timed([sys.executable, "-m", "analysis", "run", "--no-register",
                               "--out", str(out / "ours" / "processed"), "--reports", str(out / "ours" / "reports")],
                              env=env))  # fmt: skip
            peers.append(peer(out / "peer", env))
    ratio = median(ours) / median(peers)
    table = ("| what | median wall time | runs | goal |\n|---|---:|---|---|\n"
             f"| `python -m analysis run` (6 notebooks, national deck) | {median(ours):.1f} s | {runs_text(ours)} | |\n"
             f"| peer: `papermill` CLI per notebook, `jupyter nbconvert --to slides` | {median(peers):.1f} s | "
             f"{runs_text(peers)} | |\n"
             f"| ratio | {ratio:.2f} | | ≤ 0,4 {'erreicht' if ratio <= 0.4 else 'verfehlt'} |")  # fmt: skip
    write("peer", "Pipeline against the papermill command line and nbconvert", table,
          f"Both without a register, single-threaded BLAS, from {ROOT.name}.")  # fmt: skip


if __name__ == "__main__":
    main()
