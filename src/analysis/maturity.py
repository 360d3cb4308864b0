"""Digital maturity from the status of the digital offerings (D01) and the OZG share online (D03).

The formula and its parameters are in the codebook (`derived.maturity`). Two alternatives for
sensitivity: the count of offerings in operation, and an OZG-style level set by the weakest of
the core offerings. Reliability of the offering items: Cronbach's alpha with Feldt's 95 %
interval (pingouin) and McDonald's omega total from a one-factor maximum-likelihood model
(both imported where used: the briefing kernels need only the index).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import codebook

STATUS_SCORE = {"nicht geplant": 0.0, "geplant": 1 / 3, "in Umsetzung": 2 / 3, "in Betrieb": 1.0}


def offer_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """Offering status as scores 0..1, one column per offering (item key)."""
    cb = codebook.load()
    return pd.DataFrame(
        {v.item_key: responses[v.name].astype(object).map(STATUS_SCORE).astype(float) for v in cb.question("D01")},
        index=responses.index,
    )


def index(responses: pd.DataFrame) -> pd.Series:
    """Digital maturity index 0-100 (formula in the codebook)."""
    spec = codebook.load().maturity
    scores = offer_scores(responses)
    offers = scores.mean(axis=1).where(scores.notna().sum(axis=1) >= spec["min_offers"])
    ozg = responses["ozg_online_pct"].astype(float) / 100
    both = spec["offers_weight"] * offers + spec["ozg_weight"] * ozg
    return (100 * both.fillna(offers)).rename("maturity_index")


def live_count(responses: pd.DataFrame) -> pd.Series:
    """Number of offerings in operation (missing when too few offerings are answered)."""
    spec = codebook.load().maturity
    scores = offer_scores(responses)
    return (scores == 1.0).sum(axis=1).where(scores.notna().sum(axis=1) >= spec["min_offers"]).rename("live_offers")


def ozg_level(responses: pd.DataFrame) -> pd.Series:
    """OZG-style level 0-3: the lowest status among the core offerings (missing if one is)."""
    keys = codebook.load().maturity["level_offerings"]
    scores = offer_scores(responses)[keys]
    return (3 * scores.min(axis=1, skipna=False)).round().astype("Int8").rename("ozg_level")


def measures(responses: pd.DataFrame) -> pd.DataFrame:
    """The index and its two alternatives side by side."""
    return pd.concat([index(responses), live_count(responses), ozg_level(responses)], axis=1)


def cronbach_alpha(items: pd.DataFrame) -> dict:
    """Cronbach's alpha of complete cases with Feldt's 95 % confidence interval (pingouin)."""
    import pingouin

    items = items.dropna()
    alpha, ci = pingouin.cronbach_alpha(data=items, ci=0.95)
    return {"alpha": float(alpha), "ci_low": float(ci[0]), "ci_high": float(ci[1]), "n": len(items)}


def omega_total(items: pd.DataFrame) -> dict:
    """McDonald's omega total from a one-factor ML model of the item correlations:
    1 - sum(uniquenesses) / total variance of the sum score, items with negative loadings
    reversed (as R's `psych::omega`); also the loadings."""
    from statsmodels.multivariate.factor import Factor

    items = items.dropna()
    corr = items.corr().to_numpy()
    fa = Factor(corr=corr, n_factor=1, method="ml", nobs=len(items)).fit(
        rng=0
    )  # seeded start values: the same omega on every call
    loadings = np.asarray(fa.loadings)[:, 0]
    loadings = loadings if loadings.sum() >= 0 else -loadings
    keys = np.where(loadings < 0, -1.0, 1.0)
    omega = 1 - np.sum(fa.uniqueness) / (keys @ corr @ keys)
    return {"omega": float(omega), "loadings": pd.Series(loadings, index=items.columns), "n": len(items)}


def reliability(responses: pd.DataFrame) -> pd.DataFrame:
    """Alpha (with interval) and omega of the offering items, as one table."""
    items = offer_scores(responses)
    a, o = cronbach_alpha(items), omega_total(items)
    return pd.DataFrame(
        [
            {
                "measure": "cronbach_alpha",
                "estimate": a["alpha"],
                "ci_low": a["ci_low"],
                "ci_high": a["ci_high"],
                "n": a["n"],
            },
            {
                "measure": "mcdonald_omega_total",
                "estimate": o["omega"],
                "ci_low": np.nan,
                "ci_high": np.nan,
                "n": o["n"],
            },
        ]
    )
