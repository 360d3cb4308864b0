"""German display names: the one mapping from the analysis's column names (English snake_case)
to the headers organisers and researchers read. Codebook variables carry their own labels."""

from __future__ import annotations

import pandas as pd

from .. import audit, codebook

COLUMNS = {
    "n": "n",
    "label": "Bezeichnung",
    "share": "Anteil",
    # headline indicators (weighting.headline_shares)
    "indicator": "Kennzahl",
    # weights (weighting.weight_summary, composition, margin_distances)
    "group": "Gruppe",
    "register_units": "Einheiten im Verzeichnis",
    "weight_min": "Gewicht min",
    "weight_median": "Gewicht Median",
    "weight_max": "Gewicht max",
    "weight_max_to_min": "max/min",
    "kish_deff": "Designeffekt (Kish)",
    "within_bounds": "Grenzen eingehalten",
    "cells_merged_for_bounds": "Zellen zusammengelegt (Grenzen)",
    "register_share": "Verzeichnis",
    "sample_share": "Stichprobe",
    "weighted_share": "Stichprobe gewichtet",
    "is_suppressed": "unterdrückt",
    "margin": "Merkmal",
    "distance_unweighted": "Abstand ungewichtet",
    "distance_weighted": "Abstand gewichtet",
    # audit table and response (audit.summary, tables.completion)
    "rule": "Regel",
    "kind": "Art",
    "count": "Anzahl",
    "step": "Schritt",
    # Kommunentypen (typology.profiles, stability, k_choice)
    "kommunentyp": "Kommunentyp",
    "mean_maturity_index": "Reifegrad (Mittel)",
    "share_strategy_adopted": "Strategie beschlossen",
    "share_has_cdo": "CDO/Stabsstelle",
    "top_size_class": "häufigste Größenklasse",
    "top_laender": "häufigste Länder",
    "jaccard_mean": "Jaccard (Mittel)",
    "k_silhouette": "k nach Silhouette",
    "k_bic": "k nach BIC",
    "ari_kmeans_gmm_k4": "Übereinstimmung k-Means und Mischmodell (ARI, k = 4)",
    # estimates (hypotheses, maturity.reliability)
    "measure": "Kennzahl",
    "hypothesis_id": "Hypothese",
    "statement_de": "Aussage",
    "model": "Modell",
    "term": "Term",
    "estimate": "Schätzer",
    "ci_low": "95-%-KI von",
    "ci_high": "95-%-KI bis",
    "p": "p",
    "p_holm": "p (Holm)",
    "verdict_de": "Ergebnis",
    "weighted_estimate": "Schätzer gewichtet",
    "mice_estimate": "Schätzer MICE",
    "note": "Anmerkung",
}
#: Columns named by a prefix and a codebook variable: (prefix, German prefix).
PREFIXED = [("mean_", "Ziel: "), ("share_strong_", "starkes Hemmnis: ")]
#: Columns whose values are shown in German: column -> value -> German.
VALUES = {
    "measure": {"cronbach_alpha": "Cronbachs Alpha", "mcdonald_omega_total": "McDonalds Omega (gesamt)"},
    "kind": audit.KINDS,
}


#: The three series of a headline share: column prefix -> (legend on slides, header in tables).
HEADLINE_SERIES = {
    "unweighted_": ("ungewichtet", "Antworten ungewichtet"),
    "municipalities_": ("Anteil der Kommunen", "Kommunen gewichtet"),
    "residents_": ("Anteil der Einwohner", "Einwohner gewichtet"),
}
#: Terms of the hypothesis models (`config/hypotheses.yaml`); an interaction "a:b" reads "A × B".
TERMS = {
    "log_staff_per_10k": "IT-Personal je 10.000 Einwohner (logarithmiert)",
    "log_budget_per_inhabitant": "Digitalisierungsbudget je Einwohner (logarithmiert)",
    "strategy_adopted": "Digitalisierungsstrategie beschlossen",
    "has_cdo": "CDO oder Stabsstelle vorhanden",
    "cooperation_institutionalised": "institutionalisierte Zusammenarbeit",
    "small": "kleine Kommune (unter 5.000 Einwohnern)",
    "maturity_index": "digitaler Reifegrad (Index)",
    "log_population": "Einwohnerzahl (logarithmiert)",
}
#: Models of the hypothesis tests.
MODELS = {
    "ols": "lineare Regression",
    "logit": "logistische Regression",
    "ordinal": "ordinale logistische Regression",
}
#: Columns of the exchange summary (`examples.exchange_summary`) as organisers read them.
EXCHANGE_SUMMARY = {
    "label": "Angebot",
    "planners": "Kommunen, die das Angebot planen oder umsetzen",
    "matched": "davon mit mindestens einem Vorbild ähnlicher Größe",
    "peers": "Vorbilder ähnlicher Größe (betreiben es, dürfen genannt werden)",
    "runners": "alle Kommunen, die es betreiben und genannt werden dürfen",
}
#: Cleaning rules that drop records, as the completion table names them.
RULES = {
    "test_response": "Testeingaben",
    "speeder": "zu schnell ausgefüllt",
    "straightliner": "überall gleiche Antwort",
    "empty": "ohne inhaltliche Antworten",
    "duplicate": "doppelte Teilnahme",
    "duplicate_key": "doppelte Teilnahme (laut Gemeindeverzeichnis)",
}


def column(name: str) -> str:
    """The German header of a column."""
    if name in COLUMNS:
        return COLUMNS[name]
    cb = codebook.load()
    for prefix, german_prefix in PREFIXED:
        if name.startswith(prefix) and name.removeprefix(prefix) in cb.by_name:
            return german_prefix + cb.label(name.removeprefix(prefix))
    try:
        return cb.variable_label(name)
    except KeyError:
        return name


def term(name: str) -> str:
    """The German name of a model term; an interaction "a:b" as "A × B"."""
    if ":" in name:
        return " × ".join(term(part) for part in name.split(":"))
    if name in TERMS:
        return TERMS[name]
    try:
        return codebook.load().variable_label(name)
    except KeyError:
        return name


def headline(key: str) -> str:
    """The German name of a headline indicator (its codebook label)."""
    return next(h.label_de for h in codebook.load().headlines if h.key == key)


def german(table: pd.DataFrame, **overrides: str) -> pd.DataFrame:
    """`table` with German headers (`overrides`: column -> header for this table only) and the
    values of coded columns (`VALUES`, headline indicators) in German."""
    values = VALUES | {"indicator": {h.key: h.label_de for h in codebook.load().headlines}}
    out = table.copy()
    for col, mapping in values.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v))
    return out.rename(columns=lambda c: overrides.get(c, column(c)))
