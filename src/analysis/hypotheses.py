"""Pre-registered hypothesis tests (`config/hypotheses.yaml`) with statsmodels.

Each hypothesis is fitted complete-case and unweighted (the verdict), weighted with the register
weights, and after multiple imputation (statsmodels MICE) as sensitivity analyses.
Continuous predictors enter per standard deviation, OLS outcomes standardised too; OLS uses HC3
standard errors, logit and ordered logit robust (sandwich) ones when weighted. p-values are
adjusted across all hypotheses (Holm, Benjamini-Hochberg). The minimal detectable effect is the
effect that a two-sided test at the registry's alpha detects with 80 % power, at the achieved
standard error (statsmodels `NormalIndPower`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
import yaml
from statsmodels.imputation.mice import MICE, MICEData
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.power import NormalIndPower

from . import config, files, maturity, register
from .survey import WeightedOrderedModel
from .weighting import indicator

VERDICTS = ("bestätigt", "nicht bestätigt", "nicht prüfbar")
#: Fewest complete cases, and per estimated parameter, for a hypothesis to be testable.
MIN_N, MIN_N_PER_PARAMETER = 30, 3
#: Fewest answers in the rarer class (logit) or per outcome category used (ordinal).
MIN_EVENTS = 10
#: Länder with fewer responses are pooled for model controls.
MIN_LAND_N = 10
POWER = 0.8
#: Categorical controls (entered as C(...) in the formulas).
CATEGORICAL = ("size_class", "land_pooled", "unit_type")
CONTINUOUS = ("log_staff_per_10k", "log_budget_per_inhabitant", "log_population", "maturity_index", "live_offers")
#: Alternative maturity measures for the sensitivity analysis, with the model each needs.
ALTERNATIVE_OUTCOMES = {"live_offers": "ols", "ozg_level": "ordinal"}
RESULT_COLUMNS = [
    "hypothesis_id", "statement_de", "family", "model", "outcome", "term", "direction", "effect_scale",
    "estimate", "ci_low", "ci_high", "p", "p_holm", "p_bh", "n", "mde", "verdict_de",
    "weighted_estimate", "weighted_ci_low", "weighted_ci_high", "weighted_p", "weighted_n",
    "mice_estimate", "mice_ci_low", "mice_ci_high", "mice_p", "mice_n", "note",
]  # fmt: skip


@dataclass(frozen=True)
class Hypothesis:
    id: str
    statement_de: str
    statement_en: str
    outcome: str
    predictors: list[str]
    test: str
    controls: list[str]
    model: str
    direction: str
    family: str

    @property
    def formula(self) -> str:
        return f"{self.outcome} ~ {' + '.join(self.predictors + self.controls)}"

    @property
    def variables(self) -> list[str]:
        terms = self.predictors + self.controls + [self.outcome]
        names = {re.sub(r"^C\((.*)\)$", r"\1", part) for t in terms for part in t.split(":")}
        return sorted(names)


def registry(path: Path = config.HYPOTHESES) -> tuple[list[Hypothesis], float]:
    """The hypotheses and the significance level of the registry."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    fields = Hypothesis.__dataclass_fields__
    return [Hypothesis(**{k: h[k] for k in fields}) for h in raw["hypotheses"]], float(raw["alpha"])


# --- analysis variables ---------------------------------------------------------------------------
def analysis_frame(responses: pd.DataFrame) -> pd.DataFrame:
    """The variables the registry refers to, derived from the processed responses."""
    r = responses
    inhabitants = register.inhabitants(r)
    land = r["land_code"].astype(object)
    counts = land.value_counts()
    out = pd.DataFrame(
        {
            "maturity_index": maturity.index(r),
            "live_offers": maturity.live_count(r),
            "ozg_level": maturity.ozg_level(r).astype(float),
            "log_staff_per_10k": np.log1p(r["it_staff_fte"].astype(float) / inhabitants * 10_000),
            "log_budget_per_inhabitant": np.log1p(r["digital_budget_eur"].astype(float) / inhabitants),
            "log_population": np.log(inhabitants),
            "strategy_adopted": _flag(r["strategy_status"], "beschlossen"),
            "has_cdo": _flag(r["has_cdo"], "ja"),
            "cooperation_institutionalised": _flag(r["cooperation_level"], "institutionalisiert"),
            "small": (inhabitants < 5000).astype(float).where(inhabitants.notna()),
            "ozg_services_live": _flag(r["offer_status_ozg_services"], "in Betrieb"),
            "qol_effect_overall": r["qol_effect_overall"].astype(float),
            "obstacle_staff_shortage": r["obstacle_staff_shortage"].astype(float),
            "size_class": r["size_class"].astype(object),
            "land_pooled": land.where(land.map(counts) >= MIN_LAND_N, "übrige Länder"),
            "unit_type": r["unit_type"].astype(object),
            "weight": r["weight"].astype(float) if "weight" in r else np.nan,
        },
        index=r.index,
    )
    return out


def _flag(values: pd.Series, yes: str) -> pd.Series:
    return indicator(values, lambda s: s == yes)


# --- fitting -----------------------------------------------------------------------------------------
@dataclass
class Fit:
    estimate: float = np.nan
    ci_low: float = np.nan
    ci_high: float = np.nan
    p: float = np.nan
    se: float = np.nan
    n: int = 0
    note: str = ""
    result: object = None


def _prepare(h: Hypothesis, frame: pd.DataFrame) -> pd.DataFrame:
    data = frame[h.variables + ["weight"]].dropna(subset=h.variables).copy()
    scale = [c for c in CONTINUOUS if c in data and (c != h.outcome or h.model == "ols")]
    for c in scale:
        data[c] = (data[c] - data[c].mean()) / data[c].std()
    if h.model == "ols" and h.outcome not in scale:
        data[h.outcome] = (data[h.outcome] - data[h.outcome].mean()) / data[h.outcome].std()
    return data


def testable(h: Hypothesis, data: pd.DataFrame, n_params: int) -> str:
    """Why the hypothesis cannot be tested on `data`, or "" when it can."""
    n = len(data)
    if n < max(MIN_N, MIN_N_PER_PARAMETER * n_params):
        return f"zu wenige vollständige Antworten (n = {n}, nötig {max(MIN_N, MIN_N_PER_PARAMETER * n_params)})"
    if h.model == "logit" and data[h.outcome].value_counts().min() < MIN_EVENTS:
        return f"zu wenige Fälle in einer Ausprägung von {h.outcome} (mindestens {MIN_EVENTS})"
    if h.model == "ordinal" and data[h.outcome].nunique() < 3:
        return f"{h.outcome} hat weniger als drei beantwortete Stufen"
    if data[h.test.split(":")[0]].nunique() < 2:
        return f"{h.test} variiert nicht"
    return ""


def fit(h: Hypothesis, data: pd.DataFrame, weighted: bool = False) -> Fit:
    """Fit the hypothesis model; the tested coefficient with its 95 % interval."""
    if weighted:
        data = data[data["weight"].notna()]
    data = data.assign(_w=data["weight"] / data["weight"].mean()) if weighted else data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = _fit(h, data, weighted)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return Fit(n=len(data), note=f"Modell nicht schätzbar: {exc}")
    term = h.test
    if term not in result.params.index:
        return Fit(n=len(data), note=f"Term {term} nicht im Modell (kollinear)")
    ci = result.conf_int().loc[term]
    note = "" if _converged(result) else "Schätzung nicht konvergiert"
    return Fit(float(result.params[term]), float(ci.iloc[0]), float(ci.iloc[1]), float(result.pvalues[term]),
               float(result.bse[term]), len(data), note, result)  # fmt: skip


def _fit(h: Hypothesis, data: pd.DataFrame, weighted: bool):
    # The controls enter as pandas categoricals with the levels present, in patsy's sorted
    # order, and without the C() wrapper (which hides the categorical from patsy): the same
    # model, without patsy checking every value of a text column one by one.
    data = data.assign(
        **{c: pd.Categorical(data[c], categories=sorted(data[c].unique())) for c in CATEGORICAL if c in data}
    )
    formula = re.sub(r"\bC\((" + "|".join(CATEGORICAL) + r")\)", r"\1", h.formula)
    if h.model == "ols":
        if weighted:
            return smf.wls(formula, data, weights=data["_w"]).fit(cov_type="HC3")
        return smf.ols(formula, data).fit(cov_type="HC3")
    if h.model == "logit":
        if weighted:
            return smf.glm(formula, data, family=sm.families.Binomial(), var_weights=data["_w"]).fit(cov_type="HC0")
        return smf.logit(formula, data).fit(disp=False)
    if h.model == "ordinal":
        data = data.assign(**{h.outcome: pd.Categorical(data[h.outcome], ordered=True)})
        model = WeightedOrderedModel.from_formula(
            formula, data, distr="logit", case_weights=data["_w"].to_numpy() if weighted else None
        )
        return model.fit(method="bfgs", disp=False, maxiter=500, cov_type="HC0" if weighted else "nonrobust")
    raise ValueError(f"unknown model {h.model!r}")


def _converged(result) -> bool:
    info = getattr(result, "mle_retvals", None)
    return True if not info else bool(info.get("converged", True))


def fit_mice(h: Hypothesis, frame: pd.DataFrame, n_imputations: int = 10, seed: int = 20261122) -> Fit:
    """The model after multiple imputation (MICE, predictive mean matching) of missing predictor
    and outcome values; each imputation model uses the other numeric analysis variables, the
    analysis model adds the categorical controls."""
    cols = [c for c in h.variables]
    data = frame[cols].copy()
    cats = [c for c in cols if data[c].dtype == object]
    data = data.dropna(subset=cats)
    dummies = pd.get_dummies(data[cats], drop_first=True, dtype=float)
    dummies.columns = [f"d{i}" for i in range(dummies.shape[1])]
    numeric = data.drop(columns=cats)
    for c in [c for c in CONTINUOUS if c in numeric]:
        numeric[c] = (numeric[c] - numeric[c].mean()) / numeric[c].std()
    if h.model == "ols":
        numeric[h.outcome] = (numeric[h.outcome] - numeric[h.outcome].mean()) / numeric[h.outcome].std()
    imp_data = pd.concat([numeric, dummies], axis=1)
    rhs = [p for p in h.predictors] + list(dummies.columns) + [c for c in h.controls if not c.startswith("C(")]
    formula = f"{h.outcome} ~ {' + '.join(rhs)}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            imp = MICEData(imp_data, rng=np.random.default_rng(seed))
            for c in [c for c in numeric if numeric[c].isna().any()]:  # impute from the numeric variables
                imp.set_imputer(c, formula=" + ".join(x for x in numeric if x != c))
            model_class = {"ols": sm.OLS, "logit": sm.Logit, "ordinal": WeightedOrderedModel}[h.model]
            fit_kwds = {"ols": {"cov_type": "HC3"}, "logit": {"disp": False},
                        "ordinal": {"method": "bfgs", "disp": False, "maxiter": 500}}[h.model]  # fmt: skip
            init_kwds = {"distr": "logit"} if h.model == "ordinal" else {}
            if h.model == "ordinal":
                formula = formula.replace(" ~ ", " ~ 0 + ", 1)
            result = MICE(formula, model_class, imp, init_kwds=init_kwds, fit_kwds=fit_kwds).fit(
                n_burnin=5, n_imputations=n_imputations
            )
        except (np.linalg.LinAlgError, ValueError) as exc:
            return Fit(n=len(imp_data), note=f"MICE nicht schätzbar: {exc}")
    names = result.model.exog_names
    i = names.index(h.test)
    ci = result.conf_int()[i]
    return Fit(float(result.params[i]), float(ci[0]), float(ci[1]), float(result.pvalues[i]), float(result.bse[i]),
               len(imp_data))  # fmt: skip


def mde(se: float, alpha: float, n: int) -> float:
    """Smallest coefficient detected with 80 % power at this standard error (two-sided)."""
    if not np.isfinite(se) or n < 2:
        return np.nan
    d = NormalIndPower().solve_power(effect_size=None, nobs1=n, alpha=alpha, power=POWER, ratio=0)
    return float(d * se * np.sqrt(n))


def diagnostics(h: Hypothesis, f: Fit) -> dict:
    """VIF of the tested predictors; for OLS residual normality and heteroscedasticity tests."""
    out = {"hypothesis_id": h.id, "n": f.n}
    res = f.result
    if res is None:
        return out
    k = res.model.exog.shape[1]
    exog = pd.DataFrame(res.model.exog, columns=res.model.exog_names[:k])
    for p in h.predictors:
        if p in exog:
            out[f"VIF {p}"] = float(variance_inflation_factor(exog.to_numpy(), exog.columns.get_loc(p)))
    if h.model == "ols":
        from statsmodels.stats.diagnostic import het_breuschpagan
        from statsmodels.stats.stattools import jarque_bera

        out["Jarque-Bera p"] = float(jarque_bera(res.resid)[1])
        out["Breusch-Pagan p"] = float(het_breuschpagan(res.resid, res.model.exog)[1])
        out["R²"] = float(res.rsquared)
    out["konvergiert"] = _converged(res)
    return out


def effect_scale(h: Hypothesis) -> str:
    per = "je Standardabweichung" if h.test.split(":")[0] in CONTINUOUS else "Ja gegenüber Nein"
    return {
        "ols": f"Standardabweichungen des Ergebnisses {per}",
        "logit": f"Log-Odds {per}",
        "ordinal": f"Log-Odds (kumulativ) {per}",
    }[h.model]


# --- the whole registry ------------------------------------------------------------------------------
@dataclass
class Results:
    table: pd.DataFrame
    diagnostics: pd.DataFrame
    fits: dict


def run(responses: pd.DataFrame, hypotheses_path: Path = config.HYPOTHESES, mice: bool = True) -> Results:
    """Test every registered hypothesis on the processed responses."""
    hyps, alpha = registry(hypotheses_path)
    frame = analysis_frame(responses)
    rows, diags, fits = [], [], {}
    for h in hyps:
        data = _prepare(h, frame)
        n_params = _n_params(h, data)
        why = testable(h, data, n_params)
        cc = Fit(n=len(data), note=why) if why else fit(h, data)
        wt = Fit() if why else fit(h, data, weighted=True)
        mi = Fit() if why or not mice else fit_mice(h, frame)
        fits[h.id] = cc
        diags.append(diagnostics(h, cc))
        rows.append({
            "hypothesis_id": h.id, "statement_de": h.statement_de, "family": h.family, "model": h.model,
            "outcome": h.outcome, "term": h.test, "direction": h.direction, "effect_scale": effect_scale(h),
            "estimate": cc.estimate, "ci_low": cc.ci_low, "ci_high": cc.ci_high, "p": cc.p, "n": cc.n,
            "mde": mde(cc.se, alpha, cc.n),
            "weighted_estimate": wt.estimate, "weighted_ci_low": wt.ci_low, "weighted_ci_high": wt.ci_high,
            "weighted_p": wt.p, "weighted_n": wt.n,
            "mice_estimate": mi.estimate, "mice_ci_low": mi.ci_low, "mice_ci_high": mi.ci_high, "mice_p": mi.p,
            "mice_n": mi.n, "note": "; ".join(x for x in (cc.note, wt.note, mi.note) if x),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    table = adjust(table, alpha)
    return Results(table[RESULT_COLUMNS], pd.DataFrame(diags), fits)


def model_summary(results: Results, hypothesis_id: str):
    """The statsmodels summary of one hypothesis' verdict model, or why there is none."""
    f = results.fits[hypothesis_id]
    return f.result.summary() if f.result is not None else f"{hypothesis_id}: kein Modell ({f.note})"


def _n_params(h: Hypothesis, data: pd.DataFrame) -> int:
    k = len(h.predictors) + 1
    for c in h.controls:
        name = re.sub(r"^C\((.*)\)$", r"\1", c)
        k += data[name].nunique() - 1 if c.startswith("C(") else 1
    return k


def adjust(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Holm and Benjamini-Hochberg adjusted p-values across the tested hypotheses, and verdicts."""
    table = table.copy()
    tested = table["p"].notna()
    table["p_holm"] = np.nan
    table["p_bh"] = np.nan
    if tested.any():
        table.loc[tested, "p_holm"] = multipletests(table.loc[tested, "p"], alpha=alpha, method="holm")[1]
        table.loc[tested, "p_bh"] = multipletests(table.loc[tested, "p"], alpha=alpha, method="fdr_bh")[1]
    sign = np.where(table["direction"] == "positive", 1, -1)
    confirmed = tested & (table["p_holm"] < alpha) & (np.sign(table["estimate"]) == sign)
    table["verdict_de"] = np.where(~tested, "nicht prüfbar", np.where(confirmed, "bestätigt", "nicht bestätigt"))
    return table


def sensitivity(responses: pd.DataFrame, hypotheses_path: Path = config.HYPOTHESES) -> pd.DataFrame:
    """Hypotheses on the maturity index refitted with the alternative measures (count of live
    offerings, OLS; OZG-style level, ordered logit): complete case, unweighted."""
    hyps, _ = registry(hypotheses_path)
    frame = analysis_frame(responses)
    rows = []
    for h in [h for h in hyps if h.outcome == "maturity_index"]:
        for outcome, model in {"maturity_index": "ols", **ALTERNATIVE_OUTCOMES}.items():
            alt = Hypothesis(**{**h.__dict__, "outcome": outcome, "model": model})
            data = _prepare(alt, frame)
            why = testable(alt, data, _n_params(alt, data))
            f = Fit(n=len(data), note=why) if why else fit(alt, data)
            rows.append({"hypothesis_id": h.id, "outcome": outcome, "model": model, "estimate": f.estimate,
                         "ci_low": f.ci_low, "ci_high": f.ci_high, "p": f.p, "n": f.n, "note": f.note})  # fmt: skip
    return pd.DataFrame(rows)


def save(results: Results, out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    return [
        files.write_parquet(results.table, out_dir / config.RESULTS_FILE),
        files.write_csv(results.table, out_dir / config.RESULTS_CSV, sep=";", encoding="utf-8-sig"),
        files.write_parquet(results.diagnostics, out_dir / config.DIAGNOSTICS_FILE),
    ]


def load(out_dir: Path = config.PROCESSED) -> tuple[pd.DataFrame, pd.DataFrame]:
    out_dir = Path(out_dir)
    return pd.read_parquet(out_dir / config.RESULTS_FILE), pd.read_parquet(out_dir / config.DIAGNOSTICS_FILE)
