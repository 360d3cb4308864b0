"""Free-text municipality names to register keys (AGS, Kreis or Verband key).

A name is read into its significant words (`names.spelling`) and looked up in rounds, each
only if the rounds before found nothing of the kind of unit asked for:

1. the name as written (`exact`), or the base name of a register name whose official addition
   was left out (`addition dropped`: "Frankfurt" for Frankfurt am Main and Frankfurt (Oder)),
   or with abbreviated words written out (`abbreviation expanded`: "Frankfurt a.M.",
   "Schw. Gmünd", "Neustadt a. Rbge."), then without hyphens, spaces and umlaut dots (`spelling`);
2. the same without titles and kind words in front of or after the name (`title removed`:
   "Große Kreisstadt Freising", "Landkreis Heilbronn", "VG Rhein-Selz");
3. a title word mistyped (`typo`: "Landkries Göttingen");
4. a short form (`short form`: the first words of a larger town's name, "Garmisch"; a spa town
   without "Bad", "Tabarz"; any part of a Kreis's name, "Kreis Rendsburg" for
   Rendsburg-Eckernförde) or one typing slip (`typo`), allowed only where the register holds no
   second name within one more edit: the tolerance shrinks where names crowd. A typo that is
   also a piece of another unit's name ("Münden") is ambiguous.

The kind of unit decides among the candidates of a round: the respondent's own answer first
(`by type`; a kreisfreie for a kreisangehörige town only if none of the kind answered fits),
else kind words in the name (`by kind word`: "Kreis", "Amt"), else a bare name means
the Gemeinde, not the Kreis or Verband of that name (`bare name`). Then a title ("Markt",
"Stadt") and the reported inhabitants narrow further (`by title`, `by population`). The Land,
when given, is required. One candidate left: `matched`; several: `ambiguous` (never guessed);
none: `none`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from . import codebook, config, names, register, settings
from .errors import InputError

MATCHED, AMBIGUOUS, NONE = "matched", "ambiguous", "none"
EXACT, SPELLING, TITLE_REMOVED = "exact", "spelling", "title removed"
ADDITION_DROPPED, ABBREVIATION, SHORT_FORM, TYPO = "addition dropped", "abbreviation expanded", "short form", "typo"
BY_TYPE, BY_KIND_WORD, BARE_NAME, BY_TITLE, BY_POPULATION = (
    "by type", "by kind word", "bare name", "by title", "by population",
)  # fmt: skip
TYPE_DIFFERS, OVERRIDE = "type differs", "override"
#: Score of a match by each rule (typos score by their share of correct letters).
SCORES = {EXACT: 100.0, TITLE_REMOVED: 100.0, SPELLING: 97.0, ABBREVIATION: 95.0, ADDITION_DROPPED: 90.0,
          SHORT_FORM: 80.0, OVERRIDE: 100.0}  # fmt: skip
#: Shortest name (letters) in which one typing slip is tolerated: two letters swapped, one
#: left out or doubled, or one replaced by a neighbouring key or a letter of like sound.
MIN_TYPO_LETTERS = 5
#: A typo match needs this many more edits to the next other name of the register with the
#: same first letter (in the Land given; in all Germany, where names crowd more, one more; for
#: two letters swapped one less): the tolerance shrinks where names crowd.
TYPO_MARGIN = {True: 1, False: 2}
#: Homonyms are told apart by the reported inhabitants: first candidates within a factor of
#: 2 of it, then within 15 %; several candidates left are ambiguous.
POPULATION_FACTORS = (2.0, 1.15)
#: Shortest name (letters) that is looked up as a part of longer names.
MIN_SHORT_FORM_LETTERS = 4
#: Towns whose name is shortened to its first part ("Garmisch", "Castrop") are the larger ones:
#: in a small place the first part is more likely a village of its own.
MIN_SHORT_FORM_INHABITANTS = 10_000
_NOT_A_NAME = {"", "keine angabe", "k a", "ka", "weiss nicht", "anonym", "n a", "na", "nein", "xxx", "-"}
_TOWNS = ("kreisfreie Stadt", "kreisangehörige Stadt oder Gemeinde")
#: Kinds of unit a respondent's answer admits.
_ADMITS = {
    "kreisfreie Stadt": _TOWNS,
    "kreisangehörige Stadt oder Gemeinde": _TOWNS,
    "Landkreis": ("Landkreis",),
    "Gemeindeverband": ("Gemeindeverband",),
    names.GEMEINDE: _TOWNS,
    names.LANDKREIS: ("Landkreis",),
    names.VERBAND: ("Gemeindeverband",),
}
#: Answers Gemeinden and Verbände confuse with each other ("Gemeinde" for the Samtgemeinde).
_CONFUSED = {**dict.fromkeys(_TOWNS, ("Gemeindeverband",)), "Gemeindeverband": _TOWNS}
_TITLE_WORDS = sorted(names.LANDKREIS_WORDS | names.VERBAND_WORDS | names.TOWN_TITLES | names.MARKET_TITLES)


@dataclass(frozen=True)
class Match:
    """A name's match: `candidates` are the keys it fits when `ambiguous`, and the names one
    typo away when `none` (suggestions); `rule` says how a `matched` name was found."""

    key: str | None
    official_name: str | None
    score: float
    status: str
    candidates: tuple[str, ...] = ()
    rule: str = ""


@dataclass
class _Round:
    """Units a round of lookups found, each with the rule of the form that matched."""

    units: dict[int, str]
    rule: str = ""
    score: float | None = None
    strong: bool = True
    open: bool = False  # the units are suggestions for a researcher, never a match
    ambiguous: bool = False  # the units are different readings of the name: never a match


class Matcher:
    """Name lookup over the units of a register (see `register.units`)."""

    def __init__(self, units: pd.DataFrame):
        self.units = units.reset_index(drop=True)
        self._type = self.units["unit_type"].to_numpy()
        self._land = self.units["land_code"].to_numpy()
        self._population = self.units["population"].to_numpy(dtype=float)
        self._names: dict[str, dict[int, str]] = {}  # key -> unit -> rule of the form
        self._variants: dict[str, dict[int, str]] = {}  # same without spaces or umlaut dots
        self._abbreviated: list[tuple[re.Pattern, int, str]] = []  # register names with abbreviations
        self._short: dict[str, set[int]] = {}  # short forms: "garmisch", "tabarz", "eckernfoerde"
        self._pieces: dict[str, set[int]] = {}  # every run of words inside a longer name
        self._typo_index: dict[str, set[int]] = {}  # names as written, to measure typos against
        self._title: list[str | None] = []
        for i, (official, kind) in enumerate(zip(self.units["official_name"], self._type)):
            self._add_unit(i, str(official), kind)
        self._words = {w for key in self._names for w in key.split()}
        by_land: dict[str | None, set[str]] = {}
        for key, units in self._typo_index.items():
            by_land.setdefault(None, set()).add(key)
            for i in units:
                by_land.setdefault(self._land[i], set()).add(key)
        self._choices = {land: sorted(keys) for land, keys in by_land.items()}
        self._keys_text = "\n".join(self._names)
        self._cache: dict[tuple, Match] = {}

    def _add_unit(self, i: int, official: str, kind: str) -> None:
        lit = names.spelling(official, official=True)
        self._title.append("stadt" if kind == "kreisfreie Stadt" else lit.title)
        forms = [(lit, EXACT)]
        if kind == "Landkreis":
            forms.append((_county_core(lit), TITLE_REMOVED))
        elif kind == "Gemeindeverband":  # "Amt Lütjenburg", "VVG der Stadt Laupheim", "GVV Plochingen"
            core = names.without_titles(lit, lambda w: True)
            if core and core.words:
                forms.append((core, TITLE_REMOVED))
        self._add_pieces(i, kind, lit, forms[-1][0])
        for form, rule in forms:
            self._put(form.key, i, rule)
            for end in range(form.base, len(form.words)):  # "Forst (Lausitz)" of "Forst (Lausitz)/Baršć (Łužyca)"
                self._put(" ".join(form.words[:end]), i, ADDITION_DROPPED)
            self._put(form.base_key.replace(" ", ""), i, SPELLING, variant=True)  # "Neuulm", "Badenbaden"
            if any(form.abbreviated):
                self._abbreviated.append((re.compile(_pattern(form)), i, ABBREVIATION))
        stripped = names.spelling(official, umlauts="strip", official=True)  # "Munchen", "Gottingen"
        for key in (stripped.key, stripped.base_key, stripped.base_key.replace(" ", "")):
            _put(self._variants, key, i, SPELLING)

    def _add_pieces(self, i: int, kind: str, lit: names.Spelling, core: names.Spelling) -> None:
        """Runs of words inside the unit's name; the short forms among them: any run of a Kreis's
        name ("Kreis Eckernförde"), the first words of a larger town's ("Garmisch"), a spa town's
        name without "Bad" ("Tabarz")."""
        words = core.words if kind == "Landkreis" else lit.words[: lit.base]
        runs = {words[a:b] for a in range(len(words)) for b in range(a + 1, len(words) + 1)} - {words}
        for run in runs:
            self._pieces.setdefault(" ".join(run), set()).add(i)
        if kind == "Landkreis":
            short = runs
        else:
            large = self._population[i] >= MIN_SHORT_FORM_INHABITANTS
            short = {words[:b] for b in range(1, len(words))} if large else set()
            short |= {words[1:]} if words[:1] == ("bad",) and len(words) > 1 else set()
        for run in short:
            if sum(map(len, run)) >= MIN_SHORT_FORM_LETTERS:
                self._short.setdefault(" ".join(run), set()).add(i)

    def _put(self, key: str, i: int, rule: str, variant: bool = False) -> None:
        _put(self._variants if variant else self._names, key, i, rule)
        if key:
            self._typo_index.setdefault(key, set()).add(i)

    # --- one name --------------------------------------------------------------------------
    def match(
        self, name: object, land_code: str | None = None, unit_type: str | None = None, population: float | None = None
    ) -> Match:
        cache_key = (str(name), land_code, unit_type, population)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._match(name, land_code, unit_type, population)
        return self._cache[cache_key]

    def _match(self, name: object, land_code: str | None, unit_type: str | None, population: float | None) -> Match:
        written = names.spelling(name)
        folded = " ".join(re.sub(r"[^a-z0-9]+", " ", names.fold(name if isinstance(name, str) else "")).split())
        if (
            folded in _NOT_A_NAME
            or set(folded.split()) & settings.TEST_NAME_WORDS
            or not any(c.isalpha() for c in written.key)
        ):
            return Match(None, None, 0.0, NONE)
        in_land = self._land == land_code if land_code else np.ones(len(self.units), bool)
        first_strong = None
        for found, reading in self._rounds(name, written, land_code, in_land):
            cand = {i: r for i, r in found.units.items() if in_land[i]}
            if not cand:
                continue
            if found.strong and first_strong is None:
                first_strong = (found, reading, cand)
            kept, steps = _decide_kind(cand, self._type, unit_type, reading.kind)
            if kept and (found.open or (found.ambiguous and len(kept) > 1)):
                status = NONE if found.open else AMBIGUOUS
                return Match(None, None, 0.0, status, tuple(self.units["key"].iloc[sorted(kept)]))
            if kept:
                return self._narrow(found, reading, kept, steps, population)
        if first_strong and unit_type in _CONFUSED:  # "Gemeinde" ticked by a Verband, or the reverse
            found, reading, cand = first_strong
            other = {i: r for i, r in cand.items() if self._type[i] in _CONFUSED[unit_type]}
            kept, steps = _decide_kind(other, self._type, None, reading.kind)
            if kept:
                return self._narrow(found, reading, kept, [TYPE_DIFFERS, *steps], population)
        return Match(None, None, 0.0, NONE)

    def _rounds(self, name: object, written: names.Spelling, land_code: str | None, in_land: np.ndarray):
        """Lookups from the strictest to the most tolerant: (found units, reading used)."""
        if not written.words:
            return
        plain = names.without_titles(written, self._is_name_word)
        fuzzy = names.without_titles(written, self._is_name_word, self._title_typo)
        readings = [(written, "")] + ([(plain, TITLE_REMOVED)] if plain and plain.words else [])
        head = names.spelling(str(name).partition(",")[0]) if "," in str(name) else None
        if head and head.words and head.key != written.key:  # "Hagen, Stadt der FernUniversität"
            readings.insert(1, (head, TITLE_REMOVED))
        for reading, rule in readings:
            yield _Round(self._exact(reading), rule), reading
            yield _Round(self._spelling(reading), rule), reading
        if fuzzy and fuzzy.words and fuzzy != plain:
            yield _Round(self._exact(fuzzy), TYPO, score=90.0), fuzzy
        last = readings[-1][0]
        yield self._short_or_typo(written, last, land_code, in_land), last

    def _short_or_typo(self, written: names.Spelling, s: names.Spelling, land_code: str | None, in_land) -> _Round:
        """Units whose name `s` is a short form of, or one typing slip away from. A typo that
        is also a piece of another unit's name ("Münden": Hann. Münden or Müden) is left open."""
        short = {i: SHORT_FORM for i in self._short.get(s.key, ()) if in_land[i]}
        typo = self._typo(s, land_code)
        if not typo.units and s is not written:
            typo = self._typo(written, land_code)
        if short and not typo.units:
            return _Round(short, SHORT_FORM, strong=False)
        pieces = {i: SHORT_FORM for i in self._pieces.get(s.key, ()) if in_land[i]}
        if typo.units and pieces.keys() - typo.units.keys():
            return _Round({**typo.units, **pieces}, TYPO, strong=False, open=typo.open, ambiguous=True)
        return typo

    def _exact(self, s: names.Spelling) -> dict[int, str]:
        found = dict(self._names.get(s.key, {}))
        if any(s.abbreviated):
            pattern = re.compile("^" + _pattern(s) + "$", re.MULTILINE)
            for m in pattern.finditer(self._keys_text):
                for i in self._names[m[0]]:
                    found.setdefault(i, ABBREVIATION)
        for pattern, i, rule in self._abbreviated:
            if i not in found and pattern.fullmatch(s.key):
                found[i] = rule
        return found

    def _spelling(self, s: names.Spelling) -> dict[int, str]:
        found: dict[int, str] = {}
        spaceless = s.key.replace(" ", "")
        for i, rule in {**self._names.get(spaceless, {}), **self._variants.get(s.key, {}),
                        **self._variants.get(spaceless, {})}.items():  # fmt: skip
            found.setdefault(i, SPELLING if rule in (EXACT, TITLE_REMOVED, SPELLING) else f"{SPELLING}, {rule}")
        return found

    def _typo(self, s: names.Spelling, land_code: str | None) -> _Round:
        """Units one typing slip away from `s`. Several names that near, or another name one
        edit further, leave the name open (their units are suggestions, not a match)."""
        key = s.key
        letters = len(key.replace(" ", ""))
        if letters < MIN_TYPO_LETTERS or any(s.abbreviated):
            return _Round({})
        choices = self._choices.get(land_code, [])
        margin = TYPO_MARGIN[bool(land_code)]
        hits = process.extract(key, choices, scorer=DamerauLevenshtein.distance, score_cutoff=1 + margin, limit=None)
        hits = [(choice, d) for choice, d, _ in hits if choice[0] == key[0]]  # the first letter is rarely mistyped
        best = {choice for choice, d in hits if d == 1 and _slip(key, choice)}
        if not best:
            return _Round({})
        if len(best) == 1 and _swapped(key, next(iter(best))):  # the commonest slip, the rarest coincidence
            hits = [(choice, d) for choice, d in hits if d <= margin]
        in_land = (lambda i: self._land[i] == land_code) if land_code else (lambda i: True)
        units = {i for choice in best for i in self._typo_index[choice] if in_land(i)}
        rivals = {i for choice, d in hits if choice not in best for i in self._typo_index[choice] if in_land(i)} - units
        return _Round(
            {i: TYPO for i in units | rivals},
            TYPO,
            score=round(100 * (1 - 1 / letters), 1),
            strong=False,
            open=len({choice.replace(" ", "") for choice in best}) > 1 or bool(rivals),
        )

    def _is_name_word(self, word: str) -> bool:
        return word in self._words

    def _title_typo(self, word: str) -> str | None:
        """The title or kind word `word` is a typo of ("Gemenide", "Landkries"), if any."""
        if len(word) < 5:
            return None
        hit = process.extractOne(word, _TITLE_WORDS, scorer=DamerauLevenshtein.distance, score_cutoff=2)
        return hit[0] if hit and hit[1] <= (2 if len(word) >= 8 else 1) else None

    def _narrow(
        self, found: _Round, reading: names.Spelling, cand: dict[int, str], steps: list[str], population: float | None
    ) -> Match:
        steps = list(steps)
        if len(cand) > 1 and reading.title:
            same = {i: r for i, r in cand.items() if self._title[i] == reading.title}
            if same and len(same) < len(cand):
                cand, steps = same, [*steps, BY_TITLE]
        for factor in POPULATION_FACTORS if population and population > 0 else ():
            ratio = {i: abs(np.log(max(self._population[i], 1) / population)) for i in cand}
            close = {i: r for i, r in cand.items() if ratio[i] <= np.log(factor)}
            if close and len(close) < len(cand):
                cand, steps = close, [*steps, BY_POPULATION]
        keys = tuple(self.units["key"].iloc[sorted(cand)])
        if len(cand) > 1:
            return Match(None, None, float(found.score or 0.0), AMBIGUOUS, keys)
        ((i, form),) = cand.items()
        parts = [p for p in (found.rule, *form.split(", ")) if p and p != EXACT]
        rule = ", ".join(dict.fromkeys([*parts, *steps])) or EXACT  # each step named once
        score = found.score if found.score is not None else min(SCORES.get(p, 100.0) for p in [EXACT, *parts])
        row = self.units.iloc[i]
        return Match(row["key"], row["official_name"], float(score), MATCHED, rule=rule)

    def match_frame(self, frame: pd.DataFrame, overrides: dict | None = None) -> pd.DataFrame:
        """Match a frame with columns name and (optional) land_code, unit_type, population;
        `overrides` (see `read_overrides`) settle names before the matcher sees them."""
        out = []
        by_key = self.units.set_index("key")["official_name"]
        for row in frame.itertuples(index=False):
            land = _text(getattr(row, "land_code", None))
            key = override_for(overrides, row.name, land) if overrides else None
            if key:
                m = Match(key, by_key[key], SCORES[OVERRIDE], MATCHED, rule=OVERRIDE)
            else:
                m = self.match(row.name, land, _text(getattr(row, "unit_type", None)),
                               _number(getattr(row, "population", None)))  # fmt: skip
            out.append({"key": m.key, "official_name": m.official_name, "score": m.score, "status": m.status,
                        "candidates": " ".join(m.candidates), "rule": m.rule})  # fmt: skip
        return pd.DataFrame(out, index=frame.index)


#: A German keyboard's letter rows (umlauts are folded to ae, oe, ue before comparing).
_KEYBOARD = ("qwertzuiop", "asdfghjkl", "yxcvbnm")
_KEY_AT = {c: (r, i) for r, row in enumerate(_KEYBOARD) for i, c in enumerate(row)}
#: Letters people mix up by sound ("Kottbus"): c/k, c/z, s/z, f/v, i/y, d/t, b/p, g/k.
_LIKE_SOUND = {frozenset(p) for p in ("ck", "cz", "sz", "fv", "iy", "dt", "bp", "gk")}


def _swapped(written: str, name: str) -> bool:
    """Whether `written` is `name` with two neighbouring letters swapped."""
    diff = [i for i, (a, b) in enumerate(zip(written, name)) if a != b] if len(written) == len(name) else []
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and (written[diff[0]], written[diff[1]]) == (name[diff[1]], name[diff[0]])
    )


def _slip(written: str, name: str) -> bool:
    """Whether `written` is `name` with one typing slip: two neighbouring letters swapped, one
    letter left out or added, or one replaced by a neighbouring key or a letter of like sound."""
    if abs(len(written) - len(name)) == 1:
        short, long = sorted((written, name), key=len)
        i = next((i for i, (a, b) in enumerate(zip(short, long)) if a != b), len(short))
        return long[:i] + long[i + 1 :] == short
    if len(written) != len(name):
        return False
    if _swapped(written, name):
        return True
    diff = [i for i, (a, b) in enumerate(zip(written, name)) if a != b]
    if len(diff) != 1:
        return False
    a, b = written[diff[0]], name[diff[0]]
    if frozenset((a, b)) in _LIKE_SOUND:
        return True
    if a not in _KEY_AT or b not in _KEY_AT:
        return False
    (r1, c1), (r2, c2) = _KEY_AT[a], _KEY_AT[b]
    return abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1


def _put(index: dict[str, dict[int, str]], key: str, i: int, rule: str) -> None:
    if key:
        index.setdefault(key, {}).setdefault(i, rule)


def _pattern(s: names.Spelling) -> str:
    """Regular expression of a spelling with abbreviated words ("schw" -> "schw.*", "opf" ->
    "o.*p.*f.*": an abbreviation keeps the first letter and some others in order)."""
    out = []
    for word, short in zip(s.words, s.abbreviated):
        if short:
            out.append(re.escape(word[0]) + "".join(f"[a-z0-9]*{re.escape(c)}" for c in word[1:]) + "[a-z0-9]*")
        else:
            out.append(re.escape(word))
    return " ".join(out)


def _county_core(s: names.Spelling) -> names.Spelling:
    """A Landkreis name without its kind words, also inside compounds: "Rhein-Kreis Neuss" ->
    "rhein neuss", "Hochsauerlandkreis" -> "hochsauerland", "Eifelkreis Bitburg-Prüm" ->
    "eifel bitburg pruem"."""
    words, short = [], []
    for w, a in zip(s.words, s.abbreviated):
        if w in names.LANDKREIS_WORDS:
            continue
        if w.endswith("kreis") and len(w) > len("kreis") + 2:
            w = w[: -len("kreis")]
        words.append(w)
        short.append(a)
    return names.Spelling(tuple(words), tuple(short), len(words), s.kind, s.title)


def _decide_kind(
    cand: dict[int, str], unit_type: np.ndarray, answer: str | None, kind_word: str | None
) -> tuple[dict[int, str], list[str]]:
    """Candidates of the kind the respondent answered (a kreisfreie or kreisangehörige town of
    the other kind only if none of the kind answered fits: the two are often mixed up), else of
    the kind words in the name, else (a bare name) the Gemeinden among them if there are any."""
    if answer in _ADMITS or kind_word in _ADMITS:
        admitted = _ADMITS[answer] if answer in _ADMITS else _ADMITS[kind_word]
        kept = {i: r for i, r in cand.items() if unit_type[i] in admitted}
        exact = {i: r for i, r in kept.items() if unit_type[i] == answer}  # kreisfrei before kreisangehörig
        kept = exact or kept
        return kept, ([BY_TYPE if answer in _ADMITS else BY_KIND_WORD] if len(kept) < len(cand) else [])
    towns = {i: r for i, r in cand.items() if unit_type[i] in _TOWNS}
    if towns and len(towns) < len(cand):
        return towns, [BARE_NAME]
    return cand, []


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value).strip() or None


def _number(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(v) else v


def land_code(value: object) -> str | None:
    """A Land given as code ("09", "9"), name ("Bayern") or abbreviation ("BY", "NRW")."""
    text = _text(value)
    if text is None:
        return None
    labels = codebook.load().scales["land"].codes
    if text.isdigit() and text.zfill(2) in labels:
        return text.zfill(2)
    folded = names.fold(text).replace("-", " ").strip()
    by_name = {names.fold(v).replace("-", " "): k for k, v in labels.items()}
    return by_name.get(folded) or _LAND_ABBREVIATIONS.get(folded)


_LAND_ABBREVIATIONS = {
    "sh": "01", "hh": "02", "ni": "03", "nds": "03", "hb": "04", "nw": "05", "nrw": "05", "he": "06",
    "rp": "07", "rlp": "07", "bw": "08", "by": "09", "sl": "10", "be": "11", "bb": "12", "mv": "13",
    "sn": "14", "st": "15", "lsa": "15", "th": "16",
}  # fmt: skip


# --- overrides: names a researcher settled by hand ------------------------------------------------
def overrides_path(export: Path) -> Path:
    """Where the overrides of an export (or names file) lie: beside it, `<name>.overrides.csv`."""
    export = Path(export)
    return export.with_name(export.stem + config.OVERRIDES_SUFFIX)


def _override_name(name: object) -> str:
    return " ".join(names.fold(str(name)).split())


def read_overrides(path: Path, units: pd.DataFrame) -> dict[tuple[str, str | None], str]:
    """The `name;land;ags` file at `path` (land may be empty: any Land) as a lookup
    (written name, Land code) -> key; every key must be one of `units`."""
    path = Path(path)
    try:
        table = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, f"keine lesbare CSV-Datei mit Kopfzeile name;land;ags ({type(exc).__name__})") from None
    table.columns = [c.strip().lower() for c in table.columns]
    if not {"name", "land", "ags"} <= set(table.columns):
        raise InputError(path, f"Kopfzeile name;land;ags erwartet, gefunden: {';'.join(table.columns)}")
    known = set(units["key"])
    out = {}
    for row, (name, land, key) in enumerate(zip(table["name"], table["land"], table["ags"].str.strip()), 2):
        code = land_code(land)
        if land.strip() and code is None:
            raise InputError(path, f"unbekanntes Land „{land}“", row=row, column="land")
        if key not in known:
            raise InputError(path, f"Schlüssel „{key}“ steht nicht im Gemeindeverzeichnis", row=row, column="ags")
        out[(_override_name(name), code)] = key
    return out


def override_for(overrides: dict, name: object, land: str | None) -> str | None:
    """The key a researcher gave for `name` (in `land`, or in any Land), if any."""
    written = _override_name(name)
    return overrides.get((written, land)) or overrides.get((written, None))


def match_file(register_path: Path, names_path: Path) -> pd.DataFrame:
    """Match a `;` CSV with header `name;land[;type]` (land: name, code or abbreviation; type:
    the survey's unit-type label; both may be empty), with the overrides beside it if present.
    Returns columns name, land, ags, official_name, score, status, rule."""
    names_path = Path(names_path)
    try:
        table = pd.read_csv(names_path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(names_path, "Datei nicht gefunden") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            names_path, f"keine lesbare CSV-Datei mit Kopfzeile name;land ({type(exc).__name__})"
        ) from None
    table.columns = [c.strip().lower() for c in table.columns]
    if "name" not in table.columns:
        raise InputError(names_path, f"Spalte „name“ fehlt (Kopfzeile: {';'.join(table.columns)}); erwartet name;land")
    land = table["land"] if "land" in table.columns else pd.Series("", index=table.index)
    codes = land.map(land_code)
    unknown = land.str.strip().ne("") & codes.isna()
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
        raise InputError(names_path, f"Zeile {row}, Spalte land: unbekanntes Land „{land[unknown].iloc[0]}“")
    kinds = pd.Series("", index=table.index) if "type" not in table.columns else table["type"].str.strip()
    bad = kinds.ne("") & ~kinds.isin(list(codebook.load().scales["unit_type"].codes.values()))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        labels = ", ".join(codebook.load().scales["unit_type"].codes.values())
        raise InputError(names_path, f"Zeile {row}, Spalte type: unbekannte Art „{kinds[bad].iloc[0]}“ ({labels})")
    units = register.units(register.read_register(register_path))
    overrides_file = overrides_path(names_path)
    overrides = read_overrides(overrides_file, units) if overrides_file.is_file() else None
    found = Matcher(units).match_frame(
        pd.DataFrame({"name": table["name"], "land_code": codes, "unit_type": kinds.replace("", None)}), overrides
    )
    return pd.DataFrame(
        {
            "name": table["name"],
            "land": land,
            "ags": found["key"],
            "official_name": found["official_name"],
            "score": found["score"],
            "status": found["status"],
            "rule": found["rule"],
        }
    )
