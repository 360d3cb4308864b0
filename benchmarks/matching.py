"""Benchmark 5: municipality names as people write them, matched to every vintage of the official
register beside the project (../shared/reference/destatis/AuszugGV*.xlsx). For each hand-made
list in tests/data/spellings/ (development and held-out) and each vintage: per kind of spelling
the share of rows answered right (a key, AMBIGUOUS or NONE as expected), precision and recall of
the matches, and confident wrong matches; then every row not answered right. Goals per list and
vintage: at least 98 % right and no confident wrong match.

Two stress checks on the newest vintage follow, written by this script (seeded): made-up names
from German name parts that are no name of the register ("Kirschhain", "Waldrode"), each with
no Land and with a random Land (how many are matched at all), and one typing slip in each of
1,500 register names of Gemeinden and Kreise, matched with Land and type (found, left open,
matched to another unit)."""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections import Counter

from machine import ROOT, write

sys.path.insert(0, str(ROOT))  # the lists and their evaluation live with the tests

from analysis import match, names, register  # noqa: E402
from tests import spellings  # noqa: E402


def pct(x: float) -> str:
    return "–" if x != x else f"{100 * x:.1f} %"


def table(summary) -> str:
    lines = ["| kind | rows | right | precision | recall | confident wrong |", "|---|---:|---:|---:|---:|---:|"]
    for r in summary.itertuples():
        kind = f"**{r.kind}**" if r.kind == "all" else r.kind
        lines.append(
            f"| {kind} | {r.rows} | {pct(r.right)} | {pct(r.precision)} | {pct(r.recall)} | {r.wrong_matches} |"
        )
    return "\n".join(lines)


STEMS = ["Alt", "Neu", "Ober", "Nieder", "Hohen", "Schön", "Kirch", "Wald", "Berg", "Lind", "Eich", "Rosen", "Mühl",
         "Stein", "Buch", "Hasel", "Wies", "Sonnen", "Birken", "Fels", "Enten", "Muster", "Hinter", "Vorder", "Kuh",
         "Fuchs", "Wolfs", "Bären", "Hirsch", "Tann", "Erlen", "Linden", "Bruch", "Moor", "Heide", "Sand", "Kalk",
         "Salz", "Gold", "Silber", "Blumen", "Apfel", "Kirsch", "Rabens", "Falken", "Adler", "Drachen", "Zwergen",
         "Riesen", "Glocken"]  # fmt: skip
ENDS = ["dorf", "hausen", "heim", "bach", "feld", "burg", "au", "stedt", "ingen", "rode", "beck", "hagen", "born",
        "weiler", "kirchen", "brück", "tal", "furt", "wald", "leben", "hofen", "stadt", "berg", "see", "grün", "hain",
        "roda", "walde", "werder", "wiese"]  # fmt: skip
KEYBOARD = ("qwertzuiop", "asdfghjkl", "yxcvbnm")


def made_up(matcher: match.Matcher, rng: random.Random) -> str:
    known = set(matcher._names) | set(matcher._variants)
    fakes = [a + b for a, b in itertools.product(STEMS, ENDS) if names.spelling(a + b).key not in known]
    lands = sorted(set(matcher.units["land_code"]))
    counts, matched = Counter(), []
    for name in fakes:
        for land in (None, rng.choice(lands)):
            m = matcher.match(name, land)
            counts[(land is not None, m.status)] += 1
            if m.status == match.MATCHED:
                matched.append(f"{name} ({land or 'no Land'}) → {m.official_name} ({m.rule})")
    lines = [f"Made-up names from German name parts, none of them a register name: {len(fakes)}", "",
             "| Land given | none | ambiguous | matched |", "|---|---:|---:|---:|"]  # fmt: skip
    for given in (False, True):
        row = [counts[(given, s)] for s in (match.NONE, match.AMBIGUOUS, match.MATCHED)]
        lines.append(
            f"| {'random Land' if given else 'no'} | {row[0]} | {row[1]} | {row[2]} ({row[2] / len(fakes):.1%}) |"
        )
    return "\n".join(lines) + "\n\nMatched: " + ("; ".join(matched) or "none")


def slip(name: str, rng: random.Random) -> str | None:
    at = {c: (r, i) for r, row in enumerate(KEYBOARD) for i, c in enumerate(row)}
    for _ in range(20):
        i, kind = rng.randrange(1, len(name) - 1), rng.choice(["swap", "drop", "double", "key"])
        a, b = name[i], name[i + 1]
        if not (a.isalpha() and b.isalpha()):
            continue
        if kind == "swap" and a != b:
            return name[:i] + b + a + name[i + 2 :]
        if kind == "drop":
            return name[:i] + name[i + 1 :]
        if kind == "double":
            return name[:i] + a + name[i:]
        if kind == "key" and a in at:
            near = [c for c in at if c != a and abs(at[c][0] - at[a][0]) <= 1 and abs(at[c][1] - at[a][1]) <= 1]
            return name[:i] + rng.choice(near) + name[i + 1 :]
    return None


def slips(matcher: match.Matcher, rng: random.Random) -> str:
    units = matcher.units[matcher.units["unit_type"] != "Gemeindeverband"].sample(
        1500, random_state=rng.randrange(10**6)
    )
    counts, wrong = Counter(), []
    for u in units.itertuples():
        written = slip(names.split_official(u.official_name)[0], rng)
        if not written or len(written) < 6:
            continue
        m = matcher.match(written, u.land_code, u.unit_type)
        outcome = "found" if m.key == u.key else "matched to another unit" if m.status == match.MATCHED else "left open"
        counts[outcome] += 1
        if m.status == match.MATCHED and m.key != u.key:
            wrong.append(f"{written} (for {u.official_name}) → {m.official_name} ({m.rule})")
    n = sum(counts.values())
    lines = [f"One typing slip in {n} register names, with Land and type:", "", "| outcome | names | share |",
             "|---|---:|---:|"] + [f"| {k} | {counts[k]} | {counts[k] / n:.1%} |"
                                   for k in ("found", "left open", "matched to another unit")]  # fmt: skip
    return "\n".join(lines) + "\n\nMatched to another unit: " + ("; ".join(wrong) or "none")


def main() -> None:
    vintages = spellings.vintages()
    if not vintages:
        sys.exit("no register: ../shared/reference/destatis/AuszugGV*.xlsx not found")
    parts, notes = [], []
    for path in vintages:
        started = time.perf_counter()
        matcher = match.Matcher(register.read_units(path))
        for name, list_path in spellings.lists().items():
            results = spellings.evaluate(matcher, spellings.read(list_path))
            summary = spellings.summary(results)
            total = summary.iloc[-1]
            met = total["right"] >= 0.98 and total["wrong_matches"] == 0
            left_out = int((~results["applies"]).sum())
            parts.append(
                f"## {name} list, register {path.name}\n\n{table(summary)}\n\n"
                f"Goal ≥ 98 % right and 0 confident wrong: {'met' if met else 'NOT met'}"
                + (f"; {left_out} rows left out (key not in this vintage)" if left_out else "")
            )
            misses = results[results["applies"] & ~results["right"]]
            if len(misses):
                rows = "\n".join(
                    f"| {r.spelling} | {r.land} | {r.type} | {r.expected} | {r.got} | {r.kind} |"
                    for r in misses.itertuples()
                )
                parts.append(
                    "Not right:\n\n| spelling | land | type | expected | answer | kind |\n|---|---|---|---|---|---|\n"
                    + rows
                )
        notes.append(f"{path.name}: {time.perf_counter() - started:.1f} s (reading the register included)")
    rng = random.Random(20261129)
    parts.append(f"## Stress checks, register {vintages[-1].name}\n\n{made_up(matcher, rng)}\n\n{slips(matcher, rng)}")
    body = "\n\n".join(parts)
    intro = (
        "Right: the answer is the expected key, AMBIGUOUS or NONE. Precision: matches that are the "
        "expected key, of all matches. Recall: matches that are the expected key, of the rows that "
        "expect a key. Confident wrong: a match to another key than expected (also where AMBIGUOUS or "
        "NONE was expected)."
    )
    write("matching", "Municipality names as people write them", f"{intro}\n\n{body}", "\n".join(notes))


if __name__ == "__main__":
    main()
