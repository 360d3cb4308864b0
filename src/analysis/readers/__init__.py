"""Read a survey export into codebook columns (values as text), whatever tool wrote it.

Each export format is one module here with a `READER` (a `base.Reader`); the codebook's
`formats` say how each format heads the column of each variable. `read_export` reads the file
as a table of text, lets the readers recognise the format by its headers, and maps the columns
to the codebook.
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
from .base import Reader, norm_header


@functools.cache
def readers() -> list[Reader]:
    """Every format's reader; the one that detects anything (the fallback) last."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "READER", None), Reader):
            found.append(module.READER)
    return sorted(found, key=lambda r: (r.detects([]), r.name))


def read_export(path: Path, audit: Audit) -> pd.DataFrame:
    """The export as one row per response: meta columns, then every codebook variable as text.

    Coded answers are given as codes whether the export held codes or labels; columns the
    codebook does not know are left out. How the file was read and what was repaired is logged.
    """
    path = Path(path)
    table = read_table(path, audit)
    header = [norm_header(h) for h in table.columns]
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        as_written = [str(next(c for c in table.columns if norm_header(c) == h)) for h in dupes]
        raise InputError(path, "Spalte mehrfach vorhanden", row=1, column=", ".join(as_written))
    table.columns = header
    cb = codebook.load()
    lookup = column_lookup()
    if not any(h in lookup for h in header):
        raise InputError(path, "keine Umfrage-Exportdatei: keine Spalte des Codebuchs gefunden")
    reader = next(r for r in readers() if r.detects(header))
    reader.check(header, path)

    out = reader.meta(table, cb.pages, path, audit)
    for v in cb.variables:
        cols = [h for h in header if v in lookup.get(h, [])]
        if not cols:
            if v.required:
                raise InputError(path, f"Pflichtspalte fehlt ({v.label_de})", row=1, column=v.column("limesurvey"))
            audit.file_note(v.column("limesurvey"), "missing_column", "Spalte fehlt im Export: alle Antworten fehlen")
            out[v.name] = None
            continue
        out[v.name] = reader.answers(table[cols[0]], v, cb, audit)
    for h in header:
        if h not in lookup and not reader.is_extra(h):
            audit.file_note(h or "(ohne Namen)", "unknown_column", "Spalte nicht im Codebuch, nicht übernommen")
    out.attrs["format"] = reader.name
    return out


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
    """The export as a table of text: a CSV, or the sheet of a workbook that holds the most
    survey columns ("Form1" in a Forms export); which sheet was read is logged when the
    workbook has others or the sheet was renamed."""
    data = text.read_bytes(path)
    if not text.is_zip(data):
        return text.read_csv(data, path, audit)
    sheets = text.read_workbook(path)
    known = {name: sum(norm_header(h) in column_lookup() for h in sheet.columns) for name, sheet in sheets.items()}
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
