"""The Destatis register loader on a small workbook in the real layout and on the real file."""

import datetime as dt
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from analysis import config, register
from analysis.errors import InputError
from tests import register_fixture
from tests.conftest import requires_register


@pytest.fixture(scope="module")
def reg(register_fixture):
    return register.read_register(register_fixture)


def test_vintage_comes_from_the_sheet_name(reg):
    assert reg.vintage == dt.date(2023, 12, 31)
    assert "Gebietsstand 31.12.2023" in reg.source and "Quellenangabe gestattet" in reg.source


def test_gemeinden_have_eight_digit_text_keys_and_no_gemeindefreie_gebiete(reg):
    g = reg.gemeinden.set_index("ags")
    assert len(g) == register_fixture.N_GEMEINDEN and reg.n_gemeindefrei == 1
    assert g.index.str.fullmatch(r"\d{8}").all()
    halle = g.loc["15002000"]  # leading zero of the Land kept
    assert (halle["official_name"], halle["land"], halle["population"], halle["postcode"]) == (
        "Halle (Saale), Stadt", "Sachsen-Anhalt", 242172, "06108")  # fmt: skip
    assert halle["unit_type"] == "kreisfreie Stadt" and halle["urbanisation"] == "dicht besiedelt"
    burg = g.loc["01051011"]
    assert burg["ars"] == "010515163011"
    assert (burg["kreis"], burg["verband"], burg["size_class"]) == (
        "Dithmarschen",
        "Burg-St. Michaelisdonn",
        "2.000 bis unter 5.000",
    )
    assert pd.isna(g.loc["01061052", "verband"])  # verbandsfreie Gemeinde: no Gemeindeverband


def test_kreise_sum_the_population_of_their_gemeinden(reg):
    k = reg.kreise.set_index("kreis_key")
    assert k.loc["01051", "population"] == 4100 + 520
    assert k.loc["01051", "n_gemeinden"] == 2
    assert k.loc["01051", "unit_type"] == "Landkreis"
    assert k.loc["06611", "unit_type"] == "kreisfreie Stadt"
    assert set(reg.verbaende["verband_key"]) == {"010515163", "093745432"}  # Amt and VGem only


def test_units_and_margins(reg):
    units = register.units(reg)
    assert units["key"].is_unique
    assert units["unit_type"].value_counts().to_dict() == {
        "kreisangehörige Stadt oder Gemeinde": 12, "kreisfreie Stadt": 5, "Landkreis": 11, "Gemeindeverband": 2}  # fmt: skip
    m = register.margins(units)
    assert m["n_units"].sum() == len(units)
    assert m.loc[m["unit_type"] == "kreisfreie Stadt", "population"].sum() == 248873 + 773068 + 204687 + 57015 + 242172


def _write_workbook(path, rows, sheet="Tabelle1"):
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize(
    "rows, message",
    [
        pytest.param([["Name", "Einwohner"], ["Kiel", 248873]], "kein Blatt mit der Kopfzeile", id="other-table"),
        pytest.param(
            [["Satzart", "x", "y", "z", "a", "b", "c", "d", "e", "f", "g"], ["10", "", "01"] + [""] * 8],
            "Regionalschlüssels",
            id="header-without-key",
        ),
    ],
)
def test_a_workbook_that_is_not_a_register_is_refused(tmp_path, rows, message):
    with pytest.raises(InputError, match=message):
        register.read_register(_write_workbook(tmp_path / "x.xlsx", rows))


@pytest.mark.parametrize("content", [b"", b"Satzart;Land\n10;01\n", b"\x00\x01binary"], ids=["empty", "csv", "junk"])
def test_a_file_that_is_not_a_workbook_is_refused(tmp_path, content):
    path = tmp_path / "register.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match="keine lesbare Excel-Datei"):
        register.read_register(path)


def test_cli_writes_tidy_tables(register_fixture, tmp_path):
    run = subprocess.run([sys.executable, "-m", "analysis", "register", "--gv", str(register_fixture), "--out", str(tmp_path)],
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "17 Gemeinden" in run.stdout
    table = pd.read_csv(tmp_path / "register_gemeinden.csv", sep=";", dtype=str)
    assert table["ags"].str.len().eq(8).all()
    assert pd.read_parquet(tmp_path / "register_kreise.parquet")["kreis_key"].str.len().eq(5).all()


def test_cli_error_on_a_non_register_is_one_line_with_exit_2(tmp_path):
    path = _write_workbook(tmp_path / "liste.xlsx", [["Name"], ["Kiel"]])
    run = subprocess.run([sys.executable, "-m", "analysis", "register", "--gv", str(path), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "liste.xlsx" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o").exists()


@requires_register
def test_shared_register_counts():
    reg = register.read_register(config.SHARED_REGISTER)
    assert reg.vintage == dt.date(2024, 12, 31)
    assert len(reg.gemeinden) + reg.n_gemeindefrei == 10_959  # Satzart 60 records
    assert reg.n_gemeindefrei == 207
    assert (reg.kreise["unit_type"] == "Landkreis").sum() == 294
    assert (reg.gemeinden["population"] < 2000).mean() == pytest.approx(0.519, abs=0.001)


@requires_register
def test_committed_margins_are_derived_from_the_shared_register():
    derived = register.margins(register.read_units(config.SHARED_REGISTER))
    committed = register.read_margins()
    pd.testing.assert_frame_equal(derived.reset_index(drop=True), committed, check_dtype=False)
    assert register.read_margins_meta()["source"] == register.SOURCE_LINE


@pytest.mark.parametrize("which", ["fixture", pytest.param("shared", marks=[requires_register, pytest.mark.slow])])
def test_calamine_reads_the_cells_openpyxl_reads(which, register_fixture, monkeypatch):
    """The register is read with calamine (8x faster); openpyxl, pandas' reader until now, gives
    the same tables: on the small workbook in the real layout and on the real file."""
    path = register_fixture if which == "fixture" else config.SHARED_REGISTER
    fast = register.read_register(path)
    excel_file = pd.ExcelFile
    monkeypatch.setattr(pd, "ExcelFile", lambda p, engine=None: excel_file(p, engine="openpyxl"))
    slow = register.read_register(path)
    for name in ("gemeinden", "kreise", "verbaende"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name))
    assert (fast.vintage, fast.source, fast.n_gemeindefrei) == (slow.vintage, slow.source, slow.n_gemeindefrei)
