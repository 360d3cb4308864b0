"""Weights to the official register and headline estimates for municipalities and residents.

Weighting population: all units the register lists as able to answer, in three groups
(Gemeinden incl. kreisfreie Städte, Landkreise, Gemeindeverbände). Within each group the
weights are raked to the register's counts by Land and by size class (`survey.Design.calibrate`,
with the variance of a calibration estimator),
starting from N/n of the group, and kept within `WEIGHT_BOUNDS` times that start (bounded logit
calibration, R's `calibrate(calfun="logit")`). Categories with fewer than `settings.RAKING_MIN_CELL_N` respondents are pooled
first (small Länder into "übrige Länder", size classes with their neighbour), because a
margin can only be met where somebody answered. Where the margins still cannot be met within
the bounds (e.g. the register's many Gemeinden "unter 2.000" answered only from Länder that
hold fewer such units), cells are pooled further until they can (`_pool_until_feasible`),
each merge logged: else raking drives some weights to zero.

Share of municipalities: weighted mean over all weighted units. Share of residents: over
Gemeinden only (every resident counts once), the inhabitant-weighted share within each size
class, combined by the register's inhabitants per size class (`residents_share`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from . import codebook, register, settings, survey
from .audit import Audit

GROUP_OF_UNIT_TYPE = {
    "kreisfreie Stadt": "Gemeinden",
    "kreisangehörige Stadt oder Gemeinde": "Gemeinden",
    "Landkreis": "Landkreise",
    "Gemeindeverband": "Gemeindeverbände",
}
#: Weights stay within these multiples of their group's starting weight N/n.
WEIGHT_BOUNDS = (0.02, 8.0)
OTHER_LAENDER = "übrige Länder"


class NotWeightable(ValueError):
    """No response has the Land, kind and size class that weighting needs."""


@dataclass(frozen=True)
class Weighting:
    """Result of weighting: the design (weighted rows only), cells and diagnostics."""

    design: survey.Design
    frame: pd.DataFrame  # weighted rows with group, land_cell, size_cell, weight
    targets: pd.DataFrame  # register counts per group x margin cell
    bounds_met: bool
    pooled: tuple[str, ...] = ()  # German notes: cells merged so that the bounds can be met

    @property
    def kish_deff(self) -> float:
        return self.design.kish_deff


def population_table(units_or_margins: pd.DataFrame) -> pd.DataFrame:
    """Register counts by group, Land and size class, from `register.margins` output."""
    m = units_or_margins
    land = codebook.load().scales["land"].codes
    return pd.DataFrame(
        {
            "group": m["unit_type"].map(GROUP_OF_UNIT_TYPE),
            "land": m["land_code"].map(land),
            "size_class": m["size_class"],
            "n_units": m["n_units"],
            "population": m["population"],
        }
    )


def weight(responses: pd.DataFrame, margins: pd.DataFrame) -> Weighting:
    """Rake the responses (processed, labelled) to the register margins."""
    frame, targets, base, rake_margins, pooled = _setup(responses, margins)
    design, bounds_met = _bounded_rake(base, rake_margins)
    frame["weight"] = design.weights
    return Weighting(design, frame, targets, bounds_met, pooled)


def load(responses: pd.DataFrame, margins: pd.DataFrame) -> Weighting:
    """The weighting of processed responses, rebuilt from their `weight` column: the weights are
    not fitted again, the cells are derived again (`_pool_until_feasible` reaches the same merges
    from the same rows, a few small calibrations)."""
    frame, targets, base, rake_margins, pooled = _setup(responses, margins)
    weights = responses.loc[frame.index, "weight"].astype(float).to_numpy()
    if np.isnan(weights).any():
        raise ValueError("weightable responses without weight: the processed data are not from this cleaning step")
    g = weights / base.weights
    bounds_met = bool(g.min() >= WEIGHT_BOUNDS[0] * (1 - 1e-6) and g.max() <= WEIGHT_BOUNDS[1] * (1 + 1e-6))
    frame["weight"] = weights
    return Weighting(base.calibrated(rake_margins, weights), frame, targets, bounds_met, pooled)


def _setup(responses: pd.DataFrame, margins: pd.DataFrame):
    """Weightable rows with their (pooled) cells, register targets, starting design, margins,
    notes on cells pooled for the bounds."""
    pop = population_table(margins)
    df = responses.assign(
        group=responses["unit_type"].astype(object).map(GROUP_OF_UNIT_TYPE),
        land=responses["land_code"].astype(object),
        size=responses["size_class"].astype(object),
    )
    df = df[df["group"].notna() & df["land"].notna() & df["size"].notna()].copy()
    df = df[df["group"].isin(pop["group"].unique())]
    size_order = codebook.load().size_class["labels"]
    parts, targets, pooled = [], [], []
    for group, rows in df.groupby("group", sort=True):
        gp = pop[pop["group"] == group]
        land_map = _pool_unordered(rows["land"], gp.groupby("land")["n_units"].sum())
        sizes = [s for s in size_order if s in set(gp["size_class"])]
        size_map = _pool_ordered(rows["size"], sizes)
        land_map, size_map, notes = _pool_until_feasible(group, rows, gp, land_map, size_map, sizes)
        pooled += notes
        rows = rows.assign(land_cell=rows["land"].map(land_map), size_cell=rows["size"].map(size_map))
        parts.append(rows[rows["land_cell"].notna() & rows["size_cell"].notna()])  # else not in the register
        for margin, col, mapping in (("Land", "land", land_map), ("Größenklasse", "size_class", size_map)):
            t = gp.assign(cell=gp[col].map(mapping)).groupby("cell")[["n_units", "population"]].sum()
            targets.append(
                pd.DataFrame({"group": group, "margin": margin, "cell": t.index,
                              "n_register": t["n_units"].to_numpy(), "population_register": t["population"].to_numpy()})
            )  # fmt: skip
    if not any(len(p) for p in parts):
        raise NotWeightable(
            "keine Antwort lässt sich gewichten: Land, Art der Kommune und Einwohnerzahl (Größenklasse) fehlen "
            "zusammen in jeder Antwort oder passen zu keinem Eintrag des Gemeindeverzeichnisses "
            "(Spalte im Export umbenannt oder leer?)"
        )
    frame = pd.concat(parts).sort_index()
    frame["response_row"] = frame.index  # the design renumbers its rows: domains map through this
    targets = pd.concat(targets, ignore_index=True)
    n_group = frame["group"].map(frame["group"].value_counts())
    frame["N_group"] = frame["group"].map(pop.groupby("group")["n_units"].sum())
    frame["start_weight"] = frame["N_group"] / n_group
    margins_for_rake = {
        ("group", cell_col): {
            (r.group, r.cell): r.n_register for r in targets[targets["margin"] == margin].itertuples()
        }
        for margin, cell_col in (("Land", "land_cell"), ("Größenklasse", "size_cell"))
    }
    design = survey.Design.from_frame(frame, strata="group", fpc="N_group")
    return frame, targets, design, margins_for_rake, tuple(pooled)


def _bounded_rake(base: survey.Design, margins: dict):
    """Raking within `WEIGHT_BOUNDS` (bounded logit calibration). Where the margins cannot be
    met within the bounds, the margins win: plain raking is returned, flagged. Where raking does
    not converge either (1,000 sweeps), the weights of its last sweep, with a `RakingWarning`,
    as R's `rake` returns them: the margins are then met only approximately."""
    try:
        return base.calibrate(margins, bounds=WEIGHT_BOUNDS), True
    except RuntimeError:
        pass
    raked = base.rake(margins, max_iter=1000, epsilon=1e-10)  # as calibrate(margins), but warns instead of raising
    return base.calibrated(margins, raked.weights), False


def _pool_unordered(sample: pd.Series, register_counts: pd.Series) -> dict:
    """Categories with too few respondents pooled into `OTHER_LAENDER`."""
    n = sample.value_counts().reindex(register_counts.index, fill_value=0)
    small = n[n < settings.RAKING_MIN_CELL_N].index
    mapping = {c: (OTHER_LAENDER if c in small else c) for c in register_counts.index}
    pooled = n[small].sum()
    if len(small) and pooled < settings.RAKING_MIN_CELL_N:  # pool still too small: add the smallest other
        rest = n.drop(small)
        if len(rest):
            mapping[rest.idxmin()] = OTHER_LAENDER
    return mapping


def _pool_ordered(sample: pd.Series, order: list[str]) -> dict:
    """Ordered categories with too few respondents merged with their smaller neighbour."""
    cells = [[c] for c in order]
    counts = [int((sample == c).sum()) for c in order]
    while len(cells) > 1 and min(counts) < settings.RAKING_MIN_CELL_N:
        i = int(np.argmin(counts))
        j = (
            i - 1
            if i == len(cells) - 1
            else (i + 1 if i == 0 else (i - 1 if counts[i - 1] <= counts[i + 1] else i + 1))
        )
        a, b = sorted((i, j))
        cells[a : b + 1] = [cells[a] + cells[b]]
        counts[a : b + 1] = [counts[a] + counts[b]]
    return {c: _size_label(cell) for cell in cells for c in cell}


def _size_label(cell: list[str]) -> str:
    return cell[0] if len(cell) == 1 else f"{cell[0].split(' bis ')[0]} … {cell[-1]}"


def _pool_until_feasible(group: str, rows: pd.DataFrame, gp: pd.DataFrame, land_map: dict, size_map: dict,
                         sizes: list[str]) -> tuple[dict, dict, list[str]]:  # fmt: skip
    """Coarser cells until the group's register margins can be met within `WEIGHT_BOUNDS`:
    the size cell the sample under-represents most (register share / sample share) merged
    with its neighbour of fewer respondents, down to one size cell; then the most
    under-represented Land pooled into `OTHER_LAENDER`. With one cell per margin every weight
    is N/n, so this ends. The maps and a German note per merge."""
    notes: list[str] = []
    while True:
        cells = pd.DataFrame({"land": rows["land"].map(land_map), "size": rows["size"].map(size_map)}).dropna()
        register_counts = {
            "land": gp.groupby(gp["land"].map(land_map))["n_units"].sum(),
            "size": gp.groupby(gp["size_class"].map(size_map))["n_units"].sum(),
        }
        start = survey.Design.from_frame(cells.assign(w=gp["n_units"].sum() / len(cells)), weights="w")
        try:
            start.calibrate({m: t.to_dict() for m, t in register_counts.items()}, bounds=WEIGHT_BOUNDS)
            return land_map, size_map, notes
        except RuntimeError:
            pass
        ratio = {
            m: (t / t.sum()) / cells[m].value_counts(normalize=True).reindex(t.index, fill_value=0)
            for m, t in register_counts.items()
        }
        size_cells = [[c for c in sizes if size_map[c] == label] for label in dict.fromkeys(size_map[c] for c in sizes)]
        land_cells = [c for c in ratio["land"].index if c != OTHER_LAENDER]
        if len(size_cells) > 1:
            i = int(np.argmax([ratio["size"][_size_label(cell)] for cell in size_cells]))
            n = [int(cells["size"].eq(_size_label(cell)).sum()) for cell in size_cells]
            j = i - 1 if i == len(size_cells) - 1 or (i > 0 and n[i - 1] <= n[i + 1]) else i + 1
            a, b = sorted((i, j))
            merged = size_cells[a] + size_cells[b]
            size_map = {**size_map, **{c: _size_label(merged) for c in merged}}
            notes.append(f"{group}: Größenklassen „{_size_label(size_cells[a])}“ und „{_size_label(size_cells[b])}“ "
                         "zusammengefasst, weil die Randsummen des Gemeindeverzeichnisses sonst nicht innerhalb "
                         "der Gewichtsgrenzen erreichbar sind")  # fmt: skip
        elif len(ratio["land"]) > 1:
            worst = ratio["land"][land_cells].idxmax()
            pool = {worst} if OTHER_LAENDER in ratio["land"].index else set(land_cells)
            if len(pool) > 2:  # no pool yet: the worst Land and the one with fewest answers
                pool = {worst, cells["land"][cells["land"] != worst].value_counts().idxmin()}
            land_map = {c: (OTHER_LAENDER if cell in pool else cell) for c, cell in land_map.items()}
            notes.append(f"{group}: {', '.join(sorted(pool))} zu „{OTHER_LAENDER}“ zusammengefasst, weil die "
                         "Randsummen des Gemeindeverzeichnisses sonst nicht innerhalb der Gewichtsgrenzen "
                         "erreichbar sind")  # fmt: skip
        else:
            return land_map, size_map, notes


# --- pipeline step -------------------------------------------------------------------------------
def add_weights(df: pd.DataFrame, audit: Audit, margins: pd.DataFrame) -> pd.DataFrame:
    """Step: column `weight` raked to the register; unweightable responses and cells pooled for
    the weight bounds logged."""
    result = weight(df, margins)
    for note in result.pooled:
        audit.file_note("weight", "weighting_cells_pooled", note)
    df = df.copy()
    df["weight"] = pd.array(result.frame["weight"].reindex(df.index), dtype="Float64")
    for idx in df.index[df["weight"].isna()]:
        if pd.isna(df.at[idx, "size_class"]):
            reason = "Größenklasse unbekannt (keine Einwohnerzahl)"
        elif pd.isna(df.at[idx, "unit_type"]) or pd.isna(df.at[idx, "land_code"]):
            reason = "Art der Kommune oder Land unbekannt"
        else:
            reason = "Land und Größenklasse kommen in dieser Gruppe im Gemeindeverzeichnis nicht vor"
        audit.change(df.at[idx, "response_id"], "weight", "", "", "not_weighted", f"nicht gewichtet: {reason}")
    return df


# --- diagnostics and estimates -------------------------------------------------------------------
def margin_distances(w: Weighting, responses: pd.DataFrame, margins: pd.DataFrame) -> pd.DataFrame:
    """Per group and margin variable: total variation distance between sample and register,
    unweighted and weighted (0 = same composition, 1 = disjoint)."""
    pop = population_table(margins)
    rows = []
    frame = w.frame
    for group, f in frame.groupby("group"):
        gp = pop[pop["group"] == group]
        for label, col, pcol in (("Land", "land", "land"), ("Größenklasse", "size", "size_class")):
            reg = gp.groupby(pcol)["n_units"].sum()
            reg = reg / reg.sum()
            unw = f[col].value_counts(normalize=True).reindex(reg.index, fill_value=0)
            wtd = f.groupby(col)["weight"].sum().reindex(reg.index, fill_value=0)
            wtd = wtd / wtd.sum()
            rows.append({"group": group, "margin": label, "n": len(f),
                         "distance_unweighted": 0.5 * (unw - reg).abs().sum(),
                         "distance_weighted": 0.5 * (wtd - reg).abs().sum()})  # fmt: skip
    return pd.DataFrame(rows)


def composition(
    w: Weighting, margins: pd.DataFrame, column: str = "size", domain: pd.Series | None = None
) -> pd.DataFrame:
    """Shares by size class (or Land) of Gemeinden: register, sample, weighted sample; sample
    shares of fewer than `settings.MIN_CELL_N` municipalities are suppressed. `domain` (True per
    response in a subgroup) restricts the sample; restrict `margins` to match."""
    pcol = {"size": "size_class", "land": "land"}[column]
    pop = population_table(margins)
    gp = pop[pop["group"] == "Gemeinden"]
    f = w.frame[w.frame["group"] == "Gemeinden"]
    if domain is not None:
        f = f[domain.reindex(f.index, fill_value=False).to_numpy()]
    reg = gp.groupby(pcol, observed=True)["n_units"].sum()
    order = codebook.load().size_class["labels"] if column == "size" else sorted(reg.index)
    reg = reg.reindex(order, fill_value=0)
    out = pd.DataFrame(
        {
            "register_share": reg / reg.sum(),
            "sample_share": f[column].value_counts(normalize=True).reindex(order, fill_value=0),
            "weighted_share": (f.groupby(column)["weight"].sum() / max(f["weight"].sum(), 1e-300)).reindex(
                order, fill_value=0
            ),
            "n": f[column].value_counts().reindex(order, fill_value=0),
        }
    )
    out.index.name = pcol
    small = out["n"] < settings.MIN_CELL_N  # a sample share of 1 or 2 municipalities is not shown
    out[["sample_share", "weighted_share"]] = out[["sample_share", "weighted_share"]].mask(small)
    out["is_suppressed"] = small
    return out


def indicator(values: pd.Series, test) -> pd.Series:
    """1.0 where `test` holds, 0.0 where not, NaN where the answer is missing."""
    out = pd.Series(np.nan, index=values.index)
    valid = values.notna()
    out[valid] = test(
        values[valid].astype(object) if not pd.api.types.is_numeric_dtype(values) else values[valid]
    ).astype(float)
    return out


def residents_design(w: Weighting) -> survey.Design:
    """Gemeinden only, post-stratified to the register's counts by (pooled) size class: equal
    weights within a size class, so that no single city stands for others of another size."""
    data = w.design.data
    gem = data[data["group"] == "Gemeinden"].copy()
    cells = w.targets[(w.targets["group"] == "Gemeinden") & (w.targets["margin"] == "Größenklasse")]
    base = survey.Design.from_frame(gem, fpc="N_group")
    return base.post_stratify("size_cell", dict(zip(cells["cell"], cells["n_register"])))


def residents_totals(w: Weighting, margins: pd.DataFrame | None = None) -> dict:
    """Register inhabitants of Gemeinden per (pooled) size cell of the weighting; with
    `margins` (e.g. one Land's rows), those margins' inhabitants in the same cells."""
    cells = w.targets[(w.targets["group"] == "Gemeinden") & (w.targets["margin"] == "Größenklasse")]
    if margins is None:
        return dict(zip(cells["cell"], cells["population_register"]))
    gem = w.frame[w.frame["group"] == "Gemeinden"]
    cell_of = dict(zip(gem["size"], gem["size_cell"]))
    pop = population_table(margins)
    pop = pop[pop["group"] == "Gemeinden"]
    return pop.groupby(pop["size_class"].map(cell_of))["population"].sum().to_dict()


def residents_share(
    design: survey.Design, column: str, test, totals: dict, domain: pd.Series | None = None
) -> pd.Series:
    """Share of residents (of Gemeinden) where `test` holds for `column`: the
    inhabitant-weighted share within each size class, combined with the register's
    inhabitants of the size classes (`totals`) as weights (a separate ratio estimator).
    With `domain`, rows outside it count as missing (domain estimation); size cells without
    inhabitants are left out, and a cell with inhabitants but no answer gives NaN."""
    data = design.data
    inhabitants = register.inhabitants(data)
    yv = indicator(data[column], test)
    present = yv.notna() & inhabitants.notna()
    if domain is not None:
        present &= domain.reindex(data["response_row"], fill_value=False).to_numpy()
    totals = {c: v for c, v in totals.items() if v > 0}
    try:
        return survey.stratified_ratio(
            replace(design, data=data.assign(_y=(yv * inhabitants).where(present), _x=inhabitants.where(present))),
            "_y",
            "_x",
            "size_cell",
            totals,
        )
    except ValueError:  # a size class with inhabitants has no answer: not estimable
        return pd.Series({"estimate": np.nan, "se": np.nan, "n": int(present.sum())})


def headline_shares(responses: pd.DataFrame, w: Weighting, domain: pd.Series | None = None,
                    totals: dict | None = None) -> pd.DataFrame:  # fmt: skip
    """Each headline indicator of the codebook as share of the answers (`unweighted_`), weighted
    share of municipalities (`municipalities_`) and share of residents of Gemeinden
    (`residents_`), each as `estimate` with `ci_low`, `ci_high`; `n` answers.

    `domain` (True per response in a subgroup) gives domain estimates; the residents' share
    of a domain needs its register inhabitants per size cell (`totals`, see `residents_totals`),
    else NaN.
    """
    data = w.design.data
    res_design = residents_design(w)
    if domain is None:
        totals, in_domain = residents_totals(w), pd.Series(True, index=responses.index)
    else:
        in_domain = domain.reindex(responses.index, fill_value=False)
    rows = []
    for h in codebook.load().headlines:
        col, test = h.column, h.holds
        y_all = indicator(responses.loc[in_domain, col], test).dropna()
        p0, n0 = y_all.mean() if len(y_all) else np.nan, len(y_all)
        se0 = np.sqrt(p0 * (1 - p0) / n0) if n0 else np.nan
        y = indicator(data[col], test).where(in_domain.reindex(data["response_row"], fill_value=False).to_numpy())
        muni = (
            survey.mean(replace(w.design, data=data.assign(_y=y)), "_y").iloc[0]
            if y.notna().any()
            else {"estimate": np.nan, "se": np.nan}
        )
        res = residents_share(res_design, col, test, totals, domain) if totals else {"estimate": np.nan, "se": np.nan}
        row = {"indicator": h.key, "n": n0}
        for prefix, est, df in (("unweighted_", (p0, se0), n0 - 1),
                                ("municipalities_", (muni["estimate"], muni["se"]), w.design.degf(y.notna().to_numpy())),
                                ("residents_", (res["estimate"], res["se"]), res_design.degf())):  # fmt: skip
            row[f"{prefix}estimate"], row[f"{prefix}ci_low"], row[f"{prefix}ci_high"] = (
                est[0],
                *share_interval(*est, df),
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    shares = [c for c in out.columns if c not in ("indicator", "n")]
    out[shares] = out[shares].clip(0, 1)
    return out


def share_interval(estimate: float, se: float, df: int) -> tuple[float, float]:
    """95 % interval of a share: logit-transformed with t(df) (R's `svyciprop(method="logit")`),
    so that it stays inside 0-1 near the bounds; a share of exactly 0 or 1 keeps its Wald
    interval (zero width when every answer agrees)."""
    if 0 < estimate < 1 and df >= 1 and se > 0:
        low, high = survey.logit_interval(estimate, se, df)
        return float(low), float(high)
    z = stats.t.ppf(0.975, df) if df >= 1 else np.nan
    return estimate - z * se, estimate + z * se


def weight_summary(w: Weighting) -> pd.DataFrame:
    """Per group: n, register count, weight range, Kish design effect, whether the weights
    stayed within `WEIGHT_BOUNDS` times N/n (else the margins won) and how many cells were
    merged for that (`Weighting.pooled`); a row for all."""
    rows = []
    for group, f in [*w.frame.groupby("group"), ("alle", w.frame)]:
        wt = f["weight"]
        rows.append({
            "group": group, "n": len(f), "register_units": wt.sum(),
            "weight_min": wt.min(), "weight_median": wt.median(), "weight_max": wt.max(),
            "weight_max_to_min": wt.max() / wt.min(), "kish_deff": len(wt) * (wt**2).sum() / wt.sum() ** 2,
            "within_bounds": w.bounds_met,
            "cells_merged_for_bounds": sum(n.startswith(f"{group}:") for n in w.pooled) if group != "alle"
            else len(w.pooled),
        })  # fmt: skip
    return pd.DataFrame(rows)
