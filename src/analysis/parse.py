"""Parse numbers as people type them into survey fields ("ca. 3,5", "2-3", "0,5 Mio. €")."""

from __future__ import annotations

import re
from dataclasses import dataclass

_APPROX = re.compile(r"^(ca\.?|circa|etwa|ungefähr|ungef\.|rund|knapp|über|mehr als|unter|~|<|>|≈)\s*")
_SCALE_WORDS = [
    # (pattern, multiplier, reason); checked in order, longest spellings first
    (re.compile(r"\b(mrd\.?|milliarden?)"), 1e9, "Milliarden"),
    (re.compile(r"\b(mio\.?|millionen|million)"), 1e6, "Millionen"),
    (re.compile(r"(\btsd\.?|\btausend|\bteur\b|t€|k€|(?<=\d)\s?k\b)"), 1e3, "Tausend"),
]
_UNIT_WORDS = re.compile(
    r"(€|\beuro?\b|\beur\b|%|prozent|\bvzä\b|\bvze\b|\bfte\b|\bstellen?\b|\bpersonen\b|"
    r"\beinwohner(innen)?\b|\bew\b|\bp\.\s?a\.|/jahr|pro jahr|jährlich)"
)
_NUMBER = re.compile(r"^[+-]?\d[\d.,' ]*$")
_RANGE = re.compile(r"^(?P<a>[+]?\d[\d.,]*)\s*(?:-|–|—|bis)\s*(?P<b>\d[\d.,]*)$")


@dataclass(frozen=True)
class ParsedNumber:
    """A parsed value and, when the text was not a plain number, the rule that read it."""

    value: float | None
    rule: str | None = None  # None: plain number, nothing to log
    reason: str = ""


def parse_number(text: object, missing_codes: dict[str, str] | None = None) -> ParsedNumber:
    """Read a German- or English-formatted number from free text.

    Decimal comma is German ("3,5" -> 3.5); a single dot followed by exactly three digits is a
    thousands separator ("250.000" -> 250000), any other single dot a decimal point ("1.5").
    Ranges give their midpoint, scale words multiply ("0,5 Mio." -> 500000).
    """
    if text is None or (isinstance(text, float) and text != text):
        return ParsedNumber(None)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return ParsedNumber(float(text))
    raw = str(text).strip()
    if raw == "":
        return ParsedNumber(None)
    low = " ".join(raw.lower().split())
    if missing_codes and low in {k.lower() for k in missing_codes}:
        return ParsedNumber(None, "missing_code", f"Fehlcode „{raw}“")

    notes = []
    approx = _APPROX.match(low)
    if approx:
        low = low[approx.end() :]
        notes.append("Näherungsangabe")
    multiplier = 1.0
    for pattern, factor, word in _SCALE_WORDS:
        if pattern.search(low):
            low = pattern.sub(" ", low)
            multiplier = factor
            notes.append(f"Angabe in {word}")
            break
    stripped = _UNIT_WORDS.sub(" ", low)
    if stripped != low:
        notes.append("Einheit entfernt")
    low = " ".join(stripped.split()).strip(" .")

    rng = _RANGE.match(low)
    if rng:
        a, b = _plain(rng["a"]), _plain(rng["b"])
        if a is None or b is None:
            return ParsedNumber(None, "unparseable", f"keine Zahl: „{raw}“")
        notes.append("Spanne, Mittelwert")
        value = (a + b) / 2 * multiplier
    else:
        value = _plain(low)
        if value is None:
            return ParsedNumber(None, "unparseable", f"keine Zahl: „{raw}“")
        value *= multiplier
    if not notes and _is_canonical(raw, value):
        return ParsedNumber(value)
    return ParsedNumber(value, "number_from_text", "; ".join(notes) or "Zahlformat vereinheitlicht")


def _is_canonical(raw: str, value: float) -> bool:
    """True when the text is an integer or a dot-decimal read as written (nothing to log)."""
    if re.fullmatch(r"[+-]?\d+(,\d+)?", raw):  # integer or plain German decimal
        return True
    return re.fullmatch(r"[+-]?\d+\.\d+", raw) is not None and float(raw) == value


def _plain(token: str) -> float | None:
    token = token.replace("'", "").replace(" ", "")
    if not token or not _NUMBER.match(token):
        return None
    sign = -1.0 if token.startswith("-") else 1.0
    token = token.lstrip("+-")
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        dec = "." if token.rfind(".") > token.rfind(",") else ","
        thousands = "," if dec == "." else "."
        token = token.replace(thousands, "").replace(dec, ".")
    elif commas:
        token = token.replace(",", "") if commas > 1 else token.replace(",", ".")
    elif dots > 1 or (dots == 1 and re.fullmatch(r"\d{1,3}\.\d{3}", token)):
        token = token.replace(".", "")
    try:
        return sign * float(token)
    except ValueError:
        return None
