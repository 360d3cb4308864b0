"""Design-based regression, design effects, domains, replicate weights, numeric calibration,
lonely PSUs, raking without convergence and logit intervals against R's `survey` package.

Reference values: tests/data/r_survey/reference_models.csv, written by reference_models.R
(R 4.2.2, survey 4.1-1). The models agree to 4 significant digits (R's optimisers stop there);
closed-form statistics to 7.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analysis import survey as sv
from tests.test_survey import DATA, DESIGNS, SCHWIDE, TYPES

REF = pd.read_csv(DATA / "reference_models.csv", sep=";", keep_default_na=False, dtype={"value": float})
AWARDS = {"No": 2000, "Yes": 4194}


def r(case: str, quantity: str) -> pd.Series:
    rows = REF[(REF["case"] == case) & (REF["quantity"] == quantity)]
    assert len(rows), (case, quantity)
    return pd.Series(rows["value"].to_numpy(), index=rows["term"].to_numpy())


def _with(design, **columns):
    return replace(design, data=design.data.assign(**columns))


def _yes(design):
    data = design.data
    return _with(design, yes=(data["sch.wide"] == "Yes").astype(float), avg_ed=data["avg.ed"])


CLUS2W = sv.Design.from_frame(pd.read_csv(DATA / "apiclus2.csv"), weights="pw", clusters=["dnum", "snum"])
DESIGNS_ALL = {**DESIGNS, "dclus2w": CLUS2W}
R_NAMES = {"Intercept": "(Intercept)"}


@pytest.mark.parametrize(
    "case, design, formula, family",
    [
        ("glm dstrat api00", "dstrat", "api00 ~ ell + meals + mobility", "gaussian"),
        ("glm dclus2w api00", "dclus2w", "api00 ~ ell + meals + mobility", "gaussian"),
        ("glm dclus1 api00", "dclus1", "api00 ~ ell + meals + mobility", "gaussian"),
        ("glm dclus1r api00", "dclus1r", "api00 ~ ell + meals + mobility", "gaussian"),
        ("glm dstrat sch.wide", "dstrat", "yes ~ ell + meals + mobility", "binomial"),
        ("glm dclus1 sch.wide", "dclus1", "yes ~ ell + meals + mobility", "binomial"),
        ("glm dclus1r sch.wide", "dclus1r", "yes ~ ell + meals + mobility", "binomial"),
        ("glm dclus2 sch.wide", "dclus2", "yes ~ ell + meals + mobility", "binomial"),
    ],
)
def test_glm_agrees_with_r_svyglm(case, design, formula, family):
    fit = sv.glm(_yes(DESIGNS_ALL[design]), formula, family)
    names = [R_NAMES.get(n, n) for n in fit.params.index]
    assert fit.params.to_numpy() == pytest.approx(r(case, "estimate")[names].to_numpy(), rel=1e-6)
    assert fit.bse.to_numpy() == pytest.approx(r(case, "se")[names].to_numpy(), rel=1e-4)
    assert fit.df == r(case, "df").iloc[0]


@pytest.mark.parametrize("case", ["glm dstrat sch.wide", "glm dclus1 sch.wide"])
def test_glm_intervals_and_p_values_use_the_design_degrees_of_freedom(case):
    fit = sv.glm(_yes(DESIGNS[case.split()[1]]), "yes ~ ell + meals + mobility", "binomial")
    names = [R_NAMES.get(n, n) for n in fit.params.index]
    ci, se = fit.conf_int(), fit.bse.to_numpy()  # to 4 digits of the standard error
    assert (np.abs(ci["low"].to_numpy() - r(case, "ci_low")[names].to_numpy()) < 1e-3 * se).all()
    assert (np.abs(ci["high"].to_numpy() - r(case, "ci_high")[names].to_numpy()) < 1e-3 * se).all()
    assert fit.pvalues.to_numpy() == pytest.approx(r(case, "p")[names].to_numpy(), rel=1e-3)


def test_olr_agrees_with_r_svyolr():
    d = DESIGNS["dclus1"]
    design = _with(d, mealcat=pd.cut(d.data["meals"], [0, 25, 50, 75, 100]), avg_ed=d.data["avg.ed"])
    fit = sv.olr(design, "mealcat ~ avg_ed + mobility + C(stype)")
    rename = {"avg_ed": "avg.ed", "C(stype)[T.H]": "stypeH", "C(stype)[T.M]": "stypeM",
              "(0, 25]|(25, 50]": "(0,25]|(25,50]", "(25, 50]|(50, 75]": "(25,50]|(50,75]",
              "(50, 75]|(75, 100]": "(50,75]|(75,100]"}  # fmt: skip
    names = [rename.get(n, n) for n in fit.params.index]
    assert fit.params.to_numpy() == pytest.approx(r("olr dclus1", "estimate")[names].to_numpy(), rel=1e-4)
    assert fit.bse.to_numpy() == pytest.approx(r("olr dclus1", "se")[names].to_numpy(), rel=1e-3)
    assert fit.df == r("olr dclus1", "df").iloc[0]


@pytest.mark.parametrize(
    "case, design, statistic, column, deff",
    [
        ("mean dclus1 api00 deff", "dclus1", "mean", "api00", True),
        ("total dclus1 enroll deff", "dclus1", "total", "enroll", True),
        ("mean dstrat api00 deff", "dstrat", "mean", "api00", True),
        ("mean dstrat api00 deff replace", "dstrat", "mean", "api00", "replace"),
        ("total dstrat enroll deff", "dstrat", "total", "enroll", True),
        ("mean dclus2 api00 deff", "dclus2", "mean", "api00", True),
        ("mean dclus1r api00 deff", "dclus1r", "mean", "api00", True),
        ("mean dclus1 stype", "dclus1", "mean", "stype", False),
    ],
)
def test_design_effects_agree_with_r(case, design, statistic, column, deff):
    got = getattr(sv, statistic)(DESIGNS[design], column, deff=deff)
    assert got["estimate"].to_numpy() == pytest.approx(r(case, "estimate").to_numpy(), rel=1e-7)
    assert got["se"].to_numpy() == pytest.approx(r(case, "se").to_numpy(), rel=1e-6)
    if deff:
        assert got["deff"].to_numpy() == pytest.approx(r(case, "deff").to_numpy(), rel=1e-6)


def test_degrees_of_freedom_agree_with_r():
    for name in ("dstrat", "dclus1", "dclus2"):
        assert DESIGNS[name].degf() == r("degf", name).iloc[0]
    assert sv.replicate_design(DESIGNS["dclus1"]).degf() == r("degf", "rclus1").iloc[0]


# --- replicate weights ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case, type, mse, statistic, column",
    [
        ("mean rclus1 api00", "JK1", False, "mean", "api00"),
        ("total rclus1 enroll", "JK1", False, "total", "enroll"),
        ("mean rclus1 mse api00", "JK1", True, "mean", "api00"),
        ("total rclus1 mse enroll", "JK1", True, "total", "enroll"),
        ("mean jkstrat api00", "JKn", False, "mean", "api00"),
        ("mean jkstrat stype", "JKn", False, "mean", "stype"),
        ("total jkstrat enroll", "JKn", False, "total", "enroll"),
    ],
)
def test_jackknife_agrees_with_r(case, type, mse, statistic, column):
    base = DESIGNS["dclus1" if type == "JK1" else "dstrat"]
    got = getattr(sv, statistic)(sv.replicate_design(base, type, mse=mse), column)
    assert got["estimate"].to_numpy() == pytest.approx(r(case, "estimate").to_numpy(), rel=1e-7)
    assert got["se"].to_numpy() == pytest.approx(r(case, "se").to_numpy(), rel=1e-6)


def test_jackknife_ratio_and_without_fpc():
    got = sv.ratio(sv.replicate_design(DESIGNS["dstrat"], "JKn"), "api.stu", "enroll")
    assert [got["estimate"], got["se"]] == pytest.approx(r("ratio jkstrat api.stu/enroll", "se").pipe(
        lambda se: [r("ratio jkstrat api.stu/enroll", "estimate").iloc[0], se.iloc[0]]), rel=1e-6)  # fmt: skip
    nofpc = sv.Design.from_frame(DESIGNS["dclus1"].data, weights="pw", clusters="dnum")
    got = sv.mean(sv.replicate_design(nofpc), "api00").iloc[0]
    assert got["se"] == pytest.approx(r("mean rclus1 nofpc api00", "se").iloc[0], rel=1e-7)


def _r_bootstrap(mse=False) -> sv.ReplicateDesign:
    weights = pd.read_csv(DATA / "bootstrap_weights.csv")
    data = pd.concat([DESIGNS["dclus1"].data, weights], axis=1).copy()
    return sv.ReplicateDesign.from_frame(data, "pw", list(weights.columns), r("bootstrap", "scale").iloc[0], mse=mse)


@pytest.mark.parametrize(
    "case, mse, statistic, column",
    [
        ("mean bclus1 api00", False, "mean", "api00"),
        ("total bclus1 enroll", False, "total", "enroll"),
        ("mean bclus1 mse api00", True, "mean", "api00"),
        ("total bclus1 mse enroll", True, "total", "enroll"),
    ],
)
def test_variance_from_rs_bootstrap_weights_equals_rs(case, mse, statistic, column):
    got = getattr(sv, statistic)(_r_bootstrap(mse), column).iloc[0]
    assert got["estimate"] == pytest.approx(r(case, "estimate").iloc[0], rel=1e-7)
    assert got["se"] == pytest.approx(r(case, "se").iloc[0], rel=1e-6)


@pytest.mark.parametrize("case, design_name", [("glm rclus2 api00", None), ("glm rstrat api00", "dstrat"),
                                               ("glm bclus1 api00", "boot")])  # fmt: skip
def test_glm_on_replicate_designs_agrees_with_r(case, design_name):
    if design_name == "boot":
        design = _r_bootstrap()
    elif design_name == "dstrat":
        design = sv.replicate_design(DESIGNS["dstrat"], "JKn")
    else:
        design = sv.replicate_design(CLUS2W, "JK1")
    fit = sv.glm(design, "api00 ~ ell + meals + mobility")
    names = [R_NAMES.get(n, n) for n in fit.params.index]
    assert fit.params.to_numpy() == pytest.approx(r(case, "estimate")[names].to_numpy(), rel=1e-6)
    assert fit.bse.to_numpy() == pytest.approx(r(case, "se")[names].to_numpy(), rel=1e-4)
    assert fit.df == r(case, "df").iloc[0]


def test_own_bootstrap_matches_the_linearised_variance_on_average():
    """Canty-Davison bootstrap of a with-replacement stratified design: each PSU is drawn once on
    average, and the bootstrap variance of a mean approaches the linearised one (n_h / (n_h-1)
    rescaling makes it unbiased): over 4000 replicates within 10 %."""
    rng = np.random.default_rng(7)
    data = pd.DataFrame(
        {"s": np.repeat(["a", "b", "c"], 40), "y": rng.gamma(2.0, 3.0, 120), "w": rng.uniform(1, 4, 120)}
    )
    design = sv.Design.from_frame(data, weights="w", strata="s")
    boot = sv.replicate_design(design, "bootstrap", replicates=4000, seed=1)
    counts = boot.repweights / design.weights[:, None]
    assert counts.mean() == pytest.approx(1.0, abs=0.01)
    assert np.all(counts.sum(axis=0).reshape(-1) == 120)
    ratio = sv.mean(boot, "y")["se"].iloc[0] / sv.mean(design, "y")["se"].iloc[0]
    assert ratio == pytest.approx(1.0, abs=0.1)
    again = sv.replicate_design(design, "bootstrap", replicates=4000, seed=1)
    assert np.array_equal(again.repweights, boot.repweights)


# --- domains (svyby) ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case, design, columns, group, statistic, deff",
    [
        ("by dclus1 api99 stype", "dclus1", ["api99"], "stype", "mean", False),
        ("by dclus1 api99+api00 stype deff", "dclus1", ["api99", "api00"], "stype", "mean", True),
        ("by dclus1 api99+api00 stype+sch.wide", "dclus1", ["api99", "api00"], ["stype", "sch.wide"], "mean", False),
        ("by dclus1 enroll stype total", "dclus1", ["enroll"], "stype", "total", False),
        ("by dclus1 api00 comp.imp+sch.wide", "dclus1", ["api00"], ["comp.imp", "sch.wide"], "mean", False),
        ("by dclus1r api00 stype", "dclus1r", ["api00"], "stype", "mean", False),
        ("by rclus1 api99 stype", "rclus1", ["api99"], "stype", "mean", False),
        ("by rclus1 enroll stype total deff", "rclus1", ["enroll"], "stype", "total", True),
    ],
)
def test_domain_estimates_agree_with_r_svyby(case, design, columns, group, statistic, deff):
    d = sv.replicate_design(DESIGNS["dclus1"]) if design == "rclus1" else DESIGNS[design]
    parts = [sv.by(d, c, group, statistic, deff=deff) for c in columns]
    got = pd.concat(parts, ignore_index=True)
    assert got["estimate"].to_numpy() == pytest.approx(r(case, "estimate").to_numpy(), rel=1e-7)
    assert got["se"].to_numpy() == pytest.approx(r(case, "se").to_numpy(), rel=1e-6)
    if deff:
        assert got["deff"].to_numpy() == pytest.approx(r(case, "deff").to_numpy(), rel=1e-6)


def test_domain_ratios_and_covariance_agree_with_r():
    got = sv.by(DESIGNS["dclus1"], "api.stu", "stype", "ratio", denominator="enroll")
    assert got["estimate"].to_numpy() == pytest.approx(
        r("by dclus1 api.stu/enroll stype", "estimate").to_numpy(), rel=1e-7
    )
    assert got["se"].to_numpy() == pytest.approx(r("by dclus1 api.stu/enroll stype", "se").to_numpy(), rel=1e-6)
    means, cov = sv.by(DESIGNS["dclus1"], "api99", "stype", covmat=True)
    assert cov.reshape(-1) == pytest.approx(r("by dclus1 api99 stype", "vcov").to_numpy(), rel=1e-6)
    diff = means["estimate"].iloc[0] - means["estimate"].iloc[2]
    se = np.sqrt(cov[0, 0] + cov[2, 2] - 2 * cov[0, 2])
    assert [diff, se] == pytest.approx(r("by dclus1 api99 stype", "contrast E-M").to_numpy(), rel=1e-6)


# --- finite population corrections and calibration ----------------------------------------------
FPC = pd.read_csv(DATA / "fpc.csv").assign(
    frac=lambda d: d["nh"] / d["Nh"], psu=lambda d: d["stratid"] * 10 + d["psuid"]
)


@pytest.mark.parametrize(
    "case, kwargs",
    [
        ("fpc without", {"weights": "weight"}),
        ("fpc Nh", {"weights": "weight", "fpc": "Nh"}),
        ("fpc fraction", {"weights": "weight", "fpc": "frac"}),
        ("fpc no weights", {"fpc": "Nh"}),
    ],
)
def test_fpc_forms_agree_with_r(case, kwargs):
    d = sv.Design.from_frame(FPC, strata="stratid", clusters="psu", **kwargs)
    got = sv.mean(d, "x").iloc[0]
    assert [got["estimate"], got["se"]] == pytest.approx([r(case, "estimate").iloc[0], r(case, "se").iloc[0]], rel=1e-6)


POP = pd.read_csv(DATA / "apipop_totals.csv").iloc[0]


def _aux(design, *numeric):
    s = design.data["stype"]
    cols = {"(Intercept)": 1.0, "stypeH": (s == "H").astype(float), "stypeM": (s == "M").astype(float)}
    cols.update({c: (design.data["sch.wide"] == "Yes").astype(float) if c == "sch.wideYes" else design.data[c]
                 for c in numeric})  # fmt: skip
    return pd.DataFrame(cols)


@pytest.mark.parametrize(
    "case, extra, totals, kwargs",
    [
        ("cal g", [], [], {}),
        ("cal g2", ["sch.wideYes"], [5122], {}),
        ("cal g3", ["api99"], [3914069], {}),
        ("cal g3 bounded", ["api99"], [3914069], {"bounds": (0.6, 1.6)}),
        ("cal g3 raking", ["api99"], [3914069], {"calfun": "raking"}),
        ("cal g3 logit", ["api99"], [3914069], {"calfun": "logit", "bounds": (0.5, 2.5)}),
    ],
)
def test_calibration_to_numeric_totals_agrees_with_r(case, extra, totals, kwargs):
    base = DESIGNS["dclus1"]
    d = base.calibrate_totals(_aux(base, *extra), [6194, 755, 1018, *totals], **kwargs)
    for stat, column in (("mean api00", "api00"), ("total enroll", "enroll"), ("total stype", "stype")):
        got = getattr(sv, stat.split()[0])(d, column)
        assert got["estimate"].to_numpy() == pytest.approx(r(f"{case} {stat}", "estimate").to_numpy(), rel=1e-6)
        assert got["se"].to_numpy() == pytest.approx(r(f"{case} {stat}", "se").to_numpy(), rel=1e-5, abs=1e-6)
    g = d.weights / base.weights
    assert [g.min(), g.max()] == pytest.approx(r(case, "g range").to_numpy(), rel=1e-6)


def test_regression_and_ratio_calibration_agree_with_r():
    dstrat = DESIGNS["dstrat"]
    ratio_cal = dstrat.calibrate_totals(dstrat.data[["enroll"]], [POP["enroll"]])
    got = sv.total(ratio_cal, "api.stu").iloc[0]
    assert [got["estimate"], got["se"]] == pytest.approx(
        [r("cal dstrat enroll-1 total api.stu", "estimate").iloc[0], r("cal dstrat enroll-1 total api.stu", "se").iloc[0]], rel=1e-6)  # fmt: skip
    ratio = sv.ratio(dstrat, "api.stu", "enroll")  # R: predict(svyratio(...), total)
    assert [ratio["estimate"] * POP["enroll"], ratio["se"] * POP["enroll"]] == pytest.approx(
        [r("ratio predict dstrat", "estimate").iloc[0], r("ratio predict dstrat", "se").iloc[0]], rel=1e-7
    )
    greg = dstrat.calibrate_totals(
        dstrat.data[["enroll"]].assign(one=1.0)[["one", "enroll"]], [POP["n"], POP["enroll"]]
    )
    got = sv.total(greg, "api.stu").iloc[0]
    assert [got["estimate"], got["se"]] == pytest.approx(
        [r("cal dstrat enroll total api.stu", "estimate").iloc[0], r("cal dstrat enroll total api.stu", "se").iloc[0]], rel=1e-6)  # fmt: skip
    dclus1 = DESIGNS["dclus1"]
    x = dclus1.data[["enroll"]].assign(one=1.0)[["one", "enroll"]]
    for case, bounds in (("cal dclus1 enroll", None), ("cal dclus1 enroll bounded", (0.6, 1.5))):
        g = dclus1.calibrate_totals(x, [6194, POP["enroll"]], bounds=bounds).weights / dclus1.weights
        assert [g.min(), g.max()] == pytest.approx(r(case, "g range").to_numpy(), rel=1e-6)


# --- lonely PSUs ----------------------------------------------------------------------------------
CLUS1 = DESIGNS["dclus1"].data


@pytest.mark.parametrize("lonely", ["remove", "certainty", "adjust", "average"])
@pytest.mark.parametrize("case", ["lonely", "lonely fpc", "lonely domain", "lonely domain adjusted"])
def test_lonely_psu_rules_agree_with_r(case, lonely):
    data = CLUS1.assign(fpc1=np.where(CLUS1["dnum"] == 413, 1, 1000))
    kwargs = {"fpc": "fpc1"} if case == "lonely fpc" else {}
    if case.startswith("lonely domain"):
        data = data[data["dnum"] != 413].reset_index(drop=True)
    d = sv.Design.from_frame(data, weights="pw", strata="dnum", lonely_psu=lonely,
                             adjust_domain_lonely=case.endswith("adjusted"), **kwargs)  # fmt: skip
    if case.startswith("lonely domain"):  # R: ds[-31, ]
        d = _with(d, api00=d.data["api00"].where(d.data.index != 30))
    got = sv.mean(d, "api00").iloc[0]
    assert got["estimate"] == pytest.approx(r(f"{case} {lonely}", "estimate").iloc[0], rel=1e-7)
    assert got["se"] == pytest.approx(r(f"{case} {lonely}", "se").iloc[0], rel=1e-6)


def test_lonely_psu_fails_by_default_and_svytotal_checks_of_r():
    data = pd.DataFrame({"stratum": [1, 1, 2, 2, 3], "psu": [1, 2, 3, 4, 5], "w": [10.5, 10.5, 20, 20, 15],
                         "age": [30.5, 40.5, 35, 52, 44]})  # fmt: skip
    with pytest.raises(ValueError, match="only one PSU"):
        sv.total(sv.Design.from_frame(data, weights="w", strata="stratum", clusters="psu"), "age")
    for lonely, expected in (("remove", 126625), ("certainty", 126625), ("adjust", 127579.8)):
        d = sv.Design.from_frame(data, weights="w", strata="stratum", clusters="psu", lonely_psu=lonely)
        assert sv.total(d, "age")["se"].iloc[0] ** 2 == pytest.approx(expected, rel=1e-6)


# --- raking that does not converge, logit intervals -------------------------------------------------
def test_rake_warns_and_returns_the_last_sweep_as_r():
    with pytest.warns(sv.RakingWarning, match="did not converge after 2 sweeps"):
        d = DESIGNS["dclus1"].rake({"stype": TYPES, "sch.wide": SCHWIDE, "awards": AWARDS}, max_iter=2, epsilon=1e-8)
    assert d.weights[:10] == pytest.approx(r("rake maxit2", "weights").to_numpy(), rel=1e-9)
    got = sv.mean(d, "api00").iloc[0]
    assert [got["estimate"], got["se"]] == pytest.approx(
        [r("rake maxit2 mean api00", "estimate").iloc[0], r("rake maxit2 mean api00", "se").iloc[0]], rel=1e-6
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DESIGNS["dclus1"].rake({"stype": TYPES, "sch.wide": SCHWIDE})


@pytest.mark.parametrize(
    "case, design, column, domain",
    [
        ("ciprop dclus1 ell==0", "dclus1", "ell0", None),
        ("ciprop dclus2 ell==0", "dclus2", "ell0", None),
        ("ciprop dclus1r ell==0", "dclus1r", "ell0", None),
        ("ciprop dclus1 H ell==0", "dclus1", "ell0", "H"),
        ("ciprop dstrat meals/100", "dstrat", "meals01", None),
    ],
)
def test_logit_interval_agrees_with_r_svyciprop(case, design, column, domain):
    d = DESIGNS[design]
    y = pd.DataFrame({"ell0": (d.data["ell"] == 0).astype(float), "meals01": d.data["meals"] / 100})[column]
    if domain:
        y = y.where(d.data["stype"] == domain)
    got = sv.ci_prop(_with(d, y=y), "y")
    assert got["estimate"] == pytest.approx(r(case, "estimate").iloc[0], rel=1e-7)
    assert [got["ci_low"], got["ci_high"]] == pytest.approx(r(case, "ci").to_numpy(), rel=1e-5)
    if domain:
        assert got["df"] == r(case, "df").iloc[0]


def test_logit_interval_stays_inside_its_bounds():
    low, high = sv.logit_interval([0.5, 99.0, 3.0], [30.0, 5.0, 40.0], 9, lower=0, upper=100)
    assert (low >= 0).all() and (high <= 100).all() and (low < [0.5, 99.0, 3.0]).all()
    low, high = sv.logit_interval(0.0, 0.0, 10)
    assert np.isnan(low) and np.isnan(high)


# --- the project's own weighting design: domains of the simulated example against R -------------
def _example_design():
    data = pd.read_csv(DATA / "example_domain.csv")
    totals = pd.read_csv(DATA / "example_domain_totals.csv")
    base = sv.Design.from_frame(data, weights="start_weight", strata="group", fpc="N_group")
    return base.calibrate_totals(data[totals["term"]], totals["total"], calfun="logit", bounds=(0.02, 8.0),
                                 max_iter=200, epsilon=1e-10)  # fmt: skip


DOMAIN_REF = pd.read_csv(DATA / "reference_domain.csv", sep=";", dtype={"value": float})


def rd(quantity: str) -> pd.Series:
    rows = DOMAIN_REF[DOMAIN_REF["quantity"] == quantity]
    return pd.Series(rows["value"].to_numpy(), index=rows["term"].to_numpy())


def test_example_weighting_and_size_class_domains_agree_with_r_svyby():
    """The maturity index of "500.000 und mehr" (n = 10): R gives the same standard error of
    137 on the 0-100 scale, so the design, not the code, makes it that large."""
    d = _example_design()
    assert d.weights == pytest.approx(rd("weights").to_numpy(), rel=1e-6)
    got = sv.by(d, "maturity_index", "size_class").set_index("group")
    ref_est, ref_se = rd("estimate"), rd("se")
    assert got.loc[ref_est.index, "estimate"].to_numpy() == pytest.approx(ref_est.to_numpy(), rel=1e-6)
    assert got.loc[ref_se.index, "se"].to_numpy() == pytest.approx(ref_se.to_numpy(), rel=1e-5)
    assert got.loc["500.000 und mehr", "se"] > 100
    big = d.data["size_class"] == "500.000 und mehr"
    ci = sv.ci_prop(_with(d, y=(d.data["maturity_index"] / 100).where(big)), "y")
    ref = rd("ciprop 500.000 und mehr")
    assert ci["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
    assert ci["ci_low"] == pytest.approx(ref["low"], rel=1e-3) and ci["ci_high"] == pytest.approx(ref["high"], rel=1e-6)
    assert ci["df"] == rd("degf 500.000 und mehr").iloc[0]


# --- small-sample adjustment (no R equivalent in `survey`: closed forms and a simulation) -----------
def _srs(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.exponential(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": 1 + x1 - 0.5 * x2 + rng.normal(size=n) * (1 + x2)})


def test_small_sample_linearisation_of_unweighted_ols_is_hc2():
    """Equal weights, one stratum, no calibration: HC2's residuals e_i / sqrt(1 - h_ii)
    (leverages from statsmodels) in the linearisation's with-replacement variance, n / (n - 1)
    times the sum of squares of the centred scores."""
    import statsmodels.formula.api as smf

    data = _srs(40, 1)
    fit = sv.glm(sv.Design.from_frame(data), "y ~ x1 + x2", small_sample=True)
    ols = smf.ols("y ~ x1 + x2", data).fit()
    x = ols.model.exog
    scores = x * (ols.resid.to_numpy() / np.sqrt(1 - ols.get_influence().hat_matrix_diag))[:, None]
    scores -= scores.mean(axis=0)
    bread = np.linalg.inv(x.T @ x)
    expected = bread @ (scores.T @ scores) @ bread * 40 / 39
    assert fit.cov.to_numpy() == pytest.approx(expected, rel=1e-9)
    assert fit.params.to_numpy() == pytest.approx(ols.params.to_numpy(), rel=1e-9)
    hc2 = ols.get_robustcov_results("HC2").bse * np.sqrt(40 / 39)  # the same but for the centring
    assert fit.bse.to_numpy() == pytest.approx(hc2, rel=1e-3)


def test_small_sample_linearisation_of_weighted_ols_agrees_with_r_clubsandwich_cr2():
    """Sampling weights, no strata or calibration: R's CR2 with one cluster per row and equal
    error variances (reference_small_sample.R). R's sandwich leaves the scores uncentred and
    has no n / (n - 1); the linearisation centres them (their weighted sum is zero before the
    adjustment and about 1e-4 of their scale after), hence 4 digits, not 7."""
    ref = pd.read_csv(DATA / "reference_small_sample.csv", sep=";")
    data = pd.read_csv(DATA / "apistrat.csv")
    fit = sv.glm(sv.Design.from_frame(data, weights="pw"), "api00 ~ ell + meals + mobility", small_sample=True)
    n = len(data)
    ours = fit.bse.rename(R_NAMES) * np.sqrt((n - 1) / n)
    assert ours[ref["term"]].to_numpy() == pytest.approx(ref["value"].to_numpy(), rel=2e-4)


def test_small_sample_post_stratified_mean_has_the_textbook_variance():
    """A mean after post-stratification with equal weights within cells: the within-cell
    variances with n_c - 1, sum_c (N_c / N)² s_c² / n_c, times the linearisation's n / (n - 1);
    without the adjustment the within-cell sums of squares are divided by n_c."""
    rng = np.random.default_rng(2)
    cells = np.repeat(["a", "b", "c"], [4, 7, 12])
    data = pd.DataFrame({"cell": cells, "y": rng.normal(size=len(cells)) + (cells == "b")})
    population = {"a": 300.0, "b": 200.0, "c": 500.0}
    design = sv.Design.from_frame(data).post_stratify("cell", population)
    n, big_n = len(data), sum(population.values())
    groups = data.groupby("cell")["y"]
    share = pd.Series(population) / big_n
    textbook = (share**2 * groups.var(ddof=1) / groups.size()).sum() * n / (n - 1)
    plain = (share**2 * groups.var(ddof=0) / groups.size()).sum() * n / (n - 1)
    assert sv.glm(design, "y ~ 1", small_sample=True).bse.iloc[0] ** 2 == pytest.approx(textbook, rel=1e-9)
    assert sv.glm(design, "y ~ 1").bse.iloc[0] ** 2 == pytest.approx(plain, rel=1e-9)


def test_small_sample_olr_of_a_binary_outcome_has_the_logits_standard_error():
    """An ordered logit of two categories is the logit (slopes equal): the adjusted
    linearisation takes the same projections, so the same standard errors."""
    rng = np.random.default_rng(3)
    data = _srs(80, 3).assign(w=rng.uniform(1, 5, 80))
    data["b"] = (rng.uniform(size=80) < 1 / (1 + np.exp(-(data["x1"] - data["x2"] + 0.5)))).astype(float)
    design = sv.Design.from_frame(data, weights="w")
    logit = sv.glm(design, "b ~ x1 + x2", "binomial", small_sample=True)
    olr = sv.olr(design, "b ~ x1 + x2", small_sample=True)
    assert olr.bse[["x1", "x2"]].to_numpy() == pytest.approx(logit.bse[["x1", "x2"]].to_numpy(), rel=1e-4)


def test_small_sample_bias_correction_removes_most_of_the_logits_bias():
    """Simulation with a known truth: weighted logit fits of 70 rows overestimate the slopes;
    the second-order correction removes most of that bias."""
    beta = np.array([-0.3, 1.0, -1.0])
    plain, corrected = [], []
    for seed in range(150):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(70, 2))
        p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
        data = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": (rng.uniform(size=70) < p).astype(float),
                             "w": rng.uniform(1, 3, 70)})  # fmt: skip
        design = sv.Design.from_frame(data, weights="w")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain.append(sv.glm(design, "y ~ x1 + x2", "binomial").params.to_numpy())
            corrected.append(sv.glm(design, "y ~ x1 + x2", "binomial", small_sample=True).params.to_numpy())
    bias_plain = np.abs(np.mean(plain, axis=0) - beta)[1:]
    bias_corrected = np.abs(np.mean(corrected, axis=0) - beta)[1:]
    assert np.all(bias_plain > 0.04)
    assert np.all(bias_corrected < bias_plain / 2)


def test_small_sample_needs_linearisation_and_one_row_per_psu():
    with pytest.raises(ValueError, match="replicate"):
        sv.glm(sv.replicate_design(DESIGNS["dstrat"], "JKn"), "api00 ~ ell", small_sample=True)
    with pytest.raises(ValueError, match="one row per PSU"):
        sv.glm(DESIGNS["dclus1"], "api00 ~ ell", small_sample=True)
