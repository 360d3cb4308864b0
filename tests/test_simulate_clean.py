"""Simulated exports through ingest and cleaning: the planted truth comes back exactly."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import audit, clean, config, files, simulate

from .conftest import requires_register, simulated_export

OUTCOME_OF_RULE = {"test_response": "test"}


def outcomes(result: clean.CleanResult) -> pd.Series:
    dropped = result.audit[result.audit["column"] == audit.WHOLE_RECORD].set_index("response_id")["rule"]
    return dropped.replace(OUTCOME_OF_RULE)


def truth_of(export: Path) -> pd.DataFrame:
    return pd.read_csv(export.with_name(export.name.split(".")[0] + ".truth.csv"), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("fixture", ["limesurvey_export", "forms_export"])
def test_cleaning_removes_exactly_the_planted_records(fixture, request):
    export = request.getfixturevalue(fixture)
    result = clean.clean(export)
    truth = truth_of(export)
    got = truth["response_id"].map(outcomes(result)).fillna("kept")
    mismatch = truth[got != truth["expected_outcome"]]
    assert mismatch.empty, mismatch
    assert set(result.responses["response_id"]) == set(truth.loc[truth["expected_outcome"] == "kept", "response_id"])
    # each planted duplicate group keeps exactly one response
    kept = truth[truth["response_id"].isin(result.responses["response_id"]) & (truth["duplicate_group"] != "")]
    assert kept["duplicate_group"].is_unique
    assert kept["duplicate_group"].nunique() == truth.loc[truth["duplicate_group"] != "", "duplicate_group"].nunique()


def test_the_export_looks_like_limesurvey(limesurvey_export):
    data = limesurvey_export.read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"id";"submitdate";"lastpage";"startlanguage"')
    assert b"\r\n" in data and b'"D01[SQ001]"' in data
    header = data.split(b"\r\n", 1)[0].decode("utf-8-sig")
    assert all(f.startswith('"') and f.endswith('"') for f in header.split(";"))


def test_the_export_looks_like_forms(forms_export):
    sheet = pd.read_excel(forms_export, sheet_name=None, engine="openpyxl")
    assert list(sheet) == ["Form1"]
    table = sheet["Form1"]
    assert list(table.columns[:3]) == ["ID", "Start time", "Completion time"]
    multi = table["Was würde Ihrer Kommune am meisten helfen? (Mehrfachauswahl)"].dropna()
    assert multi.str.contains(";").any()


def test_planted_mess_is_read(cleaned):
    rules = set(cleaned.audit["rule"])
    assert {"number_from_text", "missing_code", "personal_data_removed", "duplicate", "speeder",
            "straightliner", "test_response"} <= rules  # fmt: skip
    assert cleaned.responses["it_staff_fte"].notna().mean() > 0.8


def test_marginals_look_like_published_results(cleaned):
    r = cleaned.responses
    shares = r["strategy_status"].value_counts(normalize=True)
    assert 0.12 <= shares["beschlossen"] <= 0.24
    assert 0.38 <= shares["in Vorbereitung"] <= 0.52
    assert 0.30 <= (r["obstacle_staff_shortage"] >= 4).mean() <= 0.52


def test_larger_towns_are_over_represented(cleaned):
    margins = pd.read_csv(config.REGISTER_MARGINS)
    gem = margins[margins["unit_type"].isin(["kreisfreie Stadt", "kreisangehörige Stadt oder Gemeinde"])]
    register_small = gem.loc[gem["size_class"] == "unter 2.000", "n_units"].sum() / gem["n_units"].sum()
    sample = cleaned.responses[cleaned.responses["unit_type"] != "Landkreis"]
    assert (sample["size_class"] == "unter 2.000").mean() < register_small - 0.2


def test_cleaning_twice_gives_identical_files(limesurvey_export, tmp_path):
    a = clean.save(clean.clean(limesurvey_export), tmp_path / "a" / "processed")
    b = clean.save(clean.clean(limesurvey_export), tmp_path / "b" / "processed")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes(), x.name


def test_raw_file_is_untouched(limesurvey_export, tmp_path):
    before = files.sha256(limesurvey_export)
    clean.save(clean.clean(limesurvey_export), tmp_path / "processed")
    assert files.sha256(limesurvey_export) == before


def test_personal_data_stays_out_of_processed_outputs(limesurvey_export, tmp_path):
    result = clean.clean(limesurvey_export)
    written = clean.save(result, tmp_path / "processed")
    raw = pd.read_csv(limesurvey_export, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    planted = set(raw["H01"]) - {""}
    planted |= {m for text in raw["G02"] for m in re.findall(r"[\w.+-]+@[\w-]+\.\w+", text)}
    assert planted
    for path in written:
        if "personal" in path.parts:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert not [p for p in planted if p in text], path
        assert not re.search(r"Frau [A-ZÄÖÜ]\w+|Tel\. 0\d", text), path
    contacts = pd.read_csv(clean.personal_folder(tmp_path / "processed") / config.CONTACTS_FILE, sep=";", dtype=str,
                           encoding="utf-8-sig")  # fmt: skip
    assert set(contacts["contact_email"].dropna()) <= set(raw["H01"])


def test_processed_data_are_typed_and_labelled(cleaned):
    r = cleaned.responses
    assert isinstance(r["land_code"].dtype, pd.CategoricalDtype)
    assert r["strategy_status"].cat.ordered
    assert str(r["digital_importance"].dtype) == "Int8"
    assert r.attrs["simulated"] is True
    assert r.attrs["variable_labels"]["obstacle_budget"] == "Fehlende finanzielle Mittel"


def test_the_bundled_example_is_simulated_and_intact():
    prov = json.loads(config.provenance_path(config.EXAMPLE_RAW).read_text(encoding="utf-8"))
    assert prov["simulated"] is True and prov["generator"] == "analysis.simulate"
    assert prov["sha256"] == files.sha256(config.EXAMPLE_RAW)
    assert 380 <= prov["n"] <= 420


def test_the_bundled_example_cleans_to_its_truth():
    result = clean.clean(config.EXAMPLE_RAW)
    truth = truth_of(config.EXAMPLE_RAW)
    got = truth["response_id"].map(outcomes(result)).fillna("kept")
    assert (got == truth["expected_outcome"]).all()


@requires_register
def test_simulating_from_the_official_register(tmp_path):
    export = simulated_export(tmp_path, n=200, seed=3, register=config.SHARED_REGISTER)
    truth = truth_of(export)
    assert truth.loc[truth["role"] != "test", "unit_key"].str.fullmatch(r"\d{5,9}").all()
    result = clean.clean(export)
    got = truth["response_id"].map(outcomes(result)).fillna("kept")
    assert (got == truth["expected_outcome"]).all()


@requires_register
def test_make_example_reproduces_the_bundled_example(tmp_path):
    """The committed example is what `make example` writes (it had drifted from the simulator)."""
    prov = json.loads(config.provenance_path(config.EXAMPLE_RAW).read_text(encoding="utf-8"))
    export, truth_rows, truth = simulate.simulate(prov["n"], prov["seed"], prov["format"], config.SHARED_REGISTER)
    written = simulate.write_export(export, truth_rows, truth, tmp_path / config.EXAMPLE_RAW.name)
    for path in written[:2]:  # the export and its per-row truth
        assert path.read_bytes() == (config.EXAMPLE_RAW.parent / path.name).read_bytes(), path.name
