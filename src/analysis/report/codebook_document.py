"""The codebook as a readable document (Markdown, German): every column of the processed data and
of the exports, its question text, type, values and labels, and how cleaning derives it.

`docs/codebook.md` is this document, committed; a test keeps it current, and every run copies it
beside the exports. Regenerate with `python -m analysis codebook`.
"""

from __future__ import annotations

from .. import codebook, examples, fmt, settings, typology

TYPE_NAMES = {
    "single": "Einfachauswahl",
    "likert": "Skala (ganze Zahl)",
    "number": "Zahl",
    "multi": "Mehrfachauswahl (je Option eine Spalte)",
    "free_text": "Freitext",
    "personal": "personenbezogen",
}
UNIT_NAMES = {"inhabitants": "Einwohner", "FTE": "VZÄ", "EUR per year": "EUR pro Jahr", "percent": "%"}


def _cell(text) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _values(cb: codebook.Codebook, v: codebook.Variable) -> str:
    if v.type == "number":
        unit = f" {UNIT_NAMES.get(v.unit, v.unit)}" if v.unit else ""
        return f"{fmt.number(v.min)} bis {fmt.number(v.max)}{unit}"
    if v.type == "multi":
        raw = "; ".join(f"{code} = {label}" for code, label in cb.scales[v.scale].codes.items())
        return f"im Export {raw}, sonst leer; gespeichert: wahr = angekreuzt, falsch = nicht angekreuzt"
    if v.scale:
        return "; ".join(f"{code} = {label}" for code, label in cb.scales[v.scale].codes.items())
    return "Text"


def _overview(cb: codebook.Codebook) -> list[str]:
    lines = ["| Spalte | Bezeichnung | Typ | Speicherung |", "|---|---|---|---|"]
    for name, spec in cb.meta.items():
        lines.append(f"| `{name}` | {_cell(spec['label_de'])} | Metadaten | {spec['dtype']} |")
    for name in cb.processed_columns():
        if name in cb.meta:
            continue
        kind = (
            "abgeleitet" if name == "size_class" or name in cb.register_columns else TYPE_NAMES[cb.by_name[name].type]
        )
        lines.append(f"| `{name}` | {_cell(cb.variable_label(name))} | {kind} | {cb.dtype(name)} |")
    lines.append(f"| `maturity_index` | {_cell(cb.maturity['label_de'])} | abgeleitet (nur Exporte) | Float64 |")
    lines.append(f"| `kommunentyp` | {_cell(cb.kommunentyp['label_de'])} | abgeleitet (nur Exporte) | category |")
    return lines


def _question(cb: codebook.Codebook, question_id: str) -> list[str]:
    variables = cb.question(question_id)
    first = variables[0]
    q = next(q for q in cb.raw["questions"] if q["id"] == question_id)
    lines = [
        f"### {question_id} {first.question_label_de}",
        "",
        f"- **Frage:** {q['text_de']}",
        f"- **Typ:** {TYPE_NAMES[first.type]}, gespeichert als `{cb.dtype(first.name)}`",
        f"- **Werte:** {_values(cb, first)}",
        f"- **Bereinigung:** {_cleaning(cb.cleaning['types'][first.type])}",
    ]
    if first.is_personal:
        lines.append("- **Spalten:** nicht in den Analysedaten, nicht in den Exporten")
        return [*lines, ""]
    formats = cb.formats
    lines += ["", "| Spalte | Bezeichnung | " + " | ".join(f["label"] for f in formats.values()) + " |",
              "|---|---|" + "---|" * len(formats)]  # fmt: skip

    def heading(fmt_key: str, v: codebook.Variable) -> str:
        text = _cell(v.column(fmt_key))
        return f"`{text}`" if formats[fmt_key]["codes"] else text

    lines += [
        f"| `{v.name}` | {_cell(v.item_label_de or v.label_de)} | " + " | ".join(heading(k, v) for k in formats) + " |"
        for v in variables
    ]
    return [*lines, ""]


def _derived(cb: codebook.Codebook) -> list[str]:
    size, m = cb.size_class, cb.maturity
    offers = ", ".join(v.item_label_de for v in cb.question("D01") if v.item_key in m["level_offerings"])
    lines = [
        "## Abgeleitete Spalten",
        "",
        f"### `size_class`: {size['label_de']}",
        "",
        f"{size['derivation_de']} Werte: {'; '.join(size['labels'])}.",
        "",
        f"### `maturity_index`: {m['label_de']} – nur in den Exporten",
        "",
        f"100 × ({fmt.number(m['offers_weight'], 2)} × mittlere Punktzahl der Angebote in D01 + {fmt.number(m['ozg_weight'], 2)} × Anteil der "
        "OZG-Leistungen online aus D03 / 100); Punktzahl je Angebot: nicht geplant 0, geplant 1/3, in Umsetzung 2/3, "
        f"in Betrieb 1. Ohne D03 nur die Angebote; fehlend bei weniger als {m['min_offers']} beantworteten Angeboten. "
        f"Zum Vergleich rechnet `analysis.maturity` eine OZG-artige Stufe (0–3, das schwächste von: {offers}).",
        "",
        f"### `kommunentyp`: {cb.kommunentyp['label_de']} – nur in den Exporten",
        "",
        f"{cb.kommunentyp['derivation_de'].strip()} Werte: {'; '.join([*typology.SIGNATURES, typology.NO_TYPE])}.",
        "",
        "### Spalten aus dem Gemeindeverzeichnis und das Gewicht",
        "",
        "| Spalte | Bezeichnung | Speicherung |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {_cell(spec['label_de'])} | {cb.dtype(name)} |" for name, spec in cb.register_columns.items()
    ]
    lines += [
        "",
        f"- **Zuordnung:** {cb.cleaning['register'].strip()}",
        f"- **Gewicht (`weight`):** {cb.cleaning['weight'].strip()}",
        "",
    ]
    return lines


def _example_categories() -> list[str]:
    """The dictionary that codes the good examples (G02), one row per category."""
    lines = [
        "## Gute Beispiele: Wörterbuch",
        "",
        "Jedes gute Beispiel (G02) gehört zu jeder Kategorie, deren Begriffe es enthält, sonst zu „Sonstiges“ "
        "(`analysis.examples`, Kodierung in `beispiele_kodiert.parquet` mit den gefundenen Wörtern). Groß- und "
        "Kleinschreibung, Umlaute (ä = ae) und Bindestriche zählen nicht; Begriffe gelten vom Wortanfang bis "
        "zum Wortende, `*` erlaubt beliebige Buchstaben davor oder danach, ein Leerzeichen darf fehlen.",
        "",
        "| Kategorie | Bereich | Begriffe |",
        "|---|---|---|",
    ]
    for c in examples.categories().values():
        terms = ", ".join(f"`{t}`" for t in c.terms) or "keiner der Begriffe oben"
        lines.append(f"| {_cell(c.label)} | {c.group or '–'} | {_cell(terms)} |")
    return [*lines, ""]


def _cleaning(text: str) -> str:
    """A cleaning description with the limits of `config` filled in."""
    return text.strip().format(
        max_export_mb=fmt.number(settings.MAX_EXPORT_BYTES // 2**20),
        max_text_chars=fmt.number(settings.MAX_FREE_TEXT_CHARS),
    )


def markdown(cb: codebook.Codebook | None = None) -> str:
    """The codebook document."""
    cb = cb or codebook.load()
    missing = "; ".join(f"„{code}“ = {label}" for code, label in cb.missing_codes.items())
    lines = [
        f"# Codebuch: {cb.title_de}",
        "",
        "Erzeugt aus `src/analysis/codebook.yaml` mit `python -m analysis codebook`; nicht von Hand ändern.",
        "Gilt für `responses.parquet` und alle Exporte in `data/processed/export/`.",
        "",
        "## Übersicht der Spalten",
        "",
        *_overview(cb),
        "",
        "## Bereinigung",
        "",
        f"- **Datensätze:** {_cleaning(cb.cleaning['records'])}",
        f"- **Exportdatei:** {_cleaning(cb.cleaning['file'])}",
        f"- **Fehlcodes:** {missing}. Der ursprüngliche Wert steht in der Prüftabelle (`audit.csv`).",
        f"- **Metadaten:** {cb.cleaning['meta'].strip()}",
        "- **Prüftabelle:** Jede entfernte Antwort und jeder geänderte Wert steht mit Regel und Grund in `audit.csv`.",
        "",
    ]
    page = None
    for question_id in dict.fromkeys(v.question_id for v in cb.variables):
        first = cb.question(question_id)[0]
        if first.page != page:
            page = first.page
            lines += [f"## {cb.sections.get(page, f'Seite {page}')}", ""]
        lines += _question(cb, question_id)
    lines += _derived(cb)
    lines += _example_categories()
    return "\n".join(lines).rstrip() + "\n"
