"""Municipality names as people write them, matched to register keys."""

import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import codebook, config, match, names, register
from tests.budget import examples
from tests.conftest import requires_register


@pytest.fixture(scope="module")
def matcher(register_fixture):
    return match.Matcher(register.units(register.read_register(register_fixture)))


# (written name, Land code, unit type given, inhabitants given, expected key or status, rule or None)
CASES = [
    ("Kiel", None, None, None, "01002000", "exact"),
    ("Landeshauptstadt Kiel", None, None, None, "01002000", "title removed"),
    ("Kiel, Landeshauptstadt", "01", None, None, "01002000", "exact"),
    ("Stadt Frankfurt a.M.", None, None, None, "06412000", "title removed, abbreviation expanded"),
    ("Frankfurt/M.", None, None, None, "06412000", "abbreviation expanded"),
    ("Frankfurt am Main", "06", None, None, "06412000", "exact"),
    ("Frankfurt/Oder", None, None, None, "12053000", "exact"),
    ("Frankfurt", "12", None, None, "12053000", "addition dropped"),
    ("Frankfurt", "06", None, None, "06412000", "addition dropped"),
    ("Frankfurt", None, None, None, match.AMBIGUOUS, None),  # two Frankfurts, no Land: not guessed
    ("Halle (Saale)", None, None, None, "15002000", "exact"),
    ("Halle Westfalen", None, None, None, "05754016", "exact"),
    ("Halle (Westf.)", "05", None, None, "05754016", "exact"),
    ("Halle (S.)", None, None, None, "15002000", "abbreviation expanded"),
    ("Halle", None, None, None, match.AMBIGUOUS, None),
    ("St. Ingbert", None, None, None, "10045116", "exact"),
    ("Sankt Ingbert", "10", None, None, "10045116", "exact"),
    ("St Ingbert", None, None, None, "10045116", "exact"),
    ("Dillingen a. d. Donau", None, None, None, "09773125", "bare name"),  # the town, not its Landkreis
    ("Dillingen a. d. Donau", None, "Landkreis", None, "09773", "by type"),
    ("Landkreis Dillingen a.d.Donau", None, None, None, "09773", "title removed, by kind word"),
    ("Große Kreisstadt Dillingen an der Donau", "09", None, None, "09773125", "title removed, by kind word"),
    ("GKSt Dillingen a.d.Donau", None, None, None, "09773125", "title removed, by kind word"),
    ("Neustadt an der Aisch", None, None, None, "09575153", "bare name"),
    ("Neustadt", "09", None, None, match.AMBIGUOUS, None),
    (
        "Neustadt",
        "09",
        "kreisangehörige Stadt oder Gemeinde",
        13000,
        "09575153",
        "addition dropped, by type, by population",
    ),
    ("Neustadt", "09", "kreisangehörige Stadt oder Gemeinde", 6000, "09374147", None),
    ("Neustadt a.d.W.", "09", None, None, "09374147", "abbreviation expanded, bare name"),
    ("VGem Neustadt a.d.Waldnaab", None, None, None, "093745432", "title removed, by kind word"),
    ("Neustadt a.d.Waldnaab", None, "Gemeindeverband", None, "093745432", "by type"),
    ("Bergen", None, None, None, match.AMBIGUOUS, None),
    ("Bergen", "03", None, None, "03351005", "exact"),
    ("Bergen", None, None, 5000, "09189111", "by population"),
    ("Bergen", "13", None, None, "13073011", "addition dropped"),
    ("Bergen auf Rügen", None, None, None, "13073011", "exact"),
    ("Kleve", "01", None, None, match.AMBIGUOUS, None),  # two Kleve in Schleswig-Holstein
    ("Kleve", "01", None, 500, "01051060", "by population"),
    ("Kleve", "01", None, 1400, "01061052", "by population"),
    ("Kassel", None, None, None, "06611000", "bare name"),  # the city, not the Landkreis
    ("Kassel", "06", "Landkreis", None, "06633", "by type"),
    ("Kassel", "06", "kreisfreie Stadt", None, "06611000", "by type"),
    ("Landkreis Kassel", None, None, None, "06633", "title removed, by kind word"),
    ("Kreis Kassel", "06", None, None, "06633", "title removed, by kind word"),
    ("Kassel, Landkreis", None, None, None, "06633", "by kind word"),
    ("Kassel (Landkreis)", None, None, None, "06633", "by kind word"),
    ("Kassel Landkreis", None, None, None, "06633", "title removed, by kind word"),
    ("Landkreis Kassel", "06", "kreisfreie Stadt", None, "06611000", None),  # the answer decides first
    ("documenta-Stadt Kassel", None, None, None, "06611000", "title removed, by kind word"),
    ("LK Dithmarschen", None, None, None, "01051", "title removed"),
    ("Dithmarschen", None, None, None, "01051", "exact"),  # no Gemeinde of that name
    ("Kreis Steinburg", None, None, None, "01061", "title removed"),
    ("Kreis Saarpfalz", None, None, None, "10045", "title removed"),
    ("Saarpfalz Kreis", None, None, None, "10045", "exact"),
    ("Landkreis Kiel", None, None, None, match.NONE, None),  # no such Kreis: never the city
    ("Kiel", "01", "Landkreis", None, match.NONE, None),
    ("Amt Burg-Sankt Michaelisdonn", None, "Gemeindeverband", None, "010515163", "title removed"),
    ("Burg-St. Michaelisdonn", None, None, None, "010515163", "exact"),
    ("Burg-St. Michaelisdonn", None, "kreisangehörige Stadt oder Gemeinde", None, "010515163", "type differs"),
    ("Ahnatal", "06", "Gemeindeverband", None, "06633001", "type differs"),
    ("Burg (Dithm.)", None, None, None, "01051011", "abbreviation expanded"),
    ("Burg", None, None, None, "01051011", "addition dropped"),
    ("Guetersloh", "05", "Landkreis", None, "05754", "exact"),
    ("Gütersloh", "05", None, None, "05754", "exact"),
    ("Frankfurt am Mian", None, None, None, "06412000", "typo"),
    ("Franfkurt am Main", "06", None, None, "06412000", "typo"),
    ("Dilingen a.d.Donau", None, "kreisangehörige Stadt oder Gemeinde", None, "09773125", "typo, by type"),
    ("Gemenide Ahnatal", None, None, None, "06633001", "typo"),
    ("Ahnatla", "06", None, None, "06633001", "typo"),
    ("Frankfurt am Main", "09", None, None, match.NONE, None),  # wrong Land: not guessed across Länder
    ("Frankfurt am Rhein", None, None, None, match.NONE, None),  # an addition no Frankfurt has
    ("Test", None, None, None, match.NONE, None),
    ("Testgemeinde", None, None, None, match.NONE, None),
    ("keine Angabe", None, None, None, match.NONE, None),
    ("k.A.", None, None, None, match.NONE, None),
    ("", None, None, None, match.NONE, None),
    ("12345", None, None, None, match.NONE, None),
    ("Atlantis", None, None, None, match.NONE, None),
]


@pytest.mark.parametrize(
    "name, land, unit_type, population, expected, rule", CASES, ids=[c[0] or "empty" for c in CASES]
)
def test_match(matcher, name, land, unit_type, population, expected, rule):
    result = matcher.match(name, land, unit_type, population)
    if expected in (match.AMBIGUOUS, match.NONE):
        assert (result.status, result.key) == (expected, None)
        assert expected == match.NONE or len(result.candidates) > 1
    else:
        assert (result.status, result.key) == (match.MATCHED, expected)
        assert 0 < result.score <= 100
        assert rule is None or result.rule == rule


def test_a_typo_near_two_names_is_left_open_with_suggestions(matcher):
    """ "Halle" one slip from "Hallo" and from "Halle": no match; near names are suggestions."""
    result = matcher.match("Balle", None, None, None)  # Halle and Halle: other first letter
    assert result.status == match.NONE and not result.candidates
    result = matcher.match("Neustadt a.d.Waldnaaab", "09", None, None)
    assert (result.status, result.key, result.rule) == (match.MATCHED, "09374147", "typo, bare name")


@pytest.mark.parametrize(
    "written, name, slip",
    [
        ("Mannhiem", "mannheim", True),  # two letters swapped
        ("Bielfeld", "bielefeld", True),  # one left out
        ("Magdeburgg", "magdeburg", True),  # one doubled
        ("Wiesbafen", "wiesbaden", True),  # neighbouring key
        ("Kottbus", "cottbus", True),  # like sound
        ("Wiesbapen", "wiesbaden", False),  # neither
        ("Bamberg", "bamberg", False),  # no slip at all
        ("Regnsbrug", "regensburg", False),  # two slips
    ],
)
def test_typing_slips(written, name, slip):
    assert match._slip(names.fold(written), name) is slip


@pytest.mark.parametrize(
    "written, key",
    [
        ("Stadt Frankfurt a.M.", "frankfurt main"),
        ("Frankfurt am Main, Stadt", "frankfurt main"),
        ("Weiden i.d.OPf.", "weiden oberpfalz"),
        ("Weiden in der Oberpfalz", "weiden oberpfalz"),
        ("Lübeck, Hansestadt", "luebeck"),
        ("Hansestadt Luebeck", "luebeck"),
        ("Gießen", "giessen"),
        ("Landkreis Rostock", "rostock"),
        ("Krauschwitz i.d. O.L. / Krušwica", "krauschwitz l"),
    ],
)
def test_municipality_key(written, key):
    assert names.municipality_key(written) == key


@given(st.text(max_size=60))
@settings(max_examples=examples(300), deadline=None)
def test_municipality_key_never_fails_and_is_stable(text):
    key = names.municipality_key(text)
    assert key == key.strip() and "  " not in key
    assert names.municipality_key(key) == names.municipality_key(key)


@pytest.mark.parametrize(
    "written, words, base, kind, title",
    [
        ("Frankfurt a.M.", ("frankfurt", "m"), 1, None, None),
        ("Weiden i.d.OPf.", ("weiden", "oberpfalz"), 1, None, None),
        ("Neustadt a. Rbge.", ("neustadt", "rbge"), 1, None, None),
        ("Halle, Saale", ("halle", "saale"), 1, None, None),  # after the comma: an addition
        ("Passau, Landkreis", ("passau",), 1, names.LANDKREIS, None),  # after the comma: a kind word
        ("Bamberg (Landkreis)", ("bamberg",), 1, names.LANDKREIS, None),
        ("Neuburg a.d.Donau (VGem)", ("neuburg", "donau"), 1, names.VERBAND, None),
        ("St. Ingbert", ("sankt", "ingbert"), 2, None, None),
        ("Rothenburg/O.L.", ("rothenburg", "oberlausitz"), 1, None, None),
        ("Bad Homburg v. d. Höhe", ("bad", "homburg", "hoehe"), 2, None, None),
        ("Weil der Stadt", ("weil", "stadt"), 2, None, None),
        ("Wakendorf II", ("wakendorf", "ii"), 2, None, None),
        ("Neustadt (Wied)", ("neustadt", "wied"), 1, None, None),
    ],
)
def test_spelling(written, words, base, kind, title):
    s = names.spelling(written)
    assert (s.words, s.base, s.kind, s.title) == (words, base, kind, title)


@pytest.mark.parametrize(
    "written, abbreviated",
    [("Frankfurt a.M.", (False, True)), ("Frankfurt/M", (False, True)), ("Wakendorf I", (False, False)),
     ("Schw. Gmünd", (True, False)), ("Neukirchen b.Hl.Blut", (False, True, False))],
)  # fmt: skip
def test_abbreviated_words(written, abbreviated):
    assert names.spelling(written).abbreviated == abbreviated


def test_register_suffix_gives_the_title():
    assert names.spelling("Pyrbaum, M", official=True).title == "markt"
    assert names.spelling("Laufen, St", official=True).title == "stadt"
    assert names.spelling("Dillingen a.d.Donau, GKSt", official=True).title == "stadt"
    assert names.spelling("Kiel, Landkreis", official=True).kind is None  # the register names titles only


@pytest.mark.parametrize(
    "written, words, kind, title",
    [
        ("Große Kreisstadt Freising", ("freising",), names.GEMEINDE, "stadt"),
        ("Freie und Hansestadt Hamburg", ("hamburg",), names.GEMEINDE, "stadt"),
        ("Universitäts- und Hansestadt Greifswald", ("greifswald",), names.GEMEINDE, "stadt"),
        ("VVG der Stadt Laupheim", ("laupheim",), names.VERBAND, "stadt"),
        ("Verbandsgemeinde Rhein-Selz", ("rhein", "selz"), names.VERBAND, None),
        ("Landratsamt Karlsruhe", ("karlsruhe",), names.LANDKREIS, None),
        ("Heilbronn Landkreis", ("heilbronn",), names.LANDKREIS, None),
        ("Marktgemeinde Holzkirchen", ("holzkirchen",), names.GEMEINDE, "markt"),
        ("Fuggerstadt Augsburg", ("augsburg",), names.GEMEINDE, "stadt"),  # "fuggerstadt" is no name word
        ("Bad Kissingen", None, None, None),  # "Bad" is part of the name
        ("Neustadt Aisch", None, None, None),  # "neustadt" is a name word
    ],
)
def test_without_titles(written, words, kind, title):
    s = names.without_titles(names.spelling(written), lambda w: w in {"neustadt", "bad", "aisch"})
    if words is None:
        assert s is None
    else:
        assert (s.words, s.kind, s.title) == (words, kind, title)


def test_a_mistyped_title_word_is_read_with_a_helper():
    s = names.without_titles(names.spelling("Landkries Göttingen"), lambda w: False, {"landkries": "landkreis"}.get)
    assert (s.words, s.kind) == (("goettingen",), names.LANDKREIS)


@given(st.text(max_size=60))
@settings(max_examples=examples(300), deadline=None)
def test_spelling_never_fails(text):
    for s in (names.spelling(text), names.spelling(text, official=True)):
        assert len(s.words) == len(s.abbreviated) and 0 <= s.base <= len(s.words)
        assert all(w and w.isalnum() and w.isascii() for w in s.words)
        plain = names.without_titles(s, lambda w: False)
        assert plain is None or (len(plain.words) == len(plain.abbreviated) and 0 <= plain.base <= len(plain.words))


def test_every_register_name_finds_itself(matcher):
    for row in matcher.units.itertuples():
        result = matcher.match(row.official_name, row.land_code, row.unit_type, row.population)
        assert result.status == match.MATCHED and result.key == row.key, row.official_name


@pytest.mark.parametrize("value, code", [("Bayern", "09"), ("9", "09"), ("09", "09"), ("NRW", "05"), ("baden-württemberg", "08"),
                                         ("Thueringen", "16"), ("", None), ("Atlantis", None)])  # fmt: skip
def test_land_code(value, code):
    assert match.land_code(value) == code


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True)


def test_cli_writes_the_documented_columns(register_fixture, tmp_path):
    names_csv = tmp_path / "namen.csv"
    names_csv.write_text(
        "name;land;type\nStadt Frankfurt a.M.;Hessen;\nNeustadt;Bayern;\nTest;;\nHalle (Saale);;\n"
        "Kassel;Hessen;Landkreis\nKassel;Hessen;\n",
        encoding="utf-8",
    )
    out = tmp_path / "treffer.csv"
    run = run_cli("match", "--gv", str(register_fixture), "--names", str(names_csv), "--out", str(out))
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(table.columns) == ["name", "land", "ags", "official_name", "score", "status", "rule"]
    assert table["status"].tolist() == ["matched", "ambiguous", "none", "matched", "matched", "matched"]
    assert table["ags"].tolist() == ["06412000", "", "", "15002000", "06633", "06611000"]
    assert table["rule"].tolist() == ["title removed, abbreviation expanded", "", "", "exact", "by type", "bare name"]
    assert "matched: 4, ambiguous: 1, none: 1" in run.stdout


def test_cli_applies_the_overrides_beside_the_names_file(register_fixture, tmp_path):
    names_csv = tmp_path / "namen.csv"
    names_csv.write_text("name;land\nNeustadt;Bayern\nNeustadt;\nAtlantis;\n", encoding="utf-8")
    (tmp_path / "namen.overrides.csv").write_text(
        "name;land;ags\nneustadt;BY;09374147\nATLANTIS;;13073\n", encoding="utf-8"
    )
    out = tmp_path / "treffer.csv"
    run = run_cli("match", "--gv", str(register_fixture), "--names", str(names_csv), "--out", str(out))
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert table[["ags", "status", "rule"]].values.tolist() == [
        ["09374147", "matched", "override"],  # the researcher's answer for Neustadt in Bayern
        ["", "ambiguous", ""],  # not for Neustadt without a Land
        ["13073", "matched", "override"],  # a Land left empty in the overrides: any Land
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param("gemeinde;bundesland\nKiel;SH\n", "Spalte „name“ fehlt", id="wrong-header"),
        pytest.param("name;land\nKiel;Atlantis\n", "Zeile 2, Spalte land", id="unknown-land"),
        pytest.param("name;land;type\nKiel;;Stadt\n", "Zeile 2, Spalte type: unbekannte Art", id="unknown-type"),
    ],
)
def test_cli_bad_names_file(register_fixture, tmp_path, content, message):
    names_csv = tmp_path / "namen.csv"
    names_csv.write_text(content, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "analysis", "match", "--gv", str(register_fixture), "--names", str(names_csv),
                          "--out", str(tmp_path / "o.csv")], capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o.csv").exists()


@requires_register
def test_example_export_matches_its_planted_units():
    from analysis import clean

    result = clean.clean(config.EXAMPLE_RAW, config.SHARED_REGISTER)
    truth = pd.read_csv(config.EXAMPLE_RAW.with_name("example_limesurvey.truth.csv"), dtype=str)
    merged = result.responses.merge(truth, on="response_id")
    matched = merged["match_status"] == "zugeordnet"
    assert matched.mean() >= 0.98
    assert (merged.loc[matched, "register_key"] == merged.loc[matched, "unit_key"]).all()
    assert (result.responses["weight"].notna()).all()
    land = {label: code for code, label in codebook.load().scales["land"].codes.items()}
    assert (merged.loc[matched, "register_key"].str[:2] == merged.loc[matched, "land_code"].astype(str).map(land)).all()


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(
            "name;land;ags\nKiel;;99999999\n",
            "Zeile 2, Spalte ags: Schlüssel „99999999“ steht nicht im",
            id="unknown-key",
        ),  # fmt: skip
        pytest.param("name;ags\nKiel;01002000\n", "Kopfzeile name;land;ags erwartet", id="wrong-header"),
        pytest.param("name;land;ags\nKiel;Atlantis;01002000\n", "Zeile 2, Spalte land: unbekanntes Land", id="land"),
    ],
)
def test_cli_refuses_bad_overrides_with_one_line(register_fixture, tmp_path, content, message):
    names_csv = tmp_path / "namen.csv"
    names_csv.write_text("name;land\nKiel;\n", encoding="utf-8")
    (tmp_path / "namen.overrides.csv").write_text(content, encoding="utf-8")
    run = run_cli("match", "--gv", str(register_fixture), "--names", str(names_csv), "--out", str(tmp_path / "o.csv"))
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not (tmp_path / "o.csv").exists()


# --- in the pipeline: audit, names left open, overrides --------------------------------------------
@pytest.fixture(scope="module")
def fixture_export(register_fixture, tmp_path_factory):
    """A simulated export drawn from the small register, with two names no matcher settles:
    one made inert-worthy ("=..."), one ambiguous."""
    from analysis import simulate

    folder = tmp_path_factory.mktemp("fixture_export")
    export, truth_rows, truth = simulate.simulate(60, 5, "limesurvey", register_fixture)
    path = folder / "export.csv"
    simulate.write_export(export, truth_rows, truth, path)
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    kept = clean_ids(path, register_fixture)
    first, second = raw.index[raw["id"].isin(kept)][:2]
    raw.loc[first, ["A01", "A02", "A03"]] = ['=HYPERLINK("http://x")', "9", "2"]
    raw.loc[second, ["A01", "A02", "A03"]] = ["Neustadt", "9", "2"]
    raw.to_csv(path, sep=";", index=False, encoding="utf-8-sig", quoting=1, lineterminator="\r\n")
    return path, raw.at[first, "id"], raw.at[second, "id"]


def clean_ids(export, register_path) -> set[str]:
    from analysis import clean

    return set(clean.clean(export, register_path).responses["response_id"])


def test_every_response_has_its_match_in_the_audit_table(fixture_export, register_fixture):
    from analysis import clean

    path, injected, ambiguous = fixture_export
    result = clean.clean(path, register_fixture)
    logged = result.audit[result.audit["column"] == "register_key"].set_index("response_id")
    assert set(result.responses["response_id"]) <= set(logged.index)
    matched = result.responses[result.responses["match_status"] == "zugeordnet"].set_index("response_id")
    rows = logged.loc[matched.index]
    assert (rows["rule"] == "register_matched").all() and (rows["new_value"] == matched["register_key"]).all()
    for rid, row in rows.iterrows():  # register name, rule and score, keys not taken for phone numbers
        assert row["reason"].startswith(matched.at[rid, "register_name"] + " (Regel: ")
        assert f"Übereinstimmung {matched.at[rid, 'match_score']:g}" in row["reason"]
    assert logged.at[ambiguous, "rule"] == "register_ambiguous" and "09374147" in logged.at[ambiguous, "reason"]
    assert logged.at[injected, "rule"] == "register_unmatched"


def test_names_left_open_go_to_an_inert_workbook(fixture_export, register_fixture, tmp_path):
    import openpyxl

    from analysis import clean

    path, injected, ambiguous = fixture_export
    result = clean.clean(path, register_fixture)
    written = clean.save(result, tmp_path / "processed")
    assert tmp_path / "processed" / config.UNRESOLVED_NAMES_FILE in written
    sheet = openpyxl.load_workbook(tmp_path / "processed" / config.UNRESOLVED_NAMES_FILE).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
    assert header[:6] == ("name", "land", "type", "status", "responses", "key")
    neustadt = [r for r in body if r["name"] == "Neustadt"]
    assert {r["key"] for r in neustadt} == {"09374147", "09575153"} and all(r["land"] == "Bayern" for r in neustadt)
    assert {r["population"] for r in neustadt} == {5800, 13300}  # numbers stay numbers
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.value.startswith("'=") and c.data_type == "s" for c in cells)


def test_overrides_beside_the_export_settle_names_and_are_logged(fixture_export, register_fixture, tmp_path):
    import shutil

    from analysis import clean

    path, injected, ambiguous = fixture_export
    export = shutil.copy(path, tmp_path / "export.csv")
    before = (tmp_path / "export.csv").read_bytes()
    (tmp_path / "export.overrides.csv").write_text("name;land;ags\nNeustadt;Bayern;09575153\n", encoding="utf-8")
    result = clean.clean(export, register_fixture)
    logged = result.audit[(result.audit["response_id"] == ambiguous) & (result.audit["column"] == "register_key")]
    assert logged["rule"].tolist() == ["override"] and logged["new_value"].tolist() == ["09575153"]
    responses = result.responses.set_index("response_id")
    if ambiguous in responses.index:
        row = responses.loc[ambiguous]
        assert (row["register_key"], row["match_status"], row["match_score"]) == ("09575153", "zugeordnet", 100)
    else:  # another response of that Neustadt was more complete
        dropped = result.audit[(result.audit["response_id"] == ambiguous) & (result.audit["column"] == "*")]
        assert dropped["rule"].tolist() == ["duplicate_key"] and "09575153" in dropped["reason"].iloc[0]
    assert "Neustadt" not in set(result.unresolved["name"])
    assert result.provenance["register"]["overrides_file"] == "export.overrides.csv"
    assert (tmp_path / "export.csv").read_bytes() == before  # the raw export is untouched


def test_an_override_with_a_key_not_in_the_register_stops_the_run(fixture_export, register_fixture, tmp_path):
    import shutil

    path, _, _ = fixture_export
    export = shutil.copy(path, tmp_path / "export.csv")
    (tmp_path / "export.overrides.csv").write_text("name;land;ags\nNeustadt;Bayern;09999999\n", encoding="utf-8")
    run = run_cli("clean", "--raw", str(export), "--register", str(register_fixture), "--out", str(tmp_path / "p"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"Fehler: {tmp_path / 'export.overrides.csv'}: Zeile 2, Spalte ags: Schlüssel „09999999“ steht nicht im "
        "Gemeindeverzeichnis"
    ]
    assert not (tmp_path / "p").exists()


# --- rules on small inline registers ------------------------------------------------------------------
def inline_matcher(*rows) -> match.Matcher:
    """A matcher over units given as (key, official name, Land code, unit type, inhabitants)."""
    units = pd.DataFrame(rows, columns=["key", "official_name", "land_code", "unit_type", "population"])
    return match.Matcher(units.assign(kreis_key=units["key"].str[:5], kreis=None, urbanisation=None))


TOWN, CITY, COUNTY = "kreisangehörige Stadt oder Gemeinde", "kreisfreie Stadt", "Landkreis"


@pytest.mark.parametrize(
    "answer, expected",
    [(CITY, "09361000"), (TOWN, "09778111"), (None, match.AMBIGUOUS), (COUNTY, match.NONE)],
)
def test_the_answered_kind_of_town_comes_first(answer, expected):
    """Amberg is a kreisfreie Stadt and a Gemeinde in Bavaria: the answer picks one; a kreisfreie
    answer for a kreisangehörige town alone still finds it (the two are mixed up)."""
    m = inline_matcher(("09361000", "Amberg", "09", CITY, 42676), ("09778111", "Amberg", "09", TOWN, 1469))
    result = m.match("Amberg", "09", answer)
    assert (result.key or result.status) == expected
    aachen = inline_matcher(("05334002", "Aachen, Stadt", "05", TOWN, 252769))
    assert aachen.match("Aachen", "05", CITY).key == "05334002"


@pytest.mark.parametrize(
    "written, expected, rule",
    [
        ("Garmisch", "09180117", "short form"),  # a larger town by the first part of its name
        ("Partenkirchen", match.NONE, None),  # not by another part
        ("Neudorf", match.NONE, None),  # a small place's first part may be a village of its own
        ("Tabarz", "16067064", "short form"),  # a spa town without "Bad"
        ("Kreis Eckernförde", "01058", "short form"),  # a Kreis by any part of its name
        ("Eckernförde", "01058043", "exact"),
    ],
)
def test_short_forms(written, expected, rule):
    m = inline_matcher(
        ("09180117", "Garmisch-Partenkirchen, M", "09", TOWN, 27509),
        ("01058110", "Neudorf-Bornstein", "01", TOWN, 1072),
        ("16067064", "Bad Tabarz", "16", TOWN, 4165),
        ("01058", "Rendsburg-Eckernförde", "01", COUNTY, 275000),
        ("01058043", "Eckernförde, Stadt", "01", TOWN, 21800),
    )
    result = m.match(written)
    assert (result.key or result.status) == expected and (rule is None or result.rule == rule)


def test_a_typo_that_is_also_part_of_another_name_is_ambiguous():
    """ "Münden": Hann. Münden without "Hann." or Müden (Aller) with a letter too many."""
    m = inline_matcher(("03159017", "Hann. Münden, Stadt", "03", TOWN, 23418),
                       ("03151018", "Müden (Aller)", "03", TOWN, 5338))  # fmt: skip
    result = m.match("Münden", "03")
    assert result.status == match.AMBIGUOUS and set(result.candidates) == {"03159017", "03151018"}


@pytest.mark.parametrize(
    "written, expected",
    [
        ("Radebuel", "14627210"),  # two letters swapped: Radeburg two edits away does not count
        ("Radebeil", match.NONE),  # a neighbouring key: Radeberg two edits away leaves it open
        ("Radebeull", "14627210"),
        ("Musterhausen", match.NONE),  # Münsterhausen is two edits away: no typo
    ],
)
def test_typos_where_names_crowd(written, expected):
    m = inline_matcher(
        ("14627210", "Radebeul, Stadt", "14", TOWN, 33804),
        ("14627220", "Radeburg, Stadt", "14", TOWN, 7614),
        ("14625480", "Radeberg, Stadt", "14", TOWN, 18824),
        ("09774160", "Münsterhausen, M", "09", TOWN, 2200),
    )
    result = m.match(written, "14" if written.startswith("R") else None)
    assert (result.key or result.status) == expected
    if written == "Radebeil":
        assert {"14627210", "14625480"} <= set(result.candidates)  # suggestions for a researcher
