"""Summary tables behind the slides and the key-table workbook: who answered, what was removed,
answer shares of a grid question. Small cells are flagged by `suppress`."""

from __future__ import annotations

import pandas as pd

from .. import audit, codebook, settings
from . import labels


def suppress(table: pd.DataFrame, *, n: str = "n", min_n: int = settings.MIN_CELL_N) -> pd.DataFrame:
    """Flag rows with fewer than `min_n` municipalities (`suppressed`) and blank their figures."""
    out = table.copy()
    out["suppressed"] = out[n] < min_n
    for col in out.columns.difference([n, "suppressed"]):
        if pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].mask(out["suppressed"])
    return out


def respondents_by(responses: pd.DataFrame, column: str) -> pd.DataFrame:
    """Responding municipalities by one characteristic (label, n, share), small cells suppressed."""
    counts = responses[column].value_counts(sort=False, dropna=False)
    table = pd.DataFrame({"label": counts.index.astype("string").fillna("keine Angabe"), "n": counts.to_numpy()})
    table = table[table["n"] > 0].reset_index(drop=True)
    table["share"] = table["n"] / table["n"].sum()
    return suppress(table)


def completion(responses: pd.DataFrame, audit_table: pd.DataFrame, provenance: dict) -> pd.DataFrame:
    """From the export to the analysed responses: one row (step, count) per cleaning rule that
    dropped records, German wording."""
    dropped = audit_table[audit_table["column"] == audit.WHOLE_RECORD]["rule"].value_counts()
    rows = [("Antworten im Export", provenance["n_raw"])]
    rows += [(f"entfernt: {labels.RULES.get(rule, rule)}", -int(k)) for rule, k in dropped.items()]
    rows += [
        ("ausgewertete Kommunen", len(responses)),
        ("davon vollständig abgeschickt", int(responses["is_complete"].sum())),
        ("davon teilweise beantwortet", int((~responses["is_complete"]).sum())),
    ]
    return pd.DataFrame(rows, columns=["step", "count"])


def item_shares(responses: pd.DataFrame, question_id: str, *, sort_by: list[str] | None = None):
    """Answer shares of a grid question: items x answer labels, and n per item.

    Items answered by fewer than the minimum number of municipalities are left out.
    """
    cb = codebook.load()
    variables = cb.question(question_id)
    scale = cb.scales[variables[0].scale].codes
    rows, ns = {}, {}
    for v in variables:
        values = responses[v.name].dropna()
        if len(values) < settings.MIN_CELL_N:
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            counts = values.value_counts().reindex(list(scale.values()), fill_value=0)
        else:
            counts = (
                values.astype(int).astype(str).map(scale).value_counts().reindex(list(scale.values()), fill_value=0)
            )
        rows[v.item_label_de] = counts / counts.sum()
        ns[v.item_label_de] = len(values)
    shares = pd.DataFrame(rows, index=list(scale.values())).T
    if sort_by and len(shares):
        order = shares[sort_by].sum(axis=1).sort_values(ascending=False, kind="stable").index
        shares = shares.loc[order]
    return shares, pd.Series(ns, name="n", dtype=int).reindex(shares.index)


def cleaning_summary(audit_table: pd.DataFrame) -> pd.DataFrame:
    """`audit.summary` with German headers and kinds."""
    return labels.german(audit.summary(audit_table))
