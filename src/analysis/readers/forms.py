"""Microsoft Forms' xlsx export ("Open in Excel"): question texts as headings, answer labels,
the options of a multiple-choice question in one cell separated by ";"; meta columns ID,
Start time, Completion time. Forms records submitted responses only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook
from ..audit import Audit
from .base import Reader, map_distinct, response_ids, timestamps


class Forms(Reader):
    name = "forms"
    meta_columns = frozenset({"id", "start time", "completion time", "email", "name", "last modified time"})

    def detects(self, header: list[str]) -> bool:
        return "completion time" in header

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
            }
        )
        out["source_row"] = rows
        return out

    def answers(self, raw: pd.Series, v: codebook.Variable, cb: codebook.Codebook, audit: Audit) -> pd.Series:
        if v.type == "multi":  # one cell per question: "Option A;Option C;"
            return map_distinct(raw, lambda cell: ticked(cell, v.item_label_de))
        return super().answers(raw, v, cb, audit)


def ticked(cell: object, label: str) -> str:
    chosen = {part.strip().casefold() for part in str(cell).split(";")}
    return "Y" if label.casefold() in chosen else ""


READER = Forms()
