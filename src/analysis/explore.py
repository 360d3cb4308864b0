"""Exploration: a filter (Land, size class, type of municipality, Kommunentyp), weighted
crosstabs with a design-based test and an effect size, and ready-made charts.

The test is the Rao–Scott second-order correction of Pearson's X² (F statistic), ported from
R's `survey::svychisq(statistic = "F")`: the weighted table is scaled to the sample size,
X² is divided by the mean generalised design effect (trace of Delta), and the F reference
distribution has d0 = tr(Delta)² / tr(Delta²) and d0 · (PSUs − strata) degrees of freedom.
Delta compares the design covariance of the cell shares (with the calibration of the weights)
with the multinomial one, on the contrasts orthogonal to the independence model. Results agree
with R 4.2 / survey 4.1 on its own example designs (`tests/test_explore.py`). Cramér's V is
computed from the same weighted table.

A filter selects a domain: estimates and tests use the whole design with the other rows
counting zero (domain estimation), as R's `subset` of a calibrated design does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import briefing, codebook, config, maturity, plots, survey, weighting

#: Filter parameters of the exploration notebook -> column.
FILTERS = {"land": "land_code", "size": "size_class", "unit_type": "unit_type", "kommunentyp": "kommunentyp"}
YES_NO = ["ja", "nein"]


@dataclass(frozen=True)
class Selection:
    """All responses, the filtered domain within them and the weighting design."""

    everyone: pd.DataFrame
    domain: pd.Series
    weighting: weighting.Weighting
    description: str
    simulated: bool

    @property
    def n(self) -> int:
        return int(self.domain.sum())

    def design(self) -> survey.Design:
        """The weighting design with every labelled column of `everyone` joined to its rows."""
        data = self.weighting.design.data
        extra = self.everyone.drop(columns=[c for c in self.everyone.columns if c in data.columns])
        joined = data.join(extra.reindex(data["response_row"]).reset_index(drop=True))
        return replace(self.weighting.design, data=joined)

    def in_domain(self, data: pd.DataFrame) -> np.ndarray:
        return self.domain.reindex(data["response_row"], fill_value=False).to_numpy()


def variables() -> pd.DataFrame:
    """Columns that can be crossed: name and German label."""
    cb = codebook.load()
    names = ["size_class", "kommunentyp", *(v.name for v in cb.of_type("single", "likert", "multi"))]
    return pd.DataFrame({"Variable": names, "Bezeichnung": [cb.variable_label(n) for n in names]})


def labelled(responses: pd.DataFrame, name: str) -> pd.Series:
    """A crossable column as an (ordered) categorical of its German labels."""
    cb = codebook.load()
    values = responses[name]
    v = cb.by_name.get(name)
    if v is not None and v.type == "likert":
        codes = cb.scales[v.scale].codes
        return pd.Categorical(values.astype("Int64").astype("string").map(codes), categories=list(codes.values()),
                              ordered=True)  # fmt: skip
    if v is not None and v.type == "multi":
        return pd.Categorical(values.astype("boolean").map({True: "ja", False: "nein"}), categories=YES_NO)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array
    raise ValueError(f"{name!r} ist keine kategoriale Variable; möglich: {', '.join(variables()['Variable'])}")


def load(processed: Path = config.PROCESSED, **filters: str | None) -> Selection:
    """The responses of `processed` with Kommunentyp and maturity index, filtered by `filters`
    (keys of `FILTERS`; None means no filter). Raises ValueError naming the valid values."""
    d = briefing.load(processed)
    everyone = d.everyone.assign(
        kommunentyp=pd.Categorical(d.members.reindex(d.everyone.index), categories=briefing.subgroup_values("type", d.members)),
        maturity_index=maturity.index(d.everyone),
    )  # fmt: skip
    domain = pd.Series(True, index=everyone.index)
    parts = []
    for key, value in filters.items():
        if key not in FILTERS:
            raise ValueError(f"unbekannter Filter {key!r}: möglich sind {', '.join(FILTERS)}")
        if value is None:
            continue
        column = everyone[FILTERS[key]]
        valid = [str(c) for c in column.cat.categories]
        if value not in valid:
            raise ValueError(f"{value!r} ist kein Wert von {FILTERS[key]}: möglich sind {', '.join(valid)}")
        domain &= (column == value).fillna(False).to_numpy()
        parts.append(value)
    description = " · ".join(parts) or "alle antwortenden Kommunen"
    return Selection(everyone, domain, d.weighting, description, d.simulated)


def rao_scott(design: survey.Design, row: str, col: str, domain: np.ndarray | None = None) -> pd.Series:
    """Rao–Scott F test of independence of `row` and `col` (R's svychisq, statistic "F"),
    with Pearson's X² of the weighted table scaled to n and Cramér's V."""
    data = design.data
    r, c = pd.Categorical(data[row]), pd.Categorical(data[col])
    present = (r.codes >= 0) & (c.codes >= 0)
    if domain is not None:
        present &= domain
    rows = [lvl for i, lvl in enumerate(r.categories) if (present & (r.codes == i)).any()]
    cols = [lvl for j, lvl in enumerate(c.categories) if (present & (c.codes == j)).any()]
    nr, nc, n = len(rows), len(cols), int(present.sum())
    empty = pd.Series(
        {"F": np.nan, "ndf": np.nan, "ddf": np.nan, "p": np.nan, "X2": np.nan, "cramers_v": np.nan, "n": n}
    )
    if nr < 2 or nc < 2:
        return empty
    ri = pd.Categorical(data[row], categories=rows).codes
    ci = pd.Categorical(data[col], categories=cols).codes
    cell = np.where(present, ci * nr + ri, -1)  # interaction(row, col): row varies fastest
    mm = (cell[:, None] == np.arange(nr * nc)[None, :]).astype(float)
    w = np.where(present, design.weights, 0.0)
    share = mm.T @ w / w.sum()
    cov = design.variance((mm - share) * (w / w.sum())[:, None])
    table = share.reshape(nc, nr).T * n
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    x2 = float(((table - expected) ** 2 / expected).sum())
    grid = pd.DataFrame({"r": np.tile(np.arange(nr), nc), "c": np.repeat(np.arange(nc), nr)})
    x1 = np.column_stack([np.ones(nr * nc), *(grid["r"] == i for i in range(1, nr)), *(grid["c"] == j for j in range(1, nc))]).astype(float)  # fmt: skip
    inter = np.column_stack([(grid["r"] == i) & (grid["c"] == j) for j in range(1, nc) for i in range(1, nr)]).astype(float)  # fmt: skip
    contrasts = inter - x1 @ np.linalg.lstsq(x1, inter, rcond=None)[0]
    inv = np.diag(np.where(share > 0, 1 / np.where(share > 0, share, 1), 0.0))
    delta = np.linalg.solve(contrasts.T @ (inv / n) @ contrasts, contrasts.T @ inv @ cov @ inv @ contrasts)
    trace = float(np.trace(delta))
    d0 = trace**2 / float(np.trace(delta @ delta))
    # denominator df: PSUs minus strata; like R, of the domain's rows for an uncalibrated
    # design (R drops the other rows) and of all rows for a calibrated one (R keeps them)
    scope = domain if domain is not None and not design.calibrations else np.ones(len(w), dtype=bool)
    nu = len(np.unique(design.clusters[scope, 0])) - len(np.unique(design.strata[scope]))
    f = x2 / trace
    v = np.sqrt(x2 / (n * (min(nr, nc) - 1)))
    return pd.Series({"F": f, "ndf": d0, "ddf": d0 * nu, "p": float(stats.f.sf(f, d0, d0 * nu)), "X2": x2,
                      "cramers_v": v, "n": n})  # fmt: skip


def crosstab(sel: Selection, row: str, col: str) -> pd.DataFrame:
    """Weighted shares (%) of `row` within each category of `col` in the domain, with the
    unweighted n per column; columns with fewer than `config.MIN_CELL_N` municipalities are
    blanked and marked as suppressed."""
    design = sel.design()
    data = design.data.assign(_r=labelled(design.data, row), _c=labelled(design.data, col))
    present = sel.in_domain(data) & data["_r"].notna().to_numpy() & data["_c"].notna().to_numpy()
    w = pd.Series(np.where(present, design.weights, 0.0), index=data.index)
    counts = w.groupby([data["_r"], data["_c"]], observed=False).sum().unstack("_c", fill_value=0.0)
    shares = 100 * counts / counts.sum(axis=0).replace(0, np.nan)
    n = pd.Series(present).groupby(data["_c"].to_numpy(), observed=False).sum().reindex(shares.columns, fill_value=0)
    shares.loc["n (ungewichtet)"] = n.to_numpy()
    hidden = n < config.MIN_CELL_N
    shares.loc[:, hidden.to_numpy()] = np.nan
    shares.index.name, shares.columns.name = codebook.load().variable_label(row), codebook.load().variable_label(col)
    return shares.round(1).rename(columns=lambda c: f"{c} (unterdrückt)" if hidden.get(c, False) else c)


def test(sel: Selection, row: str, col: str) -> pd.DataFrame:
    """Rao–Scott test and Cramér's V for `row` x `col` in the domain, as a German one-row table."""
    design = sel.design()
    data = design.data.assign(_r=labelled(design.data, row), _c=labelled(design.data, col))
    result = rao_scott(replace(design, data=data), "_r", "_c", sel.in_domain(data))
    if result["n"] < config.MIN_CELL_N:
        result[["F", "ndf", "ddf", "p", "cramers_v"]] = np.nan
    return pd.DataFrame(
        {
            "Zeilen": [codebook.load().variable_label(row)],
            "Spalten": [codebook.load().variable_label(col)],
            "Test": ["Rao-Scott-F (Pearson X², designkorrigiert)"],
            "F": [round(result["F"], 2)],
            "Freiheitsgrade": [f"{result['ndf']:.2f}; {result['ddf']:.1f}"],
            "p": [round(result["p"], 4)],
            "Cramérs V": [round(result["cramers_v"], 3)],
            "Stärke": [strength(result["cramers_v"])],
            "n": [int(result["n"])],
        }
    )


#: Ready-made crosstabs of the exploration notebook: (rows, columns).
READY_MADE = [
    ("strategy_status", "size_class"),
    ("has_cdo", "unit_type"),
    ("cooperation_level", "size_class"),
    ("offer_status_ozg_services", "size_class"),
    ("obstacle_staff_shortage", "unit_type"),
    ("strategy_status", "kommunentyp"),
]


def tests(sel: Selection, pairs: list[tuple[str, str]] = READY_MADE) -> pd.DataFrame:
    """`test` for several pairs, one row each."""
    return pd.concat([test(sel, row, col) for row, col in pairs], ignore_index=True)


def strength(v: float) -> str:
    """Cohen's conventions for Cramér's V (df* = 1): small 0.1, medium 0.3, large 0.5."""
    if pd.isna(v):
        return "nicht berechenbar"
    return "sehr schwach" if v < 0.1 else "schwach" if v < 0.3 else "mittel" if v < 0.5 else "stark"


def chart(sel: Selection, row: str, col: str):
    """100 % bars: one bar per category of `col` (suppressed ones left out), segments `row`."""
    table = crosstab(sel, row, col)
    shown = table.drop(index="n (ungewichtet)").T
    shown = shown[shown.notna().all(axis=1)] / 100
    ax = plots.stacked_shares(
        shown, title=f"{codebook.load().variable_label(row)} nach {codebook.load().variable_label(col)}"
    )
    status = " · simulierte Daten" if sel.simulated else ""
    ax.set_xlabel(f"Anteil der Kommunen (gewichtet) · {sel.description} · n = {sel.n}{status}")
    return ax


#: Said instead of an interval where the design leaves too little information.
UNRELIABLE = "zu wenige Fälle für eine verlässliche Schätzung"


def bounded_interval(estimate: float, se: float, df: int, lower: float = 0.0, upper: float = 100.0):
    """95 % interval of a mean bounded by (`lower`, `upper`) (a 0-100 index, a share): logit
    scale with t(df), as R's `svyciprop(method="logit")` on the rescaled value, so never outside
    the bounds. Returns (low, high, note): no interval, and `UNRELIABLE` as note, where the
    effective number of cases m (1 - m) / se² (m, se rescaled to 0-1; R's svyciprop "beta"
    n.eff) is below `config.MIN_CELL_N`: the design gives a variance as large as that of fewer
    than 3 independent answers (e.g. 10 cities whose calibrated weights carry the variance of
    whole Länder)."""
    m, s = (estimate - lower) / (upper - lower), se / (upper - lower)
    if not (0 < m < 1) or df < 1:
        return np.nan, np.nan, UNRELIABLE if df < 1 else ""
    if s > 0 and m * (1 - m) / s**2 < config.MIN_CELL_N:
        return np.nan, np.nan, UNRELIABLE
    low, high = survey.logit_interval(estimate, se, df, lower=lower, upper=upper)
    return float(low), float(high), ""


def mean_by(sel: Selection, value: str, by: str, lower: float = 0.0, upper: float = 100.0) -> pd.DataFrame:
    """Weighted mean of a numeric column bounded by (`lower`, `upper`) (e.g. `maturity_index`)
    per category of `by` in the domain, with n and a 95 % interval inside the bounds
    (`bounded_interval`, t with the domain's design df) or, where the design gives no reliable
    estimate, the words `UNRELIABLE`; groups under the minimum n are suppressed."""
    design = sel.design()
    data = design.data.assign(_g=labelled(design.data, by), _y=design.data[value].astype(float))
    rows = []
    for group in data["_g"].cat.categories:
        keep = sel.in_domain(data) & (data["_g"] == group).to_numpy() & data["_y"].notna().to_numpy()
        n = int(keep.sum())
        if n < config.MIN_CELL_N:
            rows.append({"Gruppe": group, "Mittelwert": np.nan, "95-%-KI von": np.nan, "95-%-KI bis": np.nan,
                         "n": n, "Hinweis": f"unterdrückt: weniger als {config.MIN_CELL_N} Kommunen"})  # fmt: skip
            continue
        est = survey.mean(replace(design, data=data.assign(_v=data["_y"].where(keep))), "_v").iloc[0]
        low, high, note = bounded_interval(est["estimate"], est["se"], design.degf(keep), lower, upper)
        rows.append({"Gruppe": group, "Mittelwert": est["estimate"], "95-%-KI von": low, "95-%-KI bis": high, "n": n,
                     "Hinweis": note})  # fmt: skip
    out = pd.DataFrame(rows).round(1)
    out.loc[out["Hinweis"].str.startswith("unterdrückt"), "n"] = np.nan
    return out.rename(columns={"Gruppe": codebook.load().variable_label(by)})
