"""Every output of a run, swept: no planted personal data anywhere, no figure for fewer than
three municipalities in any deck or table, free text shown as text."""

from __future__ import annotations

import html
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from analysis import clean, config, plan, settings
from tests.deck_helpers import slides_html

#: The simulator's templates for personal data in free text (analysis.simulate._plant_value_mess),
#: written out here independently of the scrubber's patterns.
PLANTED = [
    re.compile(r"Kontakt: ([\w.]+@rathaus-beispiel\.de)"),
    re.compile(r"Ansprechpartnerin ist (Frau [\w-]+), Tel\. (0\d+ \d+)\."),
    re.compile(r"Fragen gerne an ([\w-]+ [\w-]+) \(([\w.]+@kommune-mail\.de)\)"),
]
BINARY = {".png", ".jpg", ".svg", ".woff", ".woff2"}


def planted_personal_data(raw: Path) -> set[str]:
    """E-mail addresses, phone numbers and names the simulator planted in the example export."""
    export = pd.read_csv(raw, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    found = {e for e in export["H01"] if e}
    for text in export["G02"]:
        for pattern in PLANTED:
            for match in pattern.finditer(text):
                found.update(match.groups())
    return found


def readable(path: Path) -> str:
    """The text a reader of `path` could see, whatever the format."""
    suffix = path.suffix
    if suffix == ".parquet":
        return pd.read_parquet(path).to_csv()
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return html.unescape("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))
    if suffix == ".sav":
        import pyreadstat

        return pyreadstat.read_sav(str(path))[0].to_csv()
    if suffix == ".dta":
        return pd.read_stata(path).to_csv()
    text = path.read_bytes().decode("utf-8", "replace")
    if suffix == ".ipynb":
        return json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text) if suffix == ".html" else text


def outputs(root: Path) -> list[Path]:
    """Every file a run wrote (processed data, exports, decks, executed notebooks) and the
    committed notebooks with their stored outputs."""
    written = [p for folder in ("processed", "reports") for p in (root / folder).rglob("*") if p.is_file()]
    return [*written, *config.NOTEBOOKS.glob("*.ipynb"), config.CODEBOOK_DOC]


def test_no_planted_personal_data_in_any_output(pipeline_run):
    root, _, _ = pipeline_run
    planted = planted_personal_data(config.EXAMPLE_RAW)
    assert len(planted) >= 20 and any("@" in p for p in planted) and any(p.startswith("Frau ") for p in planted)
    scanned = [p for p in outputs(root) if p.suffix not in BINARY]
    assert {p.suffix for p in scanned} >= {".parquet", ".csv", ".xlsx", ".sav", ".dta", ".html", ".ipynb", ".json"}
    for path in scanned:
        text = readable(path)
        leaked = sorted(p for p in planted if p in text)
        assert not leaked, f"{path.relative_to(root) if root in path.parents else path}: {leaked[:3]}"
    # contacts live apart from every output
    contacts = clean.personal_folder(root / "processed") / config.CONTACTS_FILE
    assert contacts.is_file() and any(p in contacts.read_text(encoding="utf-8-sig") for p in planted)


# --- suppression ------------------------------------------------------------------------------------
class Tables(HTMLParser):
    """The tables of an HTML text as lists of rows of cell texts."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


#: Tables of counts of the cleaning process for the whole export (records dropped by a rule),
#: not answers of municipalities: the one kind of table not subject to suppression.
PROCESS_TABLES = {"Schritt", "Regel"}
COUNT_HEADERS = {"n", "Kommunen"}
SMALL = re.compile(r"(?<![\d.,])([12])(?![\d.,])")


def _number(cell: str) -> int | None:
    digits = cell.replace(".", "")
    return int(digits) if digits.isdigit() else None


def small_counts_in_tables(tables: list[list[list[str]]]) -> list[str]:
    problems = []
    for table in tables:
        header = table[0]
        if not header or header[0] in PROCESS_TABLES:
            continue
        for col in [i for i, h in enumerate(header) if h in COUNT_HEADERS]:
            for row in table[1:]:
                n = _number(row[col]) if col < len(row) else None
                if n is not None and n < settings.MIN_CELL_N and n != 0:
                    problems.append(f"{header[0]} {row[0]!r}: {header[col]} = {n}")
                if n == 0 and any(c.strip() for i, c in enumerate(row[1:], 1) if i != col and "unterdrückt" not in c):
                    problems.append(f"{header[0]} {row[0]!r}: figures for n = 0")
    return problems


def decks(root: Path) -> list[Path]:
    subgroups = [p for kind in plan.SUBGROUPS for p in sorted((root / "reports" / kind).glob("*.html"))]
    return [root / "reports" / plan.BRIEFING_HTML, *subgroups]


def test_every_deck_has_subgroup_decks_to_sweep(pipeline_run):
    root, _, _ = pipeline_run
    found = {p.parent.name for p in decks(root)}
    assert {"land", "size", "type"} <= found and len(decks(root)) > 20


def test_no_deck_shows_a_figure_for_fewer_than_three_municipalities(pipeline_run):
    root, _, _ = pipeline_run
    problems, small_groups = [], 0
    for path in decks(root):
        text = slides_html(path.read_text(encoding="utf-8"))
        readable_text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        for n in re.findall(r"\bn = ([\d.]+)", readable_text):
            if _number(n) is not None and _number(n) < settings.MIN_CELL_N:
                problems.append(f"{path.name}: n = {n}")
        for m in re.finditer(r"(?<!als )(?<![\d.,])([12]) (Kommunen|Kommune|Antworten|Antwort)\b", readable_text):
            problems.append(f"{path.name}: „{readable_text[max(0, m.start() - 40) : m.end()]}“")
        problems += [f"{path.name}: {p}" for p in small_counts_in_tables(Tables(text).tables)]
        small_groups += "unterdrückt" in readable_text or "nicht ausgewiesen" in readable_text
    assert not problems, problems[:10]
    assert small_groups >= 10  # the sweep met suppressed groups and cells, and each says so


def test_no_exported_table_shows_a_figure_for_fewer_than_three_municipalities(pipeline_run):
    root, _, _ = pipeline_run
    sheets = pd.read_excel(
        root / "processed" / config.EXPORT_DIR / "tabellen.xlsx", sheet_name=None, dtype=str, engine="openpyxl"
    )
    tables = [[list(df.columns), *df.fillna("").to_numpy().tolist()] for df in sheets.values()]
    assert not small_counts_in_tables(tables)
    notes = pd.concat([df["Hinweis"] for df in sheets.values() if "Hinweis" in df]).fillna("")
    assert notes.str.contains("unterdrückt").any()


@pytest.mark.parametrize("counts, problem", [
    ([["Aussage", "n", "ja"], ["A", "2", "50 %"]], True),
    ([["Aussage", "n", "ja"], ["A", "", ""]], False),
    ([["Aussage", "n", "ja"], ["A", "1.234", "50 %"]], False),
    ([["Bundesland", "Kommunen", "Anteil (%)", "Hinweis"], ["Bremen", "", "", "unterdrückt"]], False),
    ([["Schritt", "Anzahl"], ["entfernt: Test", "-1"]], False),
])  # fmt: skip
def test_the_sweep_finds_small_counts(counts, problem):
    assert bool(small_counts_in_tables([counts])) == problem


# --- injection --------------------------------------------------------------------------------------
def test_script_in_free_text_is_text_in_the_exports(injected_deck):
    from analysis.report import exports

    processed = injected_deck.parent.parent / "processed"
    exports.write_all(processed)
    export = processed / config.EXPORT_DIR
    csv_text = (export / "kommunen_digital.csv").read_text(encoding="utf-8")
    assert "<script>window.__injected = 1</script>" in csv_text  # kept verbatim: data, not markup
