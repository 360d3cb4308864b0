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
counting zero (domain estimation), as R's `subset` of a calibrated design does. Filters take
values as people write them ("BY", "bayern", "unter 2000"); an unknown variable or value gets
a suggestion. Charts are drawn with seaborn from the labelled data (`hue`, `col` by any
crossable variable); `explorer` builds pick lists for JupyterLab (ipywidgets).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import codebook, config, fmt, maturity, names, settings, survey, weighting
from .report import deck, plots, status

#: Filter parameters of the exploration notebook -> column.
FILTERS = {"land": "land_code", "size": "size_class", "unit_type": "unit_type", "kommunentyp": "kommunentyp"}
YES_NO = ["ja", "nein"]
#: The Länder's abbreviations (ISO 3166-2:DE) -> their code in the codebook.
LAND_ABBREVIATIONS = {"SH": "01", "HH": "02", "NI": "03", "HB": "04", "NW": "05", "HE": "06", "RP": "07", "BW": "08",
                      "BY": "09", "SL": "10", "BE": "11", "BB": "12", "MV": "13", "SN": "14", "ST": "15", "TH": "16"}  # fmt: skip


def _key(text) -> str:
    """A value as compared: folded case and umlauts, no spaces, dots or hyphens ("unter 2000")."""
    return re.sub(r"[\s.\-–_]", "", names.fold(str(text)))


def resolve(key: str, value: str, valid: list[str]) -> str:
    """The valid value of filter `key` that `value` means: as written, in any case, without
    dots or spaces ("unter 2000"), a Land also by its abbreviation or number ("BY", "9"), or
    the one value containing it. Raises ValueError naming the closest and all valid values."""
    if value in valid:
        return value
    by_key = {_key(v): v for v in valid}
    if key == "land":
        codes = codebook.load().scales["land"].codes
        code = LAND_ABBREVIATIONS.get(str(value).strip().upper()) or str(value).strip().zfill(2)
        if code in codes and codes[code] in valid:
            return codes[code]
    if _key(value) in by_key:
        return by_key[_key(value)]
    containing = [v for k, v in by_key.items() if _key(value) and _key(value) in k]
    if len(containing) == 1:
        return containing[0]
    raise ValueError(
        f"{value!r} ist kein Wert von {FILTERS[key]}{_suggestion(value, valid)}: möglich sind {', '.join(valid)}"
    )


def _suggestion(value: str, valid: list[str]) -> str:
    """ " – meinten Sie 'x'?" for the closest of `valid`, or ""."""
    by_key = {_key(v): v for v in valid}
    close = difflib.get_close_matches(_key(value), list(by_key), n=1, cutoff=0.6)
    return f" – meinten Sie {by_key[close[0]]!r}?" if close else ""


def check_variable(name: str) -> str:
    """`name` if it is a crossable variable; else ValueError with the closest name or label."""
    table = variables()
    if name in set(table["Variable"]):
        return name
    by_label = dict(zip(table["Bezeichnung"], table["Variable"]))
    if name in by_label:
        return by_label[name]
    close = difflib.get_close_matches(str(name), list(table["Variable"]) + list(by_label), n=1, cutoff=0.5)
    hint = f" Meinten Sie {by_label.get(close[0], close[0])!r}?" if close else ""
    raise ValueError(f"{name!r} ist keine Variable zum Kreuzen.{hint} Alle: explore.variables()")


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
    check_variable(name)
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
    d = deck.load(processed)
    everyone = d.everyone.assign(
        kommunentyp=pd.Categorical(d.members.reindex(d.everyone.index), categories=deck.subgroup_values("type", d.members)),
        maturity_index=maturity.index(d.everyone),
    )  # fmt: skip
    return select(Selection(everyone, pd.Series(True, index=everyone.index), d.weighting, "", d.simulated), **filters)


def select(sel: Selection, **filters: str | None) -> Selection:
    """All responses of `sel` filtered by `filters` (as in `load`), without reading them again."""
    everyone = sel.everyone
    domain = pd.Series(True, index=everyone.index)
    parts = []
    for key, value in filters.items():
        if key not in FILTERS:
            raise ValueError(f"unbekannter Filter {key!r}: möglich sind {', '.join(FILTERS)}")
        if value is None:
            continue
        column = everyone[FILTERS[key]]
        value = resolve(key, value, [str(c) for c in column.cat.categories])
        domain &= (column == value).fillna(False).to_numpy()
        parts.append(value)
    description = " · ".join(parts) or "alle antwortenden Kommunen"
    return replace(sel, domain=domain, description=description)


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


def crosstab(sel: Selection, row: str, col: str, *, weighted: bool = True) -> pd.DataFrame:
    """Shares (%) of `row` within each category of `col` in the domain, weighted (or not),
    with the unweighted n per column as integers in the last row; columns with fewer than
    `settings.MIN_CELL_N` municipalities are blanked and marked as suppressed."""
    design = sel.design()
    data = design.data.assign(_r=labelled(design.data, row), _c=labelled(design.data, col))
    present = sel.in_domain(data) & data["_r"].notna().to_numpy() & data["_c"].notna().to_numpy()
    w = pd.Series(np.where(present, design.weights if weighted else 1.0, 0.0), index=data.index)
    counts = w.groupby([data["_r"], data["_c"]], observed=False).sum().unstack("_c", fill_value=0.0)
    shares = 100 * counts / counts.sum(axis=0).replace(0, np.nan)
    n = pd.Series(present).groupby(data["_c"].to_numpy(), observed=False).sum().reindex(shares.columns, fill_value=0)
    hidden = n < settings.MIN_CELL_N
    shares.loc[:, hidden.to_numpy()] = np.nan
    shares = shares.round(1).astype(object)
    counts = [np.nan if h else int(k) for k, h in zip(n, hidden)]  # a small n is not shown
    shares.loc["n (ungewichtet)"] = pd.Series(counts, index=shares.columns, dtype=object)
    shares.index.name, shares.columns.name = codebook.load().variable_label(row), codebook.load().variable_label(col)
    return shares.rename(columns=lambda c: f"{c} (unterdrückt)" if hidden.get(c, False) else c)


def test(sel: Selection, row: str, col: str) -> pd.DataFrame:
    """Rao–Scott test and Cramér's V for `row` x `col` in the domain, as a German one-row table."""
    design = sel.design()
    data = design.data.assign(_r=labelled(design.data, row), _c=labelled(design.data, col))
    result = rao_scott(replace(design, data=data), "_r", "_c", sel.in_domain(data))
    if result["n"] < settings.MIN_CELL_N:
        result[["F", "ndf", "ddf", "p", "cramers_v"]] = np.nan
    return pd.DataFrame(
        {
            "Zeilen": [codebook.load().variable_label(row)],
            "Spalten": [codebook.load().variable_label(col)],
            "Test": ["Rao-Scott-F (Pearson X², designkorrigiert)"],
            "F": [round(result["F"], 2)],
            "Freiheitsgrade": [f"{fmt.number(result['ndf'], 2)}; {fmt.number(result['ddf'], 1)}"],
            "p": [fmt.p_value(result["p"])],
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


def frame(sel: Selection, *names_: str) -> pd.DataFrame:
    """The domain's rows with the crossable variables `names_` as German-labelled categoricals,
    named by their labels, and the weight ("Gewicht"): data for seaborn."""
    design = sel.design()
    data = design.data[sel.in_domain(design.data)]
    cb = codebook.load()
    out = pd.DataFrame({cb.variable_label(n): labelled(data, n) for n in dict.fromkeys(names_)}, index=data.index)
    return out.assign(Gewicht=design.weights[sel.in_domain(design.data)])


def chart(sel: Selection, row: str, col: str, *, facet: str | None = None, weighted: bool = True):
    """100 % bars with seaborn: one bar per category of `col`, segments `row` (`hue`), with
    `facet` one panel per its categories (`col` of seaborn); bars of fewer than
    `settings.MIN_CELL_N` municipalities are left out. Returns the seaborn FacetGrid."""
    import seaborn as sns

    cb = codebook.load()
    y, hue = cb.variable_label(col), cb.variable_label(row)
    panel = cb.variable_label(facet) if facet else None
    data = frame(sel, *(n for n in (row, col, facet) if n)).dropna()
    cells = [c for c in (panel, y) if c]
    n = data.groupby(cells, observed=True)[hue].transform("size")
    data = data[n >= settings.MIN_CELL_N]
    for c in (y, hue, *([panel] if panel else [])):
        data[c] = data[c].cat.remove_unused_categories()
    plots.setup()
    grid = sns.displot(
        data, y=y, hue=hue, col=panel, col_wrap=3 if panel else None, weights="Gewicht" if weighted else None,
        multiple="fill", discrete=True, shrink=0.8, stat="proportion", kind="hist", palette="colorblind",
        height=5, aspect=1.6 if not panel else 1.1, facet_kws={"sharey": True},
    )  # fmt: skip
    note = f" · {status.SIMULATED_SHORT}" if sel.simulated else ""
    grid.set_xlabels(f"Anteil der Kommunen ({'gewichtet' if weighted else 'ungewichtet'})")
    grid.set_titles(col_template="{col_name}", fontweight="normal")
    for ax in grid.axes.flat:
        ax.xaxis.set_major_formatter(fmt.PERCENT_AXIS)
    grid.figure.suptitle(f"{hue} nach {y} · {sel.description} · n = {len(data)}{note}", y=1.02)
    return grid


def distribution(sel: Selection, value: str, *, hue: str | None = None, facet: str | None = None):
    """Distribution of a numeric column (e.g. `maturity_index`) with seaborn, by `hue` and
    `facet` (crossable variables); groups of fewer than `settings.MIN_CELL_N` left out."""
    import seaborn as sns

    cb = codebook.load()
    design = sel.design()
    data = frame(sel, *(n for n in (hue, facet) if n))
    label = cb.variable_label(value) if value in cb.by_name else "Reifegrad-Index (0–100)"
    data[label] = design.data.loc[data.index, value].astype(float)
    groups = [cb.variable_label(n) for n in (hue, facet) if n]
    data = data.dropna(subset=[label, *groups])
    if groups:
        data = data[data.groupby(groups, observed=True)[label].transform("size") >= settings.MIN_CELL_N]
        for g in groups:
            data[g] = data[g].cat.remove_unused_categories()
    plots.setup()
    return sns.displot(
        data, x=label, hue=cb.variable_label(hue) if hue else None, col=cb.variable_label(facet) if facet else None,
        kind="hist", stat="percent", common_norm=False, element="step", palette="colorblind" if hue else None,
        height=4.5, aspect=1.6,
    )  # fmt: skip


#: Said instead of an interval where the design leaves too little information.
UNRELIABLE = "zu wenige Fälle für eine verlässliche Schätzung"


def bounded_interval(estimate: float, se: float, df: int, lower: float = 0.0, upper: float = 100.0):
    """95 % interval of a mean bounded by (`lower`, `upper`) (a 0-100 index, a share): logit
    scale with t(df), as R's `svyciprop(method="logit")` on the rescaled value, so never outside
    the bounds. Returns (low, high, note): no interval, and `UNRELIABLE` as note, where the
    effective number of cases m (1 - m) / se² (m, se rescaled to 0-1; R's svyciprop "beta"
    n.eff) is below `settings.MIN_CELL_N`: the design gives a variance as large as that of fewer
    than 3 independent answers (e.g. 10 cities whose calibrated weights carry the variance of
    whole Länder)."""
    m, s = (estimate - lower) / (upper - lower), se / (upper - lower)
    if not (0 < m < 1) or df < 1:
        return np.nan, np.nan, UNRELIABLE if df < 1 else ""
    if s > 0 and m * (1 - m) / s**2 < settings.MIN_CELL_N:
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
        if n < settings.MIN_CELL_N:
            rows.append({"Gruppe": group, "Mittelwert": np.nan, "95-%-KI von": np.nan, "95-%-KI bis": np.nan,
                         "n": n, "Hinweis": f"unterdrückt: weniger als {settings.MIN_CELL_N} Kommunen"})  # fmt: skip
            continue
        est = survey.mean(replace(design, data=data.assign(_v=data["_y"].where(keep))), "_v").iloc[0]
        low, high, note = bounded_interval(est["estimate"], est["se"], design.degf(keep), lower, upper)
        rows.append({"Gruppe": group, "Mittelwert": est["estimate"], "95-%-KI von": low, "95-%-KI bis": high, "n": n,
                     "Hinweis": note})  # fmt: skip
    out = pd.DataFrame(rows).round(1)
    suppressed = out["Hinweis"].str.startswith("unterdrückt")
    out["n"] = out["n"].astype("Int64").mask(suppressed)  # counts as integers; none where suppressed
    return out.rename(columns={"Gruppe": codebook.load().variable_label(by)})


def explorer(processed: Path = config.PROCESSED, row: str = "strategy_status", col: str = "size_class"):
    """Pick lists for JupyterLab (ipywidgets), built from the codebook: row and column variable,
    the four filters and weighting; shows the crosstab, the test and the chart of the choice."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    base = load(processed)
    table = variables()
    options = list(zip(table["Bezeichnung"] + " (" + table["Variable"] + ")", table["Variable"]))

    def values(key: str) -> list[tuple[str, str | None]]:
        return [("alle", None), *((str(c), str(c)) for c in base.everyone[FILTERS[key]].cat.categories)]

    wide = {"description_width": "8em"}
    controls = {
        "row": w.Dropdown(options=options, value=check_variable(row), description="Zeilen", style=wide),
        "col": w.Dropdown(options=options, value=check_variable(col), description="Spalten", style=wide),
        "land": w.Dropdown(options=values("land"), description="Land", style=wide),
        "size": w.Dropdown(options=values("size"), description="Größenklasse", style=wide),
        "unit_type": w.Dropdown(options=values("unit_type"), description="Art", style=wide),
        "kommunentyp": w.Dropdown(options=values("kommunentyp"), description="Kommunentyp", style=wide),
        "weighted": w.ToggleButtons(options=[("gewichtet", True), ("ungewichtet", False)], description="Anteile"),
    }

    def show(row, col, weighted, **filters):
        sel = select(base, **filters)
        display(crosstab(sel, row, col, weighted=weighted), test(sel, row, col))
        chart(sel, row, col, weighted=weighted)
        plt.show()

    out = w.interactive_output(show, controls)
    picks = list(controls.values())
    return w.VBox([w.HBox([w.VBox(picks[:2] + picks[-1:]), w.VBox(picks[2:-1])]), out])
