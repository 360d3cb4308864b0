"""Municipality names as people write them: normalisation to a comparable key."""

from __future__ import annotations

import re
import unicodedata

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_ABBREVIATIONS = [
    (re.compile(r"\ba\.\s?m\."), "am main"),
    (re.compile(r"\ba\.\s?d\.\s?"), "an der "),
    (re.compile(r"\bi\.\s?d\.\s?"), "in der "),
    (re.compile(r"\bst\.\s?"), "sankt "),
]
#: Words that name the kind of unit, not the unit; dropped from the key.
UNIT_WORDS = (
    "landeshauptstadt",
    "hansestadt",
    "universitaetsstadt",
    "grosse kreisstadt",
    "gkst",
    "marktgemeinde",
    "marktflecken",
    "kreisstadt",
    "kreisfreie stadt",
    "stadt",
    "gemeinde",
    "markt",
    "flecken",
    "landkreis",
    "kreis",
    "lk",
)
_UNIT_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in UNIT_WORDS) + r")\b")


def fold(text: str) -> str:
    """Lower case, umlauts transliterated (ä -> ae, ß -> ss), other accents removed."""
    text = unicodedata.normalize("NFC", str(text)).lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def municipality_key(name: object) -> str:
    """Comparable key of a municipality name: "Stadt Frankfurt a.M." -> "frankfurt am main".

    What follows a comma is the register's kind of unit ("Kiel, Landeshauptstadt",
    "Binz, Ostseebad") and is left out.
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = fold(str(name).split(",", 1)[0])
    for pattern, repl in _ABBREVIATIONS:
        text = pattern.sub(repl, text)
    text = _UNIT_RE.sub(" ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def split_official(official_name: str) -> tuple[str, str]:
    """Register name "Kiel, Landeshauptstadt" -> ("Kiel", "Landeshauptstadt")."""
    base, _, suffix = str(official_name).partition(", ")
    return base.strip(), suffix.strip()
