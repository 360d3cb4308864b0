"""Microsoft Forms' xlsx export ("Open in Excel"): question texts as headings, answer labels,
the options of a multiple-choice question in one cell separated by ";"; meta columns ID,
Start time, Completion time. Forms records submitted responses only."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook
from ..audit import Audit
from .base import TICKED, Reader, map_distinct, norm_header, response_ids, timestamps


class Forms(Reader):
    name = "forms"
    label = "Microsoft Forms"
    meta_columns = frozenset({"id", "start time", "completion time", "email", "name", "last modified time",
                              "startzeit", "fertigstellungszeit", "e-mail", "uhrzeit der letzten änderung"})  # fmt: skip
    #: German Forms headers, as the English ones
    GERMAN = {"startzeit": "start time", "fertigstellungszeit": "completion time", "e-mail": "email",
              "uhrzeit der letzten änderung": "last modified time"}  # fmt: skip

    def detects(self, header: list[str]) -> bool:
        return "completion time" in header or "fertigstellungszeit" in header

    def headings(self, header: list[str], cb: codebook.Codebook, audit: Audit) -> list[str]:
        """German meta headers as the English ones; a Likert row headed by its statement alone
        ("ePayment", the second time "ePayment2") as `<question>.<statement>`."""
        known = {norm_header(v.column(self.name)) for v in cb.variables}
        grid = [v for v in cb.variables if v.item_key and v.type != "multi"]
        counts: dict[str, int] = {}
        out = []
        for h in header:
            h = self.GERMAN.get(h, h)
            if h not in known and h not in self.meta_columns:
                rows = [v for v in grid if norm_header(v.item_label_de) == h]
                suffixed = re.fullmatch(r"(.+?)(\d+)", h)
                if rows:  # the statement alone; a statement of several questions in question order
                    n = counts[h] = counts.get(h, 0) + 1
                    h = norm_header(rows[n - 1].column(self.name)) if n <= len(rows) else h
                elif suffixed:  # Forms numbers repeated headings: "ePayment2"
                    rows = [v for v in grid if norm_header(v.item_label_de) == suffixed.group(1)]
                    k = int(suffixed.group(2))
                    h = norm_header(rows[k - 1].column(self.name)) if 1 <= k <= len(rows) else h
            out.append(h)
        return out

    def meta(self, table: pd.DataFrame, pages: int, path: Path, audit: Audit) -> pd.DataFrame:
        ids, rows = response_ids(table, "id", path)
        started = timestamps(table["start time"], ids, "start time", audit)
        submitted = timestamps(table["completion time"], ids, "completion time", audit)
        out = pd.DataFrame(
            {
                "response_id": ids,
                "started_at": started,
                "submitted_at": submitted,
                "interview_time_s": (submitted - started).dt.total_seconds(),
                "last_page": np.where(submitted.notna(), pages, np.nan),
                "is_complete": submitted.notna().to_numpy(),
            }
        )
        out["source_row"] = rows
        return out

    def ticks(self, raw: pd.Series, v: codebook.Variable, audit: Audit) -> pd.Series:
        """One cell per question, "Option A;Option C;": ticked where the option is named; Forms
        records submitted responses only, so an option not named was shown and not ticked."""
        return map_distinct(raw, lambda cell: ticked(cell, v.item_label_de))


def ticked(cell: object, label: str) -> str:
    chosen = {part.strip().casefold() for part in str(cell).split(";")}
    return TICKED if label.casefold() in chosen else ""


READER = Forms
