"""Briefing decks: self-contained, one per Land with an index, suppression of small subgroups,
escaped free text, consent-aware quotes, contrast, byte-identical re-runs."""

from __future__ import annotations

import html
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from analysis import codebook, config, examples, fmt, pipeline, plan, settings, weighting
from analysis.report import deck, plots, reveal, slides
from tests.deck_helpers import LAENDER, expected_slides, land_decks, slides_html, subgroup_decks
from tests.test_examples import MARGINS


# --- on the pipeline's output --------------------------------------------------------------------
def test_one_deck_per_land_and_an_index_linking_them(pipeline_run):
    root, html, _ = pipeline_run
    decks = land_decks(root)
    assert len(decks) == 16
    assert sorted(int(stem[:2]) for stem in decks) == list(range(1, 17))
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) == 1 + len(subgroup_decks(root)) + 2 and links[0] == plan.BRIEFING_HTML
    assert links[-2:] == [
        f"{config.EXAMPLES_DIR}/{config.CATALOGUE_HTML}",
        f"{config.EXAMPLES_DIR}/{config.EXCHANGE_XLSX}",
    ]
    assert {f"land/{p.name}" for p in decks.values()} <= set(links)
    assert all((root / "reports" / link).is_file() for link in links)
    for land in LAENDER:
        assert f">{land}</a>" in index
    assert "SIMULIERTE DATEN" in index


@pytest.mark.parametrize("land", ["Hamburg", "Bremen", "Berlin"])
def test_a_land_with_fewer_than_three_responses_shows_a_notice_and_no_figures(pipeline_run, land):
    root, _, _ = pipeline_run
    responses = pd.read_parquet(root / "processed" / config.RESPONSES_FILE)
    n = int((responses["land_code"].astype(object) == land).sum())
    assert n < settings.MIN_CELL_N  # the example has 0 or 1 of these
    text = next(p for p in land_decks(root).values() if land.lower() in p.stem).read_text(encoding="utf-8")
    slides = slides_html(text)
    assert "werden zum Schutz der Antwortenden nicht ausgewiesen" in slides
    assert "<img" not in slides and "<table" not in slides.split("Anhang A6")[0]
    assert slides_html(text).count("<section><section") == expected_slides(suppressed=True)
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert re.search(rf">{land}</a></td><td class=\"num\">unter 3</td><td>zu wenige Antworten", index)
    assert f"{land}: weniger als 3 Kommunen haben geantwortet" in slides and f"{n} Kommune" not in slides


def test_a_land_deck_shows_only_its_land(pipeline_run):
    root, _, _ = pipeline_run
    responses = pd.read_parquet(root / "processed" / config.RESPONSES_FILE)
    n = int((responses["land_code"].astype(object) == "Bayern").sum())
    text = land_decks(root)["09-bayern"].read_text(encoding="utf-8")
    assert f"<strong>{n} Kommunen</strong> ausgewertet (von {len(responses)} insgesamt)" in text
    assert f"Bayern · n = {n} Kommunen" in text
    assert "Die meisten Antworten kommen aus" not in text  # the Land slide is left out of a Land deck
    omissions = "Nicht ausgewiesen: zu wenige Antworten" in text
    assert slides_html(text).count("<section><section") == expected_slides(False, left_out=2 - omissions)


def test_decks_are_self_contained(pipeline_run):
    root, html, _ = pipeline_run
    for path in [html, *land_decks(root).values(), root / "reports" / "index.html"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text), path.name
        assert not re.search(r"@import\s+url\(\s*['\"]?(?:https?:)?//", text), path.name
        for cdn in ("unpkg.com", "cdnjs", "cdn.jsdelivr", "fonts.googleapis", "require.min.js", "mathjax"):
            assert cdn not in text.lower(), (path.name, cdn)
    text = html.read_text(encoding="utf-8")
    assert "reveal.js 5.2.0" in text and "Reveal.initialize" in text
    assert text.count("data:font/woff;base64,") == 3


def test_national_deck_lists_every_part_of_the_briefing(pipeline_run):
    text = pipeline_run[1].read_text(encoding="utf-8")
    for heading in ("Das Wichtigste in Kürze", "Die meisten Antworten kommen aus", "Unterrepräsentiert: ",
                    "Gewichtet ändert sich am meisten: ", "Stellenwert</h2>", "<h2>Am stärksten bremst: ",
                    "<h2>Am häufigsten in Betrieb: ", "<h2>Größte Wirkung auf die Lebensqualität: ",
                    "<h2>Digitaler Reifegrad: im Median", "vorab festgelegten Hypothesen bestätigt</h2>",
                    "<h2>Häufigster Kommunentyp: ", "<h2>Gute Beispiele aus der Praxis: ",
                    "Hinweise zur Methode", "Anhang A1", "Anhang A6"):  # fmt: skip
        assert heading in text, heading
    assert "Nicht ausgewiesen: zu wenige Antworten" not in text  # nothing is left out nationally
    assert "Feldzeit: 1. Februar 2027 bis" in text and "Gebietsstand 31. Dezember 2024" in text
    assert re.search(r"\d+\u00a0%", text)  # German percent with a no-break space
    assert slides_html(text).count("<section><section") == expected_slides(False, left_out=1)


def test_quotes_name_only_consenting_municipalities(pipeline_run):
    root, html, _ = pipeline_run
    text = html.read_text(encoding="utf-8")
    responses = pd.read_parquet(root / "processed" / config.RESPONSES_FILE)
    d = deck.load(root / "processed")
    consent = d.consented
    quotes = examples.quotes(responses, consent, d.coding, d.margins)
    cites = re.findall(r"<cite>– (.*?)</cite>", text)
    assert 1 <= len(quotes) <= examples.MAX_QUOTES and len(cites) == len(quotes)
    assert quotes["named"].any() and not quotes["named"].all()  # the example has both
    quoted = responses[responses["good_example_text"].astype("string").str.strip().isin(quotes["text"])]
    for row in quoted[~quoted["response_id"].astype(str).isin(consent)].itertuples():
        for name in (row.register_name, row.municipality_name):
            if isinstance(name, str):
                assert not any(name.split(",")[0] in c for c in cites), name


def test_free_text_is_escaped(injected_deck):
    text = injected_deck.read_text(encoding="utf-8")
    assert "window.__injected" in text  # the answer is shown ...
    assert "<script>window.__injected" not in text and '<img src="x"' not in text  # ... as text
    assert "&lt;script&gt;window.__injected = 1&lt;/script&gt;&lt;img" in text and "Bürgerportal &amp; Co." in text
    assert "<b onmouseover" not in text


# --- units ---------------------------------------------------------------------------------------
def test_html_table_escapes_every_cell():
    table = pd.DataFrame({"Name": ["<b>x</b>", "A & B"], "n": ["1.234", None]})
    out = slides.html_table(table, numeric=("n",))
    assert "<b>x</b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out and "A &amp; B" in out
    assert '<td class="num">1.234</td>' in out and '<td class="num"></td>' in out


def _quote_frame() -> pd.DataFrame:
    text = "Unser Serviceportal bietet über 80 Leistungen online an, rund um die Uhr."
    return pd.DataFrame({
        "response_id": ["1", "2", "3", "4"],
        "good_example_text": [text, "Gebühren werden seit letztem Jahr per ePayment bezahlt, ganz ohne Bargeld.", "zu kurz", None],
        "register_name": ["Kiel, Landeshauptstadt", None, "Ulm", "Bonn"],
        "municipality_name": ["Kiel", "Geheimhausen", "Ulm", "Bonn"],
        "land_code": ["Schleswig-Holstein", "Bayern", "Baden-Württemberg", "Nordrhein-Westfalen"],
        "unit_type": ["kreisfreie Stadt", "kreisangehörige Stadt oder Gemeinde", "kreisfreie Stadt", "kreisfreie Stadt"],
        "size_class": ["100.000 bis unter 500.000", "unter 2.000", "100.000 bis unter 500.000", "100.000 bis unter 500.000"],
        **{v.name: None for v in codebook.load().question("D01")}, "ozg_online_pct": None,
    })  # fmt: skip


@pytest.mark.parametrize(
    "consented, named, anonymous",
    [
        (frozenset({"1"}), ["Kiel, Landeshauptstadt (Schleswig-Holstein)"], ["Geheimhausen"]),
        (frozenset({"2"}), ["Geheimhausen (Bayern)"], ["Kiel"]),
        (frozenset(), [], ["Kiel", "Geheimhausen"]),
        (frozenset({"1", "2"}), ["Kiel, Landeshauptstadt (Schleswig-Holstein)", "Geheimhausen (Bayern)"], []),
    ],
)
def test_quotes_are_named_only_with_consent(consented, named, anonymous):
    frame = _quote_frame()
    quotes = examples.quotes(frame, consented, examples.code(frame), MARGINS)
    assert len(quotes) == 2  # too short and empty answers are not quoted
    wer = slides.quote_sources(quotes)
    assert sorted(wer[quotes["named"]]) == sorted(named)
    for name in anonymous:
        assert not wer.str.contains(name).any()
    assert wer[~quotes["named"]].str.startswith("ohne Namen: ").all()


def test_subgroup_values_cover_every_land_and_size_class():
    members = pd.Series(["Optimierer", "Bedächtige", "keinem Typ zuzuordnen"])
    assert deck.subgroup_values("land", members) == LAENDER
    assert deck.subgroup_values("size", members) == codebook.load().size_class["labels"]
    assert deck.subgroup_values("type", members) == ["Bedächtige", "Optimierer", "keinem Typ zuzuordnen"]


@pytest.mark.parametrize("text, expected", [("Baden-Württemberg", "baden-wuerttemberg"),
                                            ("100.000 bis unter 500.000", "100-000-bis-unter-500-000"),
                                            ("Kommunentyp „Bedächtige“", "kommunentyp-bedaechtige")])  # fmt: skip
def test_slug(text, expected):
    assert pipeline.slug(text) == expected


def test_chart_colours_contrast_with_white():
    assert all(plots.contrast(c, "white") >= 3 for c in plots.PALETTE)  # graphical objects, WCAG 1.4.11
    assert plots.contrast(plots.SEGMENT_EDGE, "white") >= 3


def test_deck_text_colours_contrast_with_their_background():
    css = (reveal.TEMPLATES / "briefing" / "deck.css").read_text(encoding="utf-8")
    colours = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", css))
    colours |= set(re.findall(r"--r-(?:main|heading|link)-color:\s*(#[0-9a-fA-F]{6})", css))
    assert len(colours) >= 4
    for background in ("#ffffff", "#fff4d6", "#fde8e6", "#f2f2f2"):
        for c in colours - {"#ffffff"}:
            assert plots.contrast(c, background) >= 4.5, (c, background)


# --- domain estimates ----------------------------------------------------------------------------
def test_domain_shares_are_the_weighted_shares_within_the_domain(cleaned):
    responses = cleaned.responses
    w = weighting.weight(responses, cleaned.margins)
    domain = responses["land_code"].astype(object) == "Bayern"
    shares = weighting.headline_shares(responses, w, domain=domain, totals=None)
    h = codebook.load().headlines[0]
    data = w.design.data[domain.reindex(w.design.data.index).to_numpy()]
    y = weighting.indicator(data[h.column], h.holds)
    keep = y.notna()
    expected = np.average(y[keep], weights=data.loc[keep, "weight"])
    row = shares.set_index("indicator").loc[h.key]
    assert row["municipalities_estimate"] == pytest.approx(expected)
    assert row["n"] == weighting.indicator(responses.loc[domain, h.column], h.holds).notna().sum()
    assert np.isnan(row["residents_estimate"])  # no inhabitants given for the domain: not estimable


# --- slides as HTML ----------------------------------------------------------------------------------
SLIDES = ["title", "key_points", "methods", "slide_sample_vs_register", "slide_headlines", "slide_importance",
          "slide_obstacles", "slide_offers", "slide_offer_effects", "slide_maturity", "slide_verdicts",
          "slide_types_overview", "slide_example_topics", "slide_examples", "slide_exchange"]  # fmt: skip


@pytest.mark.parametrize("by, value", [(None, None), ("land", "Bremen")])
def test_every_slide_returns_html_with_figures_only_where_allowed(pipeline_run, by, value):
    root, _, _ = pipeline_run
    d = deck.load(root / "processed", by=by, value=value)
    for name in SLIDES:
        out = getattr(slides, name)(d)
        assert isinstance(out, slides.HTML) and out.data.strip().startswith("<"), name
        if d.suppressed and name not in ("title", "methods", "slide_verdicts"):  # verdicts: always national
            assert "<img" not in out.data and "zum Schutz der Antwortenden" in out.data, name
    assert d.suppressed == (by is not None)  # Bremen has fewer than 3 responses in the example


def test_briefing_notebook_has_one_steckbrief_slide_per_kommunentyp():
    nb = nbformat.read(config.NOTEBOOKS / plan.BRIEFING_NOTEBOOK, as_version=4)
    calls = [c.source for c in nb.cells if "slides.slide_type(" in c.source]
    assert [c.split(",")[1].strip() for c in calls] == [
        str(i) for i in range(len(codebook.load().kommunentyp["types"]))
    ]


# --- headings that state the finding, true in every deck ---------------------------------------------
def _headings(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", slides_html(text))]


def _strongest_obstacle(responses: pd.DataFrame) -> tuple[set[str], str]:
    """Independently of the slides: the E01 items with the largest share of answers 4 or 5."""
    shares = {}
    for v in codebook.load().question("E01"):
        answers = pd.to_numeric(responses[v.name].astype("string"), errors="coerce").dropna()
        if len(answers) >= settings.MIN_CELL_N:
            shares[v.item_label_de] = fmt.percent((answers >= 4).mean())
    top = max(shares.items(), key=lambda kv: int(kv[1].split("\u00a0")[0]))[1]
    return {k for k, v in shares.items() if v == top}, top


def test_obstacle_heading_is_true_in_every_deck_it_appears_in(pipeline_run):
    root, html_path, _ = pipeline_run
    responses = pd.read_parquet(root / "processed" / config.RESPONSES_FILE)
    decks = {html_path: responses}
    for path in land_decks(root).values():
        land = next(v for v in LAENDER if pipeline.slug(v) == path.stem[3:])
        decks[path] = responses[responses["land_code"].astype(object) == land]
    checked = 0
    for path, rows in decks.items():
        heading = next(
            (h for h in _headings(path.read_text(encoding="utf-8")) if h.startswith("Am stärksten bremst")), None
        )
        if len(rows) < settings.MIN_CELL_N:
            assert heading is None, path.name
            continue
        items, share = _strongest_obstacle(rows)
        named = heading.removeprefix("Am stärksten bremst: ").split(" – ")[0]
        if len(items) > slides.MAX_NAMED:
            assert named == f"{len(items)} Hemmnisse gleichauf", (path.name, heading, items)
        else:
            labels = [v.item_label_de for v in codebook.load().question("E01")]
            assert {label for label in labels if label in named} == items, (path.name, heading, items)
        assert share in heading, (path.name, heading, share)
        checked += 1
    assert checked >= 10


def test_suppressed_decks_leak_no_figures_in_headings_and_subgroup_decks_have_no_padding(pipeline_run):
    root, _, _ = pipeline_run
    for path in subgroup_decks(root):
        text = path.read_text(encoding="utf-8")
        shown = slides_html(text)
        assert "Dieser Foliensatz zeigt nur" not in shown and "dieses Typs: nicht ausgewiesen" not in shown, path.name
        assert shown.count("Nicht ausgewiesen: zu wenige Antworten") <= 1, path.name
        assert 'class="omitted"' not in shown, path.name
        if "zum Schutz der Antwortenden nicht ausgewiesen" in shown:  # a suppressed subgroup
            for heading in _headings(text):
                assert "%" not in heading and not re.search(r"\d+ (von|Kommunen)", heading), (path.name, heading)
    typed = (root / "reports" / "type").glob("*.html")
    for path in typed:  # a type's deck has its own Steckbrief only
        assert len(re.findall(r"<h2>Typ „", slides_html(path.read_text(encoding="utf-8")))) <= 1, path.name


def test_appendix_shows_no_internal_names_and_p_values_as_readers_write_them(pipeline_run):
    text = slides_html(pipeline_run[1].read_text(encoding="utf-8"))
    for internal in ("log_staff_per_10k", "cooperation_institutionalised", ":small", ">ols<", ">ordinal<", ">logit<"):
        assert internal not in text, internal
    assert "&lt; 0,001" in text and "-0,00" not in text and "-0\u00a0%" not in text


def test_a_run_removes_decks_its_index_no_longer_links(tmp_path):
    """A run's reports replace the last run's whole: decks and index of an earlier run with
    subgroups are gone after a national run."""
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    for files in (["briefing.html", "index.html", "land/09-bayern.html", "type/01-optimierer.html"], ["briefing.html"]):
        with pipeline.run_folder(processed) as folder:
            for rel in files:
                (folder / "reports" / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / "reports" / rel).write_text("deck", encoding="utf-8")
            (folder / "processed").mkdir()
            pipeline.commit(folder, processed, reports)
        assert sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.html")) == sorted(files)
