"""Kommunentypen: profile-based labels, stability, assignment, and recovery of planted types."""

import numpy as np
import pandas as pd
import pytest

from analysis import clean, config, typology

GOALS = [key for _, key in typology.goal_items()]


@pytest.fixture(scope="module")
def example():
    responses = clean.clean(config.EXAMPLE_RAW).responses
    return responses, typology.fit(responses)


def _centre(high: list[str]) -> list[float]:
    return [1.5 if g in high else -0.4 for g in GOALS]


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_labels_follow_the_profile_not_the_cluster_index(order):
    types = list(typology.SIGNATURES)
    centres = np.array([_centre(typology.SIGNATURES[types[i]]) for i in order])
    assert typology.label(centres, GOALS) == [types[i] for i in order]


def test_a_cluster_without_a_clear_profile_fits_no_type():
    types = list(typology.SIGNATURES)
    centres = np.array([_centre(typology.SIGNATURES[t]) for t in types[:3]] + [[0.05] * len(GOALS)])
    assert typology.label(centres, GOALS) == types[:3] + [typology.NO_TYPE]


def test_ipsatised_answers_have_mean_zero_and_unit_spread_and_flat_rows_are_left_out():
    rows = pd.DataFrame([[5, 4, 3, 2, 1, 1, 2, 3, 4, 5], [3] * 10], columns=[n for n, _ in typology.goal_items()])
    z = typology.ipsatised(rows)
    assert len(z) == 1
    assert z.iloc[0].mean() == pytest.approx(0) and z.iloc[0].std() == pytest.approx(1)


def test_example_has_four_labelled_types_that_recover_the_planted_ones(example):
    responses, types = example
    assert set(types.members) == set(typology.SIGNATURES)
    assert types.preferred_k == 4 and types.gmm_agreement > 0.9
    ari = typology.planted_agreement(types.members, responses, config.truth_path(config.EXAMPLE_RAW))
    assert ari > 0.9


def test_labels_are_stable_under_another_seed(example):
    responses, types = example
    other = typology.fit(responses, seed=7)
    assert (other.members == types.members).mean() > 0.98


def test_bootstrap_stability_per_type(example):
    responses, types = example
    table, ari = typology.stability(responses, types, n_boot=5)
    assert set(table["kommunentyp"]) == set(typology.SIGNATURES)
    assert table["jaccard_mean"].between(0.75, 1).all() and 0.75 < ari <= 1


def test_assignment_of_the_analysed_respondents_reproduces_their_types(example, tmp_path):
    responses, types = example
    model = typology.Model.from_json(types.model.to_json())
    goals = responses.loc[types.members.index, [n for n, _ in typology.goal_items()]]
    assert (model.assign(goals) == types.members).mean() == 1.0
    typology.save(types, responses, tmp_path)
    members, loaded = typology.load(responses, tmp_path)
    assert members.sort_index().astype(str).tolist() == types.members.sort_index().astype(str).tolist()
    assert (
        loaded.assign(pd.DataFrame([dict.fromkeys(GOALS, 3) | {"efficiency": 5, "staff_relief": 5}])).iloc[0]
        == "Optimierer"
    )


def test_profiles_suppress_types_with_fewer_than_three_municipalities(example):
    responses, types = example
    members = types.members.copy()
    members.iloc[:2] = "Einzelfall"
    profiles = typology.profiles(responses, members)
    assert profiles.loc["Einzelfall", "n"] == 2 and profiles.loc["Einzelfall"].drop("n").isna().all()
    assert profiles.loc["Bedächtige", "mean_maturity_index"] > 0


def test_planted_agreement_is_nan_without_matching_truth(example, tmp_path):
    responses, types = example
    other = tmp_path / "other.truth.csv"
    pd.DataFrame({"response_id": ["x1", "x2"], "planted_type": ["Optimierer", "Bedächtige"]}).to_csv(other, index=False)
    assert np.isnan(typology.planted_agreement(types.members, responses, other))
