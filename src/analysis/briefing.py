"""The briefing slides: one function per slide, each showing its n and data status, small cells
suppressed, free text escaped. A `Deck` holds what a deck shows: all of Germany or one subgroup
(Land, size class or Kommunentyp); a subgroup with fewer than `config.MIN_CELL_N` responding
municipalities shows a suppression notice instead of figures.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from functools import cached_property, wraps
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from . import audit, clean, codebook, config, examples, fmt, maturity, plots, typology, weighting

RULE_LABELS = {
    "test_response": "Testeingaben",
    "speeder": "zu schnell ausgefüllt",
    "straightliner": "überall gleiche Antwort",
    "empty": "ohne inhaltliche Antworten",
    "duplicate": "doppelte Teilnahme",
    "duplicate_key": "doppelte Teilnahme (laut Gemeindeverzeichnis)",
}
#: Subgroups a deck can show: key -> (column, German name of the grouping).
SUBGROUPS = {
    "land": ("land_code", "Bundesland"),
    "size": ("size_class", "Größenklasse"),
    "type": ("kommunentyp", "Kommunentyp"),
}
SIMULATED = "SIMULIERTE DATEN – keine echten Antworten von Kommunen; alle Zahlen dienen nur der Erprobung."


# --- what a deck shows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Deck:
    """Everything one deck shows. `responses` are the subgroup's rows, `everyone` all rows;
    `domain` marks the subgroup within `everyone`. Hypotheses, types and consent are read
    from `processed_dir` when first used (the weighting notebook runs before they exist)."""

    processed_dir: Path
    everyone: pd.DataFrame
    audit: pd.DataFrame
    provenance: dict
    margins: pd.DataFrame
    weighting: weighting.Weighting
    by: str | None = None
    value: str | None = None

    @cached_property
    def results(self) -> pd.DataFrame:
        """The hypothesis results (read directly: the model code is not needed to show them)."""
        return pd.read_parquet(self.processed_dir / config.RESULTS_FILE)

    @cached_property
    def members(self) -> pd.Series:
        """Kommunentyp per typed response (index of `everyone`)."""
        return typology.load(self.everyone, self.processed_dir)[0]

    @cached_property
    def shares(self) -> pd.DataFrame:
        """Headline shares of the deck's area (see `headline_shares`)."""
        return headline_shares(self)

    @cached_property
    def profiles(self) -> pd.DataFrame:
        """Kommunentyp Steckbriefe of the deck's area."""
        return typology.profiles(self.everyone, self.members[self.members.index.isin(self.responses.index)])

    @cached_property
    def consented(self) -> frozenset:
        """Response ids whose respondent agreed to be named."""
        return clean.load_consent(self.processed_dir)

    @cached_property
    def good_examples(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The coding of all good examples and the exchange pairs (`analysis.examples.load`)."""
        return examples.load(self.processed_dir)

    @property
    def coding(self) -> pd.DataFrame:
        """Categories of the deck's good examples (`analysis.examples.code`)."""
        coding = self.good_examples[0]
        return coding[coding["response_id"].isin(self.responses["response_id"].astype(str))]

    @property
    def pairs(self) -> pd.DataFrame:
        """Planners and peers (`analysis.examples.exchange`): all of them, peers anywhere."""
        return self.good_examples[1]

    @cached_property
    def domain(self) -> pd.Series:
        if self.by is None:
            return pd.Series(True, index=self.everyone.index)
        return in_subgroup(self.everyone, self.members, self.by, self.value)

    @cached_property
    def responses(self) -> pd.DataFrame:
        return self.everyone[self.domain]

    @property
    def n(self) -> int:
        return len(self.responses)

    @property
    def suppressed(self) -> bool:
        return self.n < config.MIN_CELL_N

    @property
    def area(self) -> str:
        return area_name(self.by, self.value)

    @property
    def simulated(self) -> bool:
        return bool(self.provenance.get("simulated"))


def area_name(by: str | None, value: str | None) -> str:
    """ "Deutschland", or the subgroup as a reader would say it."""
    if by is None:
        return "Deutschland"
    if by == "size":
        return f"Kommunen mit {value} Einwohnern"
    if by == "type":
        return f"Kommunentyp „{value}“"
    return str(value)


def load(processed_dir: Path = config.PROCESSED, by: str | None = None, value: str | None = None) -> Deck:
    """The deck of all of Germany (`by` None) or of one subgroup, from a pipeline run's outputs."""
    if by is not None and by not in SUBGROUPS:
        raise ValueError(f"unknown subgroup {by!r}: one of {', '.join(SUBGROUPS)}")
    processed_dir = Path(processed_dir)
    responses, audit_table, provenance = clean.load_processed(processed_dir)
    margins = clean.load_margins(processed_dir)
    return Deck(
        processed_dir, responses, audit_table, provenance, margins, weighting.load(responses, margins), by, value
    )


def in_subgroup(responses: pd.DataFrame, members: pd.Series, by: str, value: str) -> pd.Series:
    """True for the responses in subgroup `by` == `value`."""
    column = SUBGROUPS[by][0]
    values = members.reindex(responses.index) if by == "type" else responses[column]
    return (values.astype(object) == value).fillna(False).astype(bool)


def subgroup_values(by: str, members: pd.Series) -> list[str]:
    """Every value of a subgroup, in reading order: all 16 Länder, all size classes, all types."""
    cb = codebook.load()
    if by == "land":
        return list(cb.scales["land"].codes.values())
    if by == "size":
        return list(cb.size_class["labels"])
    found = set(members.astype(object))
    return [t for t in typology.SIGNATURES if t in found] + sorted(found - set(typology.SIGNATURES))


# --- formatting ----------------------------------------------------------------------------------
def suppress(table: pd.DataFrame, *, n: str = "n", min_n: int = config.MIN_CELL_N) -> pd.DataFrame:
    """Flag rows with fewer than `min_n` municipalities and blank their figures."""
    out = table.copy()
    out["suppressed"] = out[n] < min_n
    for col in out.columns.difference([n, "suppressed"]):
        if pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].mask(out["suppressed"])
    return out


def caption(d: Deck, n: int, extra: str = "") -> str:
    """n, the subgroup, an optional note and the data status: the caption of every figure."""
    parts = [] if d.by is None else [d.area]
    parts.append(f"n = {fmt.number(n)} Kommunen")
    if extra:
        parts.append(extra)
    if d.simulated:
        parts.append("simulierte Daten")
    return " · ".join(parts)


def figure_html(ax, *, alt: str, note: str) -> str:
    """A chart as an inline PNG <figure> with alt text and its caption (n and data status)."""
    data = base64.b64encode(plots.png(ax.figure)).decode("ascii")
    return (
        f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(note)}</figcaption></figure>"
    )


def show(ax, *, alt: str, note: str) -> None:
    display(HTML(figure_html(ax, alt=alt, note=note)))


def html_table(table: pd.DataFrame, *, numeric: tuple[str, ...] = ()) -> HTML:
    """A table of already formatted values as escaped HTML; `numeric` columns right-aligned."""

    def cell(tag: str, col: str, value) -> str:
        cls = ' class="num"' if col in numeric else ""
        return f"<{tag}{cls}>{html.escape('' if pd.isna(value) else str(value))}</{tag}>"

    head = "".join(cell("th", c, c) for c in table.columns)
    body = "\n".join("<tr>" + "".join(cell("td", c, v) for c, v in zip(table.columns, row)) + "</tr>"
                     for row in table.itertuples(index=False))  # fmt: skip
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>")


def notice(text: str, *, kind: str = "") -> None:
    display(HTML(f'<p class="notice {kind}">{html.escape(text)}</p>'))


def figures(slide):
    """Slide decorator: in a suppressed subgroup the slide shows the notice, never figures."""

    @wraps(slide)
    def wrapper(d: Deck, *args, **kwargs):
        if d.suppressed:
            notice(suppression_text(d))
            return None
        return slide(d, *args, **kwargs)

    return wrapper


def n_text(d: Deck) -> str:
    """ "360 Kommunen", or "weniger als 3 Kommunen": a small subgroup's exact n is not shown."""
    return f"weniger als {config.MIN_CELL_N} Kommunen" if d.suppressed else f"{fmt.number(d.n)} Kommunen"


def suppression_text(d: Deck) -> str:
    return (f"{d.area}: {n_text(d)} haben geantwortet. Ergebnisse für weniger als {config.MIN_CELL_N} "
            "Kommunen werden zum Schutz der Antwortenden nicht ausgewiesen.")  # fmt: skip


# --- title, key points, methods ------------------------------------------------------------------
def status_text(provenance: dict) -> str:
    return SIMULATED if provenance.get("simulated") else "Datenstand: echte Antworten der Umfrage."


def register_vintage(provenance: dict) -> str:
    reg = provenance.get("register", {})
    return fmt.date(pd.Timestamp(reg["vintage"]).date()) if reg.get("vintage") else "unbekannt"


def fieldwork(responses: pd.DataFrame) -> str:
    started = responses["started_at"].dropna()
    return f"{fmt.date(started.min())} bis {fmt.date(started.max())}" if len(started) else "unbekannt"


def title(d: Deck) -> None:
    """Title slide: survey, area, data status, n, fieldwork, register vintage."""
    cb = codebook.load()
    p = d.provenance
    kind = "status-simulated" if d.simulated else ""
    lines = [
        f"<h1>{html.escape(cb.title_de)}</h1>",
        f"<h2>Erste Auswertung der Umfrage · {html.escape(d.area)}</h2>",
        f'<p class="notice {kind}">{html.escape(status_text(p))}</p>',
        "<ul>",
        f"<li><strong>{n_text(d)}</strong> ausgewertet"
        + ("" if d.by is None else f" (von {fmt.number(len(d.everyone))} insgesamt)")
        + f"; {fmt.number(p['n_raw'])} Antworten im Export</li>",
        f"<li>Feldzeit: {fieldwork(d.everyone)}</li>",
        f"<li>Vergleichsrahmen: Gemeindeverzeichnis des Statistischen Bundesamts, Gebietsstand {register_vintage(p)}</li>",
        "<li>Pfeiltasten: weiter und zurück · Taste Esc: Übersicht aller Folien</li>",
        "</ul>",
    ]
    display(HTML("\n".join(lines)))
    if d.suppressed:
        notice(suppression_text(d))


@figures
def key_points(d: Deck) -> None:
    """The most important findings in four sentences, each with its n."""
    r = d.responses
    importance = r["digital_importance"].dropna()
    obstacles, n_obst = item_shares(r, "E01", sort_by=["starkes Hemmnis", "sehr starkes Hemmnis"])
    offers, n_off = item_shares(r, "D01", sort_by=["in Betrieb"])
    shares = suppress(d.shares)
    points = [
        f"{fmt.number(d.n)} Kommunen haben geantwortet: "
        + ", ".join(
            f"{k} {fmt.number(v)}"
            for k, v in r["unit_type"].astype(object).value_counts().items()
            if v >= config.MIN_CELL_N
        )
    ]
    if len(importance) >= config.MIN_CELL_N:
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
    strategy = shares[shares["Kennzahl"] == weighting.HEADLINES[0][0]].iloc[0]
    if not strategy["suppressed"]:
        points.append(
            f"Eine Digitalisierungsstrategie haben {fmt.percent(strategy['Kommunen'])} der Kommunen beschlossen "
            f"(gewichtet, 95 %: {fmt.percent(strategy['Kommunen_von'])} bis {fmt.percent(strategy['Kommunen_bis'])})."
        )
    display(HTML("<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in points) + "</ul>"))
    display(HTML(f'<p class="small">{html.escape(caption(d, d.n))}</p>'))


def methods(d: Deck) -> None:
    """The methods slide: self-selection, weighting, suppression, cleaning, privacy."""
    points = [
        "Offene Umfrage mit selbst gewählter Teilnahme: größere und digital aktive Kommunen antworten häufiger. "
        "Die Ergebnisse beschreiben die antwortenden Kommunen; sie sind keine Zufallsstichprobe.",
        "Diagramme zu Stellenwert, Hemmnissen, Angeboten und Reifegrad zeigen ungewichtete Anteile der antwortenden Kommunen.",
        "Die Kennzahlen zeigen zusätzlich gewichtete Anteile: je Gruppe (Gemeinden, Landkreise, Gemeindeverbände) an Land "
        "und Größenklasse des Gemeindeverzeichnisses angepasst (Raking mit begrenzten Gewichten). Die Gewichtung gleicht nur "
        "aus, was Land und Größe erklären; wer aus Interesse an Digitalisierung antwortet, bleibt überrepräsentiert.",
        "Anteil der Einwohner: nur Gemeinden, einwohnergewichtet je Größenklasse und mit den Einwohnerzahlen des "
        "Verzeichnisses zusammengefasst.",
        f"Gruppen und Zellen mit weniger als {config.MIN_CELL_N} Kommunen werden nicht ausgewiesen, auch in den Foliensätzen "
        "für Länder, Größenklassen und Kommunentypen.",
        "Hypothesen wurden vorab festgelegt und bundesweit geprüft; „bestätigt“ heißt: Effekt in der erwarteten Richtung und "
        "nach Korrektur für mehrfaches Testen (Holm) signifikant. Zusammenhänge sind keine Wirkungsnachweise.",
        "Testeingaben, zu schnelle oder überall gleiche Antworten und doppelte Teilnahmen sind entfernt; jede Änderung steht "
        "im Prüfprotokoll. E-Mail-Adressen und Namen erscheinen in keiner Auswertung; Kommunen werden nur mit Einverständnis genannt.",
        "Intervalle: 95-%-Konfidenzintervalle. Zahlen im deutschen Format (1.234,5; 12 %).",
    ]
    display(HTML("<ul class='small'>" + "".join(f"<li>{html.escape(p)}</li>" for p in points) + "</ul>"))
    display(HTML(f'<p class="small">{html.escape(register_note(d.provenance))}</p>'))
    notice(status_text(d.provenance), kind="status-simulated" if d.simulated else "")


# --- who answered --------------------------------------------------------------------------------
def respondents_by(responses: pd.DataFrame, column: str) -> pd.DataFrame:
    """Responding municipalities by one characteristic (label, n, share), small cells suppressed."""
    counts = responses[column].value_counts(sort=False, dropna=False)
    table = pd.DataFrame({"label": counts.index.astype("string").fillna("keine Angabe"), "n": counts.to_numpy()})
    table = table[table["n"] > 0].reset_index(drop=True)
    table["share"] = table["n"] / table["n"].sum()
    return suppress(table)


@figures
def slide_respondents(d: Deck, column: str, *, title: str) -> None:
    if d.by is not None and SUBGROUPS[d.by][0] == column:
        display(HTML(f"<p>Dieser Foliensatz zeigt nur: {html.escape(d.area)} ({fmt.number(d.n)} Kommunen).</p>"))
        return
    table = respondents_by(d.responses, column)
    ax = plots.count_bars(table, title=title)
    shown = table[~table["suppressed"]].sort_values("n", ascending=False)
    top = ", ".join(f"{r.label} ({r.n})" for r in shown.head(3).itertuples()) or "keine Gruppe ausgewiesen"
    hidden = int(table["suppressed"].sum())
    extra = f"{hidden} Gruppe(n) mit weniger als {config.MIN_CELL_N} Kommunen unterdrückt" if hidden else ""
    show(ax, alt=f"Balkendiagramm: {title}. Am häufigsten: {top}.", note=caption(d, d.n, extra))


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


def completion_table(d: Deck) -> HTML:
    """The completion table (always of the whole export)."""
    table = completion(d.everyone, d.audit, d.provenance)
    return html_table(table.assign(Anzahl=table["Anzahl"].map(fmt.number)), numeric=("Anzahl",))


# --- weighting -----------------------------------------------------------------------------------
SERIES = {"ungewichtet": "ungewichtet", "Kommunen": "Anteil der Kommunen", "Einwohner": "Anteil der Einwohner"}


def register_note(provenance: dict) -> str:
    """Which register the weights come from, with its source line."""
    reg = provenance.get("register", {})
    how = "Gemeindeverzeichnis" if reg.get("register_file") else "Eckwerte des Gemeindeverzeichnisses (im Projekt)"
    return f"Gewichtung: {how}, Gebietsstand {register_vintage(provenance)}. Quelle: {reg.get('source', '')}"


def deck_margins(d: Deck) -> pd.DataFrame:
    """The register margins of the deck's area (a Land's or a size class's rows; all otherwise)."""
    m = d.margins
    if d.by == "land":
        code = {v: k for k, v in codebook.load().scales["land"].codes.items()}[d.value]
        return m[m["land_code"].astype(str).str.zfill(2) == code]
    if d.by == "size":
        return m[m["size_class"] == d.value]
    return m


@figures
def slide_sample_vs_register(d: Deck) -> None:
    column = "land" if d.by == "size" else "size"
    table = weighting.composition(d.weighting, deck_margins(d), column, domain=d.domain)
    what = "Größenklasse" if column == "size" else "Land"
    shown = table[["Verzeichnis", "Stichprobe", "Stichprobe gewichtet"]].rename(
        columns={
            "Verzeichnis": "alle Gemeinden (Verzeichnis)",
            "Stichprobe": "Antworten",
            "Stichprobe gewichtet": "Antworten gewichtet",
        }
    )
    ax = plots.grouped_shares(
        shown, title=f"Wer geantwortet hat – und wie {'Deutschland' if d.by in (None, 'type') else d.area} aussieht"
    )
    ax.set_xlabel(f"Anteil der Gemeinden je {what}")
    first = table.index[int(np.argmax(table["Verzeichnis"].to_numpy()))]
    sample = table.loc[first, "Stichprobe"]
    hidden = int(table["unterdrückt"].sum())
    extra = f"{hidden} Zelle(n) mit weniger als {config.MIN_CELL_N} Antworten unterdrückt · " if hidden else ""
    show(
        ax,
        alt=(
            f"Balken je {what}: {fmt.percent(table.loc[first, 'Verzeichnis'])} der Gemeinden im Verzeichnis gehören zu "
            f"„{first}“, unter den Antworten sind es "
            f"{'weniger als drei Kommunen' if pd.isna(sample) else fmt.percent(sample)}."
        ),
        note=caption(
            d, int(table["n"].sum()), extra + "nur Gemeinden und kreisfreie Städte · " + register_note(d.provenance)
        ),
    )


def headline_shares(d: Deck) -> pd.DataFrame:
    """Headline shares of the deck's area: unweighted, of municipalities, of residents."""
    if d.by is None:
        return weighting.headline_shares(d.everyone, d.weighting)
    totals = None if d.by == "type" else weighting.residents_totals(d.weighting, deck_margins(d))
    return weighting.headline_shares(d.everyone, d.weighting, domain=d.domain, totals=totals)


def _interval(p: float, lo: float, hi: float) -> str:
    if pd.isna(p):
        return "nicht schätzbar"
    return f"{fmt.percent(p)} ({fmt.number(100 * lo)}–{fmt.percent(hi)})"


def headline_table(d: Deck) -> HTML:
    """Headline shares unweighted, of municipalities and of residents, German format."""
    table = suppress(d.shares)
    out = pd.DataFrame({"Kennzahl": table["Kennzahl"], "n": table["n"].map(fmt.number)})
    for key, label in SERIES.items():
        out[label] = [
            "unterdrückt" if hidden else _interval(p, lo, hi)
            for p, lo, hi, hidden in zip(table[key], table[f"{key}_von"], table[f"{key}_bis"], table["suppressed"])
        ]
    return html_table(out, numeric=("n", *SERIES.values()))


@figures
def slide_headlines(d: Deck) -> None:
    table = suppress(d.shares)
    table = table[~table["suppressed"]].rename(columns={"Kennzahl": "label"})
    if table.empty:
        notice(f"Keine Kennzahl mit mindestens {config.MIN_CELL_N} Antworten.")
        return
    renamed = table.rename(columns={f"{k}{s}": f"{v}{s}" for k, v in SERIES.items() for s in ("", "_von", "_bis")})
    ax = plots.interval_dots(renamed, list(SERIES.values()), title="Kennzahlen: ungewichtet und gewichtet")
    ax.set_xlabel("Anteil mit 95-%-Konfidenzintervall")
    first = table.iloc[0]
    residents = "nicht schätzbar" if pd.isna(first["Einwohner"]) else fmt.percent(first["Einwohner"])
    extra = "Anteil der Einwohner je Kommunentyp nicht schätzbar · " if d.by == "type" else ""
    show(
        ax,
        alt=(
            f"Punkte mit Intervallen für {len(table)} Kennzahlen. Beispiel {first['label']}: "
            f"{fmt.percent(first['ungewichtet'])} der Antworten, {fmt.percent(first['Kommunen'])} der Kommunen "
            f"und {residents} der Einwohner (gewichtet)."
        ),
        note=caption(d, int(table["n"].max()), extra + register_note(d.provenance)),
    )


def weight_table(d: Deck) -> HTML:
    """Weights per group: n, register units, range, design effect."""
    t = weighting.weight_summary(d.weighting)
    out = pd.DataFrame({
        "Gruppe": t["Gruppe"], "n": t["n"].map(fmt.number),
        "Einheiten im Verzeichnis": t["Einheiten im Verzeichnis"].map(fmt.number),
        "Gewicht min–max": [f"{fmt.number(a, 1)}–{fmt.number(b, 1)}" for a, b in zip(t["Gewicht min"], t["Gewicht max"])],
        "Designeffekt (Kish)": t["Designeffekt (Kish)"].map(lambda v: fmt.number(v, 2)),
    })  # fmt: skip
    return html_table(out, numeric=("n", "Einheiten im Verzeichnis", "Gewicht min–max", "Designeffekt (Kish)"))


# --- answers -------------------------------------------------------------------------------------
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
            counts = (
                values.astype(int).astype(str).map(labels).value_counts().reindex(list(labels.values()), fill_value=0)
            )
        rows[v.item_label_de] = counts / counts.sum()
        ns[v.item_label_de] = len(values)
    shares = pd.DataFrame(rows, index=list(labels.values())).T
    if sort_by and len(shares):
        order = shares[sort_by].sum(axis=1).sort_values(ascending=False, kind="stable").index
        shares = shares.loc[order]
    return shares, pd.Series(ns, name="n", dtype=int).reindex(shares.index)


def shares_table(d: Deck, question_id: str, sort_by: list[str]) -> HTML:
    """A grid question's answer shares per item, with n, as an appendix table."""
    shares, ns = item_shares(d.responses, question_id, sort_by=sort_by)
    out = shares.map(fmt.percent).reset_index(names="Aussage")
    out.insert(1, "n", ns.map(fmt.number).to_numpy())
    return html_table(out, numeric=tuple(out.columns[1:]))


@figures
def slide_importance(d: Deck) -> None:
    values = d.responses["digital_importance"].dropna()
    labels = codebook.load().scales["importance"].codes
    table = suppress(
        pd.DataFrame({"label": list(labels.values()), "n": [int((values == int(c)).sum()) for c in labels]})
    )
    ax = plots.count_bars(table, title="Stellenwert der digitalen Transformation im Verwaltungsalltag")
    high = fmt.percent((values >= 4).mean()) if len(values) else "–"
    mean = f"Mittelwert {fmt.number(values.mean(), 1)} auf der Skala 1 bis 5" if len(values) else ""
    show(
        ax,
        alt=f"Balkendiagramm: {high} der Kommunen geben der digitalen Transformation hohen oder sehr hohen Stellenwert.",
        note=caption(d, len(values), mean),
    )


def _grid_slide(d: Deck, question_id: str, sort_by: list[str], *, title: str, xlabel: str, alt, note: str,
                diverging_at: int | None = None) -> None:  # fmt: skip
    shares, ns = item_shares(d.responses, question_id, sort_by=sort_by)
    if shares.empty:
        notice(f"Keine Aussage mit mindestens {config.MIN_CELL_N} Antworten.")
        return
    ax = plots.stacked_shares(shares, diverging_at=diverging_at, title=title)
    ax.set_xlabel(xlabel)
    answered = d.responses[[v.name for v in codebook.load().question(question_id)]].notna().any(axis=1).sum()
    show(ax, alt=alt(shares), note=caption(d, int(answered), f"{note} {fmt.number(ns.min())} Antworten"))


@figures
def slide_obstacles(d: Deck) -> None:
    strong = ["starkes Hemmnis", "sehr starkes Hemmnis"]
    _grid_slide(
        d, "E01", strong, title="Hemmnisse der Digitalisierung", diverging_at=2,
        xlabel="Anteil der Kommunen (links: kein oder geringes Hemmnis)",
        alt=lambda s: (f"Gestapelte Balken der Hemmnisse. Am stärksten: {s.index[0]} "
                       f"({fmt.percent(s.iloc[0][strong].sum())} starkes oder sehr starkes Hemmnis); am schwächsten: "
                       f"{s.index[-1]} ({fmt.percent(s.iloc[-1][strong].sum())})."),
        note="sortiert nach Anteil „starkes“ und „sehr starkes Hemmnis“; je Aussage mindestens",
    )  # fmt: skip


@figures
def slide_offers(d: Deck) -> None:
    _grid_slide(
        d, "D01", ["in Betrieb"], title="Stand der digitalen Angebote", xlabel="Anteil der Kommunen",
        alt=lambda s: (f"Gestapelte Balken zum Stand von {len(s)} digitalen Angeboten. Am häufigsten in Betrieb: "
                       f"{s.index[0]} ({fmt.percent(s.iloc[0]['in Betrieb'])}); am seltensten: {s.index[-1]} "
                       f"({fmt.percent(s.iloc[-1]['in Betrieb'])})."),
        note="sortiert nach Anteil „in Betrieb“; je Angebot mindestens",
    )  # fmt: skip


@figures
def slide_offer_effects(d: Deck) -> None:
    strong = ["deutliche Wirkung", "sehr starke Wirkung"]
    _grid_slide(
        d, "D02", strong, title="Wirkung der Angebote auf die Lebensqualität", diverging_at=2,
        xlabel="Anteil der Kommunen mit dem Angebot in Betrieb (links: keine oder geringe Wirkung)",
        alt=lambda s: (f"Gestapelte Balken zur Wirkung von {len(s)} Angeboten auf die Lebensqualität. Stärkste Wirkung: "
                       f"{s.index[0]} ({fmt.percent(s.iloc[0][strong].sum())} deutliche oder sehr starke Wirkung); "
                       f"schwächste: {s.index[-1]} ({fmt.percent(s.iloc[-1][strong].sum())})."),
        note="nur Kommunen, bei denen das Angebot in Betrieb ist; je Angebot mindestens",
    )  # fmt: skip


# --- maturity and hypotheses ---------------------------------------------------------------------
@figures
def slide_maturity(d: Deck) -> None:
    values = maturity.index(d.responses).dropna()
    if len(values) < config.MIN_CELL_N:
        notice(f"Weniger als {config.MIN_CELL_N} Kommunen mit Reifegrad: nicht ausgewiesen.")
        return
    ax = plots.histogram(values, bins=20, title="Digitaler Reifegrad der Kommunen", xlabel="Reifegrad-Index (0–100)")
    show(
        ax,
        alt=(
            f"Histogramm des Reifegrad-Index: Median {fmt.number(values.median())}, die Hälfte der Kommunen "
            f"liegt zwischen {fmt.number(values.quantile(0.25))} und {fmt.number(values.quantile(0.75))}."
        ),  # fmt: skip
        note=caption(d, len(values), "Index aus dem Stand von 14 Angeboten und dem Anteil der OZG-Leistungen online"),
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
    return html_table(table, numeric=("n",))


def slide_verdicts(d: Deck) -> None:
    """Hypothesis verdicts: always of all of Germany (subgroups are too small to test)."""
    display(verdict_table(d.results))
    scope = "bundesweit, alle antwortenden Kommunen" + ("" if d.by is None else " (nicht nur dieser Foliensatz)")
    display(HTML(f'<p class="small">{html.escape(scope)}{" · simulierte Daten" if d.simulated else ""}</p>'))


def hypotheses_table(d: Deck) -> HTML:
    """Appendix: each tested coefficient with complete-case, weighted and MICE estimates and p-values."""
    r = d.results
    num = lambda v, k=2: "–" if pd.isna(v) else fmt.number(v, k)  # noqa: E731
    out = pd.DataFrame({
        "Hypothese": r["hypothesis_id"], "Modell": r["model"], "Term": r["term"],
        "Schätzer": r["estimate"].map(num), "p (Holm)": r["p_holm"].map(lambda v: num(v, 3)),
        "gewichtet": r["weighted_estimate"].map(num), "MICE": r["mice_estimate"].map(num), "n": r["n"].map(fmt.number),
    })  # fmt: skip
    return html_table(out, numeric=("Schätzer", "p (Holm)", "gewichtet", "MICE", "n"))


def coefficient_chart(results: pd.DataFrame, models: tuple[str, ...], provenance: dict, *, title: str) -> None:
    """Tested coefficients of the hypotheses fitted with `models`: complete case, weighted, MICE."""
    table = results[results["model"].isin(models)].assign(label=lambda t: t["hypothesis_id"] + " " + t["term"])
    series = {"": "vollständige Fälle", "weighted_": "gewichtet", "mice_": "MICE"}
    ax = plots.coefficients(table, series, title=title)
    note = f"n = {fmt.number(int(table['n'].max()))} Kommunen" + (
        " · simulierte Daten" if provenance.get("simulated") else ""
    )
    show(ax, alt=f"Koeffizienten mit 95-%-Intervallen: {', '.join(table['label'])}", note=note)


# --- Kommunentypen -------------------------------------------------------------------------------
@figures
def slide_types_overview(d: Deck) -> None:
    members = d.members[d.members.index.isin(d.responses.index)]
    counts = members.value_counts()
    table = suppress(pd.DataFrame({"label": counts.index, "n": counts.to_numpy()}))
    if d.by == "type":
        display(HTML(f"<p>Dieser Foliensatz zeigt nur: {html.escape(d.area)} ({fmt.number(d.n)} Kommunen).</p>"))
        return
    ax = plots.count_bars(table, title="Kommunentypen nach ihren Digitalisierungszielen")
    shown = table[~table["suppressed"]]
    show(
        ax,
        alt="Balken je Kommunentyp: "
        + (", ".join(f"{r.label} {r.n}" for r in shown.itertuples()) or "keiner ausgewiesen")
        + ".",
        note=caption(d, int(counts.sum()), "Typen nach den Prioritäten der Ziele (k-Means, je Kommune standardisiert)"),
    )


@figures
def slide_type(d: Deck, name: str) -> None:
    """One type's Steckbrief within the deck's area: goal profile and key figures, or a notice."""
    profiles = d.profiles
    if name not in profiles.index or profiles.loc[name, "n"] < config.MIN_CELL_N:
        notice(f"Weniger als {config.MIN_CELL_N} Kommunen dieses Typs: nicht ausgewiesen.")
        return
    p = profiles.loc[name]
    goals = p[[c for c in p.index if c.startswith("Ziel: ")]].astype(float).sort_values(ascending=False)
    table = pd.DataFrame({"label": [g.removeprefix("Ziel: ") for g in goals.index], "n": goals.to_numpy(),
                          "suppressed": False})  # fmt: skip
    ax = plots.count_bars(table, title=f"{name}: Wichtigkeit der Ziele (1–5)", decimals=1)
    ax.set_xlabel("mittlere Wichtigkeit (1 = unwichtig, 5 = sehr wichtig)")
    obstacles = p[[c for c in p.index if c.startswith("starkes Hemmnis: ")]].astype(float).sort_values(ascending=False)
    facts = [
        f"{fmt.number(p['n'])} Kommunen; häufigste Größenklasse: {p['häufigste Größenklasse']}; Länder: {p['häufigste Länder']}",
        f"Reifegrad im Mittel {fmt.number(p['Reifegrad (Mittel)'])} von 100; Strategie beschlossen: "
        f"{fmt.percent(p['Strategie beschlossen'])}; CDO/Stabsstelle: {fmt.percent(p['CDO/Stabsstelle'])}",
        f"Größtes Hemmnis: {obstacles.index[0].removeprefix('starkes Hemmnis: ')} ({fmt.percent(obstacles.iloc[0])} stark oder sehr stark)",
    ]
    display(HTML("<ul class='small'>" + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul>"))
    show(ax, alt=f"Balken der Zielwichtigkeit für {name}; am wichtigsten: {table['label'].iloc[0]}, {table['label'].iloc[1]}.",
         note=caption(d, int(p["n"])))  # fmt: skip


# --- good examples -------------------------------------------------------------------------------
#: Quotes shown: at most this many, one per theme and municipality, chosen by `example_quotes`.
MAX_QUOTES = 4
MIN_QUOTE_CHARS = 40
#: Offerings in the exchange table of a deck: those with the most planning municipalities.
EXCHANGE_ROWS = 8


def example_quotes(r: pd.DataFrame, consented: frozenset, coding: pd.DataFrame, margins: pd.DataFrame) -> pd.DataFrame:
    """Good examples to quote, chosen by rule, never by hand: for the categories of `coding`
    from the most frequent down ("other" never), the example of that category from the
    municipality with the highest maturity index (ties by response id) that is at least
    `MIN_QUOTE_CHARS` long (personal data already scrubbed) and not quoted yet; at most
    `MAX_QUOTES`. Named only with consent (`consented` response ids); otherwise described by
    kind, size class and Land as far as `examples.describe` allows."""
    text = r["good_example_text"].astype("string").str.strip()
    pool = r.assign(
        _text=text,
        _maturity=maturity.index(r).fillna(-1),
        _id=pd.to_numeric(r["response_id"], errors="coerce"),
        _rid=r["response_id"].astype(str),
    )
    pool = pool[pool["_text"].str.len().fillna(0) >= MIN_QUOTE_CHARS]
    pool = pool.sort_values(["_maturity", "_id"], ascending=[False, True], kind="stable")
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in examples.category_counts(coding).itertuples():
        if row.category == examples.OTHER or len(chosen) == MAX_QUOTES:
            continue
        ids = set(coding.loc[coding["category"] == row.category, "response_id"])
        fresh = pool[pool["_rid"].isin(ids) & ~pool["_rid"].isin([c[0] for c in chosen]) & ~pool["_text"].isin(seen)]
        if not fresh.empty:
            chosen.append((fresh["_rid"].iloc[0], row.label))
            seen.add(fresh["_text"].iloc[0])
    picked = pool.set_index("_rid").loc[[c[0] for c in chosen]]
    w = examples.who(picked, consented, margins)
    wer = [
        f"{k.kommune} ({k.land})" if k.named else "ohne Namen: " + examples.profile_text(k.art, k.groesse, k.land)
        for k in w.itertuples()
    ]
    return pd.DataFrame({"text": picked["_text"].to_numpy(), "wer": wer, "namentlich": w["named"].to_numpy(),
                         "thema": [c[1] for c in chosen]})  # fmt: skip


@figures
def slide_example_topics(d: Deck) -> None:
    n_examples = int(d.coding["response_id"].nunique())
    if n_examples < config.MIN_CELL_N:
        notice(f"Weniger als {config.MIN_CELL_N} Kommunen haben hier ein Beispiel genannt: nicht ausgewiesen.")
        return
    counts = examples.category_counts(d.coding)
    table = counts.assign(suppressed=counts["n"] < config.MIN_CELL_N)
    ax = plots.count_bars(table, title="Gute Beispiele nach Thema")
    ax.set_xlabel("Anzahl Kommunen mit Beispiel")
    top = ", ".join(f"{r.label} ({r.n})" for r in table[~table["suppressed"]].head(3).itertuples())
    hidden = int(table["suppressed"].sum())
    extra = "ein Beispiel kann mehrere Themen haben; Zuordnung per Wörterbuch" + (
        f"; {hidden} Thema/Themen mit weniger als {config.MIN_CELL_N} Beispielen ohne Zahl" if hidden else ""
    )
    show(ax, alt=f"Balkendiagramm der Themen guter Beispiele. Am häufigsten: {top or 'keines ausgewiesen'}.",
         note=caption(d, n_examples, extra))  # fmt: skip


@figures
def slide_examples(d: Deck) -> None:
    quotes = example_quotes(d.responses, d.consented, d.coding, d.margins)
    n_examples = int(d.coding["response_id"].nunique())
    if quotes.empty:
        notice("Keine Beispiele in diesem Foliensatz.")
        return
    if n_examples < config.MIN_CELL_N:
        notice(f"Weniger als {config.MIN_CELL_N} Kommunen haben hier ein Beispiel genannt: nicht ausgewiesen.")
        return
    display(HTML("\n".join(
        f'<blockquote class="example"><p>{html.escape(q.text)}</p><cite>– {html.escape(q.wer)}</cite></blockquote>'
        for q in quotes.itertuples()
    )))  # fmt: skip
    rule = (f"{fmt.number(n_examples)} Kommunen haben ein Beispiel genannt; gezeigt: je eines aus den {MAX_QUOTES} "
            "häufigsten Themen, von der Kommune mit dem höchsten Reifegrad. Namentlich nur mit Einverständnis, sonst "
            f"nach Art, Größe und Land, nur so genau, dass mindestens {config.MIN_CELL_N} Kommunen darauf passen. "
            f"Alle Beispiele: {examples.OUTPUT_DIR}/{examples.CATALOGUE_HTML}")  # fmt: skip
    display(HTML(f'<p class="small">{html.escape(caption(d, n_examples, rule))}</p>'))


@figures
def slide_exchange(d: Deck) -> None:
    summary = examples.exchange_summary(d.pairs, d.responses, d.consented)
    summary = summary[summary["planners"] >= config.MIN_CELL_N].head(EXCHANGE_ROWS)
    if summary.empty:
        notice(f"Kein Angebot wird hier von mindestens {config.MIN_CELL_N} Kommunen geplant: nicht ausgewiesen.")
        return
    lead = summary[summary["peers"] >= config.MIN_CELL_N].head(1)
    for r in lead.itertuples():
        display(HTML(
            f"<p>Für {fmt.number(r.planners)} Kommunen, die „{html.escape(r.label)}“ planen oder umsetzen, gibt es "
            f"{fmt.number(r.peers)} Vorreiter ähnlicher Größe, die es schon betreiben und genannt werden dürfen.</p>"
        ))  # fmt: skip
    display(html_table(examples.shown_counts(summary), numeric=tuple(examples.EXCHANGE_SUMMARY_COLUMNS.values())[1:]))
    note = (f"die {len(summary)} Angebote mit den meisten planenden Kommunen; Vorreiter: dieselbe Art von Kommune, "
            "betreibt das Angebot, hat der Nennung zugestimmt; ähnliche Größe: höchstens doppelt oder halb so viele "
            f"Einwohner; „–“: weniger als {config.MIN_CELL_N}; Namen: {examples.OUTPUT_DIR}/{examples.EXCHANGE_XLSX}")  # fmt: skip
    display(HTML(f'<p class="small">{html.escape(caption(d, d.n, note))}</p>'))
