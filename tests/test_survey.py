"""Design-based estimates against R's `survey` package and closed-form cases."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import survey as sv

DATA = Path(__file__).parent / "data" / "r_survey"
TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}
AWARDS = {"No": 2000, "Yes": 4194}


def _designs() -> dict[str, sv.Design]:
    strat = pd.read_csv(DATA / "apistrat.csv")
    clus1 = pd.read_csv(DATA / "apiclus1.csv")
    clus2 = pd.read_csv(DATA / "apiclus2.csv")
    dstrat = sv.Design.from_frame(strat, weights="pw", strata="stype", fpc="fpc")
    dclus1 = sv.Design.from_frame(clus1, weights="pw", clusters="dnum", fpc="fpc")
    return {
        "dstrat": dstrat,
        "dclus1": dclus1,
        "dclus2": sv.Design.from_frame(clus2, clusters=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
        "dclus1p": dclus1.post_stratify("stype", TYPES),
        "dclus1r": dclus1.rake({"stype": TYPES, "sch.wide": SCHWIDE}),
        "dstratp": dstrat.post_stratify("sch.wide", SCHWIDE),
        "dstratr": dstrat.rake({"sch.wide": SCHWIDE, "awards": AWARDS}),
        "dclus1c": dclus1.calibrate({"stype": TYPES, "sch.wide": SCHWIDE}),
    }


DESIGNS = _designs()

# (design, statistic, variable, row, R estimate, R standard error): output of reference.R
R_REFERENCE = [
    ("dstrat", "mean", "api00", 0, 662.2873632, 9.408940803),
    ("dstrat", "total", "enroll", 0, 3687177.532, 114641.7161),
    ("dclus1", "mean", "api00", 0, 644.1693989, 23.54224069),
    ("dclus1", "total", "enroll", 0, 3404940.135, 932235.027),
    ("dclus2", "mean", "api00", 0, 670.8118081, 30.09902738),
    ("dclus2", "total", "enroll", 0, 2639272.93, 799637.7736),
    ("dclus1p", "mean", "api00", 0, 642.3107882, 23.92048645),
    ("dclus1p", "total", "enroll", 0, 3680892.945, 406292.6363),
    ("dclus1r", "mean", "api00", 0, 641.2302469, 23.70364124),
    ("dclus1r", "total", "enroll", 0, 3647300.031, 400602.7197),
    ("dstratp", "mean", "api00", 0, 662.2030295, 9.2725439),
    ("dstratp", "mean", "awards", 0, 0.3618500966, 0.0290002925),
    ("dstratp", "total", "awards", 1, 3952.700502, 179.6278117),
    ("dstratr", "mean", "api00", 0, 662.5349418, 9.299977763),
    ("dstratr", "mean", "stype", 0, 0.7186614778, 0.01083040568),
    ("dstratr", "mean", "stype", 2, 0.161849319, 0.003132590015),
    ("dstratr", "total", "enroll", 0, 3688590.537, 133068.98),
    ("dclus1c", "mean", "api00", 0, 641.2303209, 23.70361689),
    ("dclus1c", "total", "enroll", 0, 3647280.149, 400603.2571),
]


@pytest.mark.parametrize("design, statistic, variable, row, estimate, se", R_REFERENCE,
                         ids=[f"{d}-{s}-{v}-{r}" for d, s, v, r, *_ in R_REFERENCE])  # fmt: skip
def test_agrees_with_r_survey(design, statistic, variable, row, estimate, se):
    result = getattr(sv, statistic)(DESIGNS[design], variable).iloc[row]
    assert result["estimate"] == pytest.approx(estimate, rel=1e-7)
    assert result["se"] == pytest.approx(se, rel=1e-6)


@pytest.mark.parametrize("design, estimate, se", [("dclus1r", 0.8482315153, 0.007232520695),
                                                  ("dclus1c", 0.8482315717, 0.007232525507)])  # fmt: skip
def test_ratio_agrees_with_r_svyratio(design, estimate, se):
    result = sv.ratio(DESIGNS[design], "api.stu", "enroll")
    assert result["estimate"] == pytest.approx(estimate, rel=1e-7)
    assert result["se"] == pytest.approx(se, rel=1e-6)


def test_bounded_logit_calibration_agrees_with_r():
    """R: calibrate(dclus1, ~stype+sch.wide, pop, calfun="logit", bounds=c(0.85, 1.95))."""
    d = DESIGNS["dclus1"].calibrate({"stype": TYPES, "sch.wide": SCHWIDE}, bounds=(0.85, 1.95))
    g = d.weights / DESIGNS["dclus1"].weights
    assert (g.min(), g.max()) == pytest.approx((0.8872865995, 1.879106544), rel=1e-8)
    assert sv.mean(d, "api00").iloc[0][["estimate", "se"]].tolist() == pytest.approx([641.14919, 23.53853], rel=1e-6)
    assert sv.total(d, "enroll").iloc[0][["estimate", "se"]].tolist() == pytest.approx([3645338.7, 397850.69], rel=1e-7)


def test_bounds_that_cannot_be_met_are_an_error():
    with pytest.raises(RuntimeError, match="within the bounds"):
        DESIGNS["dclus1"].calibrate({"stype": TYPES, "sch.wide": SCHWIDE}, bounds=(0.7, 1.2))


def test_missing_values_count_as_zero_in_their_psu():
    """R's na.rm=TRUE: api00 missing in rows 1-20, enroll in rows 3, 50, 100 (reference run of R)."""
    frame = pd.read_csv(DATA / "apiclus1.csv")
    frame.loc[0:19, "api00"] = np.nan
    frame.loc[[2, 49, 99], "enroll"] = np.nan
    d = sv.Design.from_frame(frame, weights="pw", clusters="dnum", fpc="fpc")
    assert sv.mean(d, "api00").iloc[0][["estimate", "se"]].tolist() == pytest.approx([650.89571, 26.67819], rel=1e-6)
    assert sv.total(d, "enroll").iloc[0][["estimate", "se"]].tolist() == pytest.approx([3329224.4, 915902.99], rel=1e-7)
    dp = d.post_stratify("stype", TYPES)
    assert sv.mean(dp, "api00").iloc[0][["estimate", "se"]].tolist() == pytest.approx([649.94992, 27.22201], rel=1e-6)
    assert sv.total(dp, "enroll").iloc[0][["estimate", "se"]].tolist() == pytest.approx(
        [3575398.9, 386262.38], rel=1e-7
    )


def test_simple_random_sample_matches_the_textbook_formula():
    y = pd.DataFrame({"y": [3.0, 5.0, 8.0, 1.0, 4.0, 9.0], "N": 60})
    d = sv.Design.from_frame(y, fpc="N")
    n, f = len(y), len(y) / 60
    result = sv.mean(d, "y").iloc[0]
    assert result["estimate"] == pytest.approx(y["y"].mean())
    assert result["se"] == pytest.approx(np.sqrt((1 - f) * y["y"].var(ddof=1) / n))
    assert sv.total(d, "y").iloc[0]["estimate"] == pytest.approx(60 * y["y"].mean())


def test_post_stratification_reproduces_the_population_counts():
    frame = pd.DataFrame({"g": list("aabbbc"), "y": [1.0, 0, 1, 1, 0, 1]})
    d = sv.Design.from_frame(frame).post_stratify("g", {"a": 10, "b": 30, "c": 5})
    totals = sv.total(d, "g")
    assert totals["estimate"].tolist() == pytest.approx([10, 30, 5])
    assert totals["se"].tolist() == pytest.approx([0, 0, 0], abs=1e-9)
    assert sv.mean(d, "y").iloc[0]["estimate"] == pytest.approx((10 * 0.5 + 30 * 2 / 3 + 5 * 1) / 45)


@pytest.mark.parametrize(
    "kwargs, population, message",
    [
        pytest.param({}, {"a": 10}, "without population count", id="cell-missing-in-population"),
        pytest.param({}, {"a": 10, "b": 5, "z": 3}, "without any sample unit", id="population-cell-not-sampled"),
    ],
)
def test_calibration_refuses_impossible_margins(kwargs, population, message):
    d = sv.Design.from_frame(pd.DataFrame({"g": ["a", "b"], "y": [1.0, 2.0]}), **kwargs)
    with pytest.raises(ValueError, match=message):
        d.post_stratify("g", population)


def test_a_stratum_with_one_psu_is_an_error_not_a_silent_zero():
    d = sv.Design.from_frame(pd.DataFrame({"s": ["a", "b", "b"], "y": [1.0, 2.0, 3.0]}), strata="s")
    with pytest.raises(ValueError, match="only one PSU"):
        sv.mean(d, "y")
