"""Pre-registered hypothesis tests (`config/hypotheses.yaml`) with statsmodels.

Each hypothesis is fitted three ways:

- complete case, unweighted (the verdict): robust (sandwich) standard errors, for OLS HC2 with
  normal intervals, for the logit and ordered logit HC0 with t on the residual degrees of freedom
  (R: `lm`, `glm(family = binomial)`, `MASS::polr` with `sandwich::vcovHC(type="HC2")` and
  `sandwich::sandwich`);
- design-based with the register weights (`survey.glm`, `survey.olr`: R's `svyglm` and
  `svyolr`): linearisation standard errors from the weighting design (strata = unit groups,
  fpc, calibration to the register margins) with Bell and McCaffrey's small-sample bias
  reduction (for equal weights HC2 again), logit and ordered logit estimates less their
  second-order bias, t intervals and tests with the design degrees of freedom;
- after multiple imputation (statsmodels MICE, unweighted models).

Continuous predictors enter per standard deviation, OLS outcomes standardised too (weighted
standard deviations in the weighted fit, so that it estimates the population's standardised
effect). p-values are adjusted with Holm and Benjamini-Hochberg within each `family` of the
registry (primary, secondary). A fit whose likelihood has no finite maximum (complete or
quasi-complete separation, found by a linear programme) does not give a verdict: "nicht
prüfbar" with the separated terms named. IT staff reported as 0 FTE stands for less than half
the reporting unit (0.1 FTE) and enters as 0.025 FTE before `log1p` of staff per 10,000
inhabitants. The minimal detectable effect is the effect that a two-sided test at the
registry's alpha detects with 80 % power, at the achieved standard error (statsmodels
`NormalIndPower`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
import yaml
from scipy import optimize
from statsmodels.discrete.discrete_model import Logit
from statsmodels.imputation.mice import MICE, MICEData
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.power import NormalIndPower

from . import config, files, maturity, register, survey, weighting
from .survey import WeightedOrderedModel
from .weighting import indicator

VERDICTS = ("bestätigt", "nicht bestätigt", "nicht prüfbar")
#: Fewest complete cases, and per estimated parameter, for a hypothesis to be testable.
MIN_N, MIN_N_PER_PARAMETER = 30, 3
#: Fewest answers in the rarer class (logit) or per outcome category used (ordinal).
MIN_EVENTS = 10
#: Länder with fewer responses are pooled for model controls.
MIN_LAND_N = 10
#: Reporting unit of IT staff (FTE, one decimal): a reported 0 stands for [0, 0.05) and enters
#: as the midpoint of that interval, so that log1p of staff per 10,000 is not pulled to 0 for
#: the smallest municipalities where rounding, not absence, made the zero.
FTE_ZERO = 0.025
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
            "log_staff_per_10k": np.log1p(staff_fte(r["it_staff_fte"]) / inhabitants * 10_000),
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


def staff_fte(values: pd.Series) -> pd.Series:
    """IT staff in FTE with reported zeros at the midpoint of their rounding interval."""
    fte = values.astype(float)
    return fte.where(fte != 0, FTE_ZERO)


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


def _prepare(h: Hypothesis, frame: pd.DataFrame, weighted: bool = False) -> pd.DataFrame:
    """Complete cases of the hypothesis' variables (and of the weight when `weighted`), with
    continuous variables (and OLS outcomes) standardised, with weighted means and standard
    deviations when `weighted`."""
    data = frame[h.variables + ["weight"]].dropna(subset=h.variables + (["weight"] if weighted else [])).copy()
    w = data["weight"].to_numpy(dtype=float) if weighted else np.ones(len(data))
    scale = [c for c in CONTINUOUS if c in data and (c != h.outcome or h.model == "ols")]
    if h.model == "ols" and h.outcome not in scale:
        scale.append(h.outcome)
    for c in scale:
        x = data[c].to_numpy(dtype=float)
        centre = np.average(x, weights=w) if len(x) else np.nan
        sd = np.sqrt(np.average((x - centre) ** 2, weights=w) * len(x) / (len(x) - 1)) if len(x) > 1 else np.nan
        data[c] = (x - centre) / sd
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


def fit(h: Hypothesis, data: pd.DataFrame) -> Fit:
    """Fit the hypothesis model, complete case and unweighted; the tested coefficient with its
    95 % interval. Without a finite maximum of the likelihood (separation) no estimate."""
    separated = separation(h, data)
    if separated:
        return Fit(n=len(data), note=separated)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = _fit(h, data)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return Fit(n=len(data), note=f"Modell nicht schätzbar: {exc}")
    term = h.test
    if term not in result.params.index:
        return Fit(n=len(data), note=f"Term {term} nicht im Modell (kollinear)")
    ci = result.conf_int().loc[term]
    note = "" if _converged(result) else "Schätzung nicht konvergiert"
    return Fit(float(result.params[term]), float(ci.iloc[0]), float(ci.iloc[1]), float(result.pvalues[term]),
               float(result.bse[term]), len(data), note, result)  # fmt: skip


def _categorical_controls(h: Hypothesis, data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The controls as pandas categoricals with the levels present, in patsy's sorted order, and
    the formula without the C() wrapper (which hides the categorical from patsy): the same
    model, without patsy checking every value of a text column one by one."""
    data = data.assign(
        **{c: pd.Categorical(data[c], categories=sorted(data[c].dropna().unique())) for c in CATEGORICAL if c in data}
    )
    return data, re.sub(r"\bC\((" + "|".join(CATEGORICAL) + r")\)", r"\1", h.formula)


def _fit(h: Hypothesis, data: pd.DataFrame):
    data, formula = _categorical_controls(h, data)
    if h.model == "ols":
        return smf.ols(formula, data).fit(cov_type="HC2")
    if h.model == "logit":
        return smf.logit(formula, data).fit(disp=False, cov_type="HC0", use_t=True)
    if h.model == "ordinal":
        data = data.assign(**{h.outcome: pd.Categorical(data[h.outcome], ordered=True)})
        model = WeightedOrderedModel.from_formula(formula, data, distr="logit")
        return model.fit(method="bfgs", disp=False, maxiter=500, cov_type="HC0", use_t=True)
    raise ValueError(f"unknown model {h.model!r}")


def fit_design(h: Hypothesis, data: pd.DataFrame, design: survey.Design, small_sample: bool = False) -> Fit:
    """Design-based fit (R's `svyglm` for OLS and logit, `svyolr` for ordered logit) of the
    complete cases `data` (prepared with weights) within `design`: rows of the design that are
    not complete cases count as zero (domain); intervals and p from t with the design df.
    `small_sample`: bias-reduced linearisation and, for the logit and ordered logit, the
    second-order bias removed (`survey.glm`, `survey.olr`); `run` uses it, a census fit (the
    target of a survey's fit) does not."""
    separated = separation(h, data)
    if separated:
        return Fit(n=len(data), note=f"gewichtet: {separated}")
    rows = design.data["response_row"] if "response_row" in design.data else design.data.index
    prepared = data.drop(columns="weight").reindex(rows).reset_index(drop=True)
    frame, formula = _categorical_controls(h, prepared)
    target = replace(design, data=design.data.drop(columns=[c for c in frame if c in design.data]).join(frame))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if h.model == "ordinal":
                result = survey.olr(target, formula, small_sample=small_sample)
            else:
                family = "gaussian" if h.model == "ols" else "binomial"
                result = survey.glm(target, formula, family, small_sample=small_sample)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return Fit(n=len(data), note=f"gewichtet nicht schätzbar: {exc}")
    if h.test not in result.params.index:
        return Fit(n=len(data), note=f"Term {h.test} gewichtet nicht im Modell (kollinear)")
    unstable = _unstable_correction(result, h.test)
    if unstable:
        return Fit(n=result.n, note=unstable)
    ci = result.conf_int().loc[h.test]
    note = "" if result.converged else "gewichtete Schätzung nicht konvergiert"
    return Fit(float(result.params[h.test]), float(ci["low"]), float(ci["high"]), float(result.pvalues[h.test]),
               float(result.bse[h.test]), result.n, note, result)  # fmt: skip


#: A second-order bias correction larger than this many standard errors is not trusted (in 4,800
#: weighted logit fits of a pilot the ratio stayed below 0.83 in 99 % and reached 1.5 at most).
MAX_CORRECTION_SE = 2.0


def _unstable_correction(result: survey.SurveyFit, term: str) -> str:
    """Why the bias-corrected estimate of `term` is not to be trusted, or "": a second-order
    correction of more than `MAX_CORRECTION_SE` standard errors (or not finite) means the
    expansion it comes from does not hold, e.g. a control nearly separated under extreme weights."""
    if result.bias_removed is None:
        return ""
    removed, se = float(result.bias_removed[term]), float(result.bse[term])
    if np.isfinite(removed) and np.isfinite(result.params[term]) and abs(removed) <= MAX_CORRECTION_SE * se:
        return ""
    return (
        f"gewichtet nicht prüfbar: die Korrektur des Bias zweiter Ordnung ({removed:.3g}) ist mehr als "
        f"{MAX_CORRECTION_SE:g}-mal so groß wie der Standardfehler ({se:.3g}), die Schätzung ist instabil "
        "(fast getrennte Daten oder extreme Gewichte)"
    )


def census_fit(h: Hypothesis, frame: pd.DataFrame) -> Fit:
    """The weighted fit of `h` on an analysis frame whose `weight` column is the only design
    feature (a census with known weights, e.g. inclusion probabilities): the value a
    survey's fit estimates (`analysis.validation`)."""
    frame = frame[frame["weight"].notna()].reset_index(drop=True)
    return fit_design(h, _prepare(h, frame, weighted=True), survey.Design.from_frame(frame, weights="weight"))


def separation(h: Hypothesis, data: pd.DataFrame) -> str:
    """Why the (ordered) logit likelihood has no finite maximum, or "" when it has one.

    Complete or quasi-complete separation: some direction (beta, thresholds) != 0 keeps every
    observation's linear predictor within its category's thresholds, x_i beta in
    [c_(y_i - 1), c_y_i], with at least one strictly inside; then the likelihood grows without
    bound along it. Found as a linear programme (maximise the slack within |beta|, |c| <= 1;
    Konis 2007 for the binary case). The terms with a non-zero direction are named."""
    if h.model == "ols" or len(data) == 0:
        return ""
    frame, formula = _categorical_controls(h, data)
    rhs = formula.split("~", 1)[1]
    design = smf.ols(f"_y ~ {rhs}", frame.assign(_y=0.0))
    x = pd.DataFrame(design.exog, columns=design.exog_names).drop(columns="Intercept", errors="ignore")
    y = pd.Categorical(frame.loc[design.data.row_labels, h.outcome], ordered=True).codes
    k, p = int(y.max()) + 1, x.shape[1]
    xv = x.to_numpy(dtype=float)
    xv = xv / np.maximum(np.abs(xv).max(axis=0), 1e-12)  # comparable scales
    n = len(y)
    # variables: beta (p), thresholds c_1..c_(k-1); constraints A v <= 0
    rows, objective = [], np.zeros(p + k - 1)
    for i in range(n):
        if y[i] < k - 1:  # x beta <= c_y
            a = np.concatenate([xv[i], -np.eye(k - 1)[y[i]]])
            rows.append(a)
            objective += a
        if y[i] > 0:  # c_(y-1) <= x beta
            a = np.concatenate([-xv[i], np.eye(k - 1)[y[i] - 1]])
            rows.append(a)
            objective += a
    for j in range(k - 2):  # ordered thresholds
        rows.append(np.eye(p + k - 1)[p + j] - np.eye(p + k - 1)[p + j + 1])
    res = optimize.linprog(objective, A_ub=np.array(rows), b_ub=np.zeros(len(rows)), bounds=[(-1, 1)] * (p + k - 1),
                           method="highs")  # fmt: skip
    if res.status != 0 or -res.fun < 1e-7 * n:
        return ""
    terms = [name for name, b in zip(x.columns, res.x[:p]) if abs(b) > 1e-6]
    return "nicht prüfbar: (quasi-)vollständige Trennung, keine endliche Schätzung" + (
        f" (betrifft {', '.join(terms)})" if terms else ""
    )


def _converged(result) -> bool:
    info = getattr(result, "mle_retvals", None)
    return True if not info else bool(info.get("converged", True))


class ColumnMICEData(MICEData):
    """statsmodels' MICEData for imputation models that are sums of numeric columns (all of
    this project's): their design matrices are taken from the data directly instead of being
    parsed from the formula at every step, which was 85 % of the time. The same matrices
    (intercept first, then the columns in formula order), so the same imputations."""

    def _matrices(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
        lhs, columns = _terms(self.conditional_formula[vname])
        exog = np.column_stack([np.ones(len(self.data)), self.data[columns].to_numpy(dtype=float)])
        return self.data[[lhs]].to_numpy(dtype=float), exog

    def _plain(self, vname: str) -> bool:
        """No keyword arguments that statsmodels would evaluate as formulas."""
        return not (self.init_kwds[vname] or self.fit_kwds[vname] or self.predict_kwds.get(vname))

    def get_split_data(self, vname):
        if not self._plain(vname):
            return super().get_split_data(vname)
        endog, exog = self._matrices(vname)
        observed, missing = self.ix_obs[vname], self.ix_miss[vname]
        return endog[observed], exog[observed], exog[missing], {}, {}

    def get_fitting_data(self, vname):
        if not self._plain(vname):
            return super().get_fitting_data(vname)
        endog, exog = self._matrices(vname)
        observed = self.ix_obs[vname]
        return endog[observed, 0], exog[observed], {}, {}


def _terms(formula: str) -> tuple[str, list[str]]:
    lhs, rhs = (side.strip() for side in formula.split("~"))
    return lhs, [term.strip() for term in rhs.split("+")]


class ColumnMICE(MICE):
    """statsmodels' MICE whose analysis model, a sum of columns and products of columns
    (`a:b`), is built from the imputed data directly, as `from_formula` would build it (same
    names, same numbers); other formulas go through statsmodels."""

    def next_sample(self):
        lhs, terms = _terms(self.model_formula)
        data = self.data.data
        if not {f for t in terms if t != "0" for f in t.split(":")} <= set(data.columns):
            return super().next_sample()
        self.data.update_all(self.n_skip + 1)
        exog = pd.DataFrame({t: data[t.split(":")].astype(float).prod(axis=1) for t in terms if t != "0"})
        if "0" not in terms:
            exog.insert(0, "Intercept", 1.0)
        model = self.model_class(data[lhs].astype(float), exog, **self.init_kwds)
        self.fit_kwds.update({"start_params": self.results_list[-1].params if self.results_list else None})
        return model.fit(**self.fit_kwds)


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
            imp = ColumnMICEData(imp_data, rng=np.random.default_rng(seed))
            for c in [c for c in numeric if numeric[c].isna().any()]:  # impute from the numeric variables
                imp.set_imputer(c, formula=" + ".join(x for x in numeric if x != c))
            model_class = {"ols": OLS, "logit": Logit, "ordinal": WeightedOrderedModel}[h.model]
            fit_kwds = {"ols": {"cov_type": "HC2"}, "logit": {"disp": False, "cov_type": "HC0"},
                        "ordinal": {"method": "bfgs", "disp": False, "maxiter": 500, "cov_type": "HC0"}}[h.model]  # fmt: skip
            init_kwds = {"distr": "logit"} if h.model == "ordinal" else {}
            if h.model == "ordinal":
                formula = formula.replace(" ~ ", " ~ 0 + ", 1)
            result = ColumnMICE(formula, model_class, imp, init_kwds=init_kwds, fit_kwds=fit_kwds).fit(
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


def run(
    responses: pd.DataFrame,
    hypotheses_path: Path = config.HYPOTHESES,
    mice: bool = True,
    margins: pd.DataFrame | None = None,
) -> Results:
    """Test every registered hypothesis on the processed responses; the weighted fits use the
    weighting design rebuilt from `margins` (the register margins the weights were raked to;
    default: the committed ones)."""
    hyps, alpha = registry(hypotheses_path)
    frame = analysis_frame(responses)
    design = weighting_design(responses, margins)
    rows, diags, fits = [], [], {}
    for h in hyps:
        data = _prepare(h, frame)
        n_params = _n_params(h, data)
        why = testable(h, data, n_params)
        cc = Fit(n=len(data), note=why) if why else fit(h, data)
        wt = (
            Fit()
            if why or design is None
            else fit_design(h, _prepare(h, frame, weighted=True), design, small_sample=True)
        )
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


def weighting_design(responses: pd.DataFrame, margins: pd.DataFrame | None = None) -> survey.Design | None:
    """The calibrated design of the register weights (None when the responses have none)."""
    if "weight" not in responses or responses["weight"].isna().all():
        return None
    return weighting.load(responses, register.read_margins() if margins is None else margins).design


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
    """Holm and Benjamini-Hochberg adjusted p-values within each `family` of the registry
    (all hypotheses one family when the column is absent), and verdicts."""
    table = table.copy()
    tested = table["p"].notna()
    table["p_holm"] = np.nan
    table["p_bh"] = np.nan
    families = table["family"] if "family" in table else pd.Series("", index=table.index)
    for family in families[tested].unique():
        rows = tested & (families == family)
        table.loc[rows, "p_holm"] = multipletests(table.loc[rows, "p"], alpha=alpha, method="holm")[1]
        table.loc[rows, "p_bh"] = multipletests(table.loc[rows, "p"], alpha=alpha, method="fdr_bh")[1]
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


def save(results: Results, out_dir: Path | None) -> list[Path]:
    """The results table and diagnostics.
    `None` (a notebook run in the lab, `config.lab_output`): nothing is written."""
    if out_dir is None:
        return []
    out_dir = Path(out_dir)
    return [
        files.write_parquet(results.table, out_dir / config.RESULTS_FILE),
        files.write_csv(results.table, out_dir / config.RESULTS_CSV, sep=";", encoding="utf-8-sig"),
        files.write_parquet(results.diagnostics, out_dir / config.DIAGNOSTICS_FILE),
    ]


def load(out_dir: Path = config.PROCESSED) -> tuple[pd.DataFrame, pd.DataFrame]:
    out_dir = Path(out_dir)
    return pd.read_parquet(out_dir / config.RESULTS_FILE), pd.read_parquet(out_dir / config.DIAGNOSTICS_FILE)
