"""One codebook drives everything: a question added to a copy of the codebook is simulated, read,
cleaned, validated, exported and documented, with no change to the code."""

import json
import os
import subprocess
import sys

import pandas as pd
import pyreadstat
import pytest
import yaml

from analysis import config

pytestmark = pytest.mark.slow  # simulates, cleans and exports whole surveys

NEW_QUESTIONS = [
    {"id": "B07", "name": "open_source_policy", "type": "single", "scale": "yes_no", "page": 2,
     "label_de": "Open-Source-Strategie vorhanden", "label_en": "Open-source policy in place",
     "text_de": "Hat Ihre Kommune eine Open-Source-Strategie?"},
    {"id": "B08", "name": "cloud_use", "type": "multi", "scale": "checked", "page": 2,
     "label_de": "Genutzte Cloud-Dienste", "label_en": "Cloud services used",
     "text_de": "Welche Cloud-Dienste nutzen Sie? (Mehrfachauswahl)",
     "items": [{"key": "office", "sq": "SQ001", "label_de": "Bürosoftware", "label_en": "Office software"},
               {"key": "storage", "sq": "SQ002", "label_de": "Speicher", "label_en": "Storage"}]},
    {"id": "C02", "name": "digital_skills", "type": "likert", "scale": "importance", "page": 3,
     "label_de": "Digitale Kompetenz der Beschäftigten", "label_en": "Digital skills of staff",
     "text_de": "Wie hoch schätzen Sie die digitale Kompetenz Ihrer Beschäftigten ein?"},
]  # fmt: skip

#: Every step in one process started with the extended codebook (`ANALYSIS_CODEBOOK` is read at
#: import): the command line's `simulate` and `clean` for both formats, then the analysis steps.
SCRIPT = """
import sys
from pathlib import Path
from analysis.__main__ import main
from analysis import clean, hypotheses, typology
from analysis.report import codebook_document, exports
tmp = Path(sys.argv[1])
for fmt, suffix in (("limesurvey", "csv"), ("forms", "xlsx")):
    for args in (["simulate", "--n", "80", "--seed", "5", "--format", fmt, "--out", str(tmp / f"{fmt}.{suffix}")],
                 ["clean", "--raw", str(tmp / f"{fmt}.{suffix}"), "--out", str(tmp / fmt / "processed")]):
        if main(args) != 0:
            sys.exit(f"{args[0]} {fmt} failed")
processed = tmp / "limesurvey" / "processed"
responses, _, _ = clean.load_processed(processed)
hypotheses.save(hypotheses.run(responses, mice=False), processed)
typology.save(typology.fit(responses), responses, processed)
exports.write_all(processed)
(tmp / "codebook.md").write_text(codebook_document.markdown(), encoding="utf-8")
"""


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    """A codebook with three more questions, and a run of every step on an export simulated from it."""
    tmp = tmp_path_factory.mktemp("codebook")
    cb = yaml.safe_load(config.CODEBOOK.read_text(encoding="utf-8"))
    cb["questions"][5:5] = NEW_QUESTIONS  # after A05, before section B's first question
    path = tmp / "codebook.yaml"
    path.write_text(yaml.safe_dump(cb, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "ANALYSIS_CODEBOOK": str(path), "ANALYSIS_PROCESSED": str(tmp / "unused")}

    subprocess.run([sys.executable, "-c", SCRIPT, str(tmp)], check=True, env=env, capture_output=True, text=True)
    return tmp


def test_new_questions_are_simulated_in_each_format(extended):
    lime = pd.read_csv(extended / "limesurvey.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert {"B07", "B08[SQ001]", "B08[SQ002]", "C02"} <= set(lime.columns)
    assert set(lime["B07"].dropna()) <= {"1", "2"} and lime["B07"].notna().any()
    forms = pd.read_excel(extended / "forms.xlsx", dtype=str, engine="openpyxl")
    assert {
        "Hat Ihre Kommune eine Open-Source-Strategie?",
        "Welche Cloud-Dienste nutzen Sie? (Mehrfachauswahl)",
    } <= set(forms.columns)


@pytest.mark.parametrize("fmt", ["limesurvey", "forms"])
def test_new_questions_are_cleaned_and_validated(extended, fmt):
    responses = pd.read_parquet(extended / fmt / "processed" / config.RESPONSES_FILE)
    assert list(responses["open_source_policy"].cat.categories) == ["ja", "nein"]
    assert responses["open_source_policy"].notna().sum() > 40
    assert str(responses["cloud_use_office"].dtype) == "boolean" and responses["cloud_use_office"].any()
    assert str(responses["digital_skills"].dtype) == "Int8" and responses["digital_skills"].between(1, 5).all()
    audit = pd.read_parquet(extended / fmt / "processed" / config.AUDIT_FILE)
    assert not audit["rule"].isin(["missing_column", "unknown_column"]).any()
    provenance = json.loads((extended / fmt / "processed" / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["n_clean"] == len(responses)


def test_new_questions_are_exported_with_labels(extended):
    export = extended / "limesurvey" / "processed" / config.EXPORT_DIR
    csv = pd.read_csv(export / "kommunen_digital.csv", dtype=str)
    assert {"open_source_policy", "cloud_use_office", "cloud_use_storage", "digital_skills"} <= set(csv.columns)
    _, meta = pyreadstat.read_sav(str(export / "kommunen_digital.sav"), metadataonly=True)
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["open_source_policy"] == "Open-Source-Strategie vorhanden"
    assert meta.variable_value_labels["open_source_policy"] == {1.0: "ja", 2.0: "nein"}
    assert meta.variable_value_labels["digital_skills"][5.0] == "sehr hoch"


def test_new_questions_are_documented(extended):
    doc = (extended / "codebook.md").read_text(encoding="utf-8")
    assert "### B07 Open-Source-Strategie vorhanden" in doc
    assert (
        "| `cloud_use_storage` | Speicher | `B08[SQ002]` | Welche Cloud-Dienste nutzen Sie? (Mehrfachauswahl) |" in doc
    )
    assert "`digital_skills`" in doc and "Hat Ihre Kommune eine Open-Source-Strategie?" in doc
