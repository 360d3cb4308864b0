"""Exports (Parquet, CSV, German-Excel CSV, SPSS, Stata, workbook) and the codebook document."""

from __future__ import annotations

import re
import shutil

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from analysis import clean, codebook, config, files, settings
from analysis.report import codebook_document, exports

FORMATS = ["kommunen_digital.parquet", "kommunen_digital.csv", "kommunen_digital_excel.csv", "kommunen_digital.sav",
           "kommunen_digital.dta", "tabellen.xlsx", "codebuch.md"]  # fmt: skip


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+49 30 123", "'+49 30 123"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Bad Tölz", "Bad Tölz"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_text(value, expected):
    df = pd.DataFrame({"text": pd.Series([value, None], dtype="string"), "obj": [value, 1.5]})
    out = files.neutralise(df)
    assert out["text"].iloc[0] == expected
    assert out["obj"].iloc[0] == expected
    assert pd.isna(out["text"].iloc[1]) and out["obj"].iloc[1] == 1.5


def test_neutralise_leaves_numbers_and_renames_categories():
    df = pd.DataFrame({"x": [-1.0, 2.0], "c": pd.Categorical(["=a", "b"], categories=["=a", "b"])})
    out = files.neutralise(df)
    assert out["x"].tolist() == [-1.0, 2.0]
    assert list(out["c"].cat.categories) == ["'=a", "b"] and out["c"].iloc[0] == "'=a"


@pytest.fixture(scope="module")
def export_dir(pipeline_run):
    root, _, _ = pipeline_run
    return root / "processed" / config.EXPORT_DIR


def test_every_format_is_written(export_dir):
    assert sorted(p.name for p in export_dir.iterdir()) == sorted(FORMATS)


def test_parquet_keeps_dtypes_and_labels(pipeline_run, export_dir):
    root, _, _ = pipeline_run
    data = pd.read_parquet(export_dir / "kommunen_digital.parquet")
    responses, _, _ = clean.load_processed(root / "processed")
    assert list(data.columns) == [*responses.columns, "maturity_index", "kommunentyp"]
    for col in responses.columns:
        assert data[col].dtype == responses[col].dtype, col
    assert (
        data.attrs["column_labels"]["obstacle_budget"] == "Hemmnisse der Digitalisierung: Fehlende finanzielle Mittel"
    )
    assert data.attrs["value_labels"]["digital_importance"]["5"] == "sehr hoch"
    assert "SIMULIERT" in data.attrs["data_status"].upper()


def test_sav_reads_back_with_labels(export_dir):
    data = pd.read_parquet(export_dir / "kommunen_digital.parquet")
    raw, meta = pyreadstat.read_sav(str(export_dir / "kommunen_digital.sav"))
    labelled, _ = pyreadstat.read_sav(str(export_dir / "kommunen_digital.sav"), apply_value_formats=True)
    cb = codebook.load()
    assert raw.shape == data.shape and meta.column_names == list(data.columns)
    assert meta.column_names_to_labels == exports.column_labels(data.columns)
    assert meta.variable_value_labels["land_code"] == {float(c): lab for c, lab in cb.scales["land"].codes.items()}
    assert meta.variable_measure["digital_importance"] == "ordinal" and meta.variable_measure["population"] == "scale"
    for col in ["land_code", "unit_type", "strategy_status", "size_class", "offer_status_eid", "kommunentyp"]:
        expected = data[col].astype(object).where(data[col].notna(), None).tolist()
        got = labelled[col].astype(object).where(labelled[col].notna(), None).tolist()
        assert got == expected, col
    assert raw["digital_importance"].tolist() == pytest.approx(
        data["digital_importance"].astype(float).tolist(), nan_ok=True
    )
    assert raw["helps_funding"].dropna().isin([0, 1]).all()
    assert raw["maturity_index"].tolist() == pytest.approx(data["maturity_index"].astype(float).tolist(), nan_ok=True)


def test_dta_reads_back_with_labels(export_dir):
    raw, meta = pyreadstat.read_dta(str(export_dir / "kommunen_digital.dta"))
    assert raw.shape[0] > 0 and meta.column_names_to_labels["land_code"] == "Bundesland"
    assert meta.variable_value_labels["strategy_status"][3] == "beschlossen"


def test_csv_variants_hold_the_same_values(export_dir):
    data = pd.read_parquet(export_dir / "kommunen_digital.parquet")
    plain = pd.read_csv(export_dir / "kommunen_digital.csv", encoding="utf-8")
    german = pd.read_csv(export_dir / "kommunen_digital_excel.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert (export_dir / "kommunen_digital_excel.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for table in (plain, german):
        assert list(table.columns) == list(data.columns)
        for col in ["maturity_index", "population", "weight"]:
            assert table[col].tolist() == pytest.approx(data[col].astype(float).tolist(), nan_ok=True)
    assert set(german["helps_funding"].dropna()) <= {"ja", "nein"}
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", german["submitted_at"].dropna().iloc[0])


def test_examples_only_with_consent_and_no_personal_data(pipeline_run, export_dir):
    root, _, _ = pipeline_run
    data = pd.read_parquet(export_dir / "kommunen_digital.parquet")
    consented = clean.load_consent(root / "processed")
    with_text = data.loc[data["good_example_text"].notna(), "response_id"]
    assert len(with_text) > 0 and set(with_text) <= consented
    assert not {v.name for v in codebook.load().personal_variables} & set(data.columns)
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for name in FORMATS:
        if name.endswith((".csv", ".md")):
            assert not email.search((export_dir / name).read_text(encoding="utf-8-sig")), name


def test_workbook_sheets_are_suppressed_and_formula_free(export_dir):
    book = openpyxl.load_workbook(export_dir / "tabellen.xlsx")
    assert {"Hinweise", "Länder", "Kennzahlen", "Hypothesen", "Kommunentypen"} <= set(book.sheetnames)
    assert not [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    laender = pd.read_excel(export_dir / "tabellen.xlsx", sheet_name="Länder", engine="openpyxl")
    assert (laender["Kommunen"].dropna() >= settings.MIN_CELL_N).all()
    hidden = laender["Hinweis"].notna()
    assert laender.loc[hidden, ["Kommunen", "Anteil (%)"]].isna().all().all()


def test_formula_cells_are_neutralised_end_to_end(pipeline_run, tmp_path):
    root, _, _ = pipeline_run
    shutil.copytree(root / "processed", tmp_path / "processed", ignore=shutil.ignore_patterns(config.EXPORT_DIR))
    shutil.copytree(root / "personal", tmp_path / "personal")
    responses = pd.read_parquet(tmp_path / "processed" / config.RESPONSES_FILE)
    consented = sorted(clean.load_consent(tmp_path / "processed"))
    row = responses.index[responses["response_id"] == consented[0]][0]
    responses.loc[row, "municipality_name"] = '=HYPERLINK("http://x.invalid","klick")'
    responses.loc[row, "good_example_text"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    responses.to_parquet(tmp_path / "processed" / config.RESPONSES_FILE)
    out = tmp_path / "processed" / config.EXPORT_DIR
    exports.write_all(tmp_path / "processed")
    plain = pd.read_csv(out / "kommunen_digital.csv", dtype=str)
    german = pd.read_csv(out / "kommunen_digital_excel.csv", sep=";", dtype=str, encoding="utf-8-sig")
    for table in (plain, german):
        hit = table[table["response_id"] == consented[0]].iloc[0]
        assert hit["municipality_name"].startswith("'=") and hit["good_example_text"].startswith("'@")
    # formats that no spreadsheet evaluates keep the value as given
    assert pd.read_parquet(out / "kommunen_digital.parquet").loc[row, "municipality_name"].startswith("=")


def test_codebook_document_is_current_and_complete():
    text = codebook_document.markdown()
    assert config.CODEBOOK_DOC.read_text(encoding="utf-8") == text, "run: python -m analysis codebook"
    cb = codebook.load()
    for name in [*cb.processed_columns(), "maturity_index", "kommunentyp"]:
        assert f"`{name}`" in text, name
    for v in cb.variables:
        assert v.question_id in text
    for scale in cb.scales.values():
        for code, label in scale.codes.items():
            assert f"{code} = {label}" in text
