"""The corpus of bad exports (tests/bad_exports) and fuzzing of the export reader: every input
ends in a repair the audit table records or in a one-line error (file, row, column) with exit
code 2; never a traceback, never a partial output."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import config, readers
from analysis import settings as limits
from analysis.__main__ import main
from analysis.audit import Audit
from analysis.errors import InputError
from tests.bad_exports import make_corpus
from tests.budget import examples
from tests.test_outputs_safe import readable

CORPUS = pd.read_csv(make_corpus.MANIFEST, sep=";", dtype=str, keep_default_na=False)


def corpus_file(name: str, tmp_path: Path) -> Path:
    if name in make_corpus.GENERATED:
        return make_corpus.big_file(tmp_path / name, limits.MAX_EXPORT_BYTES + 1)
    return make_corpus.FILES / name


def test_corpus_is_complete():
    committed = {p.name for p in make_corpus.FILES.iterdir()}
    assert committed == set(CORPUS["file"]) - make_corpus.GENERATED
    assert len(CORPUS) >= 40 and CORPUS["outcome"].isin(["error", "repair"]).all()


@pytest.mark.parametrize("case", CORPUS.to_dict("records"), ids=list(CORPUS["file"]))
def test_bad_export_is_repaired_and_logged_or_refused_in_one_line(case, tmp_path, capsys):
    raw = corpus_file(case["file"], tmp_path)
    out = tmp_path / "processed"
    code = main(["clean", "--raw", str(raw), "--out", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if case["outcome"] == "error":
        assert code == 2
        assert captured.err.count("\n") == 1 and captured.err.startswith(f"Fehler: {raw}: "), captured.err
        assert case["expect"] in captured.err, captured.err
        assert not out.exists() and not (tmp_path / "personal").exists()
        return
    assert code == 0, captured.err
    audit = pd.read_parquet(out / config.AUDIT_FILE)
    hits = audit[audit["rule"] == case["expect"]]
    if case["column"]:
        hits = hits[hits["column"] == case["column"]]
    assert len(hits), audit["rule"].value_counts()
    assert pd.read_parquet(out / config.RESPONSES_FILE).shape[0] > 0


def test_german_excel_dates_are_read_day_first(tmp_path):
    df = readers.read_export(make_corpus.FILES / "german_excel.csv", Audit())
    base, _ = make_corpus.base()
    expected = pd.to_datetime(base["submitdate"].replace("", None)).dt.floor("min")
    assert df["submitted_at"].tolist() == expected.tolist()
    assert df["land_code"].str.len().eq(2).all()  # "5" read as code "05"


def test_personal_data_in_any_field_reaches_no_file(tmp_path):
    out = tmp_path / "processed"
    for name in ("personal_data_in_text.csv", "personal_data_in_number.csv"):
        assert main(["clean", "--raw", str(make_corpus.FILES / name), "--out", str(out)]) == 0
        for path in out.iterdir():
            text = readable(path)
            for planted in ("anna.schneider@", "max.mustermann@", "4887123", "Frau Schneider"):
                assert planted not in text, (name, path.name)


# --- fuzzing --------------------------------------------------------------------------------------
BASE = (make_corpus.FILES / "comma_delimiter.csv").read_bytes()


def read_or_refuse(path: Path) -> None:
    """The reader either returns responses or raises InputError naming the file."""
    try:
        df = readers.read_export(path, Audit())
    except InputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    assert len(df) > 0 and "response_id" in df


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 40), st.binary(max_size=8)), min_size=1, max_size=6
    )
)
def test_damaged_exports_are_read_or_refused(edits, tmp_path):
    data = bytearray(BASE)
    for at, cut, insert in edits:
        data[at : at + cut] = insert
    path = tmp_path / "damaged.csv"
    path.write_bytes(bytes(data))
    read_or_refuse(path)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_arbitrary_bytes_are_read_or_refused(data, tmp_path):
    path = tmp_path / "any.csv"
    path.write_bytes(data)
    read_or_refuse(path)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12), min_size=1, max_size=8)
)
def test_any_cell_values_are_read_or_refused(cells, tmp_path):
    header, first, rest = BASE.decode().split("\r\n", 2)
    fields = first.split(",")
    for i, cell in enumerate(cells):
        fields[7 + i * 5 % (len(fields) - 8)] = '"' + cell.replace('"', '""') + '"'
    path = tmp_path / "cells.csv"
    path.write_text("\r\n".join([header, ",".join(fields), rest]), encoding="utf-8")
    read_or_refuse(path)


# --- the command line -------------------------------------------------------------------------------
def test_bad_input_through_the_real_command_line(tmp_path):
    raw = make_corpus.FILES / "empty.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(tmp_path / "out")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"Fehler: {raw}: Datei ist leer"
    assert not (tmp_path / "out").exists()


def test_run_with_bad_input_writes_no_briefing(tmp_path, capsys):
    raw = make_corpus.FILES / "not_a_survey.csv"
    code = main(["run", "--raw", str(raw), "--out", str(tmp_path / "p"), "--reports", str(tmp_path / "r")])
    assert code == 2
    assert "keine Umfrage-Exportdatei" in capsys.readouterr().err
    assert not (tmp_path / "r").exists() and not (tmp_path / "p").exists()
