"""Read a survey export into codebook columns (values as text), whatever tool wrote it.

Each survey tool is one module here with a `READER` (a `base.Reader` subclass); the codebook's
`formats` say how each tool heads the column of each variable. `read_export` reads the file as
a table of text (`text`: CSV, xlsx, SPSS or Stata), lets the readers recognise the tool by its
headers, and maps the columns to the codebook.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

import pandas as pd

from .. import codebook
from ..audit import FILE, Audit
from ..errors import InputError
from . import text
from .base import META, Reader, UnknownValues, norm_header, to_code

#: The tools and containers, for the message on a file no reader knows.
SUPPORTED = ("LimeSurvey (CSV, SPSS .sav, Excel), SoSci Survey (CSV, SPSS .sav), Microsoft Forms (Excel), "
             "Stata (.dta)")  # fmt: skip


@functools.cache
def readers() -> list[type[Reader]]:
    """Every tool's reader class; the one that detects anything (the fallback) last."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cls = getattr(module, "READER", None)
        if isinstance(cls, type) and issubclass(cls, Reader):
            found.append(cls)
    return sorted(found, key=lambda r: (r().detects([]), r.name))


def read_export(path: Path, audit: Audit) -> pd.DataFrame:
    """The export as one row per response: meta columns, then every codebook variable as text.

    Coded answers are given as codes whether the export held codes or labels; multiple choice
    as `base.TICKED`/`NOT_TICKED`/`NOT_SHOWN` or ""; columns the codebook does not know are
    left out. How the file was read and what was repaired is logged.
    """
    path = Path(path)
    table = read_table(path, audit)
    value_labels = {norm_header(k): v for k, v in table.attrs.get("value_labels", {}).items()}
    user_missing = {norm_header(k): v for k, v in table.attrs.get("user_missing", {}).items()}
    header = [norm_header(h) for h in table.columns]
    cb = codebook.load()
    lookup = column_lookup()
    reader = next(r() for r in readers() if r().detects(header))
    canonical = reader.headings(header, cb, audit)
    dupes = sorted({h for h in canonical if canonical.count(h) > 1 and h})
    if dupes:
        as_written = [str(table.columns[canonical.index(h)]) for h in dupes]
        hint = f" – {reader.hint}" if reader.hint else ""
        raise InputError(path, f"Spalte mehrfach vorhanden{hint}", row=1, column=", ".join(as_written))
    table.columns = header
    if not any(h in lookup for h in canonical):
        raise InputError(
            path, f"keine Umfrage-Exportdatei: keine Spalte des Codebuchs gefunden. Gelesen werden: {SUPPORTED}"
        )
    reader.check(canonical, path)
    table = reader.rows(table.set_axis(canonical, axis=1), path, audit)

    out = reader.meta(table, cb.pages, path, audit)
    ids = out["response_id"]
    for col, cells in user_missing.items():
        for i, old in cells.items():
            if i in table.index:
                audit.change(
                    ids[i], col, old, "", "missing_code", "Fehlcode (im SPSS/Stata-Export als fehlend erklärt)"
                )
    for v in cb.variables:
        cols = [h for h in canonical if v in lookup.get(h, [])]
        if not cols:
            if v.required:
                hint = f" – {reader.hint}" if reader.hint else ""
                raise InputError(path, f"Pflichtspalte fehlt ({v.label_de}){hint}", row=1, column=v.column(reader.name))
            audit.file_note(v.column(reader.name), "missing_column", "Spalte fehlt im Export: alle Antworten fehlen")
            out[v.name] = None
            continue
        raw = table[cols[0]].set_axis(ids)
        labels = value_labels.get(header[canonical.index(cols[0])], {})
        if labels:
            raw = _labelled(raw, labels, v, cb)
        try:
            out[v.name] = reader.answers(raw, v, cb, audit).to_numpy()
        except UnknownValues as exc:
            kind = "einer Mehrfachauswahl" if v.type == "multi" else "den Antwortcodes der Frage"
            raise InputError(path, f"Werte passen nicht zu {kind} (z. B. „{exc.example}“): {exc.hint}",
                             row=1, column=exc.column) from None  # fmt: skip
    for h in canonical:
        if h not in lookup and not reader.is_extra(h):
            audit.file_note(h or "(ohne Namen)", "unknown_column", "Spalte nicht im Codebuch, nicht übernommen")
    out.attrs["format"] = reader.name
    return out[[*META, "source_row", *(v.name for v in cb.variables)]]


def _labelled(raw: pd.Series, labels: dict[str, str], v: codebook.Variable, cb: codebook.Codebook) -> pd.Series:
    """Cells of an SPSS/Stata column with value labels: a coded answer as the codebook code of
    its label when the label is one of the codebook's (tools number options differently), else
    by its code; multiple choice by its label ("Yes", "ausgewählt")."""
    if v.type == "multi":
        return raw.map(lambda x: labels.get(x, x))
    if not v.scale:
        return raw
    scale = cb.scales[v.scale]

    def pick(code: str) -> str:
        by_label = to_code(labels.get(code), scale) if code in labels else None
        return by_label if by_label in scale.codes else code

    return raw.map(pick)


@functools.cache
def column_lookup() -> dict[str, list[codebook.Variable]]:
    """Normalised header -> the codebook variables it can hold (any format's column or the
    analysis name)."""
    lookup: dict[str, list[codebook.Variable]] = {}
    for v in codebook.load().variables:
        for key in {*(norm_header(c) for c in v.columns.values()), norm_header(v.name)}:
            lookup.setdefault(key, []).append(v)
    return lookup


def read_table(path: Path, audit: Audit) -> pd.DataFrame:
    """The export as a table of text: a CSV, an SPSS or Stata file, or the sheet of a workbook
    that holds the most survey columns ("Form1" in a Forms export); which sheet was read is
    logged when the workbook has others or the sheet was renamed."""
    data = text.read_bytes(path)
    kind = text.labelled_kind(data)
    if kind:
        audit.file_note(
            FILE, "file_format", f"{'SPSS' if kind == 'sav' else 'Stata'}-Datei gelesen (mit Wertebeschriftungen)"
        )
        return text.read_labelled(path, kind)
    if not text.is_zip(data):
        return text.read_csv(data, path, audit)
    sheets = text.read_workbook(path)
    known = {name: sum(norm_header(h) in column_lookup() for h in sheet.columns) for name, sheet in sheets.items()}
    if not known or max(known.values()) == 0:
        raise InputError(path, f"keine Umfrage-Exportdatei: kein Tabellenblatt mit Spalten des Codebuchs "
                               f"(Blätter: {', '.join(map(str, sheets)) or 'keine'}). Gelesen werden: {SUPPORTED}")  # fmt: skip
    name = max(known, key=lambda k: (known[k], k == "Form1"))
    if name != "Form1" or len(sheets) > 1:
        others = [str(k) for k in sheets if k != name]
        audit.file_note(FILE, "file_format", f"Tabellenblatt „{name}“ gelesen"
                        + (f"; nicht gelesen: {', '.join(others)}" if others else ""))  # fmt: skip
    table = sheets[name].fillna("")
    if table.empty:
        raise InputError(path, f"Tabellenblatt „{name}“ enthält nur eine Kopfzeile, keine Antworten")
    return table
