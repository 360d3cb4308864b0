"""The briefing slides: one function per slide, each showing its n and data status, small cells
suppressed, free text escaped. A slide shows one `deck.Deck`: all of Germany or one subgroup;
in a suppressed subgroup a slide shows a notice instead of figures.
"""

from __future__ import annotations

import base64
import html
from functools import wraps

import numpy as np
import pandas as pd
from IPython.display import HTML

from .. import codebook, config, examples, fmt, maturity, plan, settings, typology, weighting
from . import catalogue, labels, plots, status, tables
from .deck import Deck, deck_margins


# --- formatting ----------------------------------------------------------------------------------
def caption(d: Deck, n: int, extra: str = "") -> str:
    """n, the subgroup, an optional note and the data status: the caption of every figure."""
    parts = [] if d.by is None else [d.area]
    parts.append(f"n = {fmt.number(n)} Kommunen")
    if extra:
        parts.append(extra)
    if d.simulated:
        parts.append(status.SIMULATED_SHORT)
    return " · ".join(parts)


def figure_html(ax, *, alt: str, note: str) -> str:
    """A chart as an inline PNG <figure> with alt text and its caption (n and data status)."""
    data = base64.b64encode(plots.png(ax.figure)).decode("ascii")
    return (
        f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(note)}</figcaption></figure>"
    )


def show(ax, *, alt: str, note: str) -> HTML:
    """A chart with its alt text and caption, for display in a notebook."""
    return HTML(figure_html(ax, alt=alt, note=note))


def html_table(table: pd.DataFrame, *, numeric: tuple[str, ...] = ()) -> str:
    """A table of already formatted values as escaped HTML; `numeric` columns right-aligned."""

    def cell(tag: str, col: str, value) -> str:
        cls = ' class="num"' if col in numeric else ""
        return f"<{tag}{cls}>{html.escape('' if pd.isna(value) else str(value))}</{tag}>"

    head = "".join(cell("th", c, c) for c in table.columns)
    body = "\n".join("<tr>" + "".join(cell("td", c, v) for c, v in zip(table.columns, row)) + "</tr>"
                     for row in table.itertuples(index=False))  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def notice(text: str, *, kind: str = "") -> str:
    return f'<p class="notice {kind}">{html.escape(text)}</p>'


def figures(slide):
    """Slide decorator: in a suppressed subgroup the slide shows the notice, never figures."""

    @wraps(slide)
    def wrapper(d: Deck, *args, **kwargs):
        if d.suppressed:
            return HTML(notice(suppression_text(d)))
        return slide(d, *args, **kwargs)

    return wrapper


def n_text(d: Deck) -> str:
    """ "360 Kommunen", or "weniger als 3 Kommunen": a small subgroup's exact n is not shown."""
    return f"weniger als {settings.MIN_CELL_N} Kommunen" if d.suppressed else f"{fmt.number(d.n)} Kommunen"


def suppression_text(d: Deck) -> str:
    return (f"{d.area}: {n_text(d)} haben geantwortet. Ergebnisse für weniger als {settings.MIN_CELL_N} "
            "Kommunen werden zum Schutz der Antwortenden nicht ausgewiesen.")  # fmt: skip


# --- title, key points, methods ------------------------------------------------------------------
def title(d: Deck) -> HTML:
    """Title slide: survey, area, data status, n, fieldwork, register vintage."""
    parts: list[str] = []
    cb = codebook.load()
    p = d.provenance
    kind = "status-simulated" if d.simulated else ""
    lines = [
        f"<h1>{html.escape(cb.title_de)}</h1>",
        f"<h2>Erste Auswertung der Umfrage · {html.escape(d.area)}</h2>",
        f'<p class="notice {kind}">{html.escape(status.status_text(p))}</p>',
        "<ul>",
        f"<li><strong>{n_text(d)}</strong> ausgewertet"
        + ("" if d.by is None else f" (von {fmt.number(len(d.everyone))} insgesamt)")
        + f"; {fmt.number(p['n_raw'])} Antworten im Export</li>",
        f"<li>Feldzeit: {status.fieldwork(d.everyone)}</li>",
        "<li>Vergleichsrahmen: Gemeindeverzeichnis des Statistischen Bundesamts, Gebietsstand "
        f"{status.register_vintage(p)}</li>",
        "<li>Pfeiltasten: weiter und zurück · Taste Esc: Übersicht aller Folien</li>",
        "</ul>",
    ]
    parts.append("\n".join(lines))
    if d.suppressed:
        parts.append(notice(suppression_text(d)))
    return HTML("\n".join(parts))


@figures
def key_points(d: Deck) -> HTML:
    """The most important findings in four sentences, each with its n."""
    parts: list[str] = []
    r = d.responses
    importance = r["digital_importance"].dropna()
    obstacles, n_obst = tables.item_shares(r, "E01", sort_by=["starkes Hemmnis", "sehr starkes Hemmnis"])
    offers, n_off = tables.item_shares(r, "D01", sort_by=["in Betrieb"])
    shares = tables.suppress(d.shares)
    points = [
        f"{fmt.number(d.n)} Kommunen haben geantwortet: "
        + ", ".join(
            f"{k} {fmt.number(v)}"
            for k, v in r["unit_type"].astype(object).value_counts().items()
            if v >= settings.MIN_CELL_N
        )
    ]
    if len(importance) >= settings.MIN_CELL_N:
        points.append(
            f"{fmt.percent((importance >= 4).mean())} geben der digitalen Transformation hohen oder sehr hohen "
            f"Stellenwert (n = {fmt.number(len(importance))})."
        )
    if len(obstacles):
        strong = obstacles.iloc[0][["starkes Hemmnis", "sehr starkes Hemmnis"]].sum()
        points.append(
            f"Größtes Hemmnis: {obstacles.index[0]} ({fmt.percent(strong)} starkes oder sehr starkes Hemmnis, "
            f"n = {fmt.number(n_obst.iloc[0])})."
        )
    if len(offers):
        points.append(
            f"Am häufigsten in Betrieb: {offers.index[0]} ({fmt.percent(offers.iloc[0]['in Betrieb'])}); "
            f"am seltensten: {offers.index[-1]} ({fmt.percent(offers.iloc[-1]['in Betrieb'])})."
        )
    strategy = shares[shares["indicator"] == "strategy_adopted"].iloc[0]
    if not strategy["suppressed"]:
        points.append(
            f"Eine Digitalisierungsstrategie haben {fmt.percent(strategy['municipalities_estimate'])} der Kommunen "
            f"beschlossen (gewichtet, 95 %: {fmt.percent(strategy['municipalities_ci_low'])} bis "
            f"{fmt.percent(strategy['municipalities_ci_high'])})."
        )
    parts.append("<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in points) + "</ul>")
    parts.append(f'<p class="small">{html.escape(caption(d, d.n))}</p>')
    return HTML("\n".join(parts))


def methods(d: Deck) -> HTML:
    """The methods slide: self-selection, weighting, suppression, cleaning, privacy."""
    parts: list[str] = []
    points = [
        "Offene Umfrage mit selbst gewählter Teilnahme: größere und digital aktive Kommunen antworten häufiger. "
        "Die Ergebnisse beschreiben die antwortenden Kommunen; sie sind keine Zufallsstichprobe.",
        "Diagramme zu Stellenwert, Hemmnissen, Angeboten und Reifegrad zeigen ungewichtete Anteile der antwortenden Kommunen.",
        "Die Kennzahlen zeigen zusätzlich gewichtete Anteile: je Gruppe (Gemeinden, Landkreise, Gemeindeverbände) an Land "
        "und Größenklasse des Gemeindeverzeichnisses angepasst (Raking mit begrenzten Gewichten). Die Gewichtung gleicht nur "
        "aus, was Land und Größe erklären; wer aus Interesse an Digitalisierung antwortet, bleibt überrepräsentiert.",
        "Anteil der Einwohner: nur Gemeinden, einwohnergewichtet je Größenklasse und mit den Einwohnerzahlen des "
        "Verzeichnisses zusammengefasst.",
        f"Gruppen und Zellen mit weniger als {settings.MIN_CELL_N} Kommunen werden nicht ausgewiesen, auch in den Foliensätzen "
        "für Länder, Größenklassen und Kommunentypen.",
        "Hypothesen wurden vorab festgelegt und bundesweit geprüft; „bestätigt“ heißt: Effekt in der erwarteten Richtung und "
        "nach Korrektur für mehrfaches Testen (Holm) signifikant. Zusammenhänge sind keine Wirkungsnachweise.",
        "Testeingaben, zu schnelle oder überall gleiche Antworten und doppelte Teilnahmen sind entfernt; jede Änderung steht "
        "im Prüfprotokoll. E-Mail-Adressen und Namen erscheinen in keiner Auswertung; Kommunen werden nur mit Einverständnis genannt.",
        "Intervalle: 95-%-Konfidenzintervalle. Zahlen im deutschen Format (1.234,5; 12 %).",
    ]
    parts.append("<ul class='small'>" + "".join(f"<li>{html.escape(p)}</li>" for p in points) + "</ul>")
    parts.append(f'<p class="small">{html.escape(status.register_note(d.provenance))}</p>')
    parts.append(notice(status.status_text(d.provenance), kind="status-simulated" if d.simulated else ""))
    return HTML("\n".join(parts))


# --- who answered --------------------------------------------------------------------------------
@figures
def slide_respondents(d: Deck, column: str, *, title: str) -> HTML:
    parts: list[str] = []
    if d.by is not None and plan.SUBGROUPS[d.by][0] == column:
        parts.append(f"<p>Dieser Foliensatz zeigt nur: {html.escape(d.area)} ({fmt.number(d.n)} Kommunen).</p>")
        return HTML("\n".join(parts))
    table = tables.respondents_by(d.responses, column)
    ax = plots.count_bars(table, title=title)
    shown = table[~table["suppressed"]].sort_values("n", ascending=False)
    top = ", ".join(f"{r.label} ({r.n})" for r in shown.head(3).itertuples()) or "keine Gruppe ausgewiesen"
    hidden = int(table["suppressed"].sum())
    extra = f"{hidden} Gruppe(n) mit weniger als {settings.MIN_CELL_N} Kommunen unterdrückt" if hidden else ""
    parts.append(figure_html(ax, alt=f"Balkendiagramm: {title}. Am häufigsten: {top}.", note=caption(d, d.n, extra)))
    return HTML("\n".join(parts))


def completion_table(d: Deck) -> HTML:
    """The completion table (always of the whole export)."""
    table = labels.german(tables.completion(d.everyone, d.audit, d.provenance))
    return HTML(html_table(table.assign(Anzahl=table["Anzahl"].map(fmt.number)), numeric=("Anzahl",)))


# --- weighting -----------------------------------------------------------------------------------
@figures
def slide_sample_vs_register(d: Deck) -> HTML:
    parts: list[str] = []
    column = "land" if d.by == "size" else "size"
    table = weighting.composition(d.weighting, deck_margins(d), column, domain=d.domain)
    what = "Größenklasse" if column == "size" else "Land"
    shown = table[["register_share", "sample_share", "weighted_share"]].rename(
        columns={
            "register_share": "alle Gemeinden (Verzeichnis)",
            "sample_share": "Antworten",
            "weighted_share": "Antworten gewichtet",
        }
    )
    ax = plots.grouped_shares(
        shown, title=f"Wer geantwortet hat – und wie {'Deutschland' if d.by in (None, 'type') else d.area} aussieht"
    )
    ax.set_xlabel(f"Anteil der Gemeinden je {what}")
    first = table.index[int(np.argmax(table["register_share"].to_numpy()))]
    sample = table.loc[first, "sample_share"]
    hidden = int(table["is_suppressed"].sum())
    extra = f"{hidden} Zelle(n) mit weniger als {settings.MIN_CELL_N} Antworten unterdrückt · " if hidden else ""
    parts.append(
        figure_html(
            ax,
            alt=(
                f"Balken je {what}: {fmt.percent(table.loc[first, 'register_share'])} der Gemeinden im Verzeichnis gehören zu "
                f"„{first}“, unter den Antworten sind es "
                f"{'weniger als drei Kommunen' if pd.isna(sample) else fmt.percent(sample)}."
            ),
            note=caption(
                d,
                int(table["n"].sum()),
                extra + "nur Gemeinden und kreisfreie Städte · " + status.register_note(d.provenance),
            ),
        )
    )
    return HTML("\n".join(parts))


def _interval(p: float, lo: float, hi: float) -> str:
    if pd.isna(p):
        return "nicht schätzbar"
    return f"{fmt.percent(p)} ({fmt.number(100 * lo)}–{fmt.percent(hi)})"


def headline_table(d: Deck) -> HTML:
    """Headline shares unweighted, of municipalities and of residents, German format."""
    table = tables.suppress(d.shares)
    out = pd.DataFrame({"Kennzahl": table["indicator"].map(labels.headline), "n": table["n"].map(fmt.number)})
    series = {prefix: legend for prefix, (legend, _) in labels.HEADLINE_SERIES.items()}
    for prefix, legend in series.items():
        out[legend] = [
            "unterdrückt" if hidden else _interval(p, lo, hi)
            for p, lo, hi, hidden in zip(table[f"{prefix}estimate"], table[f"{prefix}ci_low"],
                                         table[f"{prefix}ci_high"], table["suppressed"])
        ]  # fmt: skip
    return HTML(html_table(out, numeric=("n", *series.values())))


@figures
def slide_headlines(d: Deck) -> HTML:
    parts: list[str] = []
    table = tables.suppress(d.shares)
    table = table[~table["suppressed"]].assign(label=lambda t: t["indicator"].map(labels.headline))
    if table.empty:
        parts.append(notice(f"Keine Kennzahl mit mindestens {settings.MIN_CELL_N} Antworten."))
        return HTML("\n".join(parts))
    series = {prefix: legend for prefix, (legend, _) in labels.HEADLINE_SERIES.items()}
    ax = plots.interval_dots(table, series, title="Kennzahlen: ungewichtet und gewichtet")
    ax.set_xlabel("Anteil mit 95-%-Konfidenzintervall")
    first = table.iloc[0]
    residents = "nicht schätzbar" if pd.isna(first["residents_estimate"]) else fmt.percent(first["residents_estimate"])
    extra = "Anteil der Einwohner je Kommunentyp nicht schätzbar · " if d.by == "type" else ""
    parts.append(
        figure_html(
            ax,
            alt=(
                f"Punkte mit Intervallen für {len(table)} Kennzahlen. Beispiel {first['label']}: "
                f"{fmt.percent(first['unweighted_estimate'])} der Antworten, "
                f"{fmt.percent(first['municipalities_estimate'])} der Kommunen "
                f"und {residents} der Einwohner (gewichtet)."
            ),
            note=caption(d, int(table["n"].max()), extra + status.register_note(d.provenance)),
        )
    )
    return HTML("\n".join(parts))


def weight_table(d: Deck) -> HTML:
    """Weights per group: n, register units, range, design effect."""
    t = weighting.weight_summary(d.weighting)
    out = pd.DataFrame({
        "Gruppe": t["group"], "n": t["n"].map(fmt.number),
        "Einheiten im Verzeichnis": t["register_units"].map(fmt.number),
        "Gewicht min–max": [f"{fmt.number(a, 1)}–{fmt.number(b, 1)}" for a, b in zip(t["weight_min"], t["weight_max"])],
        "Designeffekt (Kish)": t["kish_deff"].map(lambda v: fmt.number(v, 2)),
    })  # fmt: skip
    return HTML(html_table(out, numeric=("n", "Einheiten im Verzeichnis", "Gewicht min–max", "Designeffekt (Kish)")))


# --- answers -------------------------------------------------------------------------------------
def shares_table(d: Deck, question_id: str, sort_by: list[str]) -> HTML:
    """A grid question's answer shares per item, with n, as an appendix table."""
    shares, ns = tables.item_shares(d.responses, question_id, sort_by=sort_by)
    out = shares.map(fmt.percent).reset_index(names="Aussage")
    out.insert(1, "n", ns.map(fmt.number).to_numpy())
    return HTML(html_table(out, numeric=tuple(out.columns[1:])))


@figures
def slide_importance(d: Deck) -> HTML:
    parts: list[str] = []
    values = d.responses["digital_importance"].dropna()
    scale = codebook.load().scales["importance"].codes
    table = tables.suppress(
        pd.DataFrame({"label": list(scale.values()), "n": [int((values == int(c)).sum()) for c in scale]})
    )
    ax = plots.count_bars(table, title="Stellenwert der digitalen Transformation im Verwaltungsalltag")
    high = fmt.percent((values >= 4).mean()) if len(values) else "–"
    mean = f"Mittelwert {fmt.number(values.mean(), 1)} auf der Skala 1 bis 5" if len(values) else ""
    parts.append(
        figure_html(
            ax,
            alt=f"Balkendiagramm: {high} der Kommunen geben der digitalen Transformation hohen oder sehr hohen Stellenwert.",
            note=caption(d, len(values), mean),
        )
    )
    return HTML("\n".join(parts))


def _grid_slide(d: Deck, question_id: str, sort_by: list[str], *, title: str, xlabel: str, alt, note: str,
                diverging_at: int | None = None) -> HTML:  # fmt: skip
    parts: list[str] = []
    shares, ns = tables.item_shares(d.responses, question_id, sort_by=sort_by)
    if shares.empty:
        parts.append(notice(f"Keine Aussage mit mindestens {settings.MIN_CELL_N} Antworten."))
        return HTML("\n".join(parts))
    ax = plots.stacked_shares(shares, diverging_at=diverging_at, title=title)
    ax.set_xlabel(xlabel)
    answered = d.responses[[v.name for v in codebook.load().question(question_id)]].notna().any(axis=1).sum()
    parts.append(
        figure_html(ax, alt=alt(shares), note=caption(d, int(answered), f"{note} {fmt.number(ns.min())} Antworten"))
    )
    return HTML("\n".join(parts))


@figures
def slide_obstacles(d: Deck) -> HTML:
    strong = ["starkes Hemmnis", "sehr starkes Hemmnis"]
    return _grid_slide(
        d, "E01", strong, title="Hemmnisse der Digitalisierung", diverging_at=2,
        xlabel="Anteil der Kommunen (links: kein oder geringes Hemmnis)",
        alt=lambda s: (f"Gestapelte Balken der Hemmnisse. Am stärksten: {s.index[0]} "
                       f"({fmt.percent(s.iloc[0][strong].sum())} starkes oder sehr starkes Hemmnis); am schwächsten: "
                       f"{s.index[-1]} ({fmt.percent(s.iloc[-1][strong].sum())})."),
        note="sortiert nach Anteil „starkes“ und „sehr starkes Hemmnis“; je Aussage mindestens",
    )  # fmt: skip


@figures
def slide_offers(d: Deck) -> HTML:
    return _grid_slide(
        d, "D01", ["in Betrieb"], title="Stand der digitalen Angebote", xlabel="Anteil der Kommunen",
        alt=lambda s: (f"Gestapelte Balken zum Stand von {len(s)} digitalen Angeboten. Am häufigsten in Betrieb: "
                       f"{s.index[0]} ({fmt.percent(s.iloc[0]['in Betrieb'])}); am seltensten: {s.index[-1]} "
                       f"({fmt.percent(s.iloc[-1]['in Betrieb'])})."),
        note="sortiert nach Anteil „in Betrieb“; je Angebot mindestens",
    )  # fmt: skip


@figures
def slide_offer_effects(d: Deck) -> HTML:
    strong = ["deutliche Wirkung", "sehr starke Wirkung"]
    return _grid_slide(
        d, "D02", strong, title="Wirkung der Angebote auf die Lebensqualität", diverging_at=2,
        xlabel="Anteil der Kommunen mit dem Angebot in Betrieb (links: keine oder geringe Wirkung)",
        alt=lambda s: (f"Gestapelte Balken zur Wirkung von {len(s)} Angeboten auf die Lebensqualität. Stärkste Wirkung: "
                       f"{s.index[0]} ({fmt.percent(s.iloc[0][strong].sum())} deutliche oder sehr starke Wirkung); "
                       f"schwächste: {s.index[-1]} ({fmt.percent(s.iloc[-1][strong].sum())})."),
        note="nur Kommunen, bei denen das Angebot in Betrieb ist; je Angebot mindestens",
    )  # fmt: skip


# --- maturity and hypotheses ---------------------------------------------------------------------
@figures
def slide_maturity(d: Deck) -> HTML:
    parts: list[str] = []
    values = maturity.index(d.responses).dropna()
    if len(values) < settings.MIN_CELL_N:
        parts.append(notice(f"Weniger als {settings.MIN_CELL_N} Kommunen mit Reifegrad: nicht ausgewiesen."))
        return HTML("\n".join(parts))
    ax = plots.histogram(values, bins=20, title="Digitaler Reifegrad der Kommunen", xlabel="Reifegrad-Index (0–100)")
    parts.append(
        figure_html(
            ax,
            alt=(
                f"Histogramm des Reifegrad-Index: Median {fmt.number(values.median())}, die Hälfte der Kommunen "
                f"liegt zwischen {fmt.number(values.quantile(0.25))} und {fmt.number(values.quantile(0.75))}."
            ),  # fmt: skip
            note=caption(
                d, len(values), "Index aus dem Stand von 14 Angeboten und dem Anteil der OZG-Leistungen online"
            ),
        )
    )
    return HTML("\n".join(parts))


def plain_effect(row: pd.Series) -> str:
    """The tested effect in words, with its 95 % interval, German number format."""
    if pd.isna(row["estimate"]):
        return "–"
    if row["model"] == "ols":
        return (f"{fmt.number(row['estimate'], 2)} Standardabweichungen "
                f"(95 %: {fmt.number(row['ci_low'], 2)} bis {fmt.number(row['ci_high'], 2)})")  # fmt: skip
    odds = [fmt.number(float(np.exp(row[c])), 1) for c in ("estimate", "ci_low", "ci_high")]
    return f"Chance {odds[0]}-fach (95 %: {odds[1]} bis {odds[2]})"


def verdict_table(results: pd.DataFrame) -> HTML:
    """Hypotheses with verdict, effect in words and n."""
    table = pd.DataFrame(
        {
            "Hypothese": results["hypothesis_id"] + ": " + results["statement_de"],
            "Ergebnis": results["verdict_de"],
            "Effekt": results.apply(plain_effect, axis=1),
            "n": results["n"].map(fmt.number),
        }
    )
    return HTML(html_table(table, numeric=("n",)))


def slide_verdicts(d: Deck) -> HTML:
    """Hypothesis verdicts: always of all of Germany (subgroups are too small to test)."""
    parts: list[str] = []
    parts.append(verdict_table(d.results).data)
    scope = "bundesweit, alle antwortenden Kommunen" + ("" if d.by is None else " (nicht nur dieser Foliensatz)")
    parts.append(f'<p class="small">{html.escape(scope)}{" · " + status.SIMULATED_SHORT if d.simulated else ""}</p>')
    return HTML("\n".join(parts))


def hypotheses_table(d: Deck) -> HTML:
    """Appendix: each tested coefficient with complete-case, weighted and MICE estimates and p-values."""
    r = d.results
    num = lambda v, k=2: "–" if pd.isna(v) else fmt.number(v, k)  # noqa: E731
    out = pd.DataFrame({
        "Hypothese": r["hypothesis_id"], "Modell": r["model"], "Term": r["term"],
        "Schätzer": r["estimate"].map(num), "p (Holm)": r["p_holm"].map(lambda v: num(v, 3)),
        "gewichtet": r["weighted_estimate"].map(num), "MICE": r["mice_estimate"].map(num), "n": r["n"].map(fmt.number),
    })  # fmt: skip
    return HTML(html_table(out, numeric=("Schätzer", "p (Holm)", "gewichtet", "MICE", "n")))


def coefficient_chart(results: pd.DataFrame, models: tuple[str, ...], provenance: dict, *, title: str) -> HTML:
    """Tested coefficients of the hypotheses fitted with `models`: complete case, weighted, MICE."""
    parts: list[str] = []
    table = results[results["model"].isin(models)].assign(label=lambda t: t["hypothesis_id"] + " " + t["term"])
    series = {"": "vollständige Fälle", "weighted_": "gewichtet", "mice_": "MICE"}
    ax = plots.coefficients(table, series, title=title)
    note = f"n = {fmt.number(int(table['n'].max()))} Kommunen" + (
        " · " + status.SIMULATED_SHORT if status.is_simulated(provenance) else ""
    )
    parts.append(figure_html(ax, alt=f"Koeffizienten mit 95-%-Intervallen: {', '.join(table['label'])}", note=note))
    return HTML("\n".join(parts))


# --- Kommunentypen -------------------------------------------------------------------------------
@figures
def slide_types_overview(d: Deck) -> HTML:
    parts: list[str] = []
    members = d.members[d.members.index.isin(d.responses.index)]
    counts = members.value_counts()
    table = tables.suppress(pd.DataFrame({"label": counts.index, "n": counts.to_numpy()}))
    if d.by == "type":
        parts.append(f"<p>Dieser Foliensatz zeigt nur: {html.escape(d.area)} ({fmt.number(d.n)} Kommunen).</p>")
        return HTML("\n".join(parts))
    ax = plots.count_bars(table, title="Kommunentypen nach ihren Digitalisierungszielen")
    shown = table[~table["suppressed"]]
    parts.append(
        figure_html(
            ax,
            alt="Balken je Kommunentyp: "
            + (", ".join(f"{r.label} {r.n}" for r in shown.itertuples()) or "keiner ausgewiesen")
            + ".",
            note=caption(
                d, int(counts.sum()), "Typen nach den Prioritäten der Ziele (k-Means, je Kommune standardisiert)"
            ),
        )
    )
    return HTML("\n".join(parts))


@figures
def slide_type(d: Deck, position: int) -> HTML:
    """The Steckbrief of the codebook's `position`-th Kommunentyp (from 0) within the deck's area:
    goal profile and key figures, or a notice."""
    parts: list[str] = []
    name = list(typology.SIGNATURES)[position]
    profiles = d.profiles
    if name not in profiles.index or profiles.loc[name, "n"] < settings.MIN_CELL_N:
        parts.append(notice(f"Weniger als {settings.MIN_CELL_N} Kommunen dieses Typs: nicht ausgewiesen."))
        return HTML("\n".join(parts))
    p = profiles.loc[name]
    cb = codebook.load()
    goals = p[[f"mean_{v.name}" for v in cb.question("F01")]].astype(float).sort_values(ascending=False)
    table = pd.DataFrame({"label": [cb.label(g.removeprefix("mean_")) for g in goals.index], "n": goals.to_numpy(),
                          "suppressed": False})  # fmt: skip
    ax = plots.count_bars(table, title=f"{name}: Wichtigkeit der Ziele (1–5)", decimals=1)
    ax.set_xlabel("mittlere Wichtigkeit (1 = unwichtig, 5 = sehr wichtig)")
    obstacles = p[[f"share_strong_{v.name}" for v in cb.question("E01")]].astype(float).sort_values(ascending=False)
    strongest = cb.label(obstacles.index[0].removeprefix("share_strong_"))
    facts = [
        f"{fmt.number(p['n'])} Kommunen; häufigste Größenklasse: {p['top_size_class']}; Länder: {p['top_laender']}",
        f"Reifegrad im Mittel {fmt.number(p['mean_maturity_index'])} von 100; Strategie beschlossen: "
        f"{fmt.percent(p['share_strategy_adopted'])}; CDO/Stabsstelle: {fmt.percent(p['share_has_cdo'])}",
        f"Größtes Hemmnis: {strongest} ({fmt.percent(obstacles.iloc[0])} stark oder sehr stark)",
    ]
    parts.append("<ul class='small'>" + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul>")
    parts.append(
        figure_html(
            ax,
            alt=f"Balken der Zielwichtigkeit für {name}; am wichtigsten: {table['label'].iloc[0]}, {table['label'].iloc[1]}.",
            note=caption(d, int(p["n"])),
        )
    )
    return HTML("\n".join(parts))


# --- good examples -------------------------------------------------------------------------------
#: Offerings in the exchange table of a deck: those with the most planning municipalities.
EXCHANGE_ROWS = 8


def quote_sources(quotes: pd.DataFrame) -> pd.Series:
    """Who said each quote of `examples.quotes`: the municipality and its Land with consent,
    else a coarse profile."""
    return pd.Series(
        [f"{k.name} ({k.land})" if k.named else "ohne Namen: " + catalogue.profile_text(k.unit_type, k.size_class, k.land)
         for k in quotes.itertuples()],
        index=quotes.index, dtype=object,
    )  # fmt: skip


@figures
def slide_example_topics(d: Deck) -> HTML:
    parts: list[str] = []
    n_examples = int(d.coding["response_id"].nunique())
    if n_examples < settings.MIN_CELL_N:
        parts.append(
            notice(f"Weniger als {settings.MIN_CELL_N} Kommunen haben hier ein Beispiel genannt: nicht ausgewiesen.")
        )
        return HTML("\n".join(parts))
    counts = examples.category_counts(d.coding)
    table = counts.assign(suppressed=counts["n"] < settings.MIN_CELL_N)
    ax = plots.count_bars(table, title="Gute Beispiele nach Thema")
    ax.set_xlabel("Anzahl Kommunen mit Beispiel")
    top = ", ".join(f"{r.label} ({r.n})" for r in table[~table["suppressed"]].head(3).itertuples())
    hidden = int(table["suppressed"].sum())
    extra = "ein Beispiel kann mehrere Themen haben; Zuordnung per Wörterbuch" + (
        f"; {hidden} Thema/Themen mit weniger als {settings.MIN_CELL_N} Beispielen ohne Zahl" if hidden else ""
    )
    parts.append(
        figure_html(
            ax,
            alt=f"Balkendiagramm der Themen guter Beispiele. Am häufigsten: {top or 'keines ausgewiesen'}.",
            note=caption(d, n_examples, extra),
        )
    )
    return HTML("\n".join(parts))


@figures
def slide_examples(d: Deck) -> HTML:
    parts: list[str] = []
    quotes = examples.quotes(d.responses, d.consented, d.coding, d.margins)
    n_examples = int(d.coding["response_id"].nunique())
    if quotes.empty:
        parts.append(notice("Keine Beispiele in diesem Foliensatz."))
        return HTML("\n".join(parts))
    if n_examples < settings.MIN_CELL_N:
        parts.append(
            notice(f"Weniger als {settings.MIN_CELL_N} Kommunen haben hier ein Beispiel genannt: nicht ausgewiesen.")
        )
        return HTML("\n".join(parts))
    parts.append("\n".join(
        f'<blockquote class="example"><p>{html.escape(text)}</p><cite>– {html.escape(wer)}</cite></blockquote>'
        for text, wer in zip(quotes["text"], quote_sources(quotes))
    ))  # fmt: skip
    rule = (f"{fmt.number(n_examples)} Kommunen haben ein Beispiel genannt; gezeigt: je eines aus den {examples.MAX_QUOTES} "
            "häufigsten Themen, von der Kommune mit dem höchsten Reifegrad. Namentlich nur mit Einverständnis, sonst "
            f"nach Art, Größe und Land, nur so genau, dass mindestens {settings.MIN_CELL_N} Kommunen darauf passen. "
            f"Alle Beispiele: {config.EXAMPLES_DIR}/{config.CATALOGUE_HTML}")  # fmt: skip
    parts.append(f'<p class="small">{html.escape(caption(d, n_examples, rule))}</p>')
    return HTML("\n".join(parts))


@figures
def slide_exchange(d: Deck) -> HTML:
    parts: list[str] = []
    summary = examples.exchange_summary(d.pairs, d.responses, d.consented)
    summary = summary[summary["planners"] >= settings.MIN_CELL_N].head(EXCHANGE_ROWS)
    if summary.empty:
        parts.append(
            notice(f"Kein Angebot wird hier von mindestens {settings.MIN_CELL_N} Kommunen geplant: nicht ausgewiesen.")
        )
        return HTML("\n".join(parts))
    lead = summary[summary["peers"] >= settings.MIN_CELL_N].head(1)
    for r in lead.itertuples():
        parts.append(f"<p>Für {fmt.number(r.planners)} Kommunen, die „{html.escape(r.label)}“ planen oder umsetzen, gibt es "
            f"{fmt.number(r.peers)} Vorreiter ähnlicher Größe, die es schon betreiben und genannt werden dürfen.</p>")  # fmt: skip
    parts.append(
        html_table(catalogue.shown_counts(summary), numeric=tuple(catalogue.EXCHANGE_SUMMARY_COLUMNS.values())[1:])
    )
    note = (f"die {len(summary)} Angebote mit den meisten planenden Kommunen; Vorreiter: dieselbe Art von Kommune, "
            "betreibt das Angebot, hat der Nennung zugestimmt; ähnliche Größe: höchstens doppelt oder halb so viele "
            f"Einwohner; „–“: weniger als {settings.MIN_CELL_N}; Namen: {config.EXAMPLES_DIR}/{config.EXCHANGE_XLSX}")  # fmt: skip
    parts.append(f'<p class="small">{html.escape(caption(d, d.n, note))}</p>')
    return HTML("\n".join(parts))
