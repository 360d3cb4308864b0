"""Read a LimeSurvey CSV or Microsoft Forms xlsx export into codebook columns (values as text)."""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import codebook, config
from .audit import FILE, Audit
from .errors import InputError

LIMESURVEY_META = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "interviewtime"}
FORMS_META = {"id", "start time", "completion time", "email", "name", "last modified time"}


def read_export(path: Path, audit: Audit) -> pd.DataFrame:
    """The export as one row per response: meta columns, then every codebook variable as text.

    Coded answers are given as codes whether the export held codes or labels; columns the
    codebook does not know are left out. How the file was read and what was repaired is logged.
    """
    path = Path(path)
    table = _read_table(path, audit)
    header = [_norm_header(h) for h in table.columns]
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        as_written = [str(next(c for c in table.columns if _norm_header(c) == h)) for h in dupes]
        raise InputError(path, "Spalte mehrfach vorhanden", row=1, column=", ".join(as_written))
    table.columns = header
    cb = codebook.load()
    lookup = _lookup()
    known = [h for h in header if h in lookup]
    if not known:
        raise InputError(path, "keine Umfrage-Exportdatei: keine Spalte des Codebuchs gefunden")
    fmt = "forms" if "completion time" in header else "limesurvey"
    if fmt == "limesurvey" and not {"id", "submitdate"} <= set(header):
        raise InputError(path, "LimeSurvey-Export ohne die Metadatenspalten id und submitdate", row=1)

    out = _meta(table, fmt, cb.pages, path, audit)
    for v in cb.variables:
        cols = [h for h in header if v in lookup.get(h, [])]
        if not cols:
            if v.required:
                raise InputError(path, f"Pflichtspalte fehlt ({v.label_de})", row=1, column=v.limesurvey_column)
            audit.file_note(v.limesurvey_column, "missing_column", "Spalte fehlt im Export: alle Antworten fehlen")
            out[v.name] = None
            continue
        raw = table[cols[0]]
        if v.type == "multi" and fmt == "forms":
            out[v.name] = _map_distinct(raw, lambda s, lab=v.item_label_de: _ticked(s, lab))
        elif v.type in ("single", "likert") or (v.type == "personal" and v.scale):
            scale = cb.scales[v.scale]
            out[v.name] = _map_distinct(raw, lambda s, scale=scale: _to_code(s, scale))
            _log_recoded(raw, out[v.name], scale, v.limesurvey_column, audit)
        else:
            out[v.name] = _map_distinct(raw, _blank_to_none)
    meta = LIMESURVEY_META if fmt == "limesurvey" else FORMS_META
    for h in header:
        if h not in lookup and h not in meta and not h.startswith("grouptime"):
            audit.file_note(h or "(ohne Namen)", "unknown_column", "Spalte nicht im Codebuch, nicht übernommen")
    out.attrs["format"] = fmt
    return out


@functools.cache
def _lookup() -> dict[str, list[codebook.Variable]]:
    """Normalised header -> the codebook variables it can hold (LimeSurvey, Forms or own name)."""
    lookup: dict[str, list[codebook.Variable]] = {}
    for v in codebook.load().variables:
        for key in {_norm_header(v.limesurvey_column), _norm_header(v.forms_column), _norm_header(v.name)}:
            lookup.setdefault(key, []).append(v)
    return lookup


def _read_table(path: Path, audit: Audit) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "Datei nicht gefunden")
    size = path.stat().st_size
    if size > config.MAX_EXPORT_BYTES:
        raise InputError(path, f"Datei zu groß ({size / 2**20:,.0f} MB, höchstens "
                               f"{config.MAX_EXPORT_BYTES / 2**20:,.0f} MB): ist das der Umfrage-Export?")  # fmt: skip
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "Datei ist leer")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, audit)
    text = _decode(data, path, audit)
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        raise InputError(path, "kein Trennzeichen (; , Tab) in der Kopfzeile gefunden", row=1) from None
    if delimiter != ";":
        audit.file_note(
            FILE, "file_format", f"Trennzeichen {'Tabulator' if delimiter == chr(9) else delimiter!r} statt ';'"
        )
    rows = _csv_records(text, delimiter, path)
    if len(rows) < 2:
        raise InputError(path, "nur eine Kopfzeile, keine Antworten")
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=str)


def _csv_records(text: str, delimiter: str, path: Path) -> list[list[str]]:
    """The records of a CSV text; a record with too few or too many fields, a quote left open
    or a NUL character ends with an error naming the row (the header is row 1)."""
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(path, "Nullzeichen im Text (Datei beschädigt?)", row=text.count("\n", 0, nul) + 1)
    records: list[list[str]] = []
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


def _read_xlsx(path: Path, audit: Audit) -> pd.DataFrame:
    """The sheet holding the most survey columns ("Form1" in a Forms export); which sheet was
    read is logged when the workbook has others or the sheet was renamed."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # a damaged workbook raises many different errors
        raise InputError(path, f"Excel-Datei nicht lesbar ({type(exc).__name__})") from None
    known = {name: sum(_norm_header(h) in _lookup() for h in sheet.columns) for name, sheet in sheets.items()}
    if not known or max(known.values()) == 0:
        raise InputError(path, f"keine Umfrage-Exportdatei: kein Tabellenblatt mit Spalten des Codebuchs "
                               f"(Blätter: {', '.join(map(str, sheets)) or 'keine'})")  # fmt: skip
    name = max(known, key=lambda k: (known[k], k == "Form1"))
    if name != "Form1" or len(sheets) > 1:
        others = [str(k) for k in sheets if k != name]
        audit.file_note(FILE, "file_format", f"Tabellenblatt „{name}“ gelesen"
                        + (f"; nicht gelesen: {', '.join(others)}" if others else ""))  # fmt: skip
    table = sheets[name].fillna("")
    if table.empty:
        raise InputError(path, f"Tabellenblatt „{name}“ enthält nur eine Kopfzeile, keine Antworten")
    return table


def _decode(data: bytes, path: Path, audit: Audit) -> str:
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


def _norm_header(h: object) -> str:
    text = " ".join(str(h).split()).casefold()
    return re.sub(r"_(sq\d+)$", r"[\1]", text)


def _map_distinct(values: pd.Series, func) -> pd.Series:
    """`values.map(func)`, calling `func` once per distinct value (exports repeat few values)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    mapped = {i: func(u) for i, u in enumerate(distinct)}
    return pd.Series(codes, index=values.index).map(mapped)


def _blank_to_none(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def _to_code(value: object, scale: codebook.Scale) -> str | None:
    """A coded answer as its code: "3", "3.0", "03" and "in Betrieb" all give "3"."""
    text = _blank_to_none(value)
    if text is None or text in scale.codes:
        return text
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text))
        for code in scale.codes:
            if code.isdigit() and int(code) == number:
                return code
    folded = text.casefold()
    for code, label in scale.codes.items():
        if label.casefold() == folded:
            return code
    return text  # unknown: the cleaning logs it and sets it missing


def _log_recoded(raw: pd.Series, codes: pd.Series, scale: codebook.Scale, column: str, audit: Audit) -> None:
    """One file note per column whose answers came as labels or reformatted codes ("9" for "09")."""
    text = raw.astype(str).str.strip()
    changed = codes.notna() & codes.isin(list(scale.codes)) & text.ne(codes)
    if changed.any():
        example = f"„{text[changed].iloc[0]}“ → {codes[changed].iloc[0]}"
        audit.file_note(column, "codes_from_labels",
                        f"{int(changed.sum())} Antwort(en) als Beschriftung oder in anderem Zahlformat exportiert, "
                        f"in Codes umgesetzt (z. B. {example})")  # fmt: skip


def _ticked(cell: object, label: str) -> str:
    chosen = {part.strip().casefold() for part in str(cell).split(";")}
    return "Y" if label.casefold() in chosen else ""


def _meta(table: pd.DataFrame, fmt: str, pages: int, path: Path, audit: Audit) -> pd.DataFrame:
    ids = table["id"].astype(str).str.strip()
    rows = np.arange(2, len(table) + 2)
    if (ids == "").any():
        raise InputError(path, "Antwort-ID fehlt", row=int(rows[(ids == "").to_numpy()][0]), column="id")
    if ids.duplicated().any():
        first = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise InputError(path, f"Antwort-ID {ids.iloc[first]} doppelt", row=int(rows[first]), column="id")

    def times(col: str) -> pd.Series:
        return _times(table[col], ids, col, audit) if col in table else pd.Series(pd.NaT, index=table.index)

    if fmt == "limesurvey":
        out = pd.DataFrame(
            {
                "response_id": ids,
                "started_at": times("startdate"),
                "submitted_at": times("submitdate"),
                "interview_time_s": _decimal(table.get("interviewtime")),
                "last_page": _decimal(table.get("lastpage")),
            }
        )
    else:
        started, submitted = times("start time"), times("completion time")
        out = pd.DataFrame(
            {
                "response_id": ids,
                "started_at": started,
                "submitted_at": submitted,
                "interview_time_s": (submitted - started).dt.total_seconds(),
                "last_page": np.where(submitted.notna(), pages, np.nan),
            }
        )
    out["source_row"] = rows
    return out


_DOTTED_DATE = re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{2,4}")


def _times(text: pd.Series, ids: pd.Series, column: str, audit: Audit) -> pd.Series:
    """Timestamps as LimeSurvey writes them ("2026-11-22 14:03:00") or as German Excel saves
    them ("22.11.2026 14:03", day first); a timestamp that is not a date is logged and missing."""
    text = text.astype(str).str.strip()
    dotted = text.str.match(_DOTTED_DATE)
    parsed = pd.to_datetime(text.where(~dotted & text.ne("")), errors="coerce", format="mixed")
    if dotted.any():
        parsed = parsed.where(
            ~dotted, pd.to_datetime(text.where(dotted), errors="coerce", format="mixed", dayfirst=True)
        )
    parsed = parsed.astype("datetime64[ns]")
    for idx in text.index[text.ne("") & parsed.isna()]:
        audit.change(ids[idx], column, text[idx], "", "invalid_date", "kein gültiger Zeitpunkt: als fehlend behandelt")
    return parsed


def _decimal(values: pd.Series | None) -> pd.Series | float:
    """Numbers of meta columns, also with a German decimal comma ("123,5")."""
    if values is None:
        return np.nan
    return pd.to_numeric(values.astype(str).str.strip().str.replace(",", ".", regex=False), errors="coerce")
