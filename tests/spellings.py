"""The hand-made lists of municipality spellings (tests/data/spellings/) run through the matcher:
per row the answer and whether it is right; per kind of spelling right share, precision,
recall and confident wrong matches. Used by tests/test_spellings.py and benchmarks/matching.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import config, match

DATA = Path(__file__).parent / "data" / "spellings"
#: The lists: written first to design the matcher, and written by someone who did not see it.
LISTS = {"development": DATA / "development.csv", "held-out": DATA / "heldout.csv"}
OPEN = (match.AMBIGUOUS.upper(), match.NONE.upper())


def lists() -> dict[str, Path]:
    """The lists present."""
    return {name: path for name, path in LISTS.items() if path.is_file()}


def vintages() -> list[Path]:
    """Every Destatis register beside the project (one per vintage), oldest first."""
    return sorted(config.SHARED_REGISTER.parent.glob("AuszugGV*.xlsx"))


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")


def register_key(expected: str, keys: set[str]) -> str:
    """An expected answer as a key of `register.units`: the held-out list writes a Kreis as its
    5-digit key padded with 000 ("08125000") and a Verband as "GV:" and its 9-digit key."""
    if expected.startswith("GV:"):
        return expected[3:]
    if expected not in keys and len(expected) == 8 and expected.endswith("000") and expected[:5] in keys:
        return expected[:5]
    return expected


def evaluate(matcher: match.Matcher, table: pd.DataFrame) -> pd.DataFrame:
    """`table` with the matcher's answer (`got`: a key, AMBIGUOUS or NONE) and `rule`, and
    `applies`: false for rows whose expected key is not in this register (another vintage)."""
    keys = set(matcher.units["key"])
    table = table.assign(expected=table["expected"].map(lambda e: register_key(e, keys)))
    got, rules = [], []
    for row in table.itertuples(index=False):
        m = matcher.match(row.spelling, match.land_code(row.land), row.type or None)
        got.append(m.key if m.status == match.MATCHED else m.status.upper())
        rules.append(m.rule)
    out = table.assign(got=got, rule=rules)
    out["applies"] = out["expected"].isin(OPEN) | out["expected"].isin(keys)
    out["right"] = out["got"] == out["expected"]
    out["wrong_match"] = ~out["right"] & ~out["got"].isin(OPEN)
    return out


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per kind of spelling and in all: rows, right share, precision and recall of the matches
    (a key expected and given), confident wrong matches; rows of another vintage left out."""
    r = results[results["applies"]]

    def figures(g: pd.DataFrame) -> dict:
        matched = ~g["got"].isin(OPEN)
        keyed = ~g["expected"].isin(OPEN)
        correct = matched & g["right"]
        return {
            "rows": len(g),
            "right": g["right"].mean(),
            "precision": correct.sum() / matched.sum() if matched.any() else float("nan"),
            "recall": correct.sum() / keyed.sum() if keyed.any() else float("nan"),
            "wrong_matches": int(g["wrong_match"].sum()),
        }

    rows = [{"kind": kind, **figures(g)} for kind, g in r.groupby("kind", sort=True)]
    rows.append({"kind": "all", **figures(r)})
    return pd.DataFrame(rows)
