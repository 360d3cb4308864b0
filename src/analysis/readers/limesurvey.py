"""LimeSurvey's response export (Responses > Export): CSV, or SPSS .sav and Excel with the same
columns. Every option of its export page is read (LimeSurvey's Writer/SurveyObj/CsvWriter):

- headings as question code (`D01[SQ001]`, with ExpressionScript codes `D01_SQ001`), question
  code & question text (`D01[SQ001]. Text [Item]`, separator ". " or "."), full question text
  (`Text [Item]`) or abbreviated question text (each part cut to N characters + ".. ");
- answers as codes (multiple choice `Y`, empty when not ticked) or full answers (labels;
  multiple choice `Yes`/`No`, `N/A` when not shown), in English or German;
- "Convert Y to"/"Convert N to" (multiple choice as e.g. 1/2 or 1/0);
- with or without timings (`interviewtime`, `groupTime…`, `…Time`), date stamps (`startdate`,
  `datestamp`; without them LimeSurvey writes 1980-01-01 00:00:00 as submission time) and
  participant columns (`token`, `firstname`, `lastname`, `email`, `attribute_…`, never read).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import codebook
from ..audit import FILE, Audit
from ..errors import InputError
from .base import (
    NOT_SHOWN,
    NOT_TICKED,
    TICKED,
    Reader,
    decimal,
    norm_header,
    read_ticks,
    response_ids,
    timestamps,
)

#: Meta columns by code, and by their heading text (English, German) in the text heading styles.
META_TEXTS = {
    "id": ("response id", "antwort id", "antwort-id"),
    "submitdate": ("date submitted", "datum abgeschickt"),
    "lastpage": ("last page", "letzte seite"),
    "startlanguage": ("start language", "startsprache"),
    "seed": ("seed",),
    "token": ("token", "access code", "zugangsschlüssel", "schlüsselwort"),
    "startdate": ("date started", "datum gestartet"),
    "datestamp": ("date last action", "datum letzte aktivität"),
    "ipaddr": ("ip address", "ip-adresse"),
    "refurl": ("referrer url", "referrer-url"),
    "interviewtime": ("total time", "gesamtzeit"),
}
#: Participant columns LimeSurvey adds when chosen: personal data, never read.
PARTICIPANT = re.compile(r"^(firstname|lastname|email|attribute_\d+|first name|last name|e-?mail|vorname|nachname)$")
#: Timing columns: total, per group, per question (code heading), and their text headings.
TIMING = re.compile(r"^(interviewtime|grouptime\d+|[a-z][a-z0-9_]*time|group time: .*|question time: .*|"
                    r"gruppenzeit: .*|fragezeit: .*)$")  # fmt: skip
#: Submission time LimeSurvey writes when date stamps are off (anonymised surveys).
PLACEHOLDER_DATE = "1980-01-01 00:00:00"
#: Multiple-choice values of each answer setting: codes, full answers (en, de), "N/A" for not shown.
TICKS = {
    "y": TICKED, "": "", "yes": TICKED, "ja": TICKED, "no": NOT_TICKED, "nein": NOT_TICKED,
    "n/a": NOT_SHOWN, "k. a.": NOT_SHOWN, "k.a.": NOT_SHOWN, "keine antwort": NOT_SHOWN,
}  # fmt: skip
#: "Convert Y to"/"Convert N to" with LimeSurvey's defaults (1/2) or 1/0.
CONVERTED = ({"1": TICKED, "2": NOT_TICKED, "": ""}, {"1": TICKED, "0": NOT_TICKED, "": ""})
HINT = ("in LimeSurvey unter Export › Antworten „Antwortcodes“ oder „Vollständige Antworten“ wählen "
        "und „Y umwandeln in“/„N umwandeln in“ ausschalten oder auf 1 und 2 setzen")  # fmt: skip
HEADINGS_HINT = "in LimeSurvey unter Export › Überschriften „Fragecode“ wählen"


class LimeSurvey(Reader):
    name = "limesurvey"
    label = "LimeSurvey"
    meta_columns = frozenset(META_TEXTS)

    answers_hint = ("Antworten in einer anderen Sprache oder Fassung als das Codebuch? In LimeSurvey unter Export › "
                    "Antworten „Antwortcodes“ wählen")  # fmt: skip

    def __init__(self) -> None:
        self.converted_noted = False  # one note per file for "Convert Y/N"

    def detects(self, header: list[str]) -> bool:
        return True  # the fallback for any table with codebook columns that no other reader claims

    def headings(self, header: list[str], cb: codebook.Codebook, audit: Audit) -> list[str]:
        """Text headings (full, abbreviated, code & text) to codes; a note says which style."""
        by_text = _by_text(cb)
        length = _abbreviation_length(header)
        by_abbreviation = _by_abbreviation(cb, length) if length else {}
        out, styles = [], set()
        for h in header:
            code = _leading_code(h)
            if h in self.meta_columns or _is_code(h, cb):
                out.append(h)
            elif code is not None and (code in self.meta_columns or _is_code(code, cb) or self.is_extra(code)):
                out.append(code)
                styles.add("Fragecode und Fragetext")
            elif _text_key(h) in by_text:
                out.append(by_text[_text_key(h)])
                styles.add("vollständiger Fragetext")
            elif h in by_abbreviation:
                out.append(by_abbreviation[h])
                styles.add(f"abgekürzter Fragetext ({length} Zeichen)")
            else:
                out.append(h)
        if styles:
            audit.file_note(
                FILE, "file_format", f"Überschriften als {', '.join(sorted(styles))}: den Fragecodes zugeordnet"
            )
            self.hint = HEADINGS_HINT
        return out

    def check(self, header: list[str], path: Path) -> None:
        if not {"id", "submitdate"} <= set(header):
            raise InputError(path, "LimeSurvey-Export ohne die Metadatenspalten id und submitdate", row=1)

    def meta(self, table: pd.DataFrame, pages: int, path: Path, audit: Audit) -> pd.DataFrame:
        ids, rows = response_ids(table, "id", path)
        submitted = table["submitdate"].astype(str).str.strip()
        placeholder = submitted.eq(PLACEHOLDER_DATE)
        if placeholder.any():
            audit.file_note("submitdate", "rule_off",
                            f"Abschickzeit {PLACEHOLDER_DATE} (LimeSurvey ohne Datumsstempel): als „abgeschickt, "
                            "Zeitpunkt unbekannt“ gelesen")  # fmt: skip

        def times(col: str, text: pd.Series | None = None) -> pd.Series:
            if col not in table:
                return pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
            return timestamps(table[col] if text is None else text, ids, col, audit)

        out = pd.DataFrame(
            {
                "response_id": ids,
                "started_at": times("startdate"),
                "submitted_at": times("submitdate", submitted.mask(placeholder, "")),
                "interview_time_s": decimal(table.get("interviewtime")),
                "last_page": decimal(table.get("lastpage")),
                "is_complete": submitted.ne("").to_numpy(),
            }
        )
        out["source_row"] = rows
        return out

    def ticks(self, raw: pd.Series, v: codebook.Variable, audit: Audit) -> pd.Series:
        values = set(raw.astype(str).str.strip().str.casefold())
        for converted in CONVERTED:
            if values <= set(converted) and values - {""}:
                if not self.converted_noted:
                    audit.file_note(FILE, "file_format",
                                    f"Mehrfachauswahl als {'/'.join(k for k in converted if k)} exportiert "
                                    "(„Y umwandeln in“/„N umwandeln in“): angekreuzt/nicht angekreuzt")  # fmt: skip
                    self.converted_noted = True
                return read_ticks(raw, converted, v, self, audit, HINT)
        return read_ticks(raw, TICKS, v, self, audit, HINT)

    def is_extra(self, header: str) -> bool:
        return header in self.meta_columns or bool(TIMING.match(header) or PARTICIPANT.match(header))


def _is_code(h: str, cb: codebook.Codebook) -> bool:
    return any(h == norm_header(v.column("limesurvey")) for v in cb.variables)


_CODE_PREFIX = re.compile(r"^([a-z][a-z0-9_]*(?:\[[a-z0-9_#]+\])*)\.\s?(.+)$")


def _leading_code(h: str) -> str | None:
    """ "d01[sq001]. wie ist ..." -> "d01[sq001]" (code & text headings, separator ". " or ".")."""
    m = _CODE_PREFIX.match(h)
    return norm_header(m.group(1)) if m else None


def _text_key(text: str) -> str:
    """A heading text as compared: whitespace and underscores (LimeSurvey's "spaces to
    underscores" option) collapsed, case folded."""
    return " ".join(str(text).replace("_", " ").split()).casefold()


def _full_heading(v: codebook.Variable) -> str:
    text = v.question_text_de or v.question_label_de
    return f"{text} [{v.item_label_de}]" if v.item_key else text


def _by_text(cb: codebook.Codebook) -> dict[str, str]:
    """Full question text heading -> code heading, for every variable and meta column."""
    out = {_text_key(_full_heading(v)): norm_header(v.column("limesurvey")) for v in cb.variables}
    out |= {text: code for code, texts in META_TEXTS.items() for text in texts}
    return out


_ABBREVIATED = re.compile(r"^(.*?)\.\.(?: |$)")


def _abbreviation_length(header: list[str]) -> int | None:
    """The length N of abbreviated headings ("first N characters.. "), if the header has them."""
    lengths = [len(m.group(1)) for h in header if (m := _ABBREVIATED.match(h)) and "[" not in m.group(1)]
    return max(set(lengths), key=lengths.count) if lengths else None


def _ellipsize(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n] + ".. "


def _by_abbreviation(cb: codebook.Codebook, n: int) -> dict[str, str]:
    """Abbreviated heading -> code heading; headings two variables share are left out (the
    reader cannot tell them apart)."""
    seen: dict[str, list[str]] = {}
    for v in cb.variables:
        text = v.question_text_de or v.question_label_de
        heading = _ellipsize(text, n) + (f" [{_ellipsize(v.item_label_de, n)}]" if v.item_key else "")
        seen.setdefault(norm_header(heading), []).append(norm_header(v.column("limesurvey")))
    for code, texts in META_TEXTS.items():
        for t in texts:
            seen.setdefault(norm_header(_ellipsize(t, n)), []).append(code)
    return {h: codes[0] for h, codes in seen.items() if len(set(codes)) == 1}


READER = LimeSurvey
