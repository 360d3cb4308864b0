"""Kommunentypen: a typology of municipalities by their priority goals (section F).

Answers are standardised within respondent (each municipality's mean and spread removed), so that
clusters reflect priorities rather than the habit of ticking high. k-means (scikit-learn) groups
them; a Gaussian mixture is fitted for comparison. The number of types preferred by the data is
the k with the best silhouette; the four-type solution of ÖFIT/KGSt („Digitale Kommune – eine
Typfrage?“) is always fitted too.

Labels follow the profile, not the cluster index (`SIGNATURES`): each type is named after the
goals that ÖFIT/KGSt found characteristic. A cluster's fit to a type is the mean of its centre
over the type's signature goals minus the mean over the other goals; clusters and types are
paired to maximise the total fit (Hungarian method), and a cluster whose fit is below
`MIN_FIT` fits no type. Stability: bootstrap resamples, refitted and compared with the full-data
solution by the adjusted Rand index and, per type, the best Jaccard similarity (Hennig's
clusterboot).

scikit-learn and scipy are imported inside the fitting functions: the briefing kernels only
load saved types and start faster without them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import codebook, config, files, maturity, settings

#: Characteristic goals of each type (ÖFIT/KGSt, from the codebook): the rule that names clusters.
SIGNATURES: dict[str, list[str]] = codebook.load().kommunentyp["types"]
NO_TYPE: str = codebook.load().kommunentyp["no_type"]
#: Smallest fit (within-respondent standard deviations) for a cluster to carry a type name.
MIN_FIT = 0.3
K_RANGE = range(2, 9)
SEED = 20261122


def goal_items() -> list[tuple[str, str]]:
    """(column, goal key) of the priority goals."""
    return [(v.name, v.item_key) for v in codebook.load().question("F01")]


def ipsatised(responses: pd.DataFrame) -> pd.DataFrame:
    """Goal ratings standardised within respondent; respondents with a missing goal or no
    variation are left out."""
    cols = {name: key for name, key in goal_items()}
    raw = responses[list(cols)].astype(float).rename(columns=cols).dropna()
    spread = raw.std(axis=1)
    raw = raw[spread > 0]
    return raw.sub(raw.mean(axis=1), axis=0).div(spread[spread > 0], axis=0)


@dataclass(frozen=True)
class Model:
    """Cluster centres (ipsatised goal scale) and their type names: enough to assign anyone."""

    centres: pd.DataFrame  # one row per type name
    k: int

    def assign(self, goals: pd.DataFrame) -> pd.Series:
        """Nearest type for raw goal ratings (columns: goal keys or `goal_*` names)."""
        goals = goals.rename(columns={name: key for name, key in goal_items()})[self.centres.columns]
        z = ipsatised(goals.rename(columns={key: name for name, key in goal_items()}))
        dist = ((z.to_numpy()[:, None, :] - self.centres.to_numpy()[None, :, :]) ** 2).sum(axis=2)
        return pd.Series(self.centres.index[dist.argmin(axis=1)], index=z.index, name="kommunentyp")

    def assign_one(self, goals: dict[str, float]) -> str:
        """Type of one municipality from its goal ratings {goal key: 1..5}."""
        return str(self.assign(pd.DataFrame([goals])).iloc[0])

    def to_json(self) -> str:
        return json.dumps(
            {"k": self.k, "centres": self.centres.round(6).to_dict(orient="index")}, ensure_ascii=False, indent=2
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        raw = json.loads(text)
        return cls(pd.DataFrame.from_dict(raw["centres"], orient="index"), raw["k"])


def fit_kmeans(z: pd.DataFrame, k: int, seed: int = SEED):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=50, random_state=seed).fit(z.to_numpy())


def choose_k(z: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Silhouette of k-means and BIC of a Gaussian mixture for each k."""
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    rows = []
    for k in K_RANGE:
        km = fit_kmeans(z, k, seed)
        gmm = GaussianMixture(k, covariance_type="diag", n_init=5, random_state=seed).fit(z.to_numpy())
        rows.append({"k": k, "silhouette": silhouette_score(z, km.labels_), "bic_gmm": gmm.bic(z.to_numpy())})
    return pd.DataFrame(rows)


def label(centres: np.ndarray, columns: list[str]) -> list[str]:
    """Type name of each cluster centre by the documented rule (`SIGNATURES`, `MIN_FIT`)."""
    from scipy.optimize import linear_sum_assignment

    c = pd.DataFrame(centres, columns=columns)
    fit = np.column_stack(
        [c[sig].mean(axis=1) - c[[g for g in columns if g not in sig]].mean(axis=1) for sig in SIGNATURES.values()]
    )
    rows, cols = linear_sum_assignment(-fit)
    names = [NO_TYPE] * len(c)
    types = list(SIGNATURES)
    for r, t in zip(rows, cols):
        if fit[r, t] >= MIN_FIT:
            names[r] = types[t]
    return names


@dataclass(frozen=True)
class Typology:
    model: Model
    members: pd.Series  # kommunentyp per response index
    k_table: pd.DataFrame
    preferred_k: int
    gmm_agreement: float  # adjusted Rand index between k-means and Gaussian mixture (k = 4)


def fit(responses: pd.DataFrame, k: int = 4, seed: int = SEED) -> Typology:
    """The k-type solution with profile-based names, the k the data prefer, and GMM agreement."""
    from sklearn.metrics import adjusted_rand_score
    from sklearn.mixture import GaussianMixture

    z = ipsatised(responses)
    km = fit_kmeans(z, k, seed)
    names = label(km.cluster_centers_, list(z.columns))
    model = Model(pd.DataFrame(km.cluster_centers_, index=names, columns=z.columns), k)
    members = pd.Series(np.array(names)[km.labels_], index=z.index, name="kommunentyp")
    k_table = choose_k(z, seed)
    gmm = GaussianMixture(k, covariance_type="diag", n_init=5, random_state=seed).fit(z.to_numpy())
    agreement = adjusted_rand_score(km.labels_, gmm.predict(z.to_numpy()))
    preferred = int(k_table.loc[k_table["silhouette"].idxmax(), "k"])
    return Typology(model, members, k_table, preferred, float(agreement))


def k_choice(typology: Typology) -> dict:
    """The number of types preferred by silhouette and by BIC, and k-means/mixture agreement."""
    table = typology.k_table
    return {
        "k_silhouette": typology.preferred_k,
        "k_bic": int(table.loc[table["bic_gmm"].idxmin(), "k"]),
        "ari_kmeans_gmm_k4": round(typology.gmm_agreement, 3),
    }


def stability(
    responses: pd.DataFrame, typology: Typology, n_boot: int = 100, seed: int = SEED
) -> tuple[pd.DataFrame, float]:
    """Per type the mean best Jaccard similarity over bootstrap refits (Hennig's clusterboot),
    and the mean adjusted Rand index between the full-data and bootstrap partitions."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    z = ipsatised(responses)
    full = typology.members.reindex(z.index).to_numpy()
    rng = np.random.default_rng(seed)
    jaccard = {t: [] for t in typology.model.centres.index}
    aris = []
    for b in range(n_boot):
        idx = rng.integers(0, len(z), len(z))
        km = KMeans(n_clusters=typology.model.k, n_init=10, random_state=seed + b).fit(z.to_numpy()[idx])
        boot = km.predict(z.to_numpy())
        aris.append(adjusted_rand_score(full, boot))
        in_sample = np.zeros(len(z), bool)
        in_sample[idx] = True
        for t in jaccard:
            a = (full == t) & in_sample
            best = max(
                ((a & (boot == c) & in_sample).sum() / max((a | ((boot == c) & in_sample)).sum(), 1))
                for c in range(km.n_clusters)
            )
            jaccard[t].append(best)
    table = pd.DataFrame({"kommunentyp": list(jaccard), "jaccard_mean": [np.mean(v) for v in jaccard.values()],
                          "n": [int((full == t).sum()) for t in jaccard]})  # fmt: skip
    return table, float(np.mean(aris))


def profiles(responses: pd.DataFrame, members: pd.Series) -> pd.DataFrame:
    """Steckbrief per type: n, mean goals (`mean_<goal>`), mean maturity index, shares with a
    strong obstacle (`share_strong_<obstacle>`), strategy and CDO shares, most frequent size
    class and Länder. Types with fewer than `settings.MIN_CELL_N` municipalities: n only."""
    cb = codebook.load()
    r = responses.loc[members.index].assign(kommunentyp=members)
    idx = maturity.index(r)
    rows = {}
    for t, g in r.groupby("kommunentyp"):
        n = len(g)
        row = {"n": n}
        if n >= settings.MIN_CELL_N:
            for name, _key in goal_items():
                row[f"mean_{name}"] = g[name].mean()
            row["mean_maturity_index"] = idx.loc[g.index].mean()
            for v in cb.question("E01"):
                row[f"share_strong_{v.name}"] = (g[v.name] >= 4).mean()
            row["share_strategy_adopted"] = (g["strategy_status"].astype(object) == "beschlossen").mean()
            row["share_has_cdo"] = (g["has_cdo"].astype(object) == "ja").mean()
            row["top_size_class"] = _top(g["size_class"])
            row["top_laender"] = _top(g["land_code"], 3)
        rows[t] = row
    return pd.DataFrame(rows).T


def _top(values: pd.Series, k: int = 1) -> str:
    counts = values.astype(object).value_counts()
    counts = counts[counts >= settings.MIN_CELL_N]
    return ", ".join(f"{v} ({c})" for v, c in counts.head(k).items()) or "–"


def planted_agreement(members: pd.Series, responses: pd.DataFrame, truth_path: Path) -> float:
    """Adjusted Rand index between the found and the planted types (simulated data only; NaN
    when no typed response is in the truth file)."""
    from sklearn.metrics import adjusted_rand_score

    truth = pd.read_csv(truth_path, dtype=str).set_index("response_id")["planted_type"]
    planted = truth.reindex(responses.loc[members.index, "response_id"].astype(str)).to_numpy()
    known = pd.notna(planted)
    return float(adjusted_rand_score(planted[known], members.to_numpy()[known])) if known.any() else float("nan")


def planted_check(typology: Typology, responses: pd.DataFrame, provenance: dict, raw_path: Path) -> float | None:
    """`planted_agreement` for simulated exports whose truth file is present, else None."""
    truth = config.truth_path(raw_path)
    return (
        planted_agreement(typology.members, responses, truth) if provenance["simulated"] and truth.is_file() else None
    )


def save(typology: Typology, responses: pd.DataFrame, out_dir: Path | None) -> list[Path]:
    """Type membership (response_id, kommunentyp) and the assignment model.
    `None` (a notebook run in the lab, `config.lab_output`): nothing is written."""
    if out_dir is None:
        return []
    out_dir = Path(out_dir)
    members = pd.DataFrame(
        {
            "response_id": responses.loc[typology.members.index, "response_id"].astype("string"),
            "kommunentyp": typology.members.astype("string"),
        }  # fmt: skip
    ).reset_index(drop=True)
    return [
        files.write_parquet(members, out_dir / config.TYPES_FILE),
        files.write_text(out_dir / config.TYPOLOGY_MODEL, typology.model.to_json() + "\n"),
    ]


def load(responses: pd.DataFrame, out_dir: Path = config.PROCESSED) -> tuple[pd.Series, Model]:
    """The saved type of each response (aligned to `responses`, typed ones only) and the model."""
    out_dir = Path(out_dir)
    saved = pd.read_parquet(out_dir / config.TYPES_FILE).set_index("response_id")["kommunentyp"]
    members = responses["response_id"].astype("string").map(saved).dropna().astype(object).rename("kommunentyp")
    return members, Model.from_json((out_dir / config.TYPOLOGY_MODEL).read_text(encoding="utf-8"))
