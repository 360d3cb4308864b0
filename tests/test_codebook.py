"""The codebook, the schemas generated from it, and the labels agree."""

import pandas as pd
import pandera.errors
import pytest

from analysis import codebook

CB = codebook.load()


def test_every_section_a_to_h_is_covered():
    assert {v.question_id[0] for v in CB.variables} == set("ABCDEFGH")


def test_variable_and_export_column_names_are_unique():
    names = [v.name for v in CB.variables]
    lime = [v.column("limesurvey") for v in CB.variables]
    forms = [v.column("forms") for v in CB.variables if v.type != "multi"]
    assert len(set(names)) == len(names)
    assert len(set(lime)) == len(lime)
    assert len(set(forms)) == len(forms)


def test_every_scale_used_exists_and_every_coded_variable_has_one():
    for v in CB.variables:
        if v.type in ("single", "likert", "multi"):
            assert v.scale in CB.scales, v.name


def test_array_items_export_as_subquestion_columns():
    status = CB.question("D01")
    assert len(status) == 14
    assert status[0].column("limesurvey") == "D01[SQ001]"
    assert status[0].name == "offer_status_ozg_services"


def test_schema_columns_are_the_processed_columns_in_order():
    assert list(CB.schema().columns) == CB.processed_columns()


def test_personal_variables_never_reach_the_schema():
    assert {v.name for v in CB.personal_variables} == {"contact_email", "consent_named"}
    assert not set(CB.schema().columns) & {v.name for v in CB.personal_variables}


def test_schema_dtypes_come_from_the_codebook():
    schema = CB.schema()
    for v in CB.analysis_variables:
        empty = pd.Series([], dtype=CB.dtype(v.name))
        assert schema.columns[v.name].dtype.check(pandera_dtype(empty.dtype)), v.name


def pandera_dtype(dtype):
    from pandera.engines import pandas_engine

    return pandas_engine.Engine.dtype(dtype)


def _valid_row() -> pd.DataFrame:
    row = {}
    for name in CB.processed_columns():
        dtype = CB.dtype(name) if name in CB.by_name or name == "size_class" or name in CB.register_columns else None
        row[name] = pd.Series([None], dtype=dtype) if dtype is not None else None
    frame = pd.DataFrame({k: v if isinstance(v, pd.Series) else pd.Series([v]) for k, v in row.items()})
    frame["response_id"] = pd.Series(["1"], dtype="string")
    frame["started_at"] = pd.Series([pd.NaT], dtype="datetime64[ns]")
    frame["submitted_at"] = pd.Series([pd.NaT], dtype="datetime64[ns]")
    frame["interview_time_s"] = pd.Series([600.0], dtype="Float64")
    frame["last_page"] = pd.Series([8], dtype="Int8")
    frame["is_complete"] = pd.Series([True], dtype="boolean")
    frame["municipality_name"] = pd.Series(["Musterstadt"], dtype="string")
    frame["land_code"] = pd.Series(["Bayern"], dtype=CB.dtype("land_code"))
    frame["unit_type"] = pd.Series(["Landkreis"], dtype=CB.dtype("unit_type"))
    return frame


def test_schema_accepts_a_valid_row():
    CB.schema().validate(_valid_row())


@pytest.mark.parametrize(
    "column, value, dtype",
    [
        pytest.param("digital_importance", 7, "Int8", id="likert-out-of-scale"),
        pytest.param("staff_trained_pct", 140.0, "Float64", id="percent-over-100"),
        pytest.param("it_staff_fte", -1.0, "Float64", id="negative-staff"),
    ],
)
def test_schema_rejects_values_outside_the_codebook(column, value, dtype):
    frame = _valid_row()
    frame[column] = pd.Series([value], dtype=dtype)
    with pytest.raises(pandera.errors.SchemaError):
        CB.schema().validate(frame)


def test_schema_rejects_a_missing_required_answer():
    frame = _valid_row()
    frame["land_code"] = pd.Series([None], dtype=CB.dtype("land_code"))
    with pytest.raises(pandera.errors.SchemaError):
        CB.schema().validate(frame)


def test_labels_come_from_the_codebook():
    assert CB.label("obstacle_staff_shortage") == "Mangel an IT-Personal"
    assert CB.label("it_staff_fte", "en").startswith("IT and digitalisation staff")
    assert CB.value_labels("strategy_status")["3"] == "beschlossen"
    assert CB.dtype("strategy_status").ordered
