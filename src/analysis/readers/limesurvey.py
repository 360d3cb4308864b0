"""LimeSurvey's CSV export ("Responses" > "Export"): question codes as headings, answer codes,
`Y` for a ticked multiple-choice option; meta columns id, submitdate, lastpage, startdate,
interviewtime."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..audit import Audit
from ..errors import InputError
from .base import Reader, decimal, response_ids, timestamps


class LimeSurvey(Reader):
    name = "limesurvey"
    meta_columns = frozenset(
        {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "interviewtime"}
    )

    def detects(self, header: list[str]) -> bool:
        return True  # the fallback: any table with codebook columns that no other reader claims

    def check(self, header: list[str], path: Path) -> None:
        if not {"id", "submitdate"} <= set(header):
            raise InputError(path, "LimeSurvey-Export ohne die Metadatenspalten id und submitdate", row=1)

    def meta(self, table: pd.DataFrame, pages: int, path: Path, audit: Audit) -> pd.DataFrame:
        ids, rows = response_ids(table, "id", path)

        def times(col: str) -> pd.Series:
            return timestamps(table[col], ids, col, audit) if col in table else pd.Series(pd.NaT, index=table.index)

        out = pd.DataFrame(
            {
                "response_id": ids,
                "started_at": times("startdate"),
                "submitted_at": times("submitdate"),
                "interview_time_s": decimal(table.get("interviewtime")),
                "last_page": decimal(table.get("lastpage")),
            }
        )
        out["source_row"] = rows
        return out

    def is_extra(self, header: str) -> bool:
        return header in self.meta_columns or header.startswith("grouptime")


READER = LimeSurvey()
