"""The audit table: every dropped record and every changed value, with its rule and reason."""

from __future__ import annotations

import pandas as pd

from . import privacy, settings

COLUMNS = ["response_id", "column", "old_value", "new_value", "rule", "reason"]
#: The column entry of an audit row that concerns a whole record.
WHOLE_RECORD = "*"
#: The response_id entry of an audit row that concerns the export file (how it was read).
FILE = "(Datei)"


class Audit:
    """Collects audit rows while the cleaning steps run."""

    def __init__(self) -> None:
        self._rows: list[dict] = []

    def change(self, response_id, column: str, old, new, rule: str, reason: str, verbatim: bool = False) -> None:
        """Log a changed value. `verbatim`: `new` and `reason` hold only what the pipeline wrote
        itself (register keys and names), logged as they are: a key like 01059087 would
        otherwise be taken for a phone number."""
        self._rows.append(
            {
                "response_id": str(response_id),
                "column": column,
                "old_value": _text(old),
                "new_value": _text(new, verbatim),
                "rule": rule,
                "reason": _text(reason, verbatim),
            }
        )

    def file_note(self, column: str, rule: str, reason: str, old="", new="") -> None:
        """Log how the export file was read or repaired (encoding, sheet, missing column...)."""
        self.change(FILE, column, old, new, rule, reason)

    def drop(self, records: pd.DataFrame, rule: str, reason: str) -> None:
        """Log each record of `records` (must have `response_id`) as dropped."""
        for rid in records["response_id"]:
            self.change(rid, WHOLE_RECORD, "", "entfernt", rule, reason)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=COLUMNS).astype("string")


def _text(value, verbatim: bool = False) -> str:
    """The value as logged: cut to `settings.MAX_LOGGED_CHARS`, personal data in it (a number
    field holding an e-mail address...) replaced as in free text, so the audit table never
    carries them; `verbatim` for values the project wrote itself (register keys)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    text = str(value)
    if len(text) > settings.MAX_LOGGED_CHARS:
        text = f"{text[: settings.MAX_LOGGED_CHARS]}… ({len(text)} Zeichen)"
    return text if verbatim else privacy.scrubbed(text)


def rules_off(audit: pd.DataFrame) -> list[str]:
    """Why a cleaning rule could not run on this export (no timings, no date stamps...): to be
    said in the run's output, not only in the audit table."""
    return list(dict.fromkeys(audit.loc[audit["rule"] == "rule_off", "reason"]))


#: The kinds of audit rows, in the order `summary` lists them, with their German names.
KINDS = {"record_dropped": "Datensätze entfernt", "file": "Hinweise zur Datei", "value_changed": "Werte geändert"}


def summary(audit: pd.DataFrame) -> pd.DataFrame:
    """Counts of audit rows by rule and kind (`KINDS`), most frequent first within a kind."""
    kind = audit["column"].eq(WHOLE_RECORD).map({True: "record_dropped", False: "value_changed"})
    kind = kind.mask(audit["response_id"].eq(FILE), "file")
    return (
        audit.assign(kind=pd.Categorical(kind, categories=list(KINDS)))
        .groupby(["rule", "kind"], observed=True)
        .size()
        .rename("count")
        .reset_index()
        .sort_values(["kind", "count"], ascending=[True, False], kind="stable")
        .reset_index(drop=True)
        .astype({"kind": "string"})
    )
