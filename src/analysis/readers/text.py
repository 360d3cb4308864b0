"""Export files as tables of text, whatever container the survey tool wrote: CSV in any of the
encodings and delimiters survey tools and German Excel write, xlsx workbooks, and SPSS (.sav)
or Stata (.dta) files with their value labels. Shared by every reader."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .. import settings
from ..audit import FILE, Audit
from ..errors import InputError


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, empty or oversized file is refused."""
    if not path.is_file():
        raise InputError(path, "Datei nicht gefunden")
    size = path.stat().st_size
    if size > settings.MAX_EXPORT_BYTES:
        raise InputError(path, f"Datei zu groß ({size / 2**20:,.0f} MB, höchstens "
                               f"{settings.MAX_EXPORT_BYTES / 2**20:,.0f} MB): ist das der Umfrage-Export?")  # fmt: skip
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "Datei ist leer")
    return data


def is_zip(data: bytes) -> bool:
    """An xlsx workbook (a zip archive)."""
    return data[:4] == b"PK\x03\x04"


def labelled_kind(data: bytes) -> str | None:
    """ "sav" for an SPSS system file, "dta" for a Stata file, else None."""
    if data[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if data[:11] == b"<stata_dta>" or (data[:1] in (b"\x71", b"\x72", b"\x73") and data[1:2] in (b"\x01", b"\x02")):
        return "dta"
    return None


def read_labelled(path: Path, kind: str) -> pd.DataFrame:
    """An SPSS or Stata file as a table of text (codes as written, numbers without trailing
    zeros, times as ISO text). Its value labels are in `attrs["value_labels"]` (column ->
    code -> label); user-missing values (e.g. -9 declared missing in SPSS) are blanked and
    listed in `attrs["user_missing"]` (column -> row -> code and label) for the audit table."""
    import pyreadstat

    name = "SPSS" if kind == "sav" else "Stata"
    try:
        reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
        df, meta = reader(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises ReadstatError, but also others on damaged files
        raise InputError(path, f"{name}-Datei nicht lesbar ({str(exc).strip() or type(exc).__name__})") from None
    labels = {col: meta.variable_value_labels.get(col, {}) for col in df.columns}
    ranges = getattr(meta, "missing_ranges", {}) or {}
    table = pd.DataFrame({col: df[col].map(_text) for col in df.columns}, index=df.index)
    table.attrs["value_labels"] = {col: {_text(k): str(v) for k, v in m.items()} for col, m in labels.items() if m}
    missing = {}
    for col, spans in ranges.items():
        values = pd.to_numeric(df[col], errors="coerce")
        hit = pd.Series(False, index=df.index)
        for span in spans:
            hit |= values.between(span["lo"], span["hi"])
        if hit.any():
            missing[col] = {i: table.at[i, col] + (f" ({labels[col][v]})" if v in labels[col] else "")
                            for i, v in values[hit].items()}  # fmt: skip
            table.loc[hit, col] = ""
    table.attrs["user_missing"] = missing
    if table.empty:
        raise InputError(path, f"{name}-Datei enthält keine Antworten")
    return table


def _text(value) -> str:
    """A cell of a labelled file as text: "3" for 3.0, "37.5", ISO time, "" for missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, pd.Timestamp | datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def read_csv(data: bytes, path: Path, audit: Audit) -> pd.DataFrame:
    """A CSV export as a table of text, header as written; delimiter and encoding detected and,
    where not the usual `;` and UTF-8, logged."""
    text = decode(data, path, audit)
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        raise InputError(path, "kein Trennzeichen (; , Tab) in der Kopfzeile gefunden", row=1) from None
    if delimiter != ";":
        audit.file_note(
            FILE, "file_format", f"Trennzeichen {'Tabulator' if delimiter == chr(9) else delimiter!r} statt ';'"
        )
    rows = csv_records(text, delimiter, path)
    if len(rows) < 2:
        raise InputError(path, "nur eine Kopfzeile, keine Antworten")
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=str)


def csv_records(text: str, delimiter: str, path: Path) -> list[list[str]]:
    """The records of a CSV text; a record with too few or too many fields, a quote left open
    or a NUL character ends with an error naming the row (the header is row 1)."""
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(path, "Nullzeichen im Text (Datei beschädigt?)", row=text.count("\n", 0, nul) + 1)
    records: list[list[str]] = []
    csv.field_size_limit(max(csv.field_size_limit(), settings.MAX_EXPORT_BYTES))  # a pasted document is cut later
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            if record and any(field.strip() for field in record):
                records.append(record)
    except csv.Error as exc:
        problem = ("Anführungszeichen nicht geschlossen (Datei abgeschnitten?)" if "end of data" in str(exc)
                   else f"CSV nicht lesbar ({exc})")  # fmt: skip
        raise InputError(path, problem, row=len(records) + 1) from None
    header = records[0] if records else []
    width = len(header)
    for row, record in enumerate(records[1:], 2):
        if len(record) < width:
            cut = " (Datei abgeschnitten?)" if row == len(records) else ""
            raise InputError(path, f"Datensatz endet nach {len(record)} von {width} Feldern{cut}", row=row,
                             column=header[len(record)] or f"Nr. {len(record) + 1}")  # fmt: skip
        if len(record) > width:
            if any(field.strip() for field in record[width:]):
                raise InputError(path, f"{len(record)} Felder, die Kopfzeile hat {width}", row=row)
            del record[width:]  # trailing delimiters
    return records


def read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of an xlsx workbook as a table of text."""
    try:
        return pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # a damaged workbook raises many different errors
        raise InputError(path, f"Excel-Datei nicht lesbar ({type(exc).__name__})") from None


def decode(data: bytes, path: Path, audit: Audit) -> str:
    """UTF-8, UTF-16 (with or without byte-order mark) or Windows-1252 as German Excel saves;
    lines of a UTF-8 file in Windows-1252 (a file pasted together) are read and logged."""
    utf16 = _utf16(data)
    if utf16:
        audit.file_note(FILE, "file_format", "Zeichenkodierung UTF-16 statt UTF-8")
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            raise InputError(path, "Zeichenkodierung UTF-16 beschädigt") from None
    if b"\x00" in data[:4096]:
        raise InputError(path, "keine Textdatei (Binärdaten)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_lines(data, path, audit)
    sample = text[: 1 << 20]
    controls = sum(sample.count(chr(c)) for c in range(32) if chr(c) not in "\t\n\r")
    if controls > len(sample) / 100:
        raise InputError(path, "keine Textdatei (Binärdaten)")
    return text


def _decode_lines(data: bytes, path: Path, audit: Audit) -> str:
    lines, fallback, utf8_umlauts = [], [], False
    for row, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), 1):
        try:
            lines.append(line.decode("utf-8"))
            utf8_umlauts |= not line.isascii()
        except UnicodeDecodeError:
            try:
                lines.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                raise InputError(
                    path, "Zeichenkodierung nicht erkannt (weder UTF-8 noch Windows-1252)", row=row
                ) from None
            fallback.append(row)
    if not utf8_umlauts:
        audit.file_note(FILE, "file_format", "Zeichenkodierung Windows-1252 (z. B. von Excel gespeichert) statt UTF-8")
    else:
        for row in fallback:
            audit.file_note(f"Zeile {row}", "mixed_encoding", "Zeile in Windows-1252 statt UTF-8 kodiert: umgewandelt")
    return "\n".join(lines)


def _utf16(data: bytes) -> str | None:
    """ "utf-16" for a byte-order mark, "utf-16-le"/"-be" for text without one, else None."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = data[:4096]
    half = len(sample) // 2
    if half >= 4:
        if sample[1::2].count(0) > 0.9 * half and sample[0::2].count(0) < 0.1 * half:
            return "utf-16-le"
        if sample[0::2].count(0) > 0.9 * half and sample[1::2].count(0) < 0.1 * half:
            return "utf-16-be"
    return None
