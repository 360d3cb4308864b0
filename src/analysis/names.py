"""Municipality names as people write them: normalisation to a comparable key."""

from __future__ import annotations

import re
import unicodedata

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
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
    "lkr",
    "documenta stadt",
    "amt",
    "samtgemeinde",
    "verbandsgemeinde",
    "verwaltungsgemeinschaft",
    "verwaltungsverband",
    "vgem",
    "gvv",
    "vvg",
)
_UNIT_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in UNIT_WORDS) + r")\b")


def fold(text: str) -> str:
    """Lower case, umlauts transliterated (ä -> ae, ß -> ss), other accents removed."""
    text = unicodedata.normalize("NFC", str(text)).lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def split_official(official_name: str) -> tuple[str, str]:
    """Register name "Kiel, Landeshauptstadt" -> ("Kiel", "Landeshauptstadt")."""
    base, _, suffix = str(official_name).partition(", ")
    return base.strip(), suffix.strip()


_MATCH_EXPANSIONS = [
    (re.compile(r"\ba\.\s?m(?:\.|\b)"), " main "),  # a.M. = am Main
    (re.compile(r"(?:^|\s)st\.?\s"), " sankt "),  # St. Ingbert
    (re.compile(r"\b[aivobu]\.\s?d\.\s?"), " "),  # a.d., i.d., v.d., o.d., u.d.
    (re.compile(r"\b[aib]\.\s?"), " "),  # a.Main, i.Schw., b.München
]
_REGION_ABBREVIATIONS = {
    "westf": "westfalen", "opf": "oberpfalz", "oldb": "oldenburg", "ofr": "oberfranken",
    "mfr": "mittelfranken", "ufr": "unterfranken", "ndb": "niederbayern", "obb": "oberbayern",
    "schw": "schwaben", "vogtl": "vogtland", "rhld": "rheinland", "thuer": "thueringen",
}  # fmt: skip
_CONNECTORS = {
    "am",
    "an",
    "der",
    "den",
    "dem",
    "in",
    "im",
    "bei",
    "vor",
    "vorm",
    "ob",
    "auf",
    "a",
    "i",
    "b",
    "d",
    "v",
    "o",
    "u",
}
_QUALIFIER_RE = re.compile(
    r"\s*(\(|/|\b(am|an der|an|in der|im|bei|vor der|vorm|ob der|auf)\s|\b[aivob]\.\s?d\.|\b[aib]\.\s?\S)"
)


def municipality_key(name: object) -> str:
    """Significant words of a municipality name, comparable across spellings.

    "Stadt Frankfurt a.M." and "Frankfurt am Main, Stadt" -> "frankfurt main";
    "Weiden i.d.OPf." -> "weiden oberpfalz"; "Landkreis Rostock" -> "rostock". What follows
    a comma is the register's kind of unit ("Kiel, Landeshauptstadt") and is left out.
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = str(name).split(",", 1)[0].split(" / ", 1)[0]
    text = fold(text).replace("-", " ")
    for pattern, repl in _MATCH_EXPANSIONS:
        text = pattern.sub(repl, text)
    text = _UNIT_RE.sub(" ", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    words = [_REGION_ABBREVIATIONS.get(w, w) for w in words if w not in _CONNECTORS]
    return " ".join(words)


def base_key(name: object) -> str:
    """`municipality_key` of the name without its qualifier: "Halle (Saale)" -> "halle"."""
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = str(name).split(",", 1)[0].split(" / ", 1)[0]
    folded = fold(text)
    folded = _UNIT_RE.sub(" ", folded).strip()
    cut = _QUALIFIER_RE.search(folded, 1)
    return municipality_key(folded[: cut.start()] if cut else folded)
