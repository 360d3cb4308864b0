"""Every export a researcher can produce, read by the readers.

- Exports written by the survey tools' own rules (tests/data/formats, from their source code,
  not from this project's simulator), read against a toy codebook: the responses of SPEC.md §0.
- The simulator writes each format and LimeSurvey option; each gives the processed data of the
  plain LimeSurvey export, or differs only where a rule is switched off visibly.
- The questionnaire's structure (.lss, SoSci variable list) compared with the codebook.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import clean, codebook, config, readers, simulate
from analysis.audit import Audit
from analysis.errors import InputError
from analysis.readers import structure
from analysis.readers.base import NOT_TICKED, TICKED

FORMATS = Path(__file__).parent / "data" / "formats"
LIME = sorted((FORMATS / "limesurvey").glob("*.csv"))


# --- the toy survey of SPEC.md §0 -----------------------------------------------------------------
def toy_questions(language: str) -> tuple[list[dict], dict]:
    en = language == "en"
    t = lambda e, d: e if en else d  # noqa: E731
    items = lambda *pairs: [  # noqa: E731
        {"key": f"i{n}", "sq": f"SQ00{n}", "label_de": t(e, d), "label_en": e} for n, (e, d) in enumerate(pairs, 1)
    ]
    questions = [
        {"id": "Q01", "name": "kind", "type": "single", "scale": "toy_kind", "page": 1, "label_de": "Art",
         "label_en": "Kind", "text_de": t("Which type of local authority do you represent?",
                                          "Welche Art von Kommune vertreten Sie?"), "ids": {"sosci": "KO01"}},
        {"id": "Q04", "name": "online_pct", "type": "number", "unit": "percent", "min": 0, "max": 100, "page": 1,
         "label_de": "Anteil online", "label_en": "Share online", "ids": {"sosci": "KO02"},
         "text_de": t("What share of applications is submitted online (in %)?",
                      "Wie hoch ist der Anteil online gestellter Anträge (in %)?")},
        {"id": "Q02", "name": "offer", "type": "multi", "scale": "checked", "page": 2, "label_de": "Angebote",
         "label_en": "Offers", "text_de": t("Which digital services already exist?",
                                            "Welche digitalen Angebote gibt es bereits?"), "ids": {"sosci": "DA01"},
         "items": items(("Online appointment booking", "Online-Terminvergabe"), ("Electronic files", "E-Akte"),
                        ("Citizen portal", "Bürgerportal"))},
        {"id": "Q03", "name": "agree", "type": "likert", "scale": "toy_agree", "page": 2, "label_de": "Zustimmung",
         "label_en": "Agreement", "text_de": t("How much do you agree?", "Wie sehr stimmen Sie zu?"),
         "ids": {"sosci": "DA02"},
         "items": items(("The administration is easy to reach.", "Die Verwaltung ist gut erreichbar."),
                        ("Digital services are used.", "Digitale Angebote werden genutzt."))},
        {"id": "Q05", "name": "examples", "type": "free_text", "page": 2, "label_de": "Beispiele",
         "label_en": "Examples", "ids": {"sosci": "DA03"},
         "text_de": t("Which good examples would you like to share?", "Welche guten Beispiele möchten Sie teilen?")},
    ]  # fmt: skip
    kinds = t(["Municipality", "City", "District"], ["Gemeinde", "Stadt", "Landkreis"])
    agree = t(["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"],
              ["Stimme gar nicht zu", "Stimme eher nicht zu", "Teils/teils", "Stimme eher zu", "Stimme voll zu"])  # fmt: skip
    scales = {"toy_kind": {"ordered": False, "codes": dict(zip(["A1", "A2", "A3"], kinds))},
              "toy_agree": {"ordered": True, "codes": {str(i): a for i, a in enumerate(agree, 1)}}}  # fmt: skip
    return questions, scales


@contextlib.contextmanager
def codebook_of(tmp_path: Path, questions: list[dict], scales: dict, pages: int = 2):
    """The codebook with these questions and scales instead of the survey's."""
    raw = yaml.safe_load(config.CODEBOOK.read_text(encoding="utf-8"))
    raw["questions"], raw["scales"] = questions, raw["scales"] | scales
    raw["survey"]["pages"] = pages
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    original = config.CODEBOOK
    try:
        config.CODEBOOK = path
        codebook.load.cache_clear()
        readers.column_lookup.cache_clear()
        yield codebook.load()
    finally:
        config.CODEBOOK = original
        codebook.load.cache_clear()
        readers.column_lookup.cache_clear()


def decoded(frame: pd.DataFrame, cb: codebook.Codebook) -> pd.DataFrame:
    """The answers as cleaning reads them: codes, numbers, multiple choice as True/False/missing."""
    out = pd.DataFrame({"response_id": frame["response_id"].astype(str).to_numpy()})
    out["is_complete"] = frame["is_complete"].astype(bool).to_numpy()
    for v in cb.variables:
        cells = frame[v.name].astype(object)
        if v.type == "multi":
            reached = frame["last_page"].fillna(cb.pages) >= v.page
            state = cells.map({TICKED: True, NOT_TICKED: False, "": False}).where(cells.ne("") | reached)
            cells = state.where(cells.notna(), None)
        elif v.type == "number":
            cells = pd.to_numeric(cells, errors="coerce")
        elif v.scale:
            cells = cells.where(cells.isin(list(cb.scales[v.scale].codes)), None)
        else:
            cells = cells.where(cells.notna() & cells.ne(""), None)
        out[v.name] = cells.to_numpy()
    return out.astype(object).where(out.notna(), None)


SPEC_RESPONSES = pd.DataFrame(
    [
        ["1", True, "A2", 37.5, True, False, True, "4", "2", 'Online-Terminvergabe im Bürgerbüro; sehr "beliebt"\nE-Akte seit 2024'],
        ["2", True, "A1", 5.0, False, False, False, "5", None, None],
        ["3", False, "A3", 12.0, None, None, None, None, None, None],
    ],
    columns=["response_id", "is_complete", "kind", "online_pct", "offer_i1", "offer_i2", "offer_i3", "agree_i1",
             "agree_i2", "examples"],
).astype(object)  # fmt: skip


@pytest.mark.parametrize("sample", LIME, ids=[p.stem for p in LIME])
def test_limesurvey_exports_in_every_style_give_the_responses(sample, tmp_path):
    questions, scales = toy_questions("en")  # the samples were exported in English
    with codebook_of(tmp_path, questions, scales) as cb:
        frame = readers.read_export(sample, Audit())
        got = decoded(frame, cb)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), SPEC_RESPONSES.where(SPEC_RESPONSES.notna(), None))


@pytest.mark.parametrize("sample", ["data_kommunen_2026-02-12_10-00.csv", "data_kommunen_with-variable-annotation.csv"])
def test_sosci_download_gives_the_responses(sample, tmp_path):
    questions, scales = toy_questions("de")
    scales["toy_kind"]["codes"] = {"1": "Gemeinde", "2": "Stadt", "3": "Landkreis"}  # SoSci numbers its options
    with codebook_of(tmp_path, questions, scales) as cb:
        audit = Audit()
        frame = readers.read_export(FORMATS / "soscisurvey" / sample, audit)
        got = decoded(frame, cb)
    expected = SPEC_RESPONSES.assign(response_id=["41", "42", "43"], kind=["2", "1", "3"])
    expected.loc[1, "agree_i2"] = None  # -9: not answered
    expected["examples"] = expected["examples"].str.replace('"beliebt"\nE-Akte seit 2024', "beliebt", regex=False)
    expected = expected.astype(object)
    pd.testing.assert_frame_equal(got, expected.where(expected.notna(), None))
    notes = audit.frame()["reason"]
    assert notes.str.contains("UTF-16").any()
    assert notes.str.contains("Variablenbeschriftungen").any() == ("annotation" in sample)


@pytest.mark.parametrize("sample", ["msforms_en.xlsx", "msforms_de.xlsx"])
def test_forms_workbook_gives_the_responses(sample, tmp_path):
    questions, scales = toy_questions("de")
    with codebook_of(tmp_path, questions, scales) as cb:
        got = decoded(readers.read_export(FORMATS / "msforms" / sample, Audit()), cb)
    expected = SPEC_RESPONSES.copy()
    expected.loc[2] = ["3", True, "A3", 12.0, False, True, False, None, None, None]  # Forms: submitted responses
    expected.loc[1, ["offer_i1", "offer_i2", "offer_i3"]] = False
    pd.testing.assert_frame_equal(got, expected.where(expected.notna(), None))


# --- the questionnaire's structure -------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["old-layout_3x", "new-layout_5x6x"])
def test_lss_of_both_layouts_matches_its_codebook(layout, tmp_path):
    questions, scales = toy_questions("de")
    with codebook_of(tmp_path, questions, scales) as cb:
        found = structure.read_lss(FORMATS / "limesurvey" / f"limesurvey_survey_123456_{layout}.lss")
        lines = structure.diff(found, cb)
    assert lines[0].endswith("0 neu, 0 fehlen, 0 geändert, 5 gleich"), lines
    english = structure.read_lss(FORMATS / "limesurvey" / f"limesurvey_survey_123456_{layout}.lss", "en")
    assert english.questions[0].text == "Which type of local authority do you represent?"


@pytest.mark.slow
def test_lss_of_the_survey_round_trips_and_changes_show(tmp_path):
    path = simulate.write_lss(tmp_path / "survey.lss")
    assert structure.diff(structure.read_lss(path))[0].endswith("0 neu, 0 fehlen, 0 geändert, 22 gleich")
    text = path.read_text(encoding="utf-8")
    text = text.replace("<question>Hat Ihre Kommune eine Digitalisierungsstrategie?</question>",
                        "<question>Gibt es eine Digitalstrategie?</question>")  # fmt: skip
    text = text.replace("<answer>in Vorbereitung</answer>", "<answer>in Arbeit</answer>")
    text = text.replace("<title>A05</title>", "<title>A99</title>")
    path.write_text(text, encoding="utf-8")
    lines = structure.diff(structure.read_lss(path))
    assert lines[0].endswith("1 neu, 1 fehlen, 1 geändert, 20 gleich"), lines
    assert (
        "~ B03: Fragetext „Hat Ihre Kommune eine Digitalisierungsstrategie?“ → „Gibt es eine Digitalstrategie?“"
        in lines
    )
    assert "~ B03: Antwortoption 2: „in Vorbereitung“ → „in Arbeit“" in lines
    assert any(line.startswith("+ neu im Fragebogen: A99") for line in lines)
    assert "- fehlt im Fragebogen: A05 „Ihre Funktion“" in lines
    draft = yaml.safe_load(structure.draft(structure.read_lss(path)))
    b03 = next(q for q in draft["questions"] if q["id"] == "B03")
    assert b03["name"] == "strategy_status" and draft["scales"][b03["scale"]]["codes"]["2"] == "in Arbeit"
    assert codebook.Codebook(draft).by_name["strategy_status"].scale == b03["scale"]  # the draft loads


def test_sosci_variable_list_is_read():
    found = structure.read_sosci_variables(FORMATS / "soscisurvey" / "variables_kommunen.csv",
                                           FORMATS / "soscisurvey" / "values_kommunen.csv")  # fmt: skip
    by_id = {q.id: q for q in found.questions}
    assert by_id["KO01"].type == "single" and by_id["KO01"].options == {"1": "Gemeinde", "2": "Stadt", "3": "Landkreis"}
    assert by_id["DA01"].type == "multi" and [t for _, t in by_id["DA01"].items] == ["Online-Terminvergabe", "E-Akte",
                                                                                     "Bürgerportal"]  # fmt: skip
    assert by_id["DA02"].type == "likert" and len(by_id["DA02"].items) == 2


@pytest.mark.parametrize("content, message", [
    (b"not xml at all", "kein gültiges XML"),
    (b"<?xml version='1.0'?><document><LimeSurveyDocType>Label set</LimeSurveyDocType></document>", "LimeSurveyDocType"),
    (b"<?xml version='1.0'?><document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>", "ohne Fragen"),
])  # fmt: skip
def test_a_structure_file_that_is_not_one_is_refused_in_one_line(content, message, tmp_path):
    path = tmp_path / "survey.lss"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as exc:
        structure.read_lss(path)
    assert "\n" not in str(exc.value) and "survey.lss" in str(exc.value)


# --- every format the simulator writes, against the plain LimeSurvey export ---------------------------
def _simulated(folder: Path, fmt: str, options: dict | None = None) -> Path:
    export, truth_rows, truth = simulate.simulate(150, 7, fmt, None, options)
    path = folder / f"export{simulate.FORMATS[fmt]}"
    simulate.write_export(export, truth_rows, truth, path)
    return path


def _processed(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = clean.clean(path)
    return result.responses.set_index("response_id").sort_index(), result.audit


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> pd.DataFrame:
    return _processed(_simulated(tmp_path_factory.mktemp("plain"), "limesurvey"))[0]


def _outcomes_match_truth(path: Path, audit: pd.DataFrame) -> None:
    truth = pd.read_csv(config.truth_path(path), dtype=str, keep_default_na=False)
    dropped = audit[audit["column"] == "*"].set_index("response_id")["rule"].replace({"test_response": "test"})
    got = truth["response_id"].map(dropped).fillna("kept")
    assert (got == truth["expected_outcome"]).all(), truth[got != truth["expected_outcome"]]


@pytest.mark.slow
@pytest.mark.parametrize("fmt, differs", [
    ("limesurvey-sav", []), ("stata", []),
    ("forms", ["interview_time_s", "weight"]),  # whole seconds; the weights of fewer responses (no aborted ones)
    ("sosci", ["interview_time_s", "last_page"]),  # seconds per page as whole numbers; SoSci counts its own pages
    ("sosci-sav", ["interview_time_s", "last_page"]),
])  # fmt: skip
def test_each_format_gives_the_processed_data_of_the_plain_export(fmt, differs, plain, tmp_path):
    path = _simulated(tmp_path, fmt)
    got, audit = _processed(path)
    _outcomes_match_truth(path, audit)
    if fmt.startswith("sosci"):
        got.index = pd.Index((got.index.astype(int) - 100).astype(str), dtype=plain.index.dtype, name=plain.index.name)
    expected = plain.loc[got.index] if fmt == "forms" else plain  # Forms records submitted responses only
    assert sorted(got.index, key=int) == sorted(expected.index, key=int)
    pd.testing.assert_frame_equal(got.drop(columns=differs).loc[expected.index], expected.drop(columns=differs))
    assert not audit["rule"].isin(["unknown_column", "missing_column", "invalid_code"]).any()


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    {"headings": "full"}, {"headings": "codetext"}, {"answers": "full"}, {"headings": "full", "answers": "full"},
    {"convert": "1/2"}, {"convert": "1/0"}, {"participants": "yes"}, {"separator": ","},
])  # fmt: skip
def test_limesurvey_export_options_give_the_processed_data_of_the_plain_export(options, plain, tmp_path):
    path = _simulated(tmp_path, "limesurvey", options)
    got, audit = _processed(path)
    _outcomes_match_truth(path, audit)
    pd.testing.assert_frame_equal(got, plain)
    assert not audit["rule"].isin(["unknown_column", "missing_column", "invalid_code"]).any()


@pytest.mark.slow
def test_limesurvey_without_timings_keeps_speeders_and_says_so(plain, tmp_path):
    got, audit = _processed(_simulated(tmp_path, "limesurvey", {"timings": "no"}))
    off = audit[audit["rule"] == "rule_off"]
    assert off["column"].tolist() == ["interviewtime"] and "nicht erkannt" in off["reason"].iloc[0]
    truth = pd.read_csv(config.truth_path(tmp_path / "export.csv"), dtype=str)
    speeders = set(truth.loc[truth["expected_outcome"] == "speeder", "response_id"])
    assert speeders and set(got.index) - set(plain.index) == speeders
    same = plain.columns.drop(["interview_time_s", "weight"])  # weights follow the sample
    pd.testing.assert_frame_equal(got.drop(index=list(speeders))[same], plain[same])


@pytest.mark.slow
def test_limesurvey_without_date_stamps_resolves_duplicates_by_response_id_and_says_so(plain, tmp_path):
    got, audit = _processed(_simulated(tmp_path, "limesurvey", {"datestamp": "no"}))
    off = audit[audit["rule"] == "rule_off"]
    assert "1980-01-01" in off["reason"].iloc[0] and off["reason"].str.contains("höhere").any()
    assert got["submitted_at"].isna().all() and got["started_at"].isna().all()
    assert got["is_complete"].sum() == plain["is_complete"].sum()
    assert len(got) == len(plain)  # one response per municipality, chosen by completeness, then id


@pytest.mark.slow
def test_abbreviated_headings_that_collide_are_refused_naming_the_setting(tmp_path):
    with pytest.raises(InputError, match="Überschriften „Fragecode“") as exc:
        clean.clean(_simulated(tmp_path, "limesurvey", {"headings": "abbreviated"}))
    assert "Spalte mehrfach vorhanden" in str(exc.value) and "Wie viel Prozen.." in str(exc.value)


@pytest.mark.slow
def test_unknown_multiple_choice_values_are_logged_never_ticked(tmp_path):
    """ "Convert N to: X" with another letter: values the reader does not know are missing and
    logged; a column of nothing but unknown values stops the run, naming the setting."""
    path = _simulated(tmp_path, "limesurvey")
    table = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    column = "G03[SQ001]"
    table.loc[table.index[:3], column] = ["vielleicht", "Y", ""]
    table.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    result = clean.clean(path)
    logged = result.audit[(result.audit["rule"] == "invalid_code") & (result.audit["column"] == "helps_funding")]
    assert logged["old_value"].tolist() == ["vielleicht"]
    rid = table.loc[table.index[0], "id"]
    if rid in set(result.responses["response_id"]):
        assert pd.isna(result.responses.set_index("response_id").loc[rid, "helps_funding"])
    table[column] = np.where(table[column] == "Y", "J", np.where(table[column] == "", "X", table[column]))
    table.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    with pytest.raises(InputError, match="Mehrfachauswahl.*Y umwandeln"):
        clean.clean(path)
