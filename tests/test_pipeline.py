"""The whole pipeline on the bundled example: notebooks run, the briefing says what it shows."""

import re

import pandas as pd
import pytest

from analysis import config, files, plan
from tests.deck_helpers import slides_html


@pytest.fixture(scope="module")
def run(pipeline_run):
    return pipeline_run


def test_briefing_is_written_and_says_the_data_are_simulated(run):
    _, html, _ = run
    text = html.read_text(encoding="utf-8")
    assert "SIMULIERTE DATEN" in text
    assert "simulierte Daten" in text  # every chart caption
    assert "Am stärksten bremst: " in text and "Am häufigsten in Betrieb: " in text
    assert '<html lang="de">' in text


def test_briefing_compares_sample_register_and_weighted_shares(run):
    root, html, _ = run
    processed = root / "processed"
    text = html.read_text(encoding="utf-8")
    assert "Unterrepräsentiert: " in text and "Anteil der Einwohner" in text
    assert "Anteil der Kommunen" in text and "Gebietsstand 31. Dezember 2024" in text
    assert "Statistisches Bundesamt (Destatis)" in text  # the register's source line
    responses = pd.read_parquet(processed / "responses.parquet")
    assert responses["weight"].notna().all() and responses["weight"].sum() > len(responses)


def test_briefing_has_a_steckbrief_per_kommunentyp(run):
    root, html, _ = run
    text = html.read_text(encoding="utf-8")
    for name in ("Bedächtige", "Optimierer", "Serviceorientierte", "Community Manager"):
        assert f"Typ „{name}“" in text and f"Zielwichtigkeit für {name}" in text
    members = pd.read_parquet(root / "processed" / config.TYPES_FILE)
    assert set(members["kommunentyp"]) == {"Bedächtige", "Optimierer", "Serviceorientierte", "Community Manager"}


def test_briefing_shows_maturity_and_hypothesis_verdicts(run):
    root, html, _ = run
    text = html.read_text(encoding="utf-8")
    assert "Digitaler Reifegrad: im Median" in text and "Was hängt mit dem Reifegrad zusammen?" in text
    results = pd.read_parquet(root / "processed" / config.RESULTS_FILE)
    for row in results.itertuples():
        assert row.statement_de in text and row.verdict_de in text


def test_briefing_shows_no_code(run):
    text = run[1].read_text(encoding="utf-8")
    assert "load_processed" not in text and "slides.slide_" not in text
    assert 'class="highlight hl-ipython3"' not in text and "from analysis import" not in text


def test_every_chart_has_alt_text_and_n(run):
    text = slides_html(run[1].read_text(encoding="utf-8"))
    images = re.findall(r"<img [^>]*>", text)
    assert len(images) >= 6
    assert all('alt="' in img and "No description" not in img for img in images)
    assert text.count("n = ") >= len(images)


def test_small_groups_are_suppressed(run):
    text = run[1].read_text(encoding="utf-8")
    assert "weniger als 3 Kommunen unterdrückt" in text


def test_outputs_land_where_the_readme_says(run):
    root, html, before = run
    assert html == root / "reports" / plan.BRIEFING_HTML
    for name in (config.RESPONSES_FILE, config.AUDIT_FILE, config.AUDIT_CSV, "provenance.json"):
        assert (root / "processed" / name).is_file()
    assert (root / "reports" / "executed" / "01_clean.ipynb").is_file()
    assert files.sha256(config.EXAMPLE_RAW) == before
    assert not list((root / "reports").glob(".*.tmp"))
