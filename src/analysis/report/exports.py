"""Exports for R, SPSS, Stata and Excel users, written to `data/processed/export/` on every run.

The data set is the processed responses plus the digital maturity index and the Kommunentyp,
one row per responding municipality, labelled from the codebook:

- `kommunen_digital.parquet`: dtypes kept, labels in `DataFrame.attrs`
- `kommunen_digital.csv`: UTF-8, comma, decimal point (R, Python)
- `kommunen_digital_excel.csv`: German Excel (semicolon, decimal comma, UTF-8 with BOM)
- `kommunen_digital.sav` / `.dta`: SPSS and Stata with variable and value labels (pyreadstat)
- `tabellen.xlsx`: the key tables, one sheet each, German headers, small groups suppressed
- `codebuch.md`: the codebook document

Two runs on the same input write byte-identical files: the time stamps SPSS, Stata and Excel
files carry are set to the data's last submission, not to the time of writing.

Example texts (G02) are exported only where the respondent agreed to be named: the data set
names every municipality. Text cells a spreadsheet would run as a formula are neutralised in the
CSV and Excel files by a leading apostrophe (OWASP's advice for CSV injection; `files`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import clean, codebook, config, files, maturity, settings, typology, weighting
from . import codebook_document, labels, status, tables
from .deck import Deck
from .deck import load as load_deck

BASENAME = "kommunen_digital"
WORKBOOK = "tabellen.xlsx"
CODEBOOK = "codebuch.md"
TYPE_CATEGORIES = [*typology.SIGNATURES, typology.NO_TYPE]
SUPPRESSED_NOTE = f"unterdrückt: weniger als {settings.MIN_CELL_N} Kommunen"


# --- the data set ----------------------------------------------------------------------------------
def column_labels(columns) -> dict[str, str]:
    """German variable label of each exported column."""
    cb = codebook.load()
    return {c: cb.variable_label(c) for c in columns}


def value_labels(df: pd.DataFrame) -> dict[str, dict[int, str]]:
    """Numeric code -> label for every categorical, Likert and yes/no column (SPSS and Stata).
    Codebook scales keep their questionnaire codes; other categories are numbered from 1."""
    cb = codebook.load()
    labels = {}
    for col in df.columns:
        v = cb.by_name.get(col)
        if v is not None and v.scale and v.type in ("single", "likert"):
            labels[col] = {int(code): label for code, label in cb.scales[v.scale].codes.items()}
        elif isinstance(df[col].dtype, pd.CategoricalDtype):
            labels[col] = {i: str(c) for i, c in enumerate(df[col].cat.categories, 1)}
        elif pd.api.types.is_bool_dtype(df[col].dtype):
            labels[col] = {0: "nein", 1: "ja"}
    return labels


def dataset(processed: Path = config.PROCESSED) -> pd.DataFrame:
    """One labelled row per responding municipality (see the module docstring)."""
    responses, _, provenance = clean.load_processed(processed)
    members, _ = typology.load(responses, processed)
    consented = clean.load_consent(processed)
    df = responses.copy()
    has_text = df["good_example_text"].notna()
    df["good_example_text"] = df["good_example_text"].where(df["response_id"].isin(consented))
    df["maturity_index"] = maturity.index(responses).astype("Float64")
    df["kommunentyp"] = pd.Categorical(members.reindex(df.index), categories=TYPE_CATEGORIES)
    df.attrs = {
        "title": codebook.load().title_de,
        "data_status": status.status_text(provenance),
        "source": provenance.get("raw_file", ""),
        "column_labels": column_labels(df.columns),
        "value_labels": {c: {str(k): v for k, v in m.items()} for c, m in value_labels(df).items()},
        "examples_withheld": int((has_text & df["good_example_text"].isna()).sum()),
    }
    return df


def for_excel(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as ja/nein and timestamps as German dates, for the German-Excel CSV."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col].dtype):
            out[col] = out[col].astype(object).map({True: "ja", False: "nein"})
        elif pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = out[col].dt.strftime("%d.%m.%Y %H:%M:%S")
    return out


def for_stats_packages(df: pd.DataFrame) -> pd.DataFrame:
    """Numeric codes for labelled columns, floats for nullable numbers, plain text for strings:
    what pyreadstat writes to SPSS and Stata."""
    cb = codebook.load()
    out = pd.DataFrame(index=df.index)
    labels = value_labels(df)
    for col in df.columns:
        s = df[col]
        v = cb.by_name.get(col)
        if col in labels and isinstance(s.dtype, pd.CategoricalDtype):
            code_of = {label: code for code, label in labels[col].items()}
            out[col] = s.astype(object).map(code_of).astype(float)
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            out[col] = s.astype("Float64").astype(float)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[col] = s.astype("datetime64[ns]")
        else:
            out[col] = s.astype(object).where(s.notna(), "").astype(str)
        if v is not None and v.type == "likert":
            out[col] = out[col].astype(float)
    return out


def measure_levels(df: pd.DataFrame) -> dict[str, str]:
    """SPSS measurement level of each column."""
    cb = codebook.load()
    levels = {}
    for col in df.columns:
        s, v = df[col], cb.by_name.get(col)
        if (v is not None and v.type == "likert") or (isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered):
            levels[col] = "ordinal"
        elif isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s.dtype):
            levels[col] = "nominal"
        elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            levels[col] = "scale"
        else:
            levels[col] = "nominal"
    return levels


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _stamp_labelled(path: Path, when: datetime, spss: bool) -> None:
    """Replace the writing time ReadStat puts into a `.sav` or `.dta` file by `when`."""
    data = bytearray(path.read_bytes())
    month = _MONTHS[when.month - 1]
    if spss:  # header: creation date "dd Mon yy" at byte 92, time "hh:mm:ss" at 101
        data[92:109] = f"{when:%d} {month} {when:%y}{when:%H:%M:%S}".encode("ascii")
    else:  # <timestamp>, length byte 17, "dd Mon yyyy hh:mm"
        at = data.index(b"<timestamp>\x11") + 12
        data[at : at + 17] = f"{when:%d} {month} {when:%Y %H:%M}".encode("ascii")
    path.write_bytes(bytes(data))


def write_labelled(df: pd.DataFrame, path: Path) -> Path:
    """An SPSS (`.sav`) or Stata (`.dta`) file with variable and value labels (pyreadstat)."""
    import pyreadstat

    path = Path(path)
    spss = path.suffix == ".sav"
    limit = 64 if spss else 80  # file label length the format allows; Stata also limits variable labels
    kwargs = {
        "file_label": df.attrs.get("title", "")[:limit],
        "column_labels": {c: label if spss else label[:80] for c, label in column_labels(df.columns).items()},
        "variable_value_labels": value_labels(df),
    }
    if spss:
        writer, kwargs["variable_measure"] = pyreadstat.write_sav, measure_levels(df)
    else:
        writer, kwargs["version"] = pyreadstat.write_dta, 15
    data, when = for_stats_packages(df), files.data_time(df)

    def write(tmp: Path) -> None:
        writer(data, str(tmp), **kwargs)
        _stamp_labelled(tmp, when, spss)

    return files.write_with(path, write)


# --- the key tables ----------------------------------------------------------------------------------
def suppressed(table: pd.DataFrame, n: str) -> pd.DataFrame:
    """`table` with every figure of rows under the minimum n blanked (n too) and a note column."""
    out = tables.suppress(table, n=n)
    hidden = out.pop("suppressed")
    out[n] = out[n].astype("Int64").mask(hidden)
    out["Hinweis"] = hidden.map({True: SUPPRESSED_NOTE, False: ""})
    return out


def _percent(table: pd.DataFrame, columns) -> pd.DataFrame:
    return table.assign(**{c: (100 * table[c].astype(float)).round(1) for c in columns})


def respondents_table(responses: pd.DataFrame, column: str, header: str) -> pd.DataFrame:
    table = tables.respondents_by(responses, column).drop(columns="suppressed")
    table = suppressed(table, "n")
    return _percent(table, ["share"]).rename(columns={"label": header, "n": "Kommunen", "share": "Anteil (%)"})


def headline_table(d: Deck) -> pd.DataFrame:
    table = suppressed(d.shares, "n")
    shares = [c for c in table.columns if c not in ("indicator", "n", "Hinweis")]
    suffixes = {"estimate": "(%)", "ci_low": "95-%-KI von (%)", "ci_high": "95-%-KI bis (%)"}
    rename = {f"{prefix}{part}": f"{header} {suffix}" for prefix, (_, header) in labels.HEADLINE_SERIES.items()
              for part, suffix in suffixes.items()}  # fmt: skip
    return labels.german(_percent(table, shares).rename(columns=rename))


def grid_table(responses: pd.DataFrame, question_id: str) -> pd.DataFrame:
    """Answer shares (%) per item of a grid question; items with too few answers are left out."""
    shares, ns = tables.item_shares(responses, question_id)
    out = (100 * shares).round(1).add_suffix(" (%)").reset_index(names="Aussage")
    out.insert(1, "n", ns.to_numpy())
    return out


#: Columns of the hypotheses sheet, in order.
HYPOTHESES_COLUMNS = ["hypothesis_id", "statement_de", "model", "term", "estimate", "ci_low", "ci_high", "p", "p_holm",
                      "n", "verdict_de", "weighted_estimate", "mice_estimate", "note"]  # fmt: skip


def hypotheses_table(results: pd.DataFrame) -> pd.DataFrame:
    return labels.german(results[HYPOTHESES_COLUMNS])


def profiles_table(d: Deck) -> pd.DataFrame:
    return labels.german(suppressed(d.profiles.reset_index(names="kommunentyp"), "n"))


def notes_table(d: Deck, n_withheld: int) -> pd.DataFrame:
    rows = [
        ("Titel", codebook.load().title_de),
        ("Datenstand", status.status_text(d.provenance)),
        ("Antworten im Export", d.provenance["n_raw"]),
        ("ausgewertete Kommunen", len(d.everyone)),
        ("Gewichtung", status.register_note(d.provenance)),
        (
            "Unterdrückung",
            f"Gruppen mit weniger als {settings.MIN_CELL_N} antwortenden Kommunen werden nicht ausgewiesen.",
        ),
        ("Anteile", "in Prozent; gewichtete Anteile mit 95-%-Konfidenzintervall"),
        ("Beispieltexte", f"{n_withheld} Beispieltexte ohne Einverständnis zur Nennung nicht exportiert"),
        ("Variablen", f"siehe {CODEBOOK}"),
    ]
    return pd.DataFrame(rows, columns=["Angabe", "Inhalt"])


def key_tables(processed: Path = config.PROCESSED, n_withheld: int = 0) -> dict[str, pd.DataFrame]:
    """The key tables: sheet name -> table with German headers."""
    d = load_deck(processed)
    r = d.everyone
    return {
        "Hinweise": notes_table(d, n_withheld),
        "Rücklauf": labels.german(tables.completion(r, d.audit, d.provenance)),
        "Bereinigung": tables.cleaning_summary(d.audit),
        "Länder": respondents_table(r, "land_code", "Bundesland"),
        "Größenklassen": respondents_table(r, "size_class", "Größenklasse"),
        "Art der Kommune": respondents_table(r, "unit_type", "Art der Kommune"),
        "Kennzahlen": headline_table(d),
        "Gewichtung": labels.german(weighting.weight_summary(d.weighting)),
        "Angebote": grid_table(r, "D01"),
        "Wirkung der Angebote": grid_table(r, "D02"),
        "Hemmnisse": grid_table(r, "E01"),
        "Ziele": grid_table(r, "F01"),
        "Hypothesen": hypotheses_table(d.results),
        "Kommunentypen": profiles_table(d),
    }


def write_all(processed: Path | None = config.PROCESSED) -> list[Path]:
    """Write every export format to `processed/export/`; returns the paths.
    `None` (a notebook run in the lab, `config.lab_output`): nothing is written."""
    if processed is None:
        return []
    processed = Path(processed)
    out = processed / config.EXPORT_DIR
    df = dataset(processed)
    return [
        files.write_parquet(df, out / f"{BASENAME}.parquet"),
        files.write_csv(df, out / f"{BASENAME}.csv", encoding="utf-8"),
        files.write_csv(for_excel(df), out / f"{BASENAME}_excel.csv", sep=";", decimal=",", encoding="utf-8-sig"),
        write_labelled(df, out / f"{BASENAME}.sav"),
        write_labelled(df, out / f"{BASENAME}.dta"),
        files.write_workbook(key_tables(processed, df.attrs["examples_withheld"]), out / WORKBOOK, files.data_time(df)),
        files.write_text(out / CODEBOOK, codebook_document.markdown()),
    ]


def listing(processed: Path = config.PROCESSED) -> pd.DataFrame:
    """The export files of a run with their size, for display."""
    paths = sorted((Path(processed) / config.EXPORT_DIR).iterdir())
    return pd.DataFrame(
        {"Datei": [p.name for p in paths], "Größe (kB)": [round(p.stat().st_size / 1024) for p in paths]}
    )


def sav_labels(processed: Path = config.PROCESSED) -> pd.DataFrame:
    """Variable labels and value labels as SPSS sees them, read back from a run's `.sav`."""
    import pyreadstat

    path = Path(processed) / config.EXPORT_DIR / f"{BASENAME}.sav"
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    return pd.DataFrame(
        {
            "Variable": meta.column_names,
            "Beschriftung": meta.column_labels,
            "Wertebeschriftungen": [len(meta.variable_value_labels.get(c, {})) for c in meta.column_names],
            "Messniveau": [meta.variable_measure[c] for c in meta.column_names],
        }
    )
