"""Validation by simulation: do the hypothesis tests cover what they estimate, find the planted
effects, and only those?

A fixed finite population (`simulate.population`: every unit of the frame with its answers)
is surveyed many times as the real survey samples: units drawn without replacement with
probability proportional to population ** 0.5 x type propensity, then the record mess of real
exports. Each survey is cleaned, weighted and tested like a real export, with the unweighted
verdict fit, the design-based weighted fit and the MICE fit.

The truth of each fit is what that estimator estimates under this design, computed on the
census of the population (every unit cleaned and analysed once):

- unweighted and MICE fits: the census fit weighted by the inclusion probabilities pi
  (the sample is a pi-weighted draw from the population; continuous variables standardised
  with pi-weighted means and standard deviations, as the sample's own standardisation
  converges to those);
- design-weighted fit: the census fit weighted by pi x the limit of the calibration factors
  (pi raked to the register's counts by group x Land and group x size class), standardised
  with the same weights.

pi is Rosén's approximation for sequential probability-proportional-to-size sampling,
pi_i = 1 - exp(-t s_i) with sum(pi) = n (numpy draws the sample that way). Länder with fewer
than `hypotheses.MIN_LAND_N` expected answers are pooled in the census as in a survey.
Reports per hypothesis and fit the coverage of the 95 % intervals, the mean estimate, and the
share rejected after Holm correction within the registry family (the false-positive rate for
the null hypotheses, the power for the others).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import threadpoolctl
from scipy import optimize
from statsmodels.stats.multitest import multipletests

from . import clean, config, files, hypotheses, register, simulate, survey, weighting
from .report import plots

#: Hypotheses whose effect is zero in the data-generating process (beta_cdo, beta_coop_small).
NULL_HYPOTHESES = ("H4", "H5")
POPULATION_SEED = 1
#: Imputations per MICE fit in the study (the analysis uses 10; 5 keep Rubin's rules valid,
#: with 1 + FMI / 5 instead of 1 + FMI / 10 variance inflation, at half the cost).
STUDY_IMPUTATIONS = 5
#: The fits compared: (name, column prefix in the results table).
FITS = (("ungewichtet", ""), ("gewichtet (Design)", "weighted_"), ("MICE", "mice_"))

_POPULATION: pd.DataFrame | None = None


def _use_population(seed: int) -> None:
    """Worker start: one BLAS thread (two workers with a thread per core each oversubscribed
    2 cores fourfold) and the study's population."""
    global _POPULATION
    threadpoolctl.threadpool_limits(1)
    _POPULATION = simulate.population(seed)


def one_survey(seed: int, n: int = 400, mice: bool = True, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Draw, clean and test one survey of the study's population (the worker's, unless given);
    the results table, or one row with the `error` when the survey could not be processed."""
    try:
        return _one_survey(seed, n, mice, population)
    except Exception as exc:  # noqa: BLE001 -- one survey must not end a study of hours; reported
        return pd.DataFrame({"seed": [seed], "error": [f"{type(exc).__name__}: {exc}"]})


def _one_survey(seed: int, n: int, mice: bool, population: pd.DataFrame | None) -> pd.DataFrame:
    with tempfile.TemporaryDirectory(prefix="analysis-validate-") as tmp:
        export, truth_rows, truth = simulate.simulate(
            n, seed, population=_POPULATION if population is None else population
        )
        path = Path(tmp) / "export.csv"
        simulate.write_export(export, truth_rows, truth, path)
        responses = clean.clean(path).responses
    table = hypotheses.run(responses, mice=False).table
    if mice:
        hyps = {h.id: h for h in hypotheses.registry()[0]}
        frame = hypotheses.analysis_frame(responses)
        for i, row in table.iterrows():
            if pd.isna(row["p"]):
                continue
            f = hypotheses.fit_mice(hyps[row["hypothesis_id"]], frame, n_imputations=STUDY_IMPUTATIONS, seed=seed)
            table.loc[i, ["mice_estimate", "mice_ci_low", "mice_ci_high", "mice_p", "mice_n"]] = [
                f.estimate, f.ci_low, f.ci_high, f.p, f.n]  # fmt: skip
    return table.assign(seed=seed)


def inclusion_probabilities(size: np.ndarray, n: int) -> np.ndarray:
    """Rosén's approximation of the inclusion probabilities of `n` units drawn one by one
    with probability proportional to `size` among those not yet drawn."""
    size = np.asarray(size, dtype=float)
    t = optimize.brentq(lambda t: np.sum(-np.expm1(-t * size)) - n, 0, 1e6 / size.min())
    return -np.expm1(-t * size)


def census(population: pd.DataFrame, n: int, seed: int = POPULATION_SEED) -> pd.DataFrame:
    """The analysis frame of every unit of `population`, with its inclusion probability `pi`
    in a survey of `n` exported rows and the calibrated `pi_calibrated`."""
    t = simulate.Truth(seed=seed, n=n, export_format="limesurvey")
    n_units = n - t.n_test - int(round(t.share_duplicate * n))
    pi = pd.Series(
        inclusion_probabilities(simulate.selection_size(population["population_true"], population["unit_type"], t), n_units),
        index=population["unit_key"].to_numpy(),
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="analysis-census-") as tmp:
        path = Path(tmp) / "census.csv"
        simulate.write_population(population, seed, path)
        responses = clean.clean(path).responses
        keys = pd.read_csv(config.truth_path(path), dtype={"response_id": str, "unit_key": str})
    unit = responses["response_id"].astype(str).map(dict(zip(keys["response_id"], keys["unit_key"])))
    frame = hypotheses.analysis_frame(responses).assign(pi=unit.map(pi).to_numpy())
    answering = len(responses) / len(population)  # share of drawn units that end up analysed
    land = responses["land_code"].astype(object)
    expected = frame["pi"].groupby(land).sum() * answering
    frame["land_pooled"] = land.where(land.map(expected) >= hypotheses.MIN_LAND_N, "übrige Länder")
    frame["pi_calibrated"] = _calibrated(responses, frame["pi"], register.read_margins())
    return frame.reset_index(drop=True)


def _calibrated(responses: pd.DataFrame, pi: pd.Series, margins: pd.DataFrame) -> np.ndarray:
    """pi raked to the register's counts by group x Land and group x size class: the limit of
    the calibrated weights' share of each unit."""
    pop = weighting.population_table(margins)
    data = pd.DataFrame({"group": responses["unit_type"].astype(object).map(weighting.GROUP_OF_UNIT_TYPE),
                         "land": responses["land_code"].astype(object),
                         "size": responses["size_class"].astype(object), "pi": pi.to_numpy()})  # fmt: skip
    ok = data.notna().all(axis=1).to_numpy()
    targets = {
        ("group", col): pop.groupby(["group", pcol])["n_units"].sum().pipe(lambda s: s[s > 0]).to_dict()
        for col, pcol in (("land", "land"), ("size", "size_class"))
    }
    design = survey.Design.from_frame(data[ok], weights="pi").rake(targets, max_iter=200, epsilon=1e-9)
    out = np.full(len(data), np.nan)
    out[ok] = design.weights
    return out


def targets(frame: pd.DataFrame) -> pd.DataFrame:
    """Per hypothesis the value each fit estimates under the design (see the module docstring)."""
    rows = []
    for h in hypotheses.registry()[0]:
        row = {"hypothesis_id": h.id}
        for name, weights in (("unweighted", "pi"), ("weighted", "pi_calibrated")):
            f = hypotheses.census_fit(h, frame.assign(weight=frame[weights]))
            row[f"truth_{name}"] = f.estimate
        rows.append(row)
    return pd.DataFrame(rows).set_index("hypothesis_id")


def study(reps: int = 500, n: int = 400, seed: int = 20261122, workers: int = 2, mice: bool = True,
          progress=print, population_seed: int = POPULATION_SEED, checkpoint: Path | None = None) -> pd.DataFrame:  # fmt: skip
    """Coverage and rejection rates over `reps` simulated surveys; one row per hypothesis and fit.
    `checkpoint`: a folder that keeps each survey's results as it is done (`<seed>.parquet`), so
    that a run stopped midway continues there (same n, MICE setting and population only)."""
    seeds = [seed + i for i in range(reps)]
    done = _checkpointed(checkpoint, seeds, {"n": n, "mice": mice, "population_seed": population_seed})
    population = simulate.population(population_seed)
    truth = targets(census(population, n, population_seed))
    todo = [s for s in seeds if s not in done]
    tables = list(done.values())
    if progress and done:
        progress(f"{len(done)}/{reps} simulierte Umfragen aus {checkpoint}")
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(workers, initializer=_use_population,
                                                           initargs=(population_seed,)))  # fmt: skip
            surveys = pool.map(one_survey, todo, [n] * len(todo), [mice] * len(todo))
        else:  # here, with the population drawn above
            surveys = map(
                functools.partial(one_survey, population=population), todo, [n] * len(todo), [mice] * len(todo)
            )
        for i, table in enumerate(surveys, len(done) + 1):
            tables.append(table)
            if checkpoint is not None:
                files.write_parquet(table, Path(checkpoint) / f"{table['seed'].iloc[0]}.parquet")
            if progress and (i % 10 == 0 or i == reps):
                progress(f"{i}/{reps} simulierte Umfragen")
    results = pd.concat(tables, ignore_index=True)
    failed = results[results["error"].notna()] if "error" in results else results.iloc[:0]
    if len(failed) and progress:
        progress(
            f"{len(failed)} Umfragen nicht auswertbar: "
            + "; ".join(f"{r.seed}: {r.error}" for r in failed.itertuples())
        )
    summary = summarise(results.drop(index=failed.index), truth)
    summary.attrs["failed"] = {int(r.seed): r.error for r in failed.itertuples()}
    summary.attrs["seeds"] = (seeds[0], seeds[-1])
    summary.attrs["n"] = n
    summary.attrs["from_checkpoint"] = len(done)
    return summary


def _checkpointed(folder: Path | None, seeds: list[int], params: dict) -> dict[int, pd.DataFrame]:
    """The surveys of `seeds` already in the checkpoint folder (created with `params` when new)."""
    if folder is None:
        return {}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / "params.json"
    if not stamp.exists():
        files.write_text(stamp, json.dumps(params, sort_keys=True))
    elif json.loads(stamp.read_text()) != params:
        raise ValueError(
            f"{folder} hält Ergebnisse mit {stamp.read_text()}, nicht {json.dumps(params, sort_keys=True)}"
        )
    return {s: pd.read_parquet(folder / f"{s}.parquet") for s in seeds if (folder / f"{s}.parquet").exists()}


def summarise(results: pd.DataFrame, truth: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per hypothesis and fit: truth, mean estimate, coverage of the 95 % interval, share
    rejected after Holm within the family (any direction) and confirmed (expected direction)."""
    rows = []
    for fit, prefix in FITS:
        r = results.copy()
        p = r[f"{prefix}p"].astype(float)
        if p.isna().all():  # fit not run (MICE left out)
            continue
        r["_holm"] = np.nan
        gc.freeze()  # multipletests collects garbage at every call: then only what it made is scanned
        try:
            for _, idx in r[p.notna()].groupby(["seed", "family"]).groups.items():
                r.loc[idx, "_holm"] = multipletests(p[idx], alpha=alpha, method="holm")[1]
        finally:
            gc.unfreeze()
        r = r[p.notna()]
        key = "truth_unweighted" if prefix != "weighted_" else "truth_weighted"
        r["truth"] = r["hypothesis_id"].map(truth[key])
        est = r[f"{prefix}estimate"]
        r["covered"] = (r[f"{prefix}ci_low"] <= r["truth"]) & (r["truth"] <= r[f"{prefix}ci_high"])
        r["rejected"] = r["_holm"] < alpha
        sign = np.where(r["direction"] == "positive", 1, -1)
        r["confirmed"] = r["rejected"] & (np.sign(est) == sign)
        out = r.assign(estimate_=est).groupby("hypothesis_id").agg(
            truth=("truth", "first"), mean_estimate=("estimate_", "mean"), coverage=("covered", "mean"),
            rejection_rate=("rejected", "mean"), confirmed_rate=("confirmed", "mean"), reps=("seed", "nunique"),
        )  # fmt: skip
        rows.append(out.reset_index().assign(fit=fit, null=lambda d: d["hypothesis_id"].isin(NULL_HYPOTHESES)))
    order = {h.id: i for i, h in enumerate(hypotheses.registry()[0])}
    out = pd.concat(rows, ignore_index=True)
    out = out.sort_values(["hypothesis_id", "fit"], key=lambda s: s.map(order) if s.name == "hypothesis_id" else
                          s.map({f: i for i, (f, _) in enumerate(FITS)}))  # fmt: skip
    return out.reset_index(drop=True)[["hypothesis_id", "fit", "null", "truth", "mean_estimate", "coverage",
                                       "rejection_rate", "confirmed_rate", "reps"]]  # fmt: skip


def write_report(summary: pd.DataFrame, out_dir: Path, seconds: float | None = None) -> list[Path]:
    """Table (CSV, Markdown) and a coverage plot."""
    out_dir = Path(out_dir)
    first = summary[summary["fit"] == FITS[0][0]]
    ax = plots.coverage_dots(first, title="Validierung: Überdeckung der 95-%-Intervalle")
    for (fit, _), marker, shift, colour in zip(FITS[1:], ("s", "^"), (0.15, 0.3), (plots.PALETTE[1], plots.PALETTE[3])):
        part = summary[summary["fit"] == fit]
        ax.plot(part["coverage"], np.arange(len(part)) + shift, marker, color=colour, label=fit)
    ax.lines[0].set_label(FITS[0][0])  # the dots of `coverage_dots`
    ax.legend(loc="lower left", frameon=False, fontsize=9)
    png = files.write_with(out_dir / "validation_coverage.png", lambda p: p.write_bytes(plots.png(ax.figure)))
    return [
        files.write_csv(summary, out_dir / "validation.csv", sep=";", encoding="utf-8-sig"),
        files.write_text(out_dir / "validation.md", _markdown(summary, seconds)),
        png,
    ]


def _markdown(s: pd.DataFrame, seconds: float | None) -> str:
    reps = int(s["reps"].max())
    lines = [
        "# Validierung der Hypothesentests durch Simulation",
        "",
        f"{reps} simulierte Umfragen (n = {s.attrs.get('n', 400)} exportierte Zeilen{_seed_range(s)}) aus einer festen endlichen Grundgesamtheit "
        "(`analysis.validation`, Methode dort). Wahrheit je Schätzer: was er unter dem Stichprobendesign schätzt, "
        "berechnet als Vollerhebung der Grundgesamtheit, gewichtet mit den Auswahlwahrscheinlichkeiten "
        "(ungewichtet, MICE) bzw. mit Auswahlwahrscheinlichkeit × Grenzwert der Kalibrierung (gewichtet).",
        "",
        "Ungewichtet: das Urteil (OLS mit HC2, Logit und geordnetes Logit mit HC0, t mit Rest-Freiheitsgraden); gewichtet: designbasiert "
        "(R `svyglm`/`svyolr`: Linearisierung mit Schichten, fpc und Kalibrierung, mit der Kleinstichproben-Korrektur "
        "nach Bell und McCaffrey und ohne den Bias zweiter Ordnung der Logits; t mit Design-Freiheitsgraden); "
        f"MICE: {STUDY_IMPUTATIONS} Imputationen je Umfrage (Analyse: 10). Abgelehnt: Holm-korrigiert innerhalb "
        "der Familie (primär, sekundär), p < 0,05. Ziel: Überdeckung 93–97 %, Nullhypothesen höchstens 5 % abgelehnt.",
        "",
        "| Hypothese | Schätzer | Null | Wahrheit | Mittel | Überdeckung 95 % | abgelehnt (Holm) | Umfragen |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in s.itertuples():
        lines.append(
            f"| {r.hypothesis_id} | {r.fit} | {'ja' if r.null else 'nein'} | {r.truth:.3f} | {r.mean_estimate:.3f} | "
            f"{r.coverage:.1%} | {r.rejection_rate:.1%} | {r.reps} |"
        )
    outside = s[(s["coverage"] < 0.93) | (s["coverage"] > 0.97)]
    lines += ["", "Außerhalb des Zielbands: " + (", ".join(f"{r.hypothesis_id} {r.fit} ({r.coverage:.1%})"
              for r in outside.itertuples()) or "keine") + "."]  # fmt: skip
    failed = s.attrs.get("failed", {})
    if failed:
        lines += ["", f"Nicht auswertbar ({len(failed)} Umfragen, in keiner Zeile gezählt): "
                  + "; ".join(f"Startwert {seed}: {error}" for seed, error in failed.items()) + "."]  # fmt: skip
    if seconds is not None:
        resumed, seeds = s.attrs.get("from_checkpoint", 0), s.attrs.get("seeds", (0, reps - 1))
        part = (
            f" für {seeds[1] - seeds[0] + 1 - resumed} Umfragen, {resumed} aus dem Zwischenstand übernommen"
            if resumed
            else ""
        )
        lines += ["", f"Rechenzeit: {seconds / 60:.0f} min{part} auf 2 Kernen (`nice`)."]
    return "\n".join(lines) + "\n"


def _seed_range(s: pd.DataFrame) -> str:
    seeds = s.attrs.get("seeds")
    return f", Startwerte {seeds[0]}–{seeds[1]}" if seeds else ""
