"""Weights raked to the register: margins met, pooling rules, and a simulation with known truth."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analysis import audit, codebook, register, survey, weighting

CB = codebook.load()
SIZES = CB.size_class["labels"]
LAND = CB.scales["land"].codes
GEMEINDE = "kreisangehörige Stadt oder Gemeinde"


def _population(rng, n_units=3000, lands=("01", "03", "05", "09")) -> pd.DataFrame:
    pop = np.exp(rng.normal(8.0, 1.3, n_units)).astype(int) + 50
    land = rng.choice(lands, n_units, p=[0.1, 0.3, 0.2, 0.4])
    size = register.size_class(pd.Series(pop)).astype(str)
    # y depends on what the weights use (size class, Land): weighting can remove the bias
    p = 0.1 + 0.08 * pd.Categorical(size, categories=SIZES).codes + np.where(land == "09", 0.1, 0.0)
    y = rng.random(n_units) < p
    return pd.DataFrame({"land_code": land, "unit_type": GEMEINDE, "population": pop, "size_class": size, "y": y,
                         "key": np.arange(n_units).astype(str)})  # fmt: skip


def _margins(units: pd.DataFrame) -> pd.DataFrame:
    return register.margins(units[["key", "land_code", "unit_type", "population"]])


def _responses(units: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_type": units["unit_type"].to_numpy(),
            "land_code": units["land_code"].map(LAND).to_numpy(),
            "size_class": pd.Categorical(units["size_class"], categories=SIZES, ordered=True),
            "population": units["population"].astype(float).to_numpy(),
            "register_population": units["population"].astype("Int64").to_numpy(),
            "y": units["y"].astype(float).to_numpy(),
        }
    )


def _draw(units, rng, n=300):
    propensity = units["population"] ** 0.5
    return units.sample(n, weights=propensity, random_state=rng.integers(1 << 31))


def test_raking_meets_the_register_margins():
    rng = np.random.default_rng(1)
    units = _population(rng)
    w = weighting.weight(_responses(_draw(units, rng)), _margins(units))
    for _, target in w.targets.iterrows():
        col = "land_cell" if target["margin"] == "Land" else "size_cell"
        assert w.frame.loc[w.frame[col] == target["cell"], "weight"].sum() == pytest.approx(target["n_register"])
    assert w.frame["weight"].sum() == pytest.approx(len(units))
    assert w.bounds_met and w.kish_deff > 1
    g = w.frame["weight"] / w.frame["start_weight"]
    assert g.between(*weighting.WEIGHT_BOUNDS).all()


def test_tight_bounds_are_kept_where_the_margins_allow(monkeypatch):
    rng = np.random.default_rng(3)
    units = _population(rng)
    responses, margins = _responses(_draw(units, rng)), _margins(units)
    free = weighting.weight(responses, margins)
    g_free = free.frame["weight"] / free.frame["start_weight"]
    bounds = (g_free.min() * 1.2, g_free.max() * 0.9)  # tighter than plain raking on both sides
    monkeypatch.setattr(weighting, "WEIGHT_BOUNDS", bounds)
    w = weighting.weight(responses, margins)
    g = w.frame["weight"] / w.frame["start_weight"]
    assert w.bounds_met and g.min() >= bounds[0] * (1 - 1e-9) and g.max() <= bounds[1] * (1 + 1e-9)
    for _, target in w.targets.iterrows():
        col = "land_cell" if target["margin"] == "Land" else "size_cell"
        assert w.frame.loc[w.frame[col] == target["cell"], "weight"].sum() == pytest.approx(target["n_register"])
    assert not w.pooled
    monkeypatch.setattr(weighting, "WEIGHT_BOUNDS", (0.9, 1.1))  # impossible for these cells: pooled until met
    tight = weighting.weight(responses, margins)
    g = tight.frame["weight"] / tight.frame["start_weight"]
    assert tight.bounds_met and tight.pooled and g.between(0.9 * (1 - 1e-9), 1.1 * (1 + 1e-9)).all()


@pytest.mark.slow  # a simulation study: 100 surveys drawn and weighted
def test_weighting_removes_selection_bias_with_honest_intervals():
    """Simulation with known truth: larger towns answer more often and differ in y. Weighted
    shares must be unbiased with ~95 % interval coverage; unweighted shares are biased."""
    rng = np.random.default_rng(20261122)
    units = _population(rng)
    margins, truth = _margins(units), units["y"].mean()
    weighted, unweighted, covered = [], [], []
    for _ in range(100):
        responses = _responses(_draw(units, rng))
        w = weighting.weight(responses, margins)
        est = survey.mean(w.design, "y").iloc[0]
        weighted.append(est["estimate"])
        unweighted.append(responses["y"].mean())
        covered.append(abs(est["estimate"] - truth) <= 1.96 * est["se"])
    assert abs(np.mean(weighted) - truth) < 0.01
    assert np.mean(unweighted) - truth > 0.05
    assert 0.90 <= np.mean(covered) <= 0.99


@pytest.mark.parametrize(
    "counts, expected_pooled",
    [
        pytest.param({"a": 20, "b": 10, "c": 7}, set(), id="all-large-enough"),
        pytest.param({"a": 20, "b": 3, "c": 2}, {"b", "c"}, id="small-ones-pooled"),
        pytest.param({"a": 20, "b": 9, "c": 2}, {"b", "c"}, id="pool-too-small-takes-the-smallest-other"),
        pytest.param({"a": 20, "b": 9, "c": 0}, {"b", "c"}, id="unanswered-category-pooled"),
    ],
)
def test_pooling_of_small_laender(counts, expected_pooled):
    sample = pd.Series([k for k, n in counts.items() for _ in range(n)])
    mapping = weighting._pool_unordered(sample, pd.Series(1, index=list(counts)))
    assert {k for k, v in mapping.items() if v == weighting.OTHER_LAENDER} == expected_pooled


@pytest.mark.parametrize(
    "counts, groups",
    [
        pytest.param([10, 10, 10], [[0], [1], [2]], id="nothing-to-merge"),
        pytest.param([10, 2, 10], [[0, 1], [2]], id="merged-with-smaller-neighbour"),
        pytest.param([3, 3, 20], [[0, 1], [2]], id="edge-merged-inwards"),
        pytest.param([0, 0, 3], [[0, 1, 2]], id="everything-into-one"),
    ],
)
def test_pooling_of_size_classes(counts, groups):
    order = SIZES[: len(counts)]
    sample = pd.Series([order[i] for i, n in enumerate(counts) for _ in range(n)], dtype=object)
    mapping = weighting._pool_ordered(sample, order)
    assert [[order.index(c) for c in order if mapping[c] == mapping[order[g[0]]]] for g in groups] == groups


def test_residents_share_is_inhabitant_weighted_within_size_class():
    """Two size classes: closed form sum_c P_c / P * (sum y x / sum x within c)."""
    pops = [1000, 1500, 1200, 1800, 1100, 1300, 30000, 40000, 25000, 35000, 28000, 45000]
    units = pd.DataFrame(
        {"key": [str(i) for i in range(12)], "land_code": "09", "unit_type": GEMEINDE, "population": pops}
    )
    units["size_class"] = register.size_class(units["population"]).astype(str)
    units["y"] = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0]
    sample = units.drop(index=[5, 11])
    w = weighting.weight(_responses(sample), _margins(units))
    share = weighting.residents_share(
        weighting.residents_design(w), "y", lambda s: s == 1, weighting.residents_totals(w)
    )
    expected = 0.0
    for cell in (units.index < 6, units.index >= 6):
        s = sample[cell[sample.index]]
        expected += (
            units.loc[cell, "population"].sum() / sum(pops) * (s["y"] * s["population"]).sum() / s["population"].sum()
        )
    assert share["estimate"] == pytest.approx(expected)
    assert 0 < share["se"] < 0.5


@pytest.mark.parametrize("unweighted_first", [False, True])
def test_residents_share_of_a_domain_uses_the_domains_inhabitants(unweighted_first):
    """Domain (one Land) of two: closed form sum_c P_Ac / P_A * (sum y x / sum x over the
    domain's respondents in c); the other Land's answers do not enter. An unweightable
    response before the others must not shift the domain."""
    pops = [1000, 1500, 1200, 1800, 30000, 40000, 25000, 35000] * 2
    units = pd.DataFrame({"key": [str(i) for i in range(16)], "land_code": ["09"] * 8 + ["01"] * 8,
                          "unit_type": GEMEINDE, "population": pops})  # fmt: skip
    units["size_class"] = register.size_class(units["population"]).astype(str)
    units["y"] = [1, 0, 0, 1, 1, 1, 0, 0] + [0, 0, 0, 0, 1, 1, 1, 1]
    sample = units.drop(index=[3, 7, 11, 15])
    responses = _responses(sample)
    if unweighted_first:
        unweightable = responses.iloc[[0]].assign(unit_type=None, y=1.0)
        responses = pd.concat([unweightable, responses], ignore_index=True)
    w = weighting.weight(responses, _margins(units))
    domain = pd.Series(responses["land_code"] == LAND["09"], index=responses.index)
    totals = weighting.residents_totals(w, _margins(units[units["land_code"] == "09"]))
    share = weighting.residents_share(weighting.residents_design(w), "y", lambda s: s == 1, totals, domain)
    bayern = units[units["land_code"] == "09"]
    expected = 0.0
    for small in (True, False):
        cell = bayern[(bayern["population"] < 2000) == small]
        s = sample[(sample["land_code"] == "09") & ((sample["population"] < 2000) == small)]
        expected += (
            cell["population"].sum()
            / bayern["population"].sum()
            * (s["y"] * s["population"]).sum()
            / s["population"].sum()
        )
    assert share["estimate"] == pytest.approx(expected)
    assert share["n"] == 6


def test_residents_share_of_a_domain_is_nan_when_a_size_class_has_no_answer():
    pops = ([1000, 1500, 1200] * 2 + [30000, 40000, 35000] * 2) * 2
    units = pd.DataFrame({"key": [str(i) for i in range(24)], "land_code": ["09"] * 12 + ["01"] * 12,
                          "unit_type": GEMEINDE, "population": pops, "y": [1, 0] * 12})  # fmt: skip
    units["size_class"] = register.size_class(units["population"]).astype(str)
    responses = _responses(units)
    w = weighting.weight(responses, _margins(units))
    # the domain's large Gemeinden gave no answer (here: left out of the domain)
    domain = pd.Series((responses["land_code"] == LAND["09"]) & (responses["population"] < 2000), index=responses.index)
    totals = weighting.residents_totals(w, _margins(units[units["land_code"] == "09"]))
    share = weighting.residents_share(weighting.residents_design(w), "y", lambda s: s == 1, totals, domain)
    assert np.isnan(share["estimate"])


def test_unweightable_responses_are_logged(cleaned):
    df = cleaned.responses.copy()
    df.loc[df.index[:3], ["population", "size_class"]] = None
    log = audit.Audit()
    out = weighting.add_weights(df, log, register.read_margins())
    assert out["weight"].isna().sum() == 3
    rows = log.frame()
    assert (rows["rule"] == "not_weighted").sum() == 3


def test_cleaning_without_register_weights_to_the_committed_margins(cleaned):
    responses = cleaned.responses
    assert (responses["match_status"] == "ohne Verzeichnis").all() and responses["register_key"].isna().all()
    w = weighting.weight(responses, cleaned.margins)
    distances = weighting.margin_distances(w, responses, cleaned.margins)
    gem = distances[distances["group"] == "Gemeinden"]
    assert (gem["distance_weighted"] < 0.02).all() and (gem["distance_unweighted"] > 0.05).all()
    assert cleaned.provenance["register"]["source"].startswith("Statistisches Bundesamt")


def test_loading_the_processed_weights_gives_the_fitted_design(cleaned):
    fitted = weighting.weight(cleaned.responses, cleaned.margins)
    loaded = weighting.load(cleaned.responses, cleaned.margins)
    assert loaded.bounds_met == fitted.bounds_met
    for column in ("has_cdo", "it_staff_fte"):
        pd.testing.assert_frame_equal(survey.mean(loaded.design, column), survey.mean(fitted.design, column))


def test_headline_table_has_all_three_views(cleaned):
    w = weighting.weight(cleaned.responses, cleaned.margins)
    table = weighting.headline_shares(cleaned.responses, w)
    assert table["indicator"].tolist() == [h.key for h in codebook.load().headlines]
    for view in ("unweighted_", "municipalities_", "residents_"):
        est = table[f"{view}estimate"]
        assert ((table[f"{view}ci_low"] <= est) & (est <= table[f"{view}ci_high"])).all()


def test_headline_share_of_a_domain_behind_unweighted_rows(cleaned):
    """Rows that cannot be weighted come first: the domain's weighted share must still be
    the weighted mean over the domain's own rows."""
    responses = cleaned.responses.copy()
    responses.loc[responses.index[:5], ["population", "size_class"]] = None
    responses = responses.drop(columns="weight")
    w = weighting.weight(responses, cleaned.margins)
    domain = responses["land_code"] == responses["land_code"].mode()[0]
    table = weighting.headline_shares(responses, w, domain=domain)
    h = codebook.load().headlines[0]
    weights = pd.Series(w.frame["weight"].to_numpy(), index=w.frame.index)
    y = weighting.indicator(responses[h.column], h.holds)
    rows = weights.index[domain.loc[weights.index].to_numpy() & y.loc[weights.index].notna().to_numpy()]
    expected = (weights[rows] * y[rows]).sum() / weights[rows].sum()
    assert table.loc[table["indicator"] == h.key, "municipalities_estimate"].iloc[0] == pytest.approx(expected)


def test_raking_that_does_not_converge_warns_and_returns_its_last_sweep_as_r_does():
    """Margins met only with a zero weight (cell x-v must vanish): no calibration within the
    bounds, and raking approaches the solution too slowly to converge in 1,000 sweeps. The
    weighting returns the last sweep with R's warning and the bounds flagged, instead of
    failing (a simulated survey of the validation study did)."""
    frame = pd.DataFrame({"a": list("xxy"), "b": list("uvv"), "w": 1.0})
    base = survey.Design.from_frame(frame, weights="w")
    margins = {"a": {"x": 50, "y": 50}, "b": {"u": 50, "v": 50}}
    with pytest.raises(RuntimeError, match="did not converge"):
        base.calibrate(margins)
    with pytest.warns(survey.RakingWarning):
        design, bounds_met = weighting._bounded_rake(base, margins)
    assert not bounds_met
    assert design.weights == pytest.approx([50, 0, 50], abs=0.05)
    assert np.isfinite(design.variance(np.ones((3, 1)))).all()


def _cells_frame(cells: list[tuple[str, int, int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Register units and responses of Gemeinden from (Land code, inhabitants, units in the
    register, respondents) per cell."""
    units = pd.DataFrame(
        [(land, inhabitants) for land, inhabitants, n_register, _ in cells for _ in range(n_register)],
        columns=["land_code", "population"],
    ).assign(unit_type=GEMEINDE)
    units["key"] = units.index.astype(str)
    answered = pd.DataFrame(
        [(land, inhabitants) for land, inhabitants, _, n_sample in cells for _ in range(n_sample)],
        columns=["land_code", "population"],
    ).assign(unit_type=GEMEINDE)
    answered["size_class"] = register.size_class(answered["population"]).astype(str)
    answered["y"] = 0.0
    return _margins(units), _responses(answered)


@pytest.mark.parametrize(
    "cells, merged",
    [
        pytest.param(  # every answer "unter 2.000" from Land 01, which has few such units
            [("01", 1000, 100, 10), ("01", 3000, 400, 10), ("01", 7000, 500, 10),
             ("03", 1000, 900, 0), ("03", 3000, 50, 10), ("03", 7000, 50, 10)],
            ["unter 2.000", "2.000 bis unter 5.000"],
            id="size-classes-merged",
        ),
        pytest.param(  # one size class; Land 03 holds most units but gave 5 answers of 100
            [("01", 3000, 50, 50), ("03", 3000, 1000, 5), ("05", 3000, 50, 45)],
            ["Niedersachsen, Nordrhein-Westfalen zu „übrige Länder“"],
            id="laender-pooled",
        ),
    ],
)  # fmt: skip
def test_cells_are_pooled_until_the_margins_can_be_met_within_the_bounds(cells, merged):
    """Margins that no weights within the bounds can meet (raking would drive the other answers
    of Land 01 to zero weight, or give Land 03 18 times its start): the weighting merges the
    cells the sample under-represents most, meets the pooled margins within the bounds, and
    logs the merge in the audit."""
    margins, responses = _cells_frame(cells)
    w = weighting.weight(responses, margins)
    assert len(w.pooled) == 1 and all(m in w.pooled[0] for m in merged)
    assert w.bounds_met
    g = w.frame["weight"] / w.frame["start_weight"]
    assert g.between(*weighting.WEIGHT_BOUNDS).all()
    for margin, col in (("Land", "land_cell"), ("Größenklasse", "size_cell")):
        target = w.targets[w.targets["margin"] == margin].set_index("cell")["n_register"]
        assert w.frame.groupby(col)["weight"].sum().to_dict() == pytest.approx(target.to_dict())
    loaded = weighting.load(responses.assign(weight=w.frame["weight"]), margins)  # as from the processed data
    assert loaded.pooled == w.pooled and loaded.bounds_met
    pd.testing.assert_frame_equal(loaded.targets, w.targets)
    y = np.arange(len(responses)) % 3.0
    se = [survey.mean(replace(d, data=d.data.assign(_y=y)), "_y").iloc[0]["se"] for d in (w.design, loaded.design)]
    assert se[1] == pytest.approx(se[0], rel=1e-9)
    log = audit.Audit()
    weighting.add_weights(responses, log, margins)
    notes = log.frame()
    assert notes.loc[notes["rule"] == "weighting_cells_pooled", "reason"].tolist() == list(w.pooled)
    assert weighting.weight_summary(w)["cells_merged_for_bounds"].tolist() == [1, 1]
    # the margins as first pooled cannot be met within the bounds
    start = survey.Design.from_frame(responses.assign(w=margins["n_units"].sum() / len(responses)), weights="w")
    with pytest.raises(RuntimeError):
        start.calibrate(
            {"land_code": margins.groupby("land_code")["n_units"].sum().rename(index=LAND).to_dict(),
             "size_class": margins.groupby("size_class")["n_units"].sum().to_dict()},
            bounds=weighting.WEIGHT_BOUNDS,
        )  # fmt: skip
