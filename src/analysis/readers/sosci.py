"""SoSci Survey's data download (CSV: tab-separated, UTF-16; or its SPSS .sav): variables named
by question ID and item (`AA02`, `DD01_02`, see `formats.sosci` in the codebook), answers as
codes (selections: the option's number; scales 1..n; multiple choice 1 = not ticked,
2 = ticked), negative codes for missing answers (-9 not answered), empty where a question was
not shown. An optional second row with variable labels ("variable annotation") is skipped.

Meta columns: CASE (response id), STARTED, LASTDATA, FINISHED (0/1), TIME001.. (seconds per
page) and TIME_SUM for the speeder rule, LASTPAGE/MAXPAGE (SoSci's own page numbers, not the
codebook's), MISSING, TIME_RSI, DEG_TIME, SERIAL, REF, QUESTNNR, MODE, MAILSENT, Q_VIEWER.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook
from ..audit import FILE, Audit
from .base import NOT_SHOWN, NOT_TICKED, TICKED, Reader, decimal, read_ticks, response_ids, timestamps

SYSTEM = frozenset({
    "case", "serial", "ref", "questnnr", "mode", "language", "started", "time_sum", "mailsent", "lastdata",
    "status", "finished", "q_viewer", "lastpage", "maxpage", "missing", "missrel", "time_rsi", "deg_time",
})  # fmt: skip
PAGE_TIME = re.compile(r"^time\d{3}$")
#: Multiple choice: 1 "nicht gewählt", 2 "ausgewählt"; with labels applied (SPSS), the labels.
TICKS = {"1": NOT_TICKED, "2": TICKED, "": NOT_SHOWN, "nicht gewählt": NOT_TICKED, "ausgewählt": TICKED,
         "not checked": NOT_TICKED, "checked": TICKED, "-9": NOT_SHOWN, "nicht beantwortet": NOT_SHOWN}  # fmt: skip
HINT = "in SoSci Survey die Daten als CSV oder SPSS mit Antwortcodes herunterladen"
#: FINISHED as code or label.
FINISHED = {"1", "1.0", "true", "ausgefüllt", "finished"}


class SoSci(Reader):
    name = "sosci"
    label = "SoSci Survey"
    meta_columns = SYSTEM
    answers_hint = "in SoSci Survey die Daten mit den Antwortcodes (Zahlen) herunterladen"

    def __init__(self) -> None:
        self.skipped = 0  # rows before the responses besides the header
        self.count_variables: set[str] = set()

    def detects(self, header: list[str]) -> bool:
        return "case" in header and ("questnnr" in header or "finished" in header)

    def headings(self, header: list[str], cb: codebook.Codebook, audit: Audit) -> list[str]:
        """As written; notes the count variables of multiple-choice questions (left out)."""
        self.count_variables = {v.column(self.name).rsplit("_", 1)[0].casefold() for v in cb.of_type("multi")}
        return header

    def rows(self, table: pd.DataFrame, path: Path, audit: Audit) -> pd.DataFrame:
        first = str(table.iloc[0, list(table.columns).index("case")]).strip()
        if not re.fullmatch(r"-?\d+(\.0)?", first):  # the variable annotation row
            audit.file_note(
                FILE, "file_format", f"zweite Kopfzeile mit Variablenbeschriftungen („{first}“) übersprungen"
            )
            self.skipped = 1
            return table.iloc[1:].reset_index(drop=True)
        return table

    def meta(self, table: pd.DataFrame, pages: int, path: Path, audit: Audit) -> pd.DataFrame:
        ids, rows = response_ids(table, "case", path)
        ids = ids.str.replace(r"\.0$", "", regex=True)
        finished = table["finished"].astype(str).str.strip().str.casefold().isin(FINISHED)
        started = timestamps(table["started"], ids, "started", audit) if "started" in table else pd.NaT
        last = timestamps(table["lastdata"], ids, "lastdata", audit) if "lastdata" in table else pd.NaT
        page_times = [c for c in table.columns if PAGE_TIME.match(c)]
        total = decimal(table["time_sum"]) if "time_sum" in table else pd.Series(np.nan, index=table.index)
        if page_times:
            summed = pd.concat([decimal(table[c]) for c in page_times], axis=1).sum(axis=1, min_count=1)
            total = total.where(total.notna(), summed)
        out = pd.DataFrame(
            {
                "response_id": ids,
                "started_at": started,
                "submitted_at": pd.Series(last, index=table.index).where(finished),
                "interview_time_s": total,
                "last_page": np.where(finished, pages, np.nan),  # SoSci counts its own pages
                "is_complete": finished.to_numpy(),
            }
        )
        out["source_row"] = rows + self.skipped
        return out

    def ticks(self, raw: pd.Series, v: codebook.Variable, audit: Audit) -> pd.Series:
        return read_ticks(raw, TICKS, v, self, audit, HINT)

    def is_extra(self, header: str) -> bool:
        # system variables, page times, a multiple choice's count variable (GG03)
        return header in SYSTEM or bool(PAGE_TIME.match(header)) or header in self.count_variables


READER = SoSci
