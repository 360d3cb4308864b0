"""Good examples: dictionary coding (against hand codes and the simulator's planted topics),
coarsened descriptions, who can learn from whom, and consent across every output of a run."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import clean, codebook, config, examples, names, plan
from analysis import settings as limits
from analysis.report import catalogue, deck
from tests import budget
from tests.test_outputs_safe import readable


# --- coding ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Die E-Akte ist eingeführt.", {"e_file": ["E-Akte"]}),
        ("Mit der elektronischen Akte und dem DMS", {"e_file": ["elektronischen Akte", "DMS"]}),
        ("die eakte läuft", {"e_file": ["eakte"]}),
        ("Wir haben 70 OZG-Leistungen umgesetzt", {"ozg_services": ["OZG-Leistungen"]}),
        ("Onlineanträge für alle", {"ozg_services": ["Onlineanträge"]}),
        ("Online Anträge stellen", {"ozg_services": ["Online Anträge"]}),
        ("Login mit der BundID", {"eid": ["BundID"]}),
        ("eID-Funktion des Ausweises", {"eid": ["eID-Funktion"]}),
        ("Unser Bürgerserviceportal", {"service_portal": ["Bürgerserviceportal"]}),
        ("Gebühren per ePayment, auch mit PayPal", {"epayment": ["ePayment", "PayPal"]}),
        ("Der Mängelmelder", {"issue_reporter": ["Mängelmelder"]}),
        ("MAENGELMELDER in Großbuchstaben und ohne Umlaut", {"issue_reporter": ["MAENGELMELDER"]}),
        ("Unsere Digitalisierungsstrategie", {"strategy": ["Digitalisierungsstrategie"]}),
        ("Koordiniert von der CDO", {"cdo": ["CDO"]}),
        ("gemeinsam mit drei Nachbarkommunen", {"cooperation": ["gemeinsam mit", "Nachbarkommunen"]}),
        ("Alle wurden geschult.", {"training": ["geschult"]}),
        ("Ohne Fördermittel ging es nicht", {"funding": ["Fördermittel"]}),
        # terms are whole words unless the dictionary allows more
        ("Chatten mit dem Bürgermeister", {"other": []}),
        ("Eidechsen im Stadtpark", {"other": []}),
        ("Das WLAN im Rathaus", {"other": []}),
        ("", {"other": []}),
    ],
)
def test_coding_finds_terms_inflections_and_abbreviations(text, expected):
    assert examples.matches(text) == expected


def test_coding_records_every_category_and_its_words():
    found = examples.matches("Gebühren per ePayment. Die E-Akte kam mit dem Förderprogramm des Landes.")
    assert found == {"epayment": ["ePayment"], "e_file": ["E-Akte"], "funding": ["Förderprogramm"]}


@settings(max_examples=budget.examples(300), deadline=None)
@given(st.text(max_size=300))
def test_coding_never_fails_and_matches_are_words_of_the_text(text):
    found = examples.matches(text)
    assert found and set(found) <= set(examples.categories())
    assert (examples.OTHER in found) == (found == {examples.OTHER: []})
    for words in found.values():
        assert all(w in text for w in words)


def test_dictionary_categories_are_the_offerings_and_topics():
    cats = examples.categories()
    offers = [v.item_key for v in codebook.load().question("D01")]
    assert list(cats)[: len(offers)] == offers and list(cats)[-1] == examples.OTHER
    assert {"strategy", "cdo", "cooperation", "training"} <= set(cats)
    assert all(c.terms for k, c in cats.items() if k != examples.OTHER)


def test_code_gives_one_row_per_example_and_category():
    responses = pd.DataFrame({"response_id": ["1", "2", "3", "4"],
                              "good_example_text": ["E-Akte und ePayment", "nichts davon", None, "  "]})  # fmt: skip
    coded = examples.code(responses)
    assert list(zip(coded["response_id"], coded["category"].astype(str))) == [
        ("1", "epayment"), ("1", "e_file"), ("2", "other")
    ]  # fmt: skip


# --- agreement -------------------------------------------------------------------------------------
def test_agreement_in_a_closed_form_case():
    hand = pd.DataFrame(
        {
            "text_id": ["a", "b", "c", "c"],
            "text": ["Die E-Akte", "Die E-Akte kommt erst noch", "Steuer vom Sofa aus und ePayment"]
            + ["Steuer vom Sofa aus und ePayment"],
            "category": ["e_file", "other", "ozg_services", "epayment"],
        }  # fmt: skip
    )
    table = examples.agreement(hand).set_index("category")
    assert table.loc["e_file", ["hand", "dictionary", "both"]].tolist() == [1, 2, 1]
    assert table.loc["e_file", "precision"] == 0.5 and table.loc["e_file", "recall"] == 1.0
    assert table.loc["ozg_services", "recall"] == 0.0 and pd.isna(table.loc["ozg_services", "precision"])
    assert table.loc["gesamt", "precision"] == 2 / 3 and table.loc["gesamt", "recall"] == 2 / 4


def test_dictionary_agrees_with_the_hand_coded_sample():
    hand = examples.read_hand_coded()
    assert hand["text_id"].nunique() >= 100
    table = examples.agreement(hand).set_index("category")
    overall = table.loc["gesamt"]
    assert overall["precision"] >= 0.8 and overall["recall"] >= 0.85, overall
    frequent = table[(table["hand"] >= 5) & (table.index != "gesamt")]
    assert len(frequent) >= 10
    assert (frequent["recall"] >= 0.5).all() and (frequent["precision"] >= 0.5).all(), frequent


def test_hand_coded_sample_holds_no_personal_data():
    from analysis import privacy

    hand = examples.read_hand_coded().drop_duplicates("text_id")
    assert all(privacy.scrub(t)[1] == [] for t in hand["text"])


def test_dictionary_agrees_with_the_planted_topics(cleaned, limesurvey_export):
    coding = examples.code(cleaned.responses)
    table = examples.planted_agreement(cleaned.responses, coding, limesurvey_export).set_index("category")
    assert table.loc["gesamt", "hand"] >= 100  # every example of the simulated export
    assert table.loc["gesamt", "precision"] >= 0.8 and table.loc["gesamt", "recall"] >= 0.85


# --- descriptions without consent ------------------------------------------------------------------
MARGINS = pd.DataFrame(
    {
        "land_code": ["02", "09", "09", "09", "08"],
        "unit_type": [
            "kreisfreie Stadt",
            "kreisangehörige Stadt oder Gemeinde",
            "kreisangehörige Stadt oder Gemeinde",
            "kreisfreie Stadt",
            "kreisfreie Stadt",
        ],
        "size_class": [
            "500.000 und mehr",
            "unter 2.000",
            "2.000 bis unter 5.000",
            "500.000 und mehr",
            "100.000 bis unter 500.000",
        ],
        "n_units": [1, 900, 2, 2, 9],
        "population": [1, 1, 1, 1, 1],
    }  # fmt: skip
)


@pytest.mark.parametrize(
    "unit_type, size_class, land, expected",
    [
        (
            "kreisangehörige Stadt oder Gemeinde",
            "unter 2.000",
            "Bayern",  # 900 such Gemeinden: all shown
            ("kreisangehörige Stadt oder Gemeinde", "unter 2.000", "Bayern"),
        ),
        (
            "kreisangehörige Stadt oder Gemeinde",
            "2.000 bis unter 5.000",
            "Bayern",  # 2: without the size
            ("kreisangehörige Stadt oder Gemeinde", None, "Bayern"),
        ),
        (
            "kreisfreie Stadt",
            "500.000 und mehr",
            "Hamburg",  # Hamburg alone; 3 in Germany: kind and size
            ("kreisfreie Stadt", "500.000 und mehr", None),
        ),
        (
            "kreisfreie Stadt",
            "100.000 bis unter 500.000",
            "Baden-Württemberg",
            ("kreisfreie Stadt", "100.000 bis unter 500.000", "Baden-Württemberg"),
        ),
        ("kreisfreie Stadt", None, "Hamburg", ("kreisfreie Stadt", None, None)),  # ... or the kind alone
    ],
)
def test_descriptions_fit_at_least_three_municipalities(unit_type, size_class, land, expected):
    responses = pd.DataFrame({"unit_type": [unit_type], "size_class": [size_class], "land_code": [land]})
    out = examples.describe(responses, MARGINS).iloc[0]
    assert tuple(None if pd.isna(v) else v for v in out[["unit_type", "size_class", "land"]]) == expected


# --- who can learn from whom -----------------------------------------------------------------------
def _municipalities() -> tuple[pd.DataFrame, pd.Series]:
    rows = [  # id, kind, population, Land, e-file status
        ("1", "kreisangehörige Stadt oder Gemeinde", 10_000, "Bayern", "geplant"),
        ("2", "kreisangehörige Stadt oder Gemeinde", 11_000, "Bayern", "in Betrieb"),  # no consent
        ("3", "kreisangehörige Stadt oder Gemeinde", 12_000, "Hessen", "in Betrieb"),
        ("4", "kreisangehörige Stadt oder Gemeinde", 90_000, "Bayern", "in Betrieb"),
        ("5", "Landkreis", 10_000, "Bayern", "in Betrieb"),  # another kind
        ("6", "kreisangehörige Stadt oder Gemeinde", 9_000, "Bayern", "in Umsetzung"),
        ("7", "kreisangehörige Stadt oder Gemeinde", 10_500, "Bayern", "in Betrieb"),
    ]
    r = pd.DataFrame(rows, columns=["response_id", "unit_type", "population", "land_code", "offer_status_e_file"])
    for v in codebook.load().question("D01"):
        if v.name not in r:
            r[v.name] = "nicht geplant"
    r["size_class"] = "10.000 bis unter 20.000"
    r["municipality_name"] = [f"Gemeinde {i}" for i in r["response_id"]]
    r["register_name"] = None
    return r, pd.Series("Optimierer", index=r.index)


def test_peers_are_the_most_similar_consenting_runners_of_the_same_kind():
    r, members = _municipalities()
    pairs = examples.exchange(r, members, frozenset({"3", "4", "5", "7", "1"}))
    e_file = pairs[pairs["offer"] == "e_file"]
    assert e_file.loc[e_file["planner_id"] == "1", "peer_id"].tolist() == ["7", "3", "4"]  # never 2 (no consent) or 5
    assert e_file.loc[e_file["planner_id"] == "1", "similar_size"].tolist() == [True, True, False]
    assert set(e_file["planner_id"]) == {"1", "6"}
    assert pairs[pairs["offer"] != "e_file"].empty  # nobody plans anything else
    summary = examples.exchange_summary(pairs, r, frozenset({"3", "4", "5", "7"})).set_index("offer")
    assert summary.loc["e_file", ["planners", "matched", "peers", "runners"]].tolist() == [2, 2, 2, 4]


def test_exchange_table_names_planners_only_with_consent():
    r, members = _municipalities()
    consented = frozenset({"3", "4", "7", "6"})
    pairs = examples.exchange(r, members, consented)
    table = catalogue.exchange_table(pairs, r, consented, MARGINS)
    assert table.set_index("Antwort-ID").loc["1", "Planende Kommune"] == examples.UNNAMED
    assert table.set_index("Antwort-ID").loc["6", "Planende Kommune"] == "Gemeinde 6"
    peers = " ".join(table.filter(like="Vorbild").stack())
    assert "Gemeinde 7" in peers and "Gemeinde 2" not in peers


# --- a run's outputs -------------------------------------------------------------------------------
def test_run_writes_the_catalogue_and_the_exchange_table(pipeline_run):
    root, html, _ = pipeline_run
    folder = root / "reports" / config.EXAMPLES_DIR
    catalogue = pd.read_excel(folder / config.CATALOGUE_XLSX, sheet_name=None, engine="openpyxl")
    assert set(catalogue) == {"Katalog", "Kategorien", "Hinweise"}
    responses, _, _ = clean.load_processed(root / "processed")
    with_text = responses["good_example_text"].astype("string").str.strip().fillna("").ne("")
    texts = responses.loc[with_text, "good_example_text"].str.strip()
    assert catalogue["Katalog"]["Beispiel"].nunique() == texts[texts.map(examples.is_example)].nunique()
    exchange = pd.read_excel(folder / config.EXCHANGE_XLSX, sheet_name=None, engine="openpyxl")
    assert len(exchange["Austausch"]) > 100 and len(exchange["Je Angebot"]) == 14
    page = (folder / config.CATALOGUE_HTML).read_text(encoding="utf-8")
    assert "SIMULIERTE DATEN" in page and page.count("<blockquote>") == len(catalogue["Katalog"])
    shown = [int(n.replace(".", "")) for n in re.findall(r"\(([\d.]+) Beispiele\)", page)]
    assert shown and min(shown) >= limits.MIN_CELL_N and "weniger als 3 Beispiele" in page  # small counts hidden
    counts = catalogue["Kategorien"]["Beispiele (Kommunen)"].astype(str)
    assert all(c == "–" or int(c.replace(".", "")) >= limits.MIN_CELL_N for c in counts)
    deck = html.read_text(encoding="utf-8")
    assert "Häufigstes Thema guter Beispiele: " in deck and "Ansatzpunkte für den Austausch" in deck
    assert re.search(r"Für \d+ Kommunen, die „[^“]+“ planen oder umsetzen, gibt es \d+ Vorbilder", deck)


def test_quotes_are_one_per_frequent_theme(pipeline_run):
    root, _, _ = pipeline_run
    d = deck.load(root / "processed")
    quotes = examples.quotes(d.responses, d.consented, d.coding, d.margins)
    top = [c for c in examples.category_counts(d.coding)["label"] if c != examples.label(examples.OTHER)]
    assert 3 <= len(quotes) <= examples.MAX_QUOTES and quotes["topic"].tolist() == top[: len(quotes)]
    assert quotes["named"].any() and not quotes["named"].all()


def names_by_consent(root) -> tuple[set[str], set[str]]:
    """Names (official and as written) of responding municipalities that did not consent to be
    named, and those that may appear: of consenting municipalities, and the Länder."""
    responses, _, _ = clean.load_processed(root / "processed")
    consented = responses["response_id"].astype(str).isin(clean.load_consent(root / "processed"))
    official = examples.official_name(responses)
    base = official.map(lambda n: names.split_official(n)[0], na_action="ignore")  # "Kiel, Landeshauptstadt" -> "Kiel"
    written = responses["municipality_name"].astype("string").str.strip()
    forms = [official, base, written]
    allowed = {n for f in forms for n in f[consented] if isinstance(n, str)} | set(
        codebook.load().scales["land"].codes.values()
    )
    unnamed = {n for f in forms for n in f[~consented] if isinstance(n, str)} - allowed
    return unnamed, allowed


def _any_of(names: set[str]) -> re.Pattern:
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?!\w)")


#: Records of the cleaning for researchers (cleaned rows, audit of name matching): they name every
#: respondent, as the processed data and the exports do, but never with an example (see below).
CLEANING_RECORD = "executed/01_clean.ipynb"


def test_no_output_for_readers_names_a_municipality_without_consent(pipeline_run):
    root, _, _ = pipeline_run
    names, allowed = names_by_consent(root)
    assert len(names) > 100
    pattern, may_appear = _any_of(names), _any_of(allowed)
    scanned = [p for p in (root / "reports").rglob("*") if p.is_file() and p.suffix in {".html", ".xlsx", ".ipynb"}
               and p.relative_to(root / "reports").as_posix() != CLEANING_RECORD]  # fmt: skip
    assert pattern.search(readable(root / "reports" / CLEANING_RECORD))  # the scan does find names
    assert {p.name for p in scanned} >= {config.CATALOGUE_HTML, config.CATALOGUE_XLSX, config.EXCHANGE_XLSX,
                                         plan.BRIEFING_HTML, "06_examples.ipynb"}  # fmt: skip
    for path in scanned:
        found = sorted(set(pattern.findall(may_appear.sub(" ", readable(path)))))  # "Kleve" in "Kleve, Stadt"
        assert not found, f"{path.relative_to(root)}: {found[:5]}"


def test_exports_carry_no_example_of_a_municipality_without_consent(pipeline_run):
    root, _, _ = pipeline_run
    responses, _, _ = clean.load_processed(root / "processed")
    consented = responses["response_id"].astype(str).isin(clean.load_consent(root / "processed"))
    texts = responses.loc[~consented, "good_example_text"].dropna().str.strip()
    shared = set(responses.loc[consented, "good_example_text"].dropna().str.strip())
    texts = {t for t in texts[texts.str.len() >= 40] if not any(t in c for c in shared)}  # not also a consented text
    assert len(texts) > 10
    for path in (root / "processed" / "export").iterdir():
        if path.suffix in {".csv", ".parquet", ".sav", ".dta", ".xlsx"}:
            shown = readable(path)
            assert not [t for t in texts if t in shown], path.name


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Siehe unsere Website.", False),
        ("Wir sind gerne Ansprechpartner. Kontakt: [E-Mail entfernt]", False),
        ("Bei uns läuft vieles gut, ein einzelnes Beispiel ist schwer zu nennen.", False),
        ("keine", False),
        ("k.A.", False),
        ("-", False),
        (None, False),
        ("E-Akte eingeführt", True),
        ("Die Hundesteuer kann man jetzt bequem vom Sofa aus anmelden.", True),
        ("Das WLAN in allen Gebäuden wird geschätzt. Ansprechpartnerin ist [Name entfernt].", True),
    ],
)
def test_answers_that_name_no_practice_are_no_examples(text, expected):
    assert examples.is_example(text) is expected


def test_kreise_are_named_as_kreis_or_landkreis():
    frame = pd.DataFrame({
        "municipality_name": ["Soest", "Göppingen", "Rhein-Lahn-Kreis", "Göppingen", "Aachen"],
        "register_name": [None, None, None, None, "Städteregion Aachen"],
        "unit_type": ["Landkreis", "Landkreis", "Landkreis", "kreisangehörige Stadt oder Gemeinde", "Landkreis"],
        "land_code": ["Nordrhein-Westfalen", "Baden-Württemberg", "Rheinland-Pfalz", "Baden-Württemberg",
                      "Nordrhein-Westfalen"],
    })  # fmt: skip
    assert examples.official_name(frame).tolist() == [
        "Kreis Soest", "Landkreis Göppingen", "Rhein-Lahn-Kreis", "Göppingen", "Städteregion Aachen"
    ]  # fmt: skip


def test_catalogue_leaves_out_answers_that_are_no_examples(pipeline_run):
    root, _, _ = pipeline_run
    page = (root / "reports" / config.EXAMPLES_DIR / config.CATALOGUE_HTML).read_text(encoding="utf-8")
    assert "Siehe unsere Website." not in page.split("<h2>Kategorien</h2>")[1]
    assert "nennen kein Beispiel" in page
    for name in re.findall(r"<strong>(.*?)</strong> · Landkreis", page):
        assert name == examples.UNNAMED or re.search("kreis|region", name, re.IGNORECASE), name
