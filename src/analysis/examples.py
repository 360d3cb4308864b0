"""Good examples (G02): dictionary coding, the catalogue, and who can learn from whom.

- `code`: every example is assigned to the use-case categories of the dictionary kept with the
  codebook (`example_categories`: the D01 offerings and organisational topics), or to "other";
  the words that matched are recorded for each assignment. `agreement` measures the coding
  against a hand-coded sample (precision and recall per category).
- `catalogue`: the examples grouped by category with type, size class and Land; the
  municipality's name only with consent. Without consent the description is coarsened until at
  least `settings.MIN_CELL_N` municipalities of the register share it (`describe`): "kreisfreie
  Stadt, 500.000 und mehr, Hamburg" would name Hamburg.
- `exchange`: for every municipality planning or building an offering, the
  `PEERS_PER_PLANNER` most similar municipalities of the same kind that run it and consented to
  be named (`similarity`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import clean, codebook, config, files, maturity, names, settings, typology

OTHER = "other"
OFFER, TOPIC = "Angebot", "Organisation"
#: D01 answers of municipalities that could learn from others, and of those that run an offering.
PLANNING = ("geplant", "in Umsetzung")
RUNNING = "in Betrieb"
PEERS_PER_PLANNER = 3
#: Peers count as "of similar size" when their population is within this factor of the planner's.
SIMILAR_SIZE_FACTOR = 2.0
#: Similarity penalties besides the size difference (|log2 population ratio|): other Land,
#: other Kommunentyp. Peers are always of the same kind (Gemeinde, Landkreis, Gemeindeverband).
OTHER_LAND_PENALTY = 1.0
OTHER_TYPE_PENALTY = 0.5
#: Without consent the name is never shown; this stands in its place.
UNNAMED = "ohne Namen"


# --- dictionary coding ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Category:
    key: str
    label: str
    group: str
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]


def _fold(text: str) -> str:
    return names.fold(text).replace("-", "")


def _pattern(term: str) -> re.Pattern:
    """A dictionary term as a regular expression on folded text (see codebook.yaml)."""
    folded = " ".join(_fold(term).split())
    body = r"\s?".join("[a-z0-9]*".join(re.escape(part) for part in word.split("*")) for word in folded.split(" "))
    start = "" if folded.startswith("*") else r"(?<![a-z0-9])"
    end = "" if folded.endswith("*") else r"(?![a-z0-9])"
    return re.compile(start + body + end)


@cache
def categories() -> dict[str, Category]:
    """The categories in order: offerings (as in D01), topics, then "other"."""
    cb = codebook.load()
    spec = cb.example_categories
    offer_labels = {v.item_key: v.item_label_de for v in cb.question("D01")}
    unknown = set(spec["offers"]) - set(offer_labels)
    if unknown:
        raise ValueError(f"codebook: example categories {sorted(unknown)} are not D01 offerings")
    entries = [(k, offer_labels[k], OFFER, t) for k, t in spec["offers"].items()]
    entries += [(k, v["label_de"], TOPIC, v["terms"]) for k, v in spec["topics"].items()]
    out = {}
    for key, label, group, text in entries:
        terms = tuple(t.strip() for t in text.split(",") if t.strip())
        out[key] = Category(key, label, group, terms, tuple(_pattern(t) for t in terms))
    out[OTHER] = Category(OTHER, spec["other_label_de"], "", (), ())
    return out


def label(key: str) -> str:
    return categories()[key].label


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each of its characters, the position in `text`."""
    chars, where = [], []
    for i, ch in enumerate(text):
        f = _fold(ch)
        chars.append(f)
        where.extend([i] * len(f))
    return "".join(chars), where


def _word_at(text: str, start: int, end: int) -> str:
    """The whole word(s) of `text` around [start, end), as written."""
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "-"):
        end += 1
    return text[start:end]


def matches(text: str) -> dict[str, list[str]]:
    """Category -> the words of `text` that matched its terms (as written, in order, once each);
    {"other": []} when no term matches."""
    folded, where = _folded_with_positions(str(text))
    found: dict[str, list[str]] = {}
    for key, cat in categories().items():
        words = []
        for pattern in cat.patterns:
            for m in pattern.finditer(folded):
                if m.end() > m.start():
                    words.append((where[m.start()], _word_at(text, where[m.start()], where[m.end() - 1] + 1)))
        if words:
            found[key] = list(dict.fromkeys(w for _, w in sorted(words)))
    return found or {OTHER: []}


def code(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per example and category: response_id, category, matched (the words that
    matched, "; "-separated). Responses without an example have no row."""
    text = responses["good_example_text"].astype("string").str.strip()
    rows = [
        (rid, key, "; ".join(words))
        for rid, t in zip(responses["response_id"], text)
        if not pd.isna(t) and t
        for key, words in matches(t).items()
    ]
    order = list(categories())
    out = pd.DataFrame(rows, columns=["response_id", "category", "matched"]).astype({"response_id": "string"})
    out["category"] = pd.Categorical(out["category"], categories=order)
    return out.sort_values(["category", "response_id"], key=_natural, kind="stable").reset_index(drop=True)


def _natural(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce") if s.name == "response_id" else s


def category_counts(coding: pd.DataFrame) -> pd.DataFrame:
    """Examples per category, most frequent first ("other" last): category, label, group, n."""
    n = coding.groupby("category", observed=False)["response_id"].nunique()
    cats = categories()
    table = pd.DataFrame(
        {
            "category": n.index.astype(str),
            "label": [cats[k].label for k in n.index],
            "group": [cats[k].group for k in n.index],
            "n": n.to_numpy(),
        }
    )
    table = table[table["n"] > 0]
    return (
        table.sort_values(["n"], ascending=False, kind="stable")
        .sort_values("category", key=lambda s: s == OTHER, kind="stable")
        .reset_index(drop=True)
    )


# --- agreement with hand coding ------------------------------------------------------------------
def read_hand_coded(path: Path = config.HAND_CODED_EXAMPLES) -> pd.DataFrame:
    """The hand-coded sample: one row per text and category (text_id, text, category)."""
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    unknown = {c for cs in raw["categories"] for c in cs.split("|")} - set(categories())
    if unknown:
        raise ValueError(f"{Path(path).name}: unknown categories {sorted(unknown)}")
    raw["category"] = raw["categories"].str.split("|")
    return raw.explode("category")[["text_id", "text", "category"]].reset_index(drop=True)


def agreement(hand: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of the dictionary per category against the hand codes (`hand`:
    text_id, text, category), plus the micro-average over all categories ("gesamt")."""
    texts = hand.drop_duplicates("text_id")
    coded = {(tid, key) for tid, t in zip(texts["text_id"], texts["text"]) for key in matches(t)}
    truth = set(zip(hand["text_id"], hand["category"]))
    rows = []
    for key in [*categories(), None]:
        t = {p for p in truth if key is None or p[1] == key}
        c = {p for p in coded if key is None or p[1] == key}
        tp = len(t & c)
        rows.append(
            {
                "category": key or "gesamt",
                "label": label(key) if key else "alle Kategorien (Mikro-Mittel)",
                "hand": len(t),
                "dictionary": len(c),
                "both": tp,
                "precision": tp / len(c) if c else np.nan,
                "recall": tp / len(t) if t else np.nan,
            }
        )
    return pd.DataFrame(rows)


# --- who may be named, and how the others are described ------------------------------------------
#: Länder whose Kreise are called "Kreis"; elsewhere they are "Landkreis".
KREIS_LAENDER = frozenset({"Nordrhein-Westfalen", "Schleswig-Holstein"})


def official_name(responses: pd.DataFrame) -> pd.Series:
    """The register's name where matched ("Soest, Kreis": the suffix tells the Kreis from the
    town), else the name as written; a Kreis whose name does not say so is named "Kreis …"
    (North Rhine-Westphalia, Schleswig-Holstein) or "Landkreis …" ("Göppingen" is the town)."""
    written = responses["municipality_name"].astype("string").str.strip()
    name = responses["register_name"].astype("string").fillna(written)
    kreis = (responses["unit_type"].astype("string") == "Landkreis").fillna(False) & ~name.str.contains(
        r"kreis|region", case=False, regex=True
    ).fillna(True)
    word = responses["land_code"].astype("string").isin(KREIS_LAENDER).map({True: "Kreis ", False: "Landkreis "})
    return name.mask(kreis, word + name)


#: Answers that name no practice: a pointer elsewhere, an offer of contact, "none".
NOT_AN_EXAMPLE = re.compile(
    r"^\W*(siehe|s\.|vgl\.)\b.*(website|homepage|internet|seite|oben|unten|anhang)|ansprechpartner|kontakt|"
    r"bei fragen|(k|kein|keine)\.?\s*(a\.|angabe|beispiel)|schwer zu nennen|wei(ß|ss) (ich )?nicht|^\W*(nein|keine?s?|"
    r"nichts|-+)\W*$",
    re.IGNORECASE,
)
#: Fewer words than this, once the non-example sentences are gone: no example.
MIN_EXAMPLE_WORDS = 2


def is_example(text) -> bool:
    """Whether a good-example answer describes a practice: after dropping removed personal data
    ("[Name entfernt]") and sentences that only point elsewhere, offer contact or say there is
    none ("Siehe unsere Website.", "Wir sind gerne Ansprechpartner."), at least
    `MIN_EXAMPLE_WORDS` words remain."""
    if text is None or pd.isna(text):
        return False
    plain = re.sub(r"\[[^\]]*entfernt\]", " ", str(text))
    kept = [s for s in re.split(r"(?<=[.!?])\s+", plain.strip()) if s and not NOT_AN_EXAMPLE.search(s)]
    return len(re.findall(r"\w+", " ".join(kept))) >= MIN_EXAMPLE_WORDS


def describe(responses: pd.DataFrame, margins: pd.DataFrame) -> pd.DataFrame:
    """Art, Größenklasse and Land per response, coarsened so that every description fits at
    least `settings.MIN_CELL_N` municipalities of the register (`margins`): all three when the
    register cell is large enough, else without the size class, else without the Land, else
    the kind alone. Columns: unit_type, size_class, land (missing where left out)."""
    land_label = codebook.load().scales["land"].codes
    reg = margins.assign(land=margins["land_code"].map(land_label))
    have = pd.DataFrame(
        {
            "unit_type": responses["unit_type"].astype("string"),
            "size_class": responses["size_class"].astype("string"),
            "land": responses["land_code"].astype("string"),
        }  # fmt: skip
    )
    out = pd.DataFrame(pd.NA, index=responses.index, columns=["unit_type", "size_class", "land"], dtype="string")
    todo = pd.Series(True, index=responses.index)
    for cols in (
        ["unit_type", "size_class", "land"],
        ["unit_type", "land"],
        ["unit_type", "size_class"],
        ["unit_type"],
    ):
        size = reg.groupby(cols)["n_units"].sum()
        key = pd.MultiIndex.from_frame(have[cols]) if len(cols) > 1 else pd.Index(have[cols[0]])
        fits = todo & pd.Series(size.reindex(key).fillna(0).to_numpy() >= settings.MIN_CELL_N, index=have.index)
        fits &= have[cols].notna().all(axis=1)
        out.loc[fits, "unit_type"] = have.loc[fits, "unit_type"]
        for col in ("size_class", "land"):
            if col in cols:
                out.loc[fits, col] = have.loc[fits, col]
        todo &= ~fits
    return out


def who(responses: pd.DataFrame, consented: frozenset, margins: pd.DataFrame) -> pd.DataFrame:
    """Per response: named (consent), name (or `UNNAMED`), unit_type, size_class, land (full
    with consent, else coarsened by `describe`)."""
    named = responses["response_id"].astype(str).isin(consented)
    full = pd.DataFrame(
        {
            "unit_type": responses["unit_type"].astype("string"),
            "size_class": responses["size_class"].astype("string"),
            "land": responses["land_code"].astype("string"),
        },
        index=responses.index,
    )
    out = describe(responses, margins)
    out[named] = full[named]
    out.insert(0, "name", official_name(responses).where(named, UNNAMED))
    out.insert(0, "named", named)
    return out


# --- who can learn from whom ---------------------------------------------------------------------
def distances(planners: pd.DataFrame, peers: pd.DataFrame) -> np.ndarray:
    """Distance of each peer (columns) to each planner (rows), lower is more similar:
    |log2 population ratio| + `OTHER_LAND_PENALTY` for another Land + `OTHER_TYPE_PENALTY` for
    another (or unknown) Kommunentyp; a missing population counts as a size difference of 1
    (factor 2). Infinite for another kind of municipality and for the planner itself."""

    def col(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].astype("string").fillna("\0").to_numpy(dtype=object)

    size = np.abs(
        np.log2(peers["population"].to_numpy(float))[None, :] - np.log2(planners["population"].to_numpy(float))[:, None]
    )
    size = np.where(np.isnan(size), 1.0, size)
    land = col(planners, "land_code")[:, None] != col(peers, "land_code")[None, :]
    kt_p, kt_q = col(planners, "kommunentyp")[:, None], col(peers, "kommunentyp")[None, :]
    kt = (kt_p != kt_q) | (kt_p == "\0") | (kt_q == "\0")
    d = size + OTHER_LAND_PENALTY * land + OTHER_TYPE_PENALTY * kt
    other = (col(planners, "unit_type")[:, None] != col(peers, "unit_type")[None, :]) | (
        col(planners, "response_id")[:, None] == col(peers, "response_id")[None, :]
    )
    return np.where(other, np.inf, d)


def exchange(responses: pd.DataFrame, members: pd.Series, consented: frozenset) -> pd.DataFrame:
    """For every offering and every municipality planning or building it (`PLANNING`), the
    `PEERS_PER_PLANNER` most similar municipalities of the same kind that run it and
    consented to be named (`distances`; ties by response id). One row per planner and peer
    (peer columns missing when there is none): offer, planner_id, planner_status, rank,
    peer_id, distance, similar_size (population within `SIMILAR_SIZE_FACTOR`)."""
    r = responses.assign(
        kommunentyp=members.reindex(responses.index).astype("string"),
        population=pd.to_numeric(responses["population"], errors="coerce").astype(float),
        _id=pd.to_numeric(responses["response_id"], errors="coerce"),
    ).sort_values("_id", kind="stable")
    named = r["response_id"].astype(str).isin(consented)
    rows = []
    for v in codebook.load().question("D01"):
        status = r[v.name].astype("string")
        planners, runners = r[status.isin(PLANNING).to_numpy()], r[((status == RUNNING) & named).to_numpy()]
        d = distances(planners, runners)
        order = np.argsort(d, axis=1, kind="stable")[:, :PEERS_PER_PLANNER]
        ratio = runners["population"].to_numpy()[None, :] / planners["population"].to_numpy()[:, None]
        similar = (ratio <= SIMILAR_SIZE_FACTOR) & (ratio >= 1 / SIMILAR_SIZE_FACTOR)
        runner_ids = runners["response_id"].to_numpy(dtype=object)
        for i, (pid, pstatus) in enumerate(zip(planners["response_id"], status[status.isin(PLANNING)])):
            base = {"offer": v.item_key, "planner_id": pid, "planner_status": pstatus}
            ranked = (
                [j for j in order[i] if np.isfinite(d[i, j])] if np.isfinite(planners["population"].iloc[i]) else []
            )
            if not ranked:
                rows.append(base)
            for rank, j in enumerate(ranked, 1):
                rows.append({**base, "rank": rank, "peer_id": runner_ids[j], "distance": round(float(d[i, j]), 3),
                             "similar_size": bool(similar[i, j])})  # fmt: skip
    out = pd.DataFrame(
        rows, columns=["offer", "planner_id", "planner_status", "rank", "peer_id", "distance", "similar_size"]
    )
    return out.astype({"offer": "string", "planner_id": "string", "planner_status": "string", "rank": "Int8",
                       "peer_id": "string", "distance": "Float64", "similar_size": "boolean"})  # fmt: skip


def exchange_summary(pairs: pd.DataFrame, responses: pd.DataFrame, consented: frozenset) -> pd.DataFrame:
    """Per offering, for the planners among `responses`: planners, planners with at least one
    peer of similar size (matched), distinct peers of similar size (peers), and consenting
    municipalities that run it (runners, among `responses`). Most planners first."""
    ids = set(responses["response_id"].astype(str))
    named = responses["response_id"].astype(str).isin(consented)
    mine = pairs[pairs["planner_id"].isin(ids)]
    similar = mine[mine["similar_size"].fillna(False).astype(bool)]
    rows = []
    for v in codebook.load().question("D01"):
        status = responses[v.name].astype("string")
        rows.append(
            {
                "offer": v.item_key,
                "label": v.item_label_de,
                "planners": int(status.isin(PLANNING).sum()),
                "matched": similar.loc[similar["offer"] == v.item_key, "planner_id"].nunique(),
                "peers": similar.loc[similar["offer"] == v.item_key, "peer_id"].nunique(),
                "runners": int(((status == RUNNING) & named).sum()),
            }
        )
    return pd.DataFrame(rows).sort_values("planners", ascending=False, kind="stable").reset_index(drop=True)


# --- quotes for the briefing ---------------------------------------------------------------------
#: Quotes shown: at most this many, one per theme and municipality, chosen by `quotes`.
MAX_QUOTES = 4
MIN_QUOTE_CHARS = 40


def quotes(r: pd.DataFrame, consented: frozenset, coding: pd.DataFrame, margins: pd.DataFrame) -> pd.DataFrame:
    """Good examples to quote, chosen by rule, never by hand: for the categories of `coding`
    from the most frequent down ("other" never), the example of that category from the
    municipality with the highest maturity index (ties by response id) that is at least
    `MIN_QUOTE_CHARS` long (personal data already scrubbed), an example (`is_example`) and not quoted yet; at most
    `MAX_QUOTES`. Named only with consent (`consented` response ids); otherwise described by
    kind, size class and Land as far as `describe` allows. Columns: text, topic, and those of
    `who` (named, name, unit_type, size_class, land)."""
    text = r["good_example_text"].astype("string").str.strip()
    pool = r.assign(
        _text=text,
        _maturity=maturity.index(r).fillna(-1),
        _id=pd.to_numeric(r["response_id"], errors="coerce"),
        _rid=r["response_id"].astype(str),
    )
    pool = pool[(pool["_text"].str.len().fillna(0) >= MIN_QUOTE_CHARS) & pool["_text"].map(is_example)]
    pool = pool.sort_values(["_maturity", "_id"], ascending=[False, True], kind="stable")
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in category_counts(coding).itertuples():
        if row.category == OTHER or len(chosen) == MAX_QUOTES:
            continue
        ids = set(coding.loc[coding["category"] == row.category, "response_id"])
        fresh = pool[pool["_rid"].isin(ids) & ~pool["_rid"].isin([c[0] for c in chosen]) & ~pool["_text"].isin(seen)]
        if not fresh.empty:
            chosen.append((fresh["_rid"].iloc[0], row.label))
            seen.add(fresh["_text"].iloc[0])
    picked = pool.set_index("_rid").loc[[c[0] for c in chosen]]
    w = who(picked, consented, margins).reset_index(drop=True)
    return w.assign(text=picked["_text"].to_numpy(), topic=[c[1] for c in chosen])


# --- files ---------------------------------------------------------------------------------------
def save(coding: pd.DataFrame, pairs: pd.DataFrame, processed: Path) -> list[Path]:
    """The coding and the exchange pairs, for the decks."""
    return [files.write_parquet(coding, Path(processed) / config.EXAMPLES_CODED_FILE),
            files.write_parquet(pairs, Path(processed) / config.EXCHANGE_FILE)]  # fmt: skip


def load(processed: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coding and the exchange pairs written by `save`."""
    return pd.read_parquet(Path(processed) / config.EXAMPLES_CODED_FILE), pd.read_parquet(
        Path(processed) / config.EXCHANGE_FILE
    )


@dataclass(frozen=True)
class Result:
    responses: pd.DataFrame
    provenance: dict
    members: pd.Series
    margins: pd.DataFrame
    coding: pd.DataFrame
    pairs: pd.DataFrame
    consented: frozenset
    written: list[Path]


def run(processed: Path | None) -> Result:
    """Code the examples and pair planners with peers from a pipeline run's processed data, and
    write both beside the data (for the decks and the catalogue). `None` (a notebook run in the
    lab, see `config.lab_output`): the last run's data are read and nothing is written."""
    written = processed is not None
    processed = Path(processed) if written else config.PROCESSED
    responses, _, provenance = clean.load_processed(processed)
    members, _ = typology.load(responses, processed)
    consented = clean.load_consent(processed)
    coding = code(responses)
    pairs = exchange(responses, members, consented)
    written = save(coding, pairs, processed) if written else []
    margins = clean.load_margins(processed)
    return Result(responses, provenance, members, margins, coding, pairs, consented, written)


def planted_agreement(responses: pd.DataFrame, coding: pd.DataFrame, raw_path: Path) -> pd.DataFrame | None:
    """For a simulated export: `agreement` of the coding with the topics the simulator planted
    in every example (its truth file); None for real data."""
    truth_file = config.truth_path(raw_path)
    if not truth_file.is_file():
        return None
    truth = pd.read_csv(truth_file, dtype=str, keep_default_na=False)
    if "planted_example_topics" not in truth:
        return None
    texts = responses[["response_id", "good_example_text"]].astype("string").dropna()
    hand = texts.merge(truth.rename(columns={"planted_example_topics": "categories"}), on="response_id")
    hand = hand[hand["categories"] != ""].rename(columns={"response_id": "text_id", "good_example_text": "text"})
    hand["category"] = hand["categories"].str.split("|")
    return agreement(hand.explode("category")[["text_id", "text", "category"]])
