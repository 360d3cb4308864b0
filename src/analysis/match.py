"""Free-text municipality names to register keys (AGS, Kreis or Verband key).

A name is reduced to its significant words (`names.municipality_key`) and looked up in three rounds:
the whole key, the base name without its qualifier ("Frankfurt" of "Frankfurt am Main"), then
typo-tolerant similarity (rapidfuzz). Candidates are then narrowed by the Land, the kind of unit
and the inhabitant count the respondent gave. One candidate left: `matched`; several:
`ambiguous` (never guessed); none: `none`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from . import codebook, names, register, settings
from .errors import InputError

MATCHED, AMBIGUOUS, NONE = "matched", "ambiguous", "none"
#: Typos tolerated (edits, a swap of two letters counting as one) by length of the name.
MAX_EDITS = ((5, 1), (10, 2))
#: Homonyms are told apart by the reported inhabitants: first candidates within a factor of
#: 2 of it, then within 15 %; several candidates left are ambiguous.
POPULATION_FACTORS = (2.0, 1.15)
_NOT_A_NAME = {"", "keine angabe", "k a", "ka", "weiss nicht", "anonym", "n a", "na", "nein", "xxx", "-"}


@dataclass(frozen=True)
class Match:
    key: str | None
    official_name: str | None
    score: float
    status: str
    candidates: tuple[str, ...] = ()


class Matcher:
    """Name lookup over the units of a register (see `register.units`)."""

    def __init__(self, units: pd.DataFrame):
        self.units = units.reset_index(drop=True)
        self._keys = self.units["official_name"].map(names.municipality_key).tolist()
        self._full = _index(pd.Series(self._keys))
        self._base = _index(self.units["official_name"].map(names.base_key))
        self._choices = list(self._full)

    def match(
        self, name: object, land_code: str | None = None, unit_type: str | None = None, population: float | None = None
    ) -> Match:
        key = names.municipality_key(name)
        if key in _NOT_A_NAME or set(key.split()) & settings.TEST_NAME_WORDS or not any(c.isalpha() for c in key):
            return Match(None, None, 0.0, NONE)
        rows, score = self._lookup(key, name)
        if not rows and len(key.split()) > 1 and _is_unit_word_typo(key.split()[0]):  # "Gemenide X"
            rest = key.split(" ", 1)[1]
            rows, score = self._lookup(rest, rest)
        cand = self.units.iloc[rows]
        if land_code and len(cand):
            cand = cand[cand["land_code"] == land_code]
        hint = unit_type or _type_hint(str(name))
        if hint and len(cand) > 1:
            same = cand[cand["unit_type"].isin(_compatible(hint))]
            cand = same if len(same) else cand
        if population and population > 0:
            ratio = np.abs(np.log(cand["population"].clip(lower=1) / population))
            for factor in POPULATION_FACTORS:
                if len(cand) > 1 and (ratio <= np.log(factor)).any():
                    cand, ratio = cand[ratio <= np.log(factor)], ratio[ratio <= np.log(factor)]
        if len(cand) == 1:
            row = cand.iloc[0]
            return Match(row["key"], row["official_name"], float(score), MATCHED)
        if len(cand) > 1:
            return Match(None, None, float(score), AMBIGUOUS, tuple(cand["key"]))
        return Match(None, None, 0.0, NONE)

    def _lookup(self, key: str, name: object) -> tuple[list[int], float]:
        """Rows whose whole key, base name or (with typos) key equals the name's; and a score."""
        if key in self._full:
            return self._full[key], 100.0
        edits = max((e for length, e in MAX_EDITS if len(key) >= length), default=0)
        base = names.base_key(name)
        if base in self._base:
            rows = self._base[base]
            if len(rows) > 1 and edits:  # a typo in the qualifier: "Frankfurt am Mian"
                near = [(DamerauLevenshtein.distance(key, self._keys[i]), i) for i in rows]
                best = min(d for d, _ in near)
                if best <= edits:
                    return [i for d, i in near if d == best], round(100 * (1 - best / len(key)), 1)
            return rows, 95.0
        if not edits:
            return [], 0.0
        hits = process.extract(key, self._choices, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=10)
        if not hits:
            return [], 0.0
        best = min(d for _, d, _ in hits)
        rows = [i for choice, d, _ in hits if d == best for i in self._full[choice]]
        return rows, round(100 * (1 - best / len(key)), 1)

    def match_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Match a frame with columns name and (optional) land_code, unit_type, population."""
        out = []
        for row in frame.itertuples(index=False):
            m = self.match(
                row.name,
                _text(getattr(row, "land_code", None)),
                _text(getattr(row, "unit_type", None)),
                _number(getattr(row, "population", None)),
            )
            out.append({"key": m.key, "official_name": m.official_name, "score": m.score, "status": m.status,
                        "candidates": " ".join(m.candidates)})  # fmt: skip
        return pd.DataFrame(out, index=frame.index)


def _is_unit_word_typo(word: str) -> bool:
    return len(word) >= 5 and any(
        DamerauLevenshtein.distance(word, unit) <= 2 for unit in ("gemeinde", "stadt", "landkreis", "markt")
    )


def _index(keys: pd.Series) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k:
            out.setdefault(k, []).append(i)
    return out


def _type_hint(name: str) -> str | None:
    words = names.fold(name).replace("-", " ").split()
    if not words:
        return None
    if words[0] in {"kreis", "landkreis", "lk", "lkr"} or words[-1] == "kreis" or "kreis" in words[:1]:
        return "Landkreis"
    if words[0] in {"amt", "samtgemeinde", "verbandsgemeinde", "vg", "vgem", "verwaltungsgemeinschaft", "gvv"}:
        return "Gemeindeverband"
    if words[0] in {"stadt", "gemeinde", "markt", "landeshauptstadt", "hansestadt", "grosse", "gkst"}:
        return "Gemeinde"
    return None


def _compatible(hint: str) -> tuple[str, ...]:
    if hint == "Gemeinde":
        return ("kreisfreie Stadt", "kreisangehörige Stadt oder Gemeinde")
    return (hint,)


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


def match_file(register_path: Path, names_path: Path) -> pd.DataFrame:
    """Match a `;` CSV with header `name;land` (land: name, code or abbreviation, may be
    empty). Returns columns name, land, ags, official_name, score, status."""
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
    matcher = Matcher(register.units(register.read_register(register_path)))
    found = matcher.match_frame(pd.DataFrame({"name": table["name"], "land_code": codes}))
    return pd.DataFrame(
        {
            "name": table["name"],
            "land": land,
            "ags": found["key"],
            "official_name": found["official_name"],
            "score": found["score"],
            "status": found["status"],
        }
    )
