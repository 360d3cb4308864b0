"""The briefing slides: one function per slide, each returning the whole slide as HTML: a
heading that states the finding (computed from the deck's own data, so it is true in every
subgroup deck), an optional lead line, and the chart or table with its n and data status; small
cells suppressed, free text escaped. A slide shows one `deck.Deck`: all of Germany or one
subgroup; in a suppressed subgroup a slide shows a notice instead of figures. A slide with
nothing to show is left out of the deck (`omitted`); what was left out for too few answers is
listed once, on the `omissions` slide.
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
from .reveal import OMITTED_MARKER


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


def figure_html(ax, *, alt: str, note: str, height_in: float | None = None) -> str:
    """A chart as an inline PNG <figure> with alt text and its caption (n and data status);
    `height_in`: a lower chart, for a slide with more text. The image carries the size of its
    smallest text in image pixels (`data-text-px`: a page can check what a reader sees)."""
    fig = ax.figure
    if height_in is not None:
        fig.set_size_inches(fig.get_figwidth(), height_in)
    text_px = plots.smallest_text_px(fig)
    data = base64.b64encode(plots.png(fig)).decode("ascii")
    return (
        f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        f'data-text-px="{text_px:g}"><figcaption>{html.escape(note)}</figcaption></figure>'
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


def slide(heading: str, body: str | HTML = "", *, lead: str = "") -> HTML:
    """One slide: its heading (the finding), an optional lead line and its body (HTML)."""
    parts = [f"<h2>{html.escape(heading)}</h2>"]
    if lead:
        parts.append(f'<p class="lead">{html.escape(lead)}</p>')
    parts.append(body.data if isinstance(body, HTML) else body)
    return HTML("\n".join(p for p in parts if p))


def omitted(d: Deck, reason: str | None = None) -> HTML:
    """A slide with nothing to show in this deck: the export leaves it out. `reason` (without
    figures) is listed on the deck's one `omissions` slide."""
    if reason:
        d.omitted.append(reason)
    return HTML(f'<div class="omitted" {OMITTED_MARKER}=""></div>')


def omissions(d: Deck) -> HTML:
    """One notice for everything the deck leaves out for too few answers (instead of one empty
    slide each); left out itself when nothing was."""
    if not d.omitted:
        return omitted(d)
    items = "".join(f"<li>{html.escape(r)}</li>" for r in d.omitted)
    return slide(
        "Nicht ausgewiesen: zu wenige Antworten",
        f"<ul>{items}</ul>",
        lead=f"Zum Schutz der Antwortenden zeigt dieser Foliensatz keine Ergebnisse für weniger als "
        f"{settings.MIN_CELL_N} Kommunen:",
    )


#: More items than this tie for the top: the heading counts them instead of naming them.
MAX_NAMED = 3


def _names(items: list[str], what: str) -> str:
    """ "A", "A und B", "A, B und C"; more than `MAX_NAMED` as "4 Hemmnisse gleichauf" (`what`)."""
    if len(items) > MAX_NAMED:
        return f"{len(items)} {what} gleichauf"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " und " + items[-1]


def _leaders(values: pd.Series, formatted) -> tuple[list[str], str]:
    """The items of `values` whose formatted value equals the largest one (as a reader sees it:
    ties in the shown figure count as ties), and that figure ("je 59 %" for several)."""
    shown = values.map(formatted)
    top = shown[values.idxmax()]
    items = [str(i) for i in shown.index[shown == top]]
    return items, (f"je {top}" if len(items) > 1 else top)


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
        "<li>Pfeiltasten oder Wischen: weiter und zurück · Esc: alle Folien · Smartphone: Diagramm antippen "
        "für den Überblick</li>",
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
    return slide("Das Wichtigste in Kürze", "\n".join(parts))


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
    return slide("Hinweise zur Methode", "\n".join(parts))


# --- who answered --------------------------------------------------------------------------------
#: Headings of the respondents slides: column -> (finding with {top}, {n}, {total}; topic).
RESPONDENTS_HEADINGS = {
    "land_code": ("Die meisten Antworten kommen aus {top}: {n} von {total} Kommunen",
                  "Antwortende Kommunen nach Bundesland"),
    "unit_type": ("Die meisten Antworten: {top}, {n} von {total} Kommunen", "Antwortende Kommunen nach Art"),
    "size_class": ("Die meisten Antworten kommen von Kommunen mit {top} Einwohnern: {n} von {total}",
                   "Antwortende Kommunen nach Einwohnerzahl"),
}  # fmt: skip


@figures
def slide_respondents(d: Deck, column: str, *, lead: str = "") -> HTML:
    """Responding municipalities by one characteristic; left out in a deck of that grouping."""
    if d.by is not None and plan.SUBGROUPS[d.by][0] == column:
        return omitted(d)
    finding, topic = RESPONDENTS_HEADINGS[column]
    table = tables.respondents_by(d.responses, column)
    ax = plots.count_bars(table)
    shown = table[~table["suppressed"]].sort_values("n", ascending=False, kind="stable")
    top = ", ".join(f"{r.label} ({r.n})" for r in shown.head(3).itertuples()) or "keine Gruppe ausgewiesen"
    hidden = int(table["suppressed"].sum())
    extra = f"{hidden} Gruppe(n) mit weniger als {settings.MIN_CELL_N} Kommunen unterdrückt" if hidden else ""
    heading = topic
    if len(shown):
        leaders, n = _leaders(shown.set_index("label")["n"], fmt.number)
        heading = finding.format(top=_names(leaders, "Gruppen"), n=n, total=fmt.number(d.n))
    chart = figure_html(ax, alt=f"Balkendiagramm: {topic}. Am häufigsten: {top}.", note=caption(d, d.n, extra))
    return slide(heading, chart, lead=lead)


def completion_table(d: Deck) -> HTML:
    """The completion table (always of the whole export)."""
    table = labels.german(tables.completion(d.everyone, d.audit, d.provenance))
    return HTML(html_table(table.assign(Anzahl=table["Anzahl"].map(fmt.number)), numeric=("Anzahl",)))


# --- weighting -----------------------------------------------------------------------------------
@figures
def slide_sample_vs_register(d: Deck) -> HTML:
    """Composition of the answers against the register: the most under-represented group."""
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
    ax = plots.grouped_shares(shown)
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
    gap = (table["register_share"] - table["sample_share"]).dropna()
    heading = "Wer geantwortet hat – im Vergleich mit allen Gemeinden"
    if len(gap) and gap.max() >= 0.005:
        under = gap.idxmax()
        group = f"Gemeinden mit {under} Einwohnern" if column == "size" else f"Gemeinden in {under}"
        heading = (f"Unterrepräsentiert: {group} – {fmt.percent(table.loc[under, 'register_share'])} aller "
                   f"Gemeinden, aber {fmt.percent(table.loc[under, 'sample_share'])} der Antworten")  # fmt: skip
    return slide(heading, "\n".join(parts), lead="Die Gewichtung gleicht Unterschiede nach Land und Größenklasse aus.")


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
        return omitted(d, f"Kennzahlen: keine mit Antworten von mindestens {settings.MIN_CELL_N} Kommunen")
    series = {prefix: legend for prefix, (legend, _) in labels.HEADLINE_SERIES.items()}
    ax = plots.interval_dots(table, series)
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
    shift = (table["municipalities_estimate"] - table["unweighted_estimate"]).abs()
    heading = "Kennzahlen: Antworten, Kommunen, Einwohner"
    if shift.notna().any():
        row = table.loc[shift.idxmax()]
        heading = (f"Gewichtet ändert sich am meisten: {row['label']} – {fmt.percent(row['municipalities_estimate'])} "
                   f"der Kommunen, {fmt.percent(row['unweighted_estimate'])} der Antworten")  # fmt: skip
    return slide(heading, "\n".join(parts), lead="Ungewichtet (nur die Antworten), gewichtet als Anteil der "
                 "Kommunen und als Anteil der Einwohnerinnen und Einwohner.")  # fmt: skip


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
    if len(values) < settings.MIN_CELL_N:
        return omitted(d, f"Stellenwert der Digitalisierung: weniger als {settings.MIN_CELL_N} Antworten")
    ax = plots.count_bars(table)
    high = fmt.percent((values >= 4).mean())
    mean = f"Mittelwert {fmt.number(values.mean(), 1)} auf der Skala 1 bis 5" if len(values) else ""
    parts.append(
        figure_html(
            ax,
            alt=f"Balkendiagramm: {high} der Kommunen geben der digitalen Transformation hohen oder sehr hohen Stellenwert.",
            note=caption(d, len(values), mean),
        )
    )
    return slide(
        f"{high} geben der Digitalisierung hohen oder sehr hohen Stellenwert",
        "\n".join(parts),
        lead="Welchen Stellenwert hat die digitale Transformation im Verwaltungsalltag?",
    )


def _grid_slide(d: Deck, question_id: str, sort_by: list[str], *, topic: str, finding: str, lead: str,
                xlabel: str, alt, note: str, items_are: str, diverging_at: int | None = None) -> HTML:  # fmt: skip
    """A grid question's answer shares as stacked bars; `finding` is the heading, with {items}
    and {share}: the items with the largest share of the `sort_by` answers, and that share."""
    shares, ns = tables.item_shares(d.responses, question_id, sort_by=sort_by)
    if shares.empty:
        return omitted(d, f"{topic}: keine Aussage mit Antworten von mindestens {settings.MIN_CELL_N} Kommunen")
    ax = plots.stacked_shares(shares, diverging_at=diverging_at)
    ax.set_xlabel(xlabel)
    answered = d.responses[[v.name for v in codebook.load().question(question_id)]].notna().any(axis=1).sum()
    chart = figure_html(ax, alt=alt(shares), note=caption(d, int(answered), f"{note} {fmt.number(ns.min())} Antworten"))
    items, share = _leaders(shares[sort_by].sum(axis=1), fmt.percent)
    return slide(finding.format(items=_names(items, items_are), share=share), chart, lead=lead)


@figures
def slide_obstacles(d: Deck) -> HTML:
    strong = ["starkes Hemmnis", "sehr starkes Hemmnis"]
    return _grid_slide(
        d, "E01", strong, topic="Hemmnisse", diverging_at=2, items_are="Hemmnisse",
        finding="Am stärksten bremst: {items} – {share} sehen ein starkes oder sehr starkes Hemmnis",
        lead="Wie stark hemmen diese Faktoren die Digitalisierung in der eigenen Verwaltung?",
        xlabel="Anteil der Kommunen (links: kein oder geringes Hemmnis)",
        alt=lambda s: (f"Gestapelte Balken der Hemmnisse. Am stärksten: {s.index[0]} "
                       f"({fmt.percent(s.iloc[0][strong].sum())} starkes oder sehr starkes Hemmnis); am schwächsten: "
                       f"{s.index[-1]} ({fmt.percent(s.iloc[-1][strong].sum())})."),
        note="sortiert nach Anteil „starkes“ und „sehr starkes Hemmnis“; je Aussage mindestens",
    )  # fmt: skip


@figures
def slide_offers(d: Deck) -> HTML:
    return _grid_slide(
        d, "D01", ["in Betrieb"], topic="Stand der digitalen Angebote", xlabel="Anteil der Kommunen",
        items_are="Angebote",
        finding="Am häufigsten in Betrieb: {items} – bei {share} der Kommunen",
        lead="Stand von 14 digitalen Angeboten, von „nicht geplant“ bis „in Betrieb“.",
        alt=lambda s: (f"Gestapelte Balken zum Stand von {len(s)} digitalen Angeboten. Am häufigsten in Betrieb: "
                       f"{s.index[0]} ({fmt.percent(s.iloc[0]['in Betrieb'])}); am seltensten: {s.index[-1]} "
                       f"({fmt.percent(s.iloc[-1]['in Betrieb'])})."),
        note="sortiert nach Anteil „in Betrieb“; je Angebot mindestens",
    )  # fmt: skip


@figures
def slide_offer_effects(d: Deck) -> HTML:
    strong = ["deutliche Wirkung", "sehr starke Wirkung"]
    return _grid_slide(
        d, "D02", strong, topic="Wirkung der Angebote", diverging_at=2, items_are="Angebote",
        finding="Größte Wirkung auf die Lebensqualität: {items} – {share} sehen eine deutliche oder sehr starke",
        lead="Wie stark verbessern die Angebote, die in Betrieb sind, die Lebensqualität vor Ort?",
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
        return omitted(d, f"Digitaler Reifegrad: weniger als {settings.MIN_CELL_N} Kommunen mit Reifegrad")
    ax = plots.histogram(values, bins=20, xlabel="Reifegrad-Index (0–100)")
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
    return slide(
        f"Digitaler Reifegrad: im Median {fmt.number(values.median())} von 100, die mittlere Hälfte zwischen "
        f"{fmt.number(values.quantile(0.25))} und {fmt.number(values.quantile(0.75))}",
        "\n".join(parts),
        lead="Der Index fasst zusammen, wie weit 14 digitale Angebote sind und wie viele OZG-Leistungen online sind.",
    )


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
    confirmed = int((d.results["verdict_de"] == "bestätigt").sum())
    return slide(
        f"{confirmed} von {len(d.results)} vorab festgelegten Hypothesen bestätigt",
        "\n".join(parts),
        lead="Was hängt mit dem Reifegrad zusammen? Geprüft mit Kontrolle für Größe, Land und Art der Kommune.",
    )


def hypotheses_table(d: Deck) -> HTML:
    """Appendix: each tested coefficient with complete-case, weighted and MICE estimates and p-values."""
    r = d.results
    num = lambda v: "–" if pd.isna(v) else fmt.number(v, 2)  # noqa: E731
    out = pd.DataFrame({
        "Hypothese": r["hypothesis_id"], "Modell": r["model"].map(lambda m: labels.MODELS.get(m, m)),
        "geprüfter Zusammenhang": r["term"].map(labels.term),
        "Schätzer": r["estimate"].map(num), "p (Holm)": r["p_holm"].map(fmt.p_value),
        "gewichtet": r["weighted_estimate"].map(num), "MICE": r["mice_estimate"].map(num), "n": r["n"].map(fmt.number),
    })  # fmt: skip
    return HTML(html_table(out, numeric=("Schätzer", "p (Holm)", "gewichtet", "MICE", "n")))


def coefficient_chart(results: pd.DataFrame, models: tuple[str, ...], provenance: dict, *, title: str) -> HTML:
    """Tested coefficients of the hypotheses fitted with `models`: complete case, weighted, MICE."""
    parts: list[str] = []
    table = results[results["model"].isin(models)].assign(
        label=lambda t: t["hypothesis_id"] + ": " + t["term"].map(labels.term)
    )
    series = {"": "vollständige Fälle", "weighted_": "gewichtet", "mice_": "MICE"}
    ax = plots.coefficients(table, series)
    ax.set_xlabel(title)
    note = f"n = {fmt.number(int(table['n'].max()))} Kommunen" + (
        " · " + status.SIMULATED_SHORT if status.is_simulated(provenance) else ""
    )
    parts.append(figure_html(ax, alt=f"Koeffizienten mit 95-%-Intervallen: {', '.join(table['label'])}", note=note))
    return HTML("\n".join(parts))


# --- Kommunentypen -------------------------------------------------------------------------------
@figures
def slide_types_overview(d: Deck) -> HTML:
    """Kommunentypen in the deck's area; left out in a deck of one type."""
    parts: list[str] = []
    if d.by == "type":
        return omitted(d)
    members = d.members[d.members.index.isin(d.responses.index)]
    counts = members.value_counts()
    table = tables.suppress(pd.DataFrame({"label": counts.index, "n": counts.to_numpy()}))
    ax = plots.count_bars(table)
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
    typed = shown[shown["label"] != typology.NO_TYPE]
    heading = "Kommunentypen nach ihren Digitalisierungszielen"
    if len(typed):
        leaders, n = _leaders(typed.set_index("label")["n"], fmt.number)
        heading = (
            f"Häufigster Kommunentyp: {_names(leaders, 'Typen')} – {n} von {fmt.number(int(counts.sum()))} Kommunen"
        )
    lead = ("Was wollen Kommunen mit der Digitalisierung erreichen? Nach ihren wichtigsten Zielen lassen sich "
            f"{len(typology.SIGNATURES)} Typen unterscheiden (angelehnt an ÖFIT/KGSt).")  # fmt: skip
    return slide(heading, "\n".join(parts), lead=lead)


@figures
def slide_type(d: Deck, position: int, *, lead: str = "") -> HTML:
    """The Steckbrief of the codebook's `position`-th Kommunentyp (from 0) within the deck's area:
    goal profile and key figures. Left out in the deck of another type; listed on the
    `omissions` slide when fewer than `settings.MIN_CELL_N` municipalities have it."""
    parts: list[str] = []
    name = list(typology.SIGNATURES)[position]
    if d.by == "type" and d.value != name:
        return omitted(d)
    profiles = d.profiles
    if name not in profiles.index or profiles.loc[name, "n"] < settings.MIN_CELL_N:
        return omitted(d, f"Steckbrief des Kommunentyps „{name}“: weniger als {settings.MIN_CELL_N} Kommunen")
    p = profiles.loc[name]
    cb = codebook.load()
    goals = p[[f"mean_{v.name}" for v in cb.question("F01")]].astype(float).sort_values(ascending=False)
    table = pd.DataFrame({"label": [cb.label(g.removeprefix("mean_")) for g in goals.index], "n": goals.to_numpy(),
                          "suppressed": False})  # fmt: skip
    ax = plots.count_bars(table, decimals=1)
    ax.set_xlabel("mittlere Wichtigkeit der Ziele (1 = unwichtig, 5 = sehr wichtig)")
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
            height_in=STECKBRIEF_CHART_IN,
        )
    )
    leaders, mean = _leaders(
        goals.rename(index=lambda g: cb.label(g.removeprefix("mean_"))), lambda v: fmt.number(v, 1)
    )
    return slide(f"Typ „{name}“: am wichtigsten {_names(leaders, 'Ziele')} ({mean} von 5)", "\n".join(parts), lead=lead)


#: Height (inches) of a Steckbrief's chart: the slide also lists the type's key figures.
STECKBRIEF_CHART_IN = 3.1


# --- good examples -------------------------------------------------------------------------------
#: Offerings in the exchange table of a deck: those with the most planning municipalities.
EXCHANGE_ROWS = 6


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
        return omitted(d, FEW_EXAMPLES)
    counts = examples.category_counts(d.coding)
    table = counts.assign(suppressed=counts["n"] < settings.MIN_CELL_N)
    ax = plots.count_bars(table)
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
    shown = table[~table["suppressed"] & (table["category"] != examples.OTHER)]
    heading = "Gute Beispiele: worum geht es?"
    if len(shown):
        leaders, n = _leaders(shown.set_index("label")["n"], fmt.number)
        heading = f"Häufigstes Thema guter Beispiele: {_names(leaders, 'Themen')} – {n} Kommunen"
    lead = (
        "Themen der guten Beispiele: digitale Angebote und was sie trägt (Strategie, Zusammenarbeit, Qualifizierung …)."
    )
    return slide(heading, "\n".join(parts), lead=lead)


#: Why a deck shows no good examples.
FEW_EXAMPLES = f"Gute Beispiele: weniger als {settings.MIN_CELL_N} Kommunen haben hier ein Beispiel genannt"


@figures
def slide_examples(d: Deck) -> HTML:
    parts: list[str] = []
    quotes = examples.quotes(d.responses, d.consented, d.coding, d.margins)
    n_examples = int(d.coding["response_id"].nunique())
    if n_examples < settings.MIN_CELL_N:
        return omitted(d)  # listed once, by the topics slide
    if quotes.empty:
        return omitted(d, "Zitate guter Beispiele: keines lang genug")
    parts.append("\n".join(
        f'<blockquote class="example"><p>{html.escape(text)}</p><cite>– {html.escape(wer)}</cite></blockquote>'
        for text, wer in zip(quotes["text"], quote_sources(quotes))
    ))  # fmt: skip
    rule = (f"{fmt.number(n_examples)} Kommunen haben ein Beispiel genannt; gezeigt: je eines aus den {examples.MAX_QUOTES} "
            "häufigsten Themen, von der Kommune mit dem höchsten Reifegrad. Namentlich nur mit Einverständnis, sonst "
            f"nach Art, Größe und Land, nur so genau, dass mindestens {settings.MIN_CELL_N} Kommunen darauf passen. "
            f"Alle Beispiele: {config.EXAMPLES_DIR}/{config.CATALOGUE_HTML}")  # fmt: skip
    parts.append(f'<p class="small">{html.escape(caption(d, n_examples, rule))}</p>')
    return slide(f"Gute Beispiele aus der Praxis: {_names(list(quotes['topic']), 'Themen')}", "\n".join(parts),
                 lead="Was Kommunen als gelungenes Beispiel nennen (personenbezogene Angaben entfernt).")  # fmt: skip


@figures
def slide_exchange(d: Deck) -> HTML:
    parts: list[str] = []
    summary = examples.exchange_summary(d.pairs, d.responses, d.consented)
    summary = summary[summary["planners"] >= settings.MIN_CELL_N].head(EXCHANGE_ROWS)
    if summary.empty:
        return omitted(d, f"Austausch: kein Angebot wird hier von mindestens {settings.MIN_CELL_N} Kommunen geplant")
    best = summary[summary["peers"] >= settings.MIN_CELL_N].head(1)
    heading = (f"Am häufigsten geplant: {summary['label'].iloc[0]} – von {fmt.number(summary['planners'].iloc[0])} "
               "Kommunen")  # fmt: skip
    for r in best.itertuples():
        heading = (f"Für {fmt.number(r.planners)} Kommunen, die „{r.label}“ planen oder umsetzen, gibt es "
                   f"{fmt.number(r.peers)} Vorbilder ähnlicher Größe")  # fmt: skip
    parts.append(html_table(catalogue.shown_counts(summary), numeric=tuple(labels.EXCHANGE_SUMMARY.values())[1:]))
    note = (f"die {len(summary)} Angebote mit den meisten planenden Kommunen; Vorbild: dieselbe Art von Kommune, "
            "betreibt das Angebot, hat der Nennung zugestimmt; ähnliche Größe: höchstens doppelt oder halb so viele "
            f"Einwohner; „–“: weniger als {settings.MIN_CELL_N}; Namen: {config.EXAMPLES_DIR}/{config.EXCHANGE_XLSX}")  # fmt: skip
    parts.append(f'<p class="small">{html.escape(caption(d, d.n, note))}</p>')
    return slide(heading, "\n".join(parts), lead="Wer kann von wem lernen? Vorbilder betreiben das Angebot schon: "
                 "Ansatzpunkte für den Austausch.")  # fmt: skip
