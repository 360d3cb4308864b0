"""Tables, texts and charts of the briefing slides; every figure states its n, small cells suppressed."""

from __future__ import annotations

import base64
import html

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from . import audit, codebook, config, fmt, maturity, plots, weighting

RULE_LABELS = {
    "test_response": "Testeingaben",
    "speeder": "zu schnell ausgefüllt",
    "straightliner": "überall gleiche Antwort",
    "empty": "ohne inhaltliche Antworten",
    "duplicate": "doppelte Teilnahme",
    "duplicate_key": "doppelte Teilnahme (laut Gemeindeverzeichnis)",
}


def suppress(table: pd.DataFrame, *, n: str = "n", min_n: int = config.MIN_CELL_N) -> pd.DataFrame:
    """Flag rows with fewer than `min_n` municipalities and blank their figures."""
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
    """From the export to the analysed responses: one row per cleaning rule that dropped records."""
    dropped = audit_table[audit_table["column"] == audit.WHOLE_RECORD]["rule"].value_counts()
    rows = [("Antworten im Export", provenance["n_raw"])]
    rows += [(f"entfernt: {RULE_LABELS.get(rule, rule)}", -int(k)) for rule, k in dropped.items()]
    rows += [
        ("ausgewertete Kommunen", len(responses)),
        ("davon vollständig abgeschickt", int(responses["is_complete"].sum())),
        ("davon teilweise beantwortet", int((~responses["is_complete"]).sum())),
    ]
    return pd.DataFrame(rows, columns=["Schritt", "Anzahl"])


def item_shares(responses: pd.DataFrame, question_id: str, *, sort_by: list[str] | None = None):
    """Answer shares of a grid question: items x answer labels, and n per item.

    Items answered by fewer than the minimum number of municipalities are left out.
    """
    cb = codebook.load()
    variables = cb.question(question_id)
    labels = cb.scales[variables[0].scale].codes
    rows, ns = {}, {}
    for v in variables:
        values = responses[v.name].dropna()
        if len(values) < config.MIN_CELL_N:
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            counts = values.value_counts().reindex(list(labels.values()), fill_value=0)
        else:
            counts = values.astype(int).astype(str).map(labels).value_counts().reindex(list(labels.values()), fill_value=0)
        rows[v.item_label_de] = counts / counts.sum()
        ns[v.item_label_de] = len(values)
    shares = pd.DataFrame(rows).T
    if sort_by:
        order = shares[sort_by].sum(axis=1).sort_values(ascending=False).index
        shares = shares.loc[order]
    return shares, pd.Series(ns, name="n").loc[shares.index]


def status_banner(provenance: dict) -> str:
    if provenance.get("simulated"):
        return "⚠ **SIMULIERTE DATEN** – keine echten Antworten von Kommunen; alle Zahlen dienen nur der Erprobung."
    return "Datenstand: echte Antworten der Umfrage."


def title_markdown(responses: pd.DataFrame, provenance: dict) -> str:
    cb = codebook.load()
    started = responses["started_at"].dropna()
    field = f"{fmt.date(started.min())} bis {fmt.date(started.max())}" if len(started) else "unbekannt"
    return "\n\n".join(
        [
            f"# {cb.title_de}",
            "## Erste Auswertung der Umfrage",
            status_banner(provenance),
            f"**{fmt.number(len(responses))} Kommunen** ausgewertet "
            f"({fmt.number(provenance['n_raw'])} Antworten im Export) · Feldzeit {field}",
            "Vergleichsrahmen: Gemeindeverzeichnis des Statistischen Bundesamts, Gebietsstand 31.12.2024",
        ]
    )


def caption(n: int, provenance: dict, extra: str = "") -> str:
    parts = [f"n = {fmt.number(n)} Kommunen"]
    if extra:
        parts.append(extra)
    if provenance.get("simulated"):
        parts.append("simulierte Daten")
    return " · ".join(parts)


def figure_html(ax, *, alt: str, note: str) -> str:
    """A chart as an inline PNG <figure> with alt text and its caption (n and data status)."""
    data = base64.b64encode(plots.png(ax.figure)).decode("ascii")
    return (
        f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        f'style="max-width:100%;max-height:58vh"><figcaption><small>{html.escape(note)}</small></figcaption></figure>'
    )


def show(ax, *, alt: str, note: str) -> None:
    display(HTML(figure_html(ax, alt=alt, note=note)))


# --- one function per slide ----------------------------------------------------------------------
def slide_respondents(responses: pd.DataFrame, column: str, provenance: dict, *, title: str) -> None:
    table = respondents_by(responses, column)
    ax = plots.count_bars(table, title=title)
    shown = table[~table["suppressed"]].sort_values("n", ascending=False)
    top = ", ".join(f"{r.label} ({r.n})" for r in shown.head(3).itertuples())
    hidden = int(table["suppressed"].sum())
    extra = f"{hidden} Gruppe(n) mit weniger als {config.MIN_CELL_N} Kommunen unterdrückt" if hidden else ""
    show(ax, alt=f"Balkendiagramm: {title}. Am häufigsten: {top}.", note=caption(len(responses), provenance, extra))


def slide_importance(responses: pd.DataFrame, provenance: dict) -> None:
    col = "digital_importance"
    values = responses[col].dropna()
    labels = codebook.load().scales["importance"].codes
    table = suppress(
        pd.DataFrame({"label": list(labels.values()), "n": [int((values == int(c)).sum()) for c in labels]})
    )
    ax = plots.count_bars(table, title="Stellenwert der digitalen Transformation im Verwaltungsalltag")
    high = (values >= 4).mean() if len(values) else float("nan")
    show(
        ax,
        alt=f"Balkendiagramm: {fmt.percent(high)} der Kommunen geben der digitalen Transformation hohen oder sehr hohen Stellenwert.",
        note=caption(len(values), provenance, f"Mittelwert {fmt.number(values.mean(), 1)} auf der Skala 1 bis 5"),
    )


def slide_obstacles(responses: pd.DataFrame, provenance: dict) -> None:
    shares, ns = item_shares(responses, "E01", sort_by=["starkes Hemmnis", "sehr starkes Hemmnis"])
    ax = plots.stacked_shares(shares, diverging_at=2, title="Hemmnisse der Digitalisierung")
    ax.set_xlabel("Anteil der Kommunen (links: kein oder geringes Hemmnis)")
    top = shares.index[0]
    strong = shares.iloc[0][["starkes Hemmnis", "sehr starkes Hemmnis"]].sum()
    show(
        ax,
        alt=f"Gestapelte Balken der Hemmnisse. Am stärksten: {top} ({fmt.percent(strong)} starkes oder sehr starkes Hemmnis).",
        note=caption(int(ns.min()), provenance, "sortiert nach Anteil „starkes“ und „sehr starkes Hemmnis“; n je Aussage mindestens"),
    )


def slide_offers(responses: pd.DataFrame, provenance: dict) -> None:
    shares, ns = item_shares(responses, "D01", sort_by=["in Betrieb"])
    ax = plots.stacked_shares(shares, title="Stand der digitalen Angebote")
    ax.set_xlabel("Anteil der Kommunen")
    show(
        ax,
        alt=(
            f"Gestapelte Balken zum Stand von {len(shares)} digitalen Angeboten. Am häufigsten in Betrieb: "
            f"{shares.index[0]} ({fmt.percent(shares.iloc[0]['in Betrieb'])}); am seltensten: {shares.index[-1]} "
            f"({fmt.percent(shares.iloc[-1]['in Betrieb'])})."
        ),
        note=caption(int(ns.min()), provenance, "sortiert nach Anteil „in Betrieb“; n je Angebot mindestens"),
    )


def completion_table(responses: pd.DataFrame, audit_table: pd.DataFrame, provenance: dict):
    """The completion table as a German-formatted, index-free Styler."""
    table = completion(responses, audit_table, provenance)
    return table.style.format({"Anzahl": lambda v: fmt.number(v)}).hide(axis="index").set_uuid("completion")


# --- weighting -----------------------------------------------------------------------------------
SERIES = {"ungewichtet": "ungewichtet", "Kommunen": "Anteil der Kommunen", "Einwohner": "Anteil der Einwohner"}


def register_note(provenance: dict) -> str:
    """Which register the weights come from, with its source line."""
    reg = provenance.get("register", {})
    stand = fmt.date(pd.Timestamp(reg["vintage"]).date()) if reg.get("vintage") else "unbekannt"
    how = "Gemeindeverzeichnis" if reg.get("register_file") else "Eckwerte des Gemeindeverzeichnisses (im Projekt)"
    return f"Gewichtung: {how}, Gebietsstand {stand}. Quelle: {reg.get('source', '')}"


def slide_sample_vs_register(w: weighting.Weighting, margins: pd.DataFrame, provenance: dict) -> None:
    table = weighting.composition(w, margins)
    shown = table[["Verzeichnis", "Stichprobe", "Stichprobe gewichtet"]].rename(
        columns={"Verzeichnis": "alle Gemeinden (Verzeichnis)", "Stichprobe": "Antworten", "Stichprobe gewichtet": "Antworten gewichtet"}
    )
    ax = plots.grouped_shares(shown, title="Wer geantwortet hat – und wie Deutschland aussieht")
    ax.set_xlabel("Anteil der Gemeinden je Größenklasse")
    small = table.index[0]
    show(
        ax,
        alt=(
            f"Balken je Größenklasse: {fmt.percent(table.loc[small, 'Verzeichnis'])} aller Gemeinden haben {small} "
            f"Einwohner, unter den Antworten sind es {fmt.percent(table.loc[small, 'Stichprobe'])}; "
            "nach der Gewichtung entspricht die Verteilung dem Verzeichnis."
        ),
        note=caption(int(table["n"].sum()), provenance, "nur Gemeinden und kreisfreie Städte · " + register_note(provenance)),
    )


def headline_table(shares: pd.DataFrame):
    """`weighting.headline_shares` unweighted, of municipalities and of residents, German format."""
    table = suppress(shares)
    out = pd.DataFrame({"Kennzahl": table["Kennzahl"], "n": table["n"]})
    for key, label in SERIES.items():
        out[label] = [
            "unterdrückt" if hidden else f"{fmt.percent(p)} ({fmt.number(100 * lo)}–{fmt.percent(hi)})"
            for p, lo, hi, hidden in zip(table[key], table[f"{key}_von"], table[f"{key}_bis"], table["suppressed"])
        ]
    return out.style.format({"n": lambda v: fmt.number(v)}).hide(axis="index").set_uuid("headlines")


def slide_headlines(shares: pd.DataFrame, provenance: dict) -> None:
    table = suppress(shares)
    table = table[~table["suppressed"]].rename(columns={"Kennzahl": "label"})
    renamed = table.rename(columns={f"{k}{s}": f"{v}{s}" for k, v in SERIES.items() for s in ("", "_von", "_bis")})
    ax = plots.interval_dots(renamed, list(SERIES.values()), title="Kennzahlen: ungewichtet und gewichtet")
    ax.set_xlabel("Anteil mit 95-%-Konfidenzintervall")
    first = table.iloc[0]
    show(
        ax,
        alt=(
            f"Punkte mit Intervallen für {len(table)} Kennzahlen. Beispiel {first['label']}: "
            f"{fmt.percent(first['ungewichtet'])} der Antworten, {fmt.percent(first['Kommunen'])} der Kommunen "
            f"und {fmt.percent(first['Einwohner'])} der Einwohner (gewichtet)."
        ),
        note=caption(int(table["n"].max()), provenance, register_note(provenance)),
    )


# --- maturity and hypotheses -----------------------------------------------------------------------
def plain_effect(row: pd.Series) -> str:
    """The tested effect in words, with its 95 % interval, German number format."""
    if pd.isna(row["estimate"]):
        return "–"
    if row["model"] == "ols":
        return (f"{fmt.number(row['estimate'], 2)} Standardabweichungen "
                f"(95 %: {fmt.number(row['ci_low'], 2)} bis {fmt.number(row['ci_high'], 2)})")  # fmt: skip
    odds = [fmt.number(float(np.exp(row[c])), 1) for c in ("estimate", "ci_low", "ci_high")]
    return f"Chance {odds[0]}-fach (95 %: {odds[1]} bis {odds[2]})"


def verdict_table(results: pd.DataFrame):
    """Hypotheses with verdict, effect in words and n, as an index-free Styler."""
    table = pd.DataFrame(
        {
            "Hypothese": results["hypothesis_id"] + ": " + results["statement_de"],
            "Ergebnis": results["verdict_de"],
            "Effekt": results.apply(plain_effect, axis=1),
            "n": results["n"],
        }
    )
    return table.style.format({"n": lambda v: fmt.number(v)}).hide(axis="index").set_uuid("verdicts")


def coefficient_chart(results: pd.DataFrame, models: tuple[str, ...], provenance: dict, *, title: str) -> None:
    """Tested coefficients of the hypotheses fitted with `models`: complete case, weighted, MICE."""
    table = results[results["model"].isin(models)].assign(label=lambda t: t["hypothesis_id"] + " " + t["term"])
    series = {"": "vollständige Fälle", "weighted_": "gewichtet", "mice_": "MICE"}
    ax = plots.coefficients(table, series, title=title)
    show(ax, alt=f"Koeffizienten mit 95-%-Intervallen: {', '.join(table['label'])}", note=caption(int(table["n"].max()), provenance))


def slide_maturity(responses: pd.DataFrame, provenance: dict) -> None:
    values = maturity.index(responses).dropna()
    ax = plots.histogram(values, bins=20, title="Digitaler Reifegrad der Kommunen", xlabel="Reifegrad-Index (0–100)")
    show(
        ax,
        alt=(f"Histogramm des Reifegrad-Index: Median {fmt.number(values.median())}, die Hälfte der Kommunen "
             f"liegt zwischen {fmt.number(values.quantile(0.25))} und {fmt.number(values.quantile(0.75))}."),  # fmt: skip
        note=caption(len(values), provenance, "Index aus dem Stand von 14 Angeboten und dem Anteil der OZG-Leistungen online"),
    )


# --- Kommunentypen -------------------------------------------------------------------------------
def slide_types_overview(members: pd.Series, provenance: dict) -> None:
    counts = members.value_counts()
    table = suppress(pd.DataFrame({"label": counts.index, "n": counts.to_numpy()}))
    ax = plots.count_bars(table, title="Kommunentypen nach ihren Digitalisierungszielen")
    shown = table[~table["suppressed"]]
    show(
        ax,
        alt="Balken je Kommunentyp: " + ", ".join(f"{r.label} {r.n}" for r in shown.itertuples()) + ".",
        note=caption(int(counts.sum()), provenance, "Typen nach den Prioritäten der Ziele (k-Means, je Kommune standardisiert)"),
    )


def slide_type(name: str, profiles: pd.DataFrame, provenance: dict) -> None:
    """One type's Steckbrief: goal profile chart and key figures, or a suppression notice."""
    if name not in profiles.index or profiles.loc[name, "n"] < config.MIN_CELL_N:
        display(HTML(f"<p>Weniger als {config.MIN_CELL_N} Kommunen dieses Typs: nicht ausgewiesen.</p>"))
        return
    p = profiles.loc[name]
    goals = p[[c for c in p.index if c.startswith("Ziel: ")]].astype(float).sort_values(ascending=False)
    table = pd.DataFrame({"label": [g.removeprefix("Ziel: ") for g in goals.index], "n": goals.to_numpy(),
                          "suppressed": False})  # fmt: skip
    ax = plots.count_bars(table, title=f"{name}: Wichtigkeit der Ziele (1–5)", decimals=1)
    ax.set_xlabel("mittlere Wichtigkeit (1 = unwichtig, 5 = sehr wichtig)")
    obstacles = p[[c for c in p.index if c.startswith("starkes Hemmnis: ")]].astype(float).sort_values(ascending=False)
    facts = (
        f"<ul><li>{fmt.number(p['n'])} Kommunen; häufigste Größenklasse: {html.escape(str(p['häufigste Größenklasse']))}; "
        f"Länder: {html.escape(str(p['häufigste Länder']))}</li>"
        f"<li>Reifegrad im Mittel {fmt.number(p['Reifegrad (Mittel)'])} von 100; Strategie beschlossen: "
        f"{fmt.percent(p['Strategie beschlossen'])}; CDO/Stabsstelle: {fmt.percent(p['CDO/Stabsstelle'])}</li>"
        f"<li>Größtes Hemmnis: {html.escape(obstacles.index[0].removeprefix('starkes Hemmnis: '))} "
        f"({fmt.percent(obstacles.iloc[0])} stark oder sehr stark)</li></ul>"
    )
    display(HTML(facts))
    show(ax, alt=f"Balken der Zielwichtigkeit für {name}; am wichtigsten: {table['label'].iloc[0]}, {table['label'].iloc[1]}.",
         note=caption(int(p["n"]), provenance))  # fmt: skip
