"""Validation by simulation: does the hypothesis pipeline find the planted effects, and only those?

Draws many simulated surveys (`simulate`), cleans each like a real export and tests the
registry (complete case, unweighted: the verdict analysis). The truth of each tested coefficient
is 0 where the data-generating process plants no effect (`NULL_HYPOTHESES`) and otherwise the
estimate from one simulated survey of nearly every unit of the frame (the population value of
the same model). The simulated surveys over-sample large units; where a model is only an
approximation (logit, ordered logit of a latent index), its unweighted coefficient among the
answering units can differ from the population value, which the weighted fit targets.
Reports per hypothesis the 95 % interval coverage and the share rejected after Holm correction
(the false-positive rate for null hypotheses, the power for the others).
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from . import clean, files, hypotheses, simulate
from .report import plots

#: Hypotheses whose effect is zero in the data-generating process (beta_cdo, beta_coop_small).
NULL_HYPOTHESES = ("H4", "H5")
TRUTH_N = 12_000


def one_survey(seed: int, n: int = 400) -> pd.DataFrame:
    """Simulate, clean and test one survey; the results table."""
    with tempfile.TemporaryDirectory(prefix="analysis-validate-") as tmp:
        export, truth_rows, truth = simulate.simulate(n, seed)
        path = Path(tmp) / "export.csv"
        simulate.write_export(export, truth_rows, truth, path)
        responses = clean.clean(path).responses
    return hypotheses.run(responses, mice=False).table.assign(seed=seed)


def population_values(seed: int = 1, n: int = TRUTH_N) -> pd.Series:
    """The tested coefficients in one very large simulated survey; 0 for null hypotheses."""
    table = one_survey(seed, n).set_index("hypothesis_id")
    values = table["estimate"].copy()
    values[values.index.isin(NULL_HYPOTHESES)] = 0.0
    return values


def study(
    reps: int = 200, n: int = 400, seed: int = 20261122, workers: int = 2, truth_n: int = TRUTH_N, progress=print
) -> pd.DataFrame:
    """Coverage and rejection rates over `reps` simulated surveys; one row per hypothesis."""
    truth = population_values(n=truth_n)
    seeds = [seed + i for i in range(reps)]
    tables = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, table in enumerate(pool.map(one_survey, seeds, [n] * reps), 1):
            tables.append(table)
            if progress and (i % 10 == 0 or i == reps):
                progress(f"{i}/{reps} simulierte Umfragen")
    return summarise(pd.concat(tables, ignore_index=True), truth)


def summarise(results: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """Per hypothesis: truth, mean estimate, coverage of the 95 % interval, rejection rate."""
    r = results[results["p"].notna()].copy()
    r["truth"] = r["hypothesis_id"].map(truth)
    r["covered"] = (r["ci_low"] <= r["truth"]) & (r["truth"] <= r["ci_high"])
    r["weighted_covered"] = (r["weighted_ci_low"] <= r["truth"]) & (r["truth"] <= r["weighted_ci_high"])
    r["rejected"] = r["verdict_de"] == "bestätigt"
    r["rejected_any_direction"] = r["p_holm"] < 0.05
    out = r.groupby("hypothesis_id").agg(
        truth=("truth", "first"),
        mean_estimate=("estimate", "mean"),
        coverage=("covered", "mean"),
        weighted_mean_estimate=("weighted_estimate", "mean"),
        weighted_coverage=("weighted_covered", "mean"),
        rejection_rate=("rejected_any_direction", "mean"),
        confirmed_rate=("rejected", "mean"),
        reps=("seed", "nunique"),
    )
    out["null"] = out.index.isin(NULL_HYPOTHESES)
    return out.reset_index()


def write_report(summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Table (CSV, Markdown) and a coverage plot."""
    out_dir = Path(out_dir)
    ax = plots.coverage_dots(summary, title="Validierung: Überdeckung der 95-%-Intervalle")
    png = files.write_with(out_dir / "validation_coverage.png", lambda p: p.write_bytes(plots.png(ax.figure)))
    md = _markdown(summary)
    return [
        files.write_csv(summary, out_dir / "validation.csv", sep=";", encoding="utf-8-sig"),
        files.write_text(out_dir / "validation.md", md),
        png,
    ]


def _markdown(s: pd.DataFrame) -> str:
    lines = [
        "# Validierung der Hypothesentests durch Simulation",
        "",
        f"{int(s['reps'].max())} simulierte Umfragen; Wahrheit: 0 für die Nullhypothesen "
        f"({', '.join(NULL_HYPOTHESES)}), sonst der Wert in einer sehr großen simulierten Umfrage.",
        "",
        "Ungewichtet: das Urteil der Hypothesentests; gewichtet: mit den Gewichten zum Gemeindeverzeichnis.",
        "",
        "| Hypothese | Null | Wahrheit | Mittel ungewichtet | Überdeckung 95 % | abgelehnt (Holm) "
        "| Mittel gewichtet | Überdeckung gewichtet |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in s.itertuples():
        lines.append(
            f"| {r.hypothesis_id} | {'ja' if r.null else 'nein'} | {r.truth:.3f} | {r.mean_estimate:.3f} | "
            f"{r.coverage:.1%} | {r.rejection_rate:.1%} | {r.weighted_mean_estimate:.3f} | {r.weighted_coverage:.1%} |"
        )
    return "\n".join(lines) + "\n"
