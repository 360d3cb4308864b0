"""Municipality names as people write them: normalisation to comparable words.

`municipality_key` is the coarse key of a name (used to find duplicate responses and by the
simulator); `spelling` reads a name into the parts the matcher compares (`analysis.match`):
its significant words, which of them are abbreviated, where the official addition begins, and
the titles and kind words ("Hansestadt", "Landkreis", "VG") around it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STRIP_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
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


def fold(text: str, umlauts: str = "translit") -> str:
    """Lower case, umlauts transliterated (ä -> ae, ß -> ss; with `umlauts="strip"` ä -> a),
    other accents removed."""
    table = _TRANSLIT if umlauts == "translit" else _STRIP_UMLAUTS
    text = unicodedata.normalize("NFC", str(text)).lower().translate(table)
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
#: Abbreviations of regions in official additions ("Weiden i.d.OPf.", "Halle (Westf.)"), written out.
REGION_ABBREVIATIONS = {
    "westf": "westfalen", "opf": "oberpfalz", "oldb": "oldenburg", "ofr": "oberfranken",
    "mfr": "mittelfranken", "ufr": "unterfranken", "ndb": "niederbayern", "obb": "oberbayern",
    "vogtl": "vogtland", "rhld": "rheinland", "thuer": "thueringen", "erzgeb": "erzgebirge",
    "bay": "bayern",
}  # fmt: skip
#: The regions `municipality_key` writes out, as before issue 24 (the simulator's units and e-mail
#: domains and the duplicate keys of cleaning depend on them).
_KEY_REGIONS = {k: v for k, v in REGION_ABBREVIATIONS.items() if k not in ("erzgeb", "bay")} | {"schw": "schwaben"}
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
    words = [_KEY_REGIONS.get(w, w) for w in words if w not in _CONNECTORS]
    return " ".join(words)


# --- spellings as the matcher reads them -------------------------------------------------------
LANDKREIS, VERBAND, GEMEINDE = "Landkreis", "Gemeindeverband", "Gemeinde"
#: Words that say the unit is a Landkreis ("Landkreis", "Kreis", "LK", "Lkr.", "Landratsamt"...).
LANDKREIS_WORDS = frozenset(
    {"landkreis", "kreis", "lk", "lkr", "lkrs", "kreisverwaltung", "landratsamt", "lra", "staedteregion",
     "region", "regionalverband"}
)  # fmt: skip
#: Words that say the unit is a Gemeindeverband (Amt, Verbandsgemeinde, Samtgemeinde, VGem, GVV...).
VERBAND_WORDS = frozenset(
    {"amt", "amtsverwaltung", "vg", "vgem", "verbandsgemeinde", "verbandsgemeindeverwaltung", "samtgemeinde",
     "samtgemeindeverwaltung", "verwaltungsgemeinschaft", "verwaltungsverband", "gemeindeverwaltungsverband",
     "gvv", "vvg", "vwg"}
)  # fmt: skip
#: Titles a Gemeinde carries in its letterhead; "Bad" and "Sankt" are parts of names, not titles.
TOWN_TITLES = frozenset(
    {"stadt", "gemeinde", "ortsgemeinde", "stadtgemeinde", "landgemeinde", "kreisstadt", "gkst", "stadtkreis",
     "stadtverwaltung", "gemeindeverwaltung", "hansestadt", "landeshauptstadt", "universitaetsstadt",
     "hochschulstadt", "ostseebad", "nordseebad", "seebad", "ostseeheilbad", "nordseeheilbad", "kurort",
     "luftkurort", "erholungsort", "heilbad", "staatsbad"}
)  # fmt: skip
MARKET_TITLES = frozenset({"markt", "marktgemeinde", "marktflecken", "flecken"})
_KIND_OR_TITLE = LANDKREIS_WORDS | VERBAND_WORDS | TOWN_TITLES | MARKET_TITLES
#: Words that occur inside titles only together with a title word ("Freie und Hansestadt").
_TITLE_FILLERS = frozenset(
    {"und", "freie", "grosse", "kreisfreie", "kreisangehoerige", "hanse", "universitaets", "documenta", "der",
     "die", "des", "vereinbarte"}
)  # fmt: skip
#: Register suffixes after the comma that abbreviate a title ("Pyrbaum, M", "Laufen, St").
_SUFFIX_TITLES = {"st": "stadt", "m": "markt"}
#: Connectors that begin an official addition ("am Main", "a.d.Donau", "b.Coburg", "i.OPf.").
_ADDITION_START = frozenset({"am", "an", "in", "im", "bei", "beim", "vor", "vorm", "ob", "auf", "unter"})
_SINGLE_CONNECTORS = frozenset({"a", "i", "b", "v", "o", "u", "d"})
_INNER_CONNECTORS = frozenset({"der", "den", "dem"})
_WORD = re.compile(r"[a-z0-9]+\.?")


@dataclass(frozen=True)
class Spelling:
    """A name as the matcher compares it.

    `words`: significant words (connectors dropped, "St." read as "sankt", region
    abbreviations written out); `abbreviated`: which words were abbreviated ("Schw.",
    "a.M." -> "m"); `base`: how many words come before the official addition; `kind`: the kind
    of unit the words outside the name say (Landkreis, Gemeindeverband or Gemeinde);
    `title`: "stadt" or "markt" if such a title was written.
    """

    words: tuple[str, ...]
    abbreviated: tuple[bool, ...]
    base: int
    kind: str | None = None
    title: str | None = None

    @property
    def key(self) -> str:
        return " ".join(self.words)

    @property
    def base_key(self) -> str:
        return " ".join(self.words[: self.base])


def spelling(name: object, umlauts: str = "translit", official: bool = False) -> Spelling:
    """`name` read into a `Spelling`. What follows a comma or stands in parentheses is a kind
    or title ("Passau, Landkreis", "Bamberg (Landkreis)") when it holds only such words, else
    part of the addition ("Halle, Saale"); in a register name (`official`) what follows the
    comma is always the register's title ("Pyrbaum, M")."""
    if name is None or (isinstance(name, float) and name != name):
        return Spelling((), (), 0)
    head, _, tail = str(name).partition(",")
    kind, title = None, None
    tail_words = [w.rstrip(".") for w in _WORD.findall(fold(tail))]
    if official or (tail_words and all(_is_kind_or_title(w, suffix=True) for w in tail_words)):
        kind, title = _kind_and_title([_SUFFIX_TITLES.get(w, w) for w in tail_words])
        if official:
            kind = None  # the register's own suffix names titles only ("Stadt", "Kreisstadt")
        tail = ""
    text = fold(head + (" (" + tail + ")" if tail.strip() else ""), umlauts)
    text = re.sub(r"\bo\.\s?l\.?", " (oberlausitz) ", text)  # Rothenburg/O.L.

    def paren(m: re.Match) -> str:
        nonlocal kind
        inner = [w.rstrip(".") for w in _WORD.findall(m[1])]
        if inner and all(_is_kind_or_title(w) for w in inner):
            kind = kind or _kind_and_title(inner)[0]
            return " "
        return " ( " + m[1] + " ) "

    text = re.sub(r"\(([^()]*)\)?", paren, text)
    return _read_words(text, kind, title)


def _read_words(text: str, kind: str | None, title: str | None) -> Spelling:
    words, abbreviated, base = [], [], None
    pieces = re.findall(r"[a-z0-9]+\.?|[(/]", text)
    for i, piece in enumerate(pieces):
        if piece in "(/":
            if words and base is None:
                base = len(words)
            continue
        word, dotted = piece.rstrip("."), piece.endswith(".")
        has_next = any(p not in "(/" for p in pieces[i + 1 :])
        if word in ("st", "skt") and has_next:
            word, dotted = "sankt", False
        elif words and has_next and (word in _ADDITION_START or word in _SINGLE_CONNECTORS):
            if base is None:
                base = len(words)
            continue
        elif words and word in _INNER_CONNECTORS and has_next:
            continue
        elif word in REGION_ABBREVIATIONS and words:
            word, dotted = REGION_ABBREVIATIONS[word], False
        elif word == "sankt":
            dotted = False
        if not has_next and len(word) == 1 and words and word not in "ivx":
            dotted = True  # "Frankfurt/M", "Halle (S)"; not "Wakendorf I"
        words.append(word)
        abbreviated.append(dotted and not word.isdigit())
    return Spelling(tuple(words), tuple(abbreviated), len(words) if base is None else base, kind, title)


def _is_kind_or_title(word: str, suffix: bool = False) -> bool:
    return (
        word in LANDKREIS_WORDS
        or word in VERBAND_WORDS
        or word in TOWN_TITLES
        or word in MARKET_TITLES
        or word in _TITLE_FILLERS
        or (suffix and word in _SUFFIX_TITLES)
        or word.endswith("stadt")
    )


def _kind_and_title(words) -> tuple[str | None, str | None]:
    """Kind of unit and title ("stadt"/"markt") named by title and kind words; a Landkreis or
    Verband word outweighs a town title ("VVG der Stadt Laupheim")."""
    words = set(words)
    county, verband = bool(words & LANDKREIS_WORDS), bool(words & VERBAND_WORDS)
    town = bool(words & (TOWN_TITLES | MARKET_TITLES)) or any(w.endswith("stadt") for w in words)
    kind = LANDKREIS if county and not verband else VERBAND if verband and not county else None
    if kind is None and town and not (county or verband):
        kind = GEMEINDE
    title = "markt" if words & MARKET_TITLES else None
    if title is None and any(w.endswith("stadt") or w == "gkst" for w in words):
        title = "stadt"
    return kind, title


def without_titles(s: Spelling, is_name_word, fuzzy=None) -> Spelling | None:
    """`s` without the titles and kind words in front of and after the name ("Große Kreisstadt
    Freising", "Heilbronn Landkreis", "VVG der Stadt Laupheim"); None if there are none.

    A word in front counts as a title if it is a title or kind word, or ends in "-stadt" and
    is no word of any register name (`is_name_word`): "Fuggerstadt Augsburg", but not
    "Neustadt Aisch". `fuzzy(word)` may name the title word a mistyped word stands for.
    """
    words, n = list(s.words), len(s.words)
    cut = 0
    for i, w in enumerate(words[:-1]):
        if fuzzy and not is_name_word(w):
            w = words[i] = fuzzy(w) or w
        if w in _KIND_OR_TITLE or (w.endswith("stadt") and not is_name_word(w)):
            cut = i + 1
        elif not (w in _TITLE_FILLERS or (w.isalpha() and not is_name_word(w))):
            break
    end = n
    while end - 1 > cut and words[end - 1] in _KIND_OR_TITLE:
        end -= 1
    if cut == 0 and end == n:
        return None
    kind, title = _kind_and_title(words[:cut] + words[end:])
    return Spelling(
        tuple(words[cut:end]),
        s.abbreviated[cut:end],
        max(0, min(s.base, end) - cut),
        s.kind or kind,
        s.title or title,
    )
