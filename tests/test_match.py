"""Municipality names as people write them, matched to register keys."""

import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import codebook, config, match, names, register
from tests.conftest import requires_register


@pytest.fixture(scope="module")
def matcher(register_fixture):
    return match.Matcher(register.units(register.read_register(register_fixture)))


# (written name, Land code, unit type given, inhabitants given, expected key or status)
CASES = [
    ("Kiel", None, None, None, "01002000"),
    ("Landeshauptstadt Kiel", None, None, None, "01002000"),
    ("Kiel, Landeshauptstadt", "01", None, None, "01002000"),
    ("Stadt Frankfurt a.M.", None, None, None, "06412000"),
    ("Frankfurt am Main", "06", None, None, "06412000"),
    ("Frankfurt/Oder", None, None, None, "12053000"),
    ("Frankfurt", "12", None, None, "12053000"),
    ("Frankfurt", None, None, None, match.AMBIGUOUS),  # two Frankfurts, no Land: not guessed
    ("Halle (Saale)", None, None, None, "15002000"),
    ("Halle Westfalen", None, None, None, "05754016"),
    ("Halle (Westf.)", "05", None, None, "05754016"),
    ("Halle", None, None, None, match.AMBIGUOUS),
    ("St. Ingbert", None, None, None, "10045116"),
    ("Sankt Ingbert", "10", None, None, "10045116"),
    ("Dillingen a. d. Donau", None, None, None, match.AMBIGUOUS),  # the town or its Landkreis
    ("Dillingen a. d. Donau", None, "kreisangehörige Stadt oder Gemeinde", None, "09773125"),
    ("Große Kreisstadt Dillingen an der Donau", "09", None, None, "09773125"),
    ("GKSt Dillingen a.d.Donau", None, None, None, "09773125"),
    ("Neustadt an der Aisch", None, None, None, "09575153"),
    ("Neustadt", "09", None, None, match.AMBIGUOUS),
    ("Neustadt", "09", "kreisangehörige Stadt oder Gemeinde", 13000, "09575153"),  # size decides
    ("Neustadt", "09", "kreisangehörige Stadt oder Gemeinde", 6000, "09374147"),
    ("Bergen", None, None, None, match.AMBIGUOUS),
    ("Bergen", "03", None, None, "03351005"),
    ("Bergen", None, None, 5000, "09189111"),
    ("Bergen auf Rügen", None, None, None, "13073011"),
    ("Kleve", "01", None, None, match.AMBIGUOUS),  # two Kleve in Schleswig-Holstein
    ("Kleve", "01", None, 500, "01051060"),
    ("Kleve", "01", None, 1400, "01061052"),
    ("Kassel", "06", "kreisfreie Stadt", None, "06611000"),
    ("Landkreis Kassel", None, None, None, "06633"),
    ("Kreis Kassel", "06", None, None, "06633"),
    ("LK Dithmarschen", None, None, None, "01051"),
    ("Kreis Steinburg", None, None, None, "01061"),
    ("Amt Burg-Sankt Michaelisdonn", None, "Gemeindeverband", None, "010515163"),
    ("Burg (Dithm.)", None, None, None, "01051011"),
    ("Guetersloh", "05", "Landkreis", None, "05754"),
    ("Frankfurt am Mian", None, None, None, "06412000"),  # typo
    ("Dilingen a.d.Donau", None, "kreisangehörige Stadt oder Gemeinde", None, "09773125"),  # typo
    ("Gemenide Ahnatal", None, None, None, "06633001"),  # typo in the unit word
    ("Frankfurt am Main", "09", None, None, match.NONE),  # wrong Land: not guessed across Länder
    ("Test", None, None, None, match.NONE),
    ("Testgemeinde", None, None, None, match.NONE),
    ("keine Angabe", None, None, None, match.NONE),
    ("k.A.", None, None, None, match.NONE),
    ("", None, None, None, match.NONE),
    ("12345", None, None, None, match.NONE),
    ("Atlantis", None, None, None, match.NONE),
]


@pytest.mark.parametrize("name, land, unit_type, population, expected", CASES, ids=[c[0] or "empty" for c in CASES])
def test_match(matcher, name, land, unit_type, population, expected):
    result = matcher.match(name, land, unit_type, population)
    if expected in (match.AMBIGUOUS, match.NONE):
        assert (result.status, result.key) == (expected, None)
        assert (len(result.candidates) > 1) == (expected == match.AMBIGUOUS)
    else:
        assert (result.status, result.key) == (match.MATCHED, expected)
        assert 0 < result.score <= 100


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
@settings(max_examples=300, deadline=None)
def test_municipality_key_never_fails_and_is_stable(text):
    key = names.municipality_key(text)
    assert key == key.strip() and "  " not in key
    assert names.municipality_key(key) == names.municipality_key(key)
    names.base_key(text)


def test_every_register_name_finds_itself(matcher):
    for row in matcher.units.itertuples():
        result = matcher.match(row.official_name, row.land_code, row.unit_type, row.population)
        assert result.status == match.MATCHED and result.key == row.key, row.official_name


@pytest.mark.parametrize("value, code", [("Bayern", "09"), ("9", "09"), ("09", "09"), ("NRW", "05"), ("baden-württemberg", "08"),
                                         ("Thueringen", "16"), ("", None), ("Atlantis", None)])  # fmt: skip
def test_land_code(value, code):
    assert match.land_code(value) == code


def test_cli_writes_the_documented_columns(register_fixture, tmp_path):
    names_csv = tmp_path / "namen.csv"
    names_csv.write_text(
        "name;land\nStadt Frankfurt a.M.;Hessen\nNeustadt;Bayern\nTest;\nHalle (Saale);\n", encoding="utf-8"
    )
    out = tmp_path / "treffer.csv"
    run = subprocess.run([sys.executable, "-m", "analysis", "match", "--gv", str(register_fixture), "--names", str(names_csv),
                          "--out", str(out)], capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(table.columns) == ["name", "land", "ags", "official_name", "score", "status"]
    assert table["status"].tolist() == ["matched", "ambiguous", "none", "matched"]
    assert table["ags"].tolist() == ["06412000", "", "", "15002000"]
    assert "matched: 2, ambiguous: 1, none: 1" in run.stdout


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param("gemeinde;bundesland\nKiel;SH\n", "Spalte „name“ fehlt", id="wrong-header"),
        pytest.param("name;land\nKiel;Atlantis\n", "Zeile 2, Spalte land", id="unknown-land"),
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
