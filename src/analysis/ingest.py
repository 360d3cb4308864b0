"""Read a LimeSurvey CSV or Microsoft Forms xlsx export into codebook columns (values as text)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import codebook
from .audit import WHOLE_RECORD, Audit
from .errors import InputError

LIMESURVEY_META = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "interviewtime"}
FORMS_META = {"id", "start time", "completion time", "email", "name", "last modified time"}
ENCODINGS = ("utf-8-sig", "cp1252")


def read_export(path: Path, audit: Audit) -> pd.DataFrame:
    """The export as one row per response: meta columns, then every codebook variable as text.

    Coded answers are given as codes whether the export held codes or labels; columns the
    codebook does not know are left out and logged.
    """
    path = Path(path)
    table = _read_table(path)
    header = [_norm_header(h) for h in table.columns]
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise InputError(path, f"Spalte mehrfach vorhanden: {', '.join(dupes)}")
    table.columns = header
    cb = codebook.load()
    lookup = {}
    for v in cb.variables:
        for key in {_norm_header(v.limesurvey_column), _norm_header(v.forms_column), _norm_header(v.name)}:
            lookup.setdefault(key, []).append(v)
    known = [h for h in header if h in lookup]
    if not known:
        raise InputError(path, "keine Umfrage-Exportdatei: keine Spalte des Codebuchs gefunden")
    fmt = "forms" if "completion time" in header else "limesurvey"
    if fmt == "limesurvey" and not {"id", "submitdate"} <= set(header):
        raise InputError(path, "LimeSurvey-Export ohne die Metadatenspalten id und submitdate")

    out = _meta(table, fmt, cb.pages, path)
    for v in cb.variables:
        cols = [h for h in header if v in lookup.get(h, [])]
        if not cols:
            if v.required:
                raise InputError(path, f"Pflichtspalte fehlt: {v.limesurvey_column} ({v.label_de})")
            out[v.name] = None
            continue
        raw = table[cols[0]]
        if v.type == "multi" and fmt == "forms":
            out[v.name] = _map_distinct(raw, lambda s, lab=v.item_label_de: _ticked(s, lab))
        elif v.type in ("single", "likert") or (v.type == "personal" and v.scale):
            out[v.name] = _map_distinct(raw, lambda s, scale=cb.scales[v.scale]: _to_code(s, scale))
        else:
            out[v.name] = _map_distinct(raw, _blank_to_none)
    meta = LIMESURVEY_META if fmt == "limesurvey" else FORMS_META
    for h in header:
        if h not in lookup and h not in meta and not h.startswith("grouptime"):
            audit.change(WHOLE_RECORD, h, "", "", "unknown_column", "Spalte nicht im Codebuch, nicht übernommen")
    out.attrs["format"] = fmt
    return out


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "Datei nicht gefunden")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "Datei ist leer")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path)
    text = _decode(data, path)
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        raise InputError(path, "kein Trennzeichen (; , Tab) in der Kopfzeile gefunden") from None
    try:
        table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, header=None, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(path, f"CSV nicht lesbar: {str(exc).strip().splitlines()[-1]}") from None
    if len(table) < 2:
        raise InputError(path, "nur eine Kopfzeile, keine Antworten")
    body = table.iloc[1:].reset_index(drop=True)
    body.columns = list(table.iloc[0])
    return body


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # a damaged workbook raises many different errors
        raise InputError(path, f"Excel-Datei nicht lesbar ({type(exc).__name__})") from None
    if not sheets:
        raise InputError(path, "Excel-Datei ohne Tabellenblatt")
    name = "Form1" if "Form1" in sheets else next(iter(sheets))
    table = sheets[name].fillna("")
    if table.empty:
        raise InputError(path, f"Tabellenblatt {name!r} enthält keine Antworten")
    return table


def _decode(data: bytes, path: Path) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise InputError(path, "keine Textdatei (Binärdaten)")
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(path, "Zeichenkodierung nicht erkannt (weder UTF-8 noch Windows-1252)")


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


def _ticked(cell: object, label: str) -> str:
    chosen = {part.strip().casefold() for part in str(cell).split(";")}
    return "Y" if label.casefold() in chosen else ""


def _meta(table: pd.DataFrame, fmt: str, pages: int, path: Path) -> pd.DataFrame:
    def times(col):
        return pd.to_datetime(table[col].replace("", None), errors="coerce", format="mixed").astype("datetime64[ns]")

    if fmt == "limesurvey":
        out = pd.DataFrame(
            {
                "response_id": table["id"].astype(str).str.strip(),
                "started_at": times("startdate") if "startdate" in table else pd.NaT,
                "submitted_at": times("submitdate"),
                "interview_time_s": pd.to_numeric(table.get("interviewtime"), errors="coerce"),
                "last_page": pd.to_numeric(table.get("lastpage"), errors="coerce"),
            }
        )
    else:
        started, submitted = times("start time"), times("completion time")
        out = pd.DataFrame(
            {
                "response_id": table["id"].astype(str).str.strip(),
                "started_at": started,
                "submitted_at": submitted,
                "interview_time_s": (submitted - started).dt.total_seconds(),
                "last_page": np.where(submitted.notna(), pages, np.nan),
            }
        )
    out["source_row"] = np.arange(2, len(out) + 2)
    ids = out["response_id"]
    if (ids == "").any():
        raise InputError(path, f"Zeile {int(out.loc[ids == '', 'source_row'].iloc[0])}: Antwort-ID fehlt")
    if ids.duplicated().any():
        row = int(out.loc[ids.duplicated(), "source_row"].iloc[0])
        raise InputError(path, f"Zeile {row}: Antwort-ID {ids[ids.duplicated()].iloc[0]} doppelt")
    return out
