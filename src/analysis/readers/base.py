"""What every reader does: the interface of an export format and the decoding of answers that
all formats share. One module per format in this package subclasses `Reader`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook
from ..audit import Audit
from ..errors import InputError

#: The meta columns every reader delivers, before the codebook variables.
META = ["response_id", "started_at", "submitted_at", "interview_time_s", "last_page", "is_complete"]
#: What a reader gives for one multiple-choice option: ticked, shown but not ticked, not shown
#: (page not reached, "N/A"); an empty cell whose meaning depends on the page reached is "".
TICKED, NOT_TICKED, NOT_SHOWN = "Y", "N", None


class Reader:
    """One survey tool's export. `name` is its key under `formats` in the codebook, which says
    how the tool heads each variable's column; `label` names the tool in messages."""

    name: str = ""
    label: str = ""
    #: normalised headers of the tool's own metadata (not codebook variables, not logged)
    meta_columns: frozenset[str] = frozenset()
    #: what to change in the tool's export settings when a required column is missing
    hint: str = ""
    #: what to change when a column's answers are neither codes nor labels of its scale
    answers_hint: str = "die Antworten als Antwortcodes exportieren"

    def detects(self, header: list[str]) -> bool:
        """Whether a table with these normalised headers is an export of this tool."""
        raise NotImplementedError

    def rows(self, table: pd.DataFrame, path: Path, audit: Audit) -> pd.DataFrame:
        """The response rows of the table (a tool may add rows that are not responses)."""
        return table

    def headings(self, header: list[str], cb: codebook.Codebook, audit: Audit) -> list[str]:
        """The normalised headers as the codebook's columns of this tool name them (a tool may
        offer other heading styles, e.g. question texts instead of codes)."""
        return header

    def check(self, header: list[str], path: Path) -> None:
        """Refuse a table of this tool that lacks what the reader needs."""

    def meta(self, table: pd.DataFrame, pages: int, path: Path, audit: Audit) -> pd.DataFrame:
        """The `META` columns and `source_row`, one row per response."""
        raise NotImplementedError

    def answers(self, raw: pd.Series, v: codebook.Variable, cb: codebook.Codebook, audit: Audit) -> pd.Series:
        """A variable's answers as text: coded answers as their codes, multiple choice as
        `TICKED`/`NOT_TICKED`/`NOT_SHOWN` or "", blanks as None."""
        if v.type in ("single", "likert") or (v.type == "personal" and v.scale):
            return self.coded(raw, v, cb, audit)
        if v.type == "multi":
            return self.ticks(raw, v, audit)
        return map_distinct(raw, blank_to_none)

    def coded(self, raw: pd.Series, v: codebook.Variable, cb: codebook.Codebook, audit: Audit) -> pd.Series:
        """Coded answers as their codes (`to_code`), each distinct value once. Values that are
        neither codes, labels nor missing codes stay as written (cleaning logs them); when most
        of a column's answers are such values, the export was written in a way the reader does
        not know: `answers_hint` says what to change. Labels or reformatted codes are noted."""
        scale = cb.scales[v.scale]
        missing = {k.casefold() for k in cb.missing_codes}
        inverse, distinct = pd.factorize(raw, use_na_sentinel=False)
        counts = np.bincount(inverse, minlength=len(distinct))
        codes = [to_code(u, scale) for u in distinct]
        unknown = np.array(
            [c is not None and c not in scale.codes and c.casefold() not in missing for c in codes], bool
        )
        answered = np.array([c is not None for c in codes], bool)
        n_unknown = int(counts[unknown].sum())
        if n_unknown >= 3 and n_unknown > 0.5 * int(counts[answered].sum()):
            raise UnknownValues(v.column(self.name), codes[int(np.argmax(unknown))], self.answers_hint)
        recoded = np.array([c in scale.codes and str(u).strip() != c for u, c in zip(distinct, codes)], bool)
        if recoded.any():
            first = int(np.argmax(recoded))
            audit.file_note(v.column(self.name), "codes_from_labels",
                            f"{int(counts[recoded].sum())} Antwort(en) als Beschriftung oder in anderem Zahlformat "
                            f"exportiert, in Codes umgesetzt (z. B. „{str(distinct[first]).strip()}“ → {codes[first]})")  # fmt: skip
        return pd.Series(np.array(codes + [None], dtype=object)[:-1][inverse], index=raw.index)

    def ticks(self, raw: pd.Series, v: codebook.Variable, audit: Audit) -> pd.Series:
        """A multiple-choice option's cells as `TICKED`, `NOT_TICKED`, `NOT_SHOWN` or ""."""
        raise NotImplementedError

    def is_extra(self, header: str) -> bool:
        """A column the tool writes that is neither metadata nor a codebook variable, and
        that is left out without a note (e.g. LimeSurvey's timings per page)."""
        return header in self.meta_columns


def read_ticks(raw: pd.Series, known: dict[str, str | None], v: codebook.Variable, tool: Reader, audit: Audit,
               path_hint: str) -> pd.Series:  # fmt: skip
    """Multiple-choice cells by a table of known values (case-folded value -> tick state).
    A value not in the table is never counted as an answer: it is logged and missing. When
    most of a column's values are unknown, the export was written with settings the reader
    does not know: `path_hint` says which to choose."""
    folded = raw.astype(str).str.strip().str.casefold()
    out = folded.map(lambda x: known.get(x, "?"))
    unknown = out.eq("?")
    if unknown.any():
        shown = folded[unknown & folded.ne("")]
        if len(shown) > 0.5 * max(1, int(folded.ne("").sum())):
            example = raw[unknown].astype(str).str.strip().iloc[0]
            raise UnknownValues(v.column(tool.name), example, path_hint)
        for idx in shown.index:
            audit.change(idx, v.name, raw[idx], "", "invalid_code",
                         "kein bekannter Wert für eine Mehrfachauswahl: als fehlend behandelt")  # fmt: skip
    return out.mask(unknown, None).astype(object)


class UnknownValues(Exception):
    """A column whose values fit none of the tool's conventions for its kind of question."""

    def __init__(self, column: str, example: str, hint: str):
        super().__init__(column, example, hint)
        self.column, self.example, self.hint = column, example, hint


def norm_header(h: object) -> str:
    """A header as compared: whitespace collapsed, case folded, `X_SQ001` read as `X[SQ001]`."""
    text = " ".join(str(h).split()).casefold()
    return re.sub(r"_(sq\d+)$", r"[\1]", text)


def response_ids(table: pd.DataFrame, column: str, path: Path) -> tuple[pd.Series, np.ndarray]:
    """The response ids (as text) and each response's row in the file (header = row 1); a
    missing or repeated id is refused."""
    ids = table[column].astype(str).str.strip()
    rows = np.arange(2, len(table) + 2)
    if (ids == "").any():
        raise InputError(path, "Antwort-ID fehlt", row=int(rows[(ids == "").to_numpy()][0]), column=column)
    if ids.duplicated().any():
        first = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise InputError(path, f"Antwort-ID {ids.iloc[first]} doppelt", row=int(rows[first]), column=column)
    return ids, rows


_DOTTED_DATE = re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{2,4}")


def timestamps(text: pd.Series, ids: pd.Series, column: str, audit: Audit) -> pd.Series:
    """Timestamps as survey tools write them ("2026-11-22 14:03:00") or as German Excel saves
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


def decimal(values: pd.Series | None) -> pd.Series | float:
    """Numbers of meta columns, also with a German decimal comma ("123,5")."""
    if values is None:
        return np.nan
    return pd.to_numeric(values.astype(str).str.strip().str.replace(",", ".", regex=False), errors="coerce")


def map_distinct(values: pd.Series, func) -> pd.Series:
    """`values.map(func)`, calling `func` once per distinct value (exports repeat few values)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    mapped = {i: func(u) for i, u in enumerate(distinct)}
    return pd.Series(codes, index=values.index).map(mapped)


def blank_to_none(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def to_code(value: object, scale: codebook.Scale) -> str | None:
    """A coded answer as its code: "3", "3.0", "03" and "in Betrieb" all give "3"."""
    text = blank_to_none(value)
    if text is None or text in scale.codes:
        return text
    if re.fullmatch(r"[0-9]+(\.0+)?", text):  # ASCII digits only: "٣" is no code
        number = int(float(text))
        for code in scale.codes:
            if code.isdigit() and int(code) == number:
                return code
    folded = text.casefold()
    for code, label in scale.codes.items():
        if label.casefold() == folded:
            return code
    return text  # unknown: the cleaning logs it and sets it missing
