"""Exploration: Rao–Scott tests against R's survey::svychisq, closed forms, filters, suppression."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import contingency

from analysis import explore, settings
from analysis import survey as sv
from tests.test_survey import DESIGNS

# (design, row, col, domain, R: F, ndf, ddf, p, X² of the table scaled to nrow(design)): from
# tests/data/r_survey/reference.R (R 4.2.2, survey 4.1-1). Domains: R's subset(); for a
# calibrated design R scales X² to all rows, so X² is compared only where that is the domain.
R_SVYCHISQ = [
    ("dclus1", "sch.wide", "stype", None, 5.193369541, 1.494639778, 20.92495689, 0.02174746237, 11.94089208),
    ("dclus1", "comp.imp", "stype", None, 3.545073723, 1.429358573, 20.01102002, 0.06135438664, 9.013873684),
    ("dstrat", "awards", "stype", None, 14.16940812, 1.885135885, 371.3717694, 2.082108676e-06, 19.47965642),
    ("dclus2", "both", "stype", None, 10.54884247, 1.80276207, 70.30772073, 0.0001682545765, 31.54812709),
    ("dclus1r", "awards", "stype", None, 5.154076062, 1.73379062, 24.27306868, 0.01686836578, 16.30941184),
    ("dstratr", "comp.imp", "stype", None, 13.25736948, 1.779554443, 350.5722252, 7.779424002e-06, 22.88819878),
    ("dclus1r", "awards", "stype", ("yr.rnd", "No"), 4.645255068, 1.724543014, 24.1436022, 0.02379495341, None),
    ("dclus1", "sch.wide", "stype", ("api00", 650), 2.654717733, 1.534708371, 13.81237534, 0.1150344923, 5.615537099),
    ("dstrat", "awards", "stype", ("api00", 650), 5.212676843, 1.894308265, 187.5365183, 0.00718744244, 6.675016567),
]


@pytest.mark.parametrize("design, row, col, domain, f, ndf, ddf, p, x2", R_SVYCHISQ)
def test_rao_scott_matches_r_svychisq(design, row, col, domain, f, ndf, ddf, p, x2):
    d = DESIGNS[design]
    mask = None
    if domain is not None:
        column, value = domain
        mask = (d.data[column] == value if isinstance(value, str) else d.data[column] > value).to_numpy()
    got = explore.rao_scott(d, row, col, mask)
    assert got["F"] == pytest.approx(f, rel=1e-7)
    assert got["ndf"] == pytest.approx(ndf, rel=1e-7)
    assert got["ddf"] == pytest.approx(ddf, rel=1e-7)
    assert got["p"] == pytest.approx(p, rel=1e-6)
    if x2 is not None:
        assert got["X2"] == pytest.approx(x2, rel=1e-7)


def test_rao_scott_of_simple_random_sample_is_scaled_pearson():
    """Equal weights, one stratum, no clusters: Delta = n/(n-1) I, so F = X² (n-1) / (n df)
    with df = (r-1)(c-1) numerator degrees of freedom; V is Cramér's V of the plain table."""
    rng = np.random.default_rng(3)
    n = 240
    data = pd.DataFrame({"a": rng.choice(list("xyz"), n), "b": rng.choice(list("uvwq"), n)})
    got = explore.rao_scott(sv.Design.from_frame(data), "a", "b")
    table = pd.crosstab(data["a"], data["b"]).to_numpy()
    x2 = stats.chi2_contingency(table, correction=False)[0]
    df = 2 * 3
    assert got["X2"] == pytest.approx(x2)
    assert got["ndf"] == pytest.approx(df)
    assert got["F"] == pytest.approx(x2 * (n - 1) / n / df)
    assert got["cramers_v"] == pytest.approx(contingency.association(table, method="cramer"))


def test_rao_scott_needs_two_categories_each():
    data = pd.DataFrame({"a": ["x"] * 10, "b": list("uv") * 5})
    got = explore.rao_scott(sv.Design.from_frame(data), "a", "b")
    assert np.isnan(got["F"]) and got["n"] == 10


@pytest.mark.parametrize(
    "v, expected",
    [(0.05, "sehr schwach"), (0.1, "schwach"), (0.35, "mittel"), (0.6, "stark"), (np.nan, "nicht berechenbar")],
)
def test_strength_words(v, expected):
    assert explore.strength(v) == expected


@pytest.fixture(scope="module")
def processed(pipeline_run):
    root, _, _ = pipeline_run
    return root / "processed"


def test_filters_reject_unknown_values_with_the_valid_ones(processed):
    with pytest.raises(ValueError, match="Bayern"):
        explore.load(processed, land="Bavaria")
    with pytest.raises(ValueError, match="möglich sind land"):
        explore.load(processed, county="x")


def test_filtered_crosstab_shares_and_suppression(processed):
    everyone = explore.load(processed)
    sel = explore.load(processed, unit_type="kreisangehörige Stadt oder Gemeinde")
    assert sel.n == int((everyone.everyone["unit_type"] == "kreisangehörige Stadt oder Gemeinde").sum())
    table = explore.crosstab(sel, "has_cdo", "size_class")
    n = table.loc["n (ungewichtet)"]
    shown = [c for c in table.columns if not str(c).endswith("(unterdrückt)")]
    assert (n[shown] >= settings.MIN_CELL_N).all()
    assert table[shown].drop(index="n (ungewichtet)").astype(float).sum().round(1).eq(100).all()
    assert all(isinstance(k, numbers.Integral) for k in n[shown])  # counts as integers
    hidden = [c for c in table.columns if str(c).endswith("(unterdrückt)")]
    assert table[hidden].isna().all().all()
    # the shares are weighted: they follow the weights, not the counts
    data = sel.everyone[sel.domain]
    col = str(shown[0])
    rows = data[(data["size_class"] == col) & data["has_cdo"].notna()]
    expected = 100 * rows.loc[rows["has_cdo"] == "ja", "weight"].sum() / rows["weight"].sum()
    assert table.loc["ja", shown[0]] == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(
    "estimate, se, df, expected",
    [
        pytest.param(
            69.56, 137.28, 8, "words", id="r-svyby-500000-und-mehr"
        ),  # tests/data/r_survey/reference_domain.csv
        pytest.param(53.26, 7.30, 13, "interval", id="r-svyby-50000-bis-100000"),
        pytest.param(97.0, 2.5, 20, "interval", id="near-the-upper-bound"),
        pytest.param(50.0, 0.0, 0, "words", id="no-degrees-of-freedom"),
    ],
)
def test_bounded_interval_stays_in_0_100_or_says_why_not(estimate, se, df, expected):
    low, high, note = explore.bounded_interval(estimate, se, df)
    if expected == "words":
        assert note == explore.UNRELIABLE and np.isnan(low) and np.isnan(high)
    else:
        assert note == "" and 0 < low < estimate < high < 100


def test_bounded_interval_is_rs_logit_interval():
    """R: svyciprop(~I(meals/100), dstrat, method = "logit") (reference_models.csv), on 0-100."""
    from tests.test_survey_models import DESIGNS, r

    m = sv.mean(DESIGNS["dstrat"], "meals").iloc[0]
    low, high, note = explore.bounded_interval(m["estimate"], m["se"], DESIGNS["dstrat"].degf())
    assert [low / 100, high / 100] == pytest.approx(r("ciprop dstrat meals/100", "ci").to_numpy(), rel=1e-6)


def test_test_table_and_means(processed):
    sel = explore.load(processed)
    result = explore.test(sel, "strategy_status", "has_cdo")
    p = result["p"].iloc[0]  # German, "< 0,001" below 0.001
    assert (p == "< 0,001" or 0 <= float(p.replace(",", ".")) <= 1) and 0 <= result["Cramérs V"].iloc[0] <= 1
    means = explore.mean_by(sel, "maturity_index", "kommunentyp")
    assert (means["Mittelwert"].dropna().between(0, 100)).all()
    by_size = explore.mean_by(sel, "maturity_index", "size_class")
    shown = by_size["95-%-KI von"].notna()
    assert by_size.loc[shown, ["95-%-KI von", "95-%-KI bis"]].stack().between(0, 100).all()
    assert (by_size.loc[~shown & by_size["Mittelwert"].notna(), "Hinweis"] == explore.UNRELIABLE).all()
    assert (
        ((means["95-%-KI von"] <= means["Mittelwert"]) & (means["Mittelwert"] <= means["95-%-KI bis"])).dropna().all()
    )


def test_explore_notebook_shows_charts_inline_with_filters_as_people_write_them(processed):
    """05_explore as JupyterLab runs it (the kernel's own inline backend, not the pipeline's
    Agg), with papermill parameters: charts come out as images, nothing on stderr."""
    import nbformat
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from analysis import config

    params = {"processed_dir": str(processed), "filter_land": "by", "filter_size": "unter 2000", "widgets": False}
    nb = parameterize_notebook(load_notebook_node(str(config.NOTEBOOKS / "05_explore.ipynb")), params,
                               kernel_name="python3", language="python")  # fmt: skip
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(config.NOTEBOOKS)}}).execute()
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
    assert not [o for o in outputs if o.get("name") == "stderr" or o.output_type == "error"]
    assert "('Bayern · unter 2.000'" in nbformat.writes(nb)
