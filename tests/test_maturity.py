"""Digital maturity index and the reliability of its items, against R's psych and pingouin."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import clean, codebook, config, maturity

DATA = Path(__file__).parent / "data" / "reliability"
CB = codebook.load()
OFFERS = [v.name for v in CB.question("D01")]


def test_reproduces_pingouins_published_example_and_r_psych():
    """pingouin docs: cronbach_alpha(...) -> (0.5918, [0.195, 0.84]); psych 2.2.9 on the same data:
    raw_alpha 0.5917188486, Feldt 0.19 .. 0.84, omega.tot (fm="ml", one factor) 0.7076274426."""
    items = pd.read_csv(DATA / "cronbach_alpha_wide.csv")
    a = maturity.cronbach_alpha(items)
    assert round(a["alpha"], 4) == 0.5917 and (a["ci_low"], a["ci_high"]) == (0.195, 0.84)
    assert a["alpha"] == pytest.approx(0.5917188486, abs=1e-10)
    assert maturity.omega_total(items)["omega"] == pytest.approx(0.7076274426, abs=1e-7)


def test_offer_items_of_the_example_match_r_psych():
    responses = clean.clean(config.EXAMPLE_RAW).responses
    items = maturity.offer_scores(responses)
    a, o = maturity.cronbach_alpha(items), maturity.omega_total(items)
    assert a["alpha"] == pytest.approx(0.9386798184, abs=1e-9)
    assert (round(a["ci_low"], 2), round(a["ci_high"], 2)) == (0.93, 0.95)
    assert o["omega"] == pytest.approx(0.9388968893, abs=1e-7)
    r_loadings = [
        0.7022,
        0.7748,
        0.8156,
        0.7503,
        0.7131,
        0.7469,
        0.6654,
        0.7789,
        0.6615,
        0.7496,
        0.7603,
        0.5911,
        0.6978,
        0.7041,
    ]
    assert o["loadings"].round(4).tolist() == pytest.approx(r_loadings, abs=1e-4)


def test_omega_recovers_a_known_one_factor_population():
    rng = np.random.default_rng(4)
    loadings = np.array([0.8, 0.7, 0.6, 0.5, 0.75])
    factor = rng.normal(size=(20_000, 1))
    items = factor * loadings + rng.normal(size=(20_000, 5)) * np.sqrt(1 - loadings**2)
    truth = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
    assert maturity.omega_total(pd.DataFrame(items))["omega"] == pytest.approx(truth, abs=0.005)


def _responses(statuses: list[str | None], ozg: float | None) -> pd.DataFrame:
    row = {name: [status] for name, status in zip(OFFERS, statuses)}
    row["ozg_online_pct"] = [ozg]
    return pd.DataFrame(row)


@pytest.mark.parametrize(
    "statuses, ozg, index, live, level",
    [
        pytest.param(["in Betrieb"] * 14, 100.0, 100.0, 14, 3, id="everything-live"),
        pytest.param(["nicht geplant"] * 14, 0.0, 0.0, 0, 0, id="nothing"),
        pytest.param(["in Umsetzung"] * 14, None, 100 * 2 / 3, 0, 2, id="no-ozg-share-offers-only"),
        pytest.param(
            ["in Betrieb"] * 7 + ["geplant"] * 7, 40.0, 100 * (0.75 * (7 + 7 / 3) / 14 + 0.25 * 0.4), 7, 3, id="mixed"
        ),  # fmt: skip
        pytest.param(
            ["geplant"] + ["in Betrieb"] * 13,
            80.0,
            100 * (0.75 * (13 + 1 / 3) / 14 + 0.25 * 0.8),
            13,
            1,
            id="weakest-core-offer-sets-the-level",
        ),  # fmt: skip
        pytest.param(["in Betrieb"] * 9 + [None] * 5, 50.0, np.nan, np.nan, 3, id="too-few-answered"),
    ],
)
def test_index_and_alternatives(statuses, ozg, index, live, level):
    m = maturity.measures(_responses(statuses, ozg))
    assert m["maturity_index"].iloc[0] == pytest.approx(index, nan_ok=True)
    assert m["live_offers"].iloc[0] == pytest.approx(live, nan_ok=True)
    assert m["ozg_level"].iloc[0] == level
