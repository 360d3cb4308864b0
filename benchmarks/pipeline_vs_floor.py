"""Benchmark 1: `python -m analysis run` on the example against the floor, the same analysis
functions called once in one Python process without notebooks or kernels (every call the
notebooks make, in their order, the deck drawn but not exported as HTML); three times
alternating, medians compared. The floor runs single-threaded like the pipeline's kernels
(`analysis.config.SINGLE_THREADED`). Goal: ratio <= 1.5."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from statistics import median

from machine import runs_text, timed, write

from analysis import config

FLOOR = """
import sys
from pathlib import Path
import matplotlib; matplotlib.use("Agg")
from analysis import clean, config, examples, hypotheses, maturity, typology, weighting
from analysis.report import catalogue, deck, exports, plots, slides, tables
out = Path(sys.argv[1])
# 01_clean
result = clean.clean(config.EXAMPLE_RAW)
clean.save(result, out)
tables.cleaning_summary(result.audit)
# 02_weights
d = deck.load(out)
w, margins, responses = d.weighting, d.margins, d.everyone
slides.slide_sample_vs_register(d)
weighting.composition(w, margins)
weighting.composition(w, margins, "land")
weighting.margin_distances(w, responses, margins)
plots.png(plots.histogram(w.frame["weight"], title="Gewichte").figure)
weighting.weight_summary(w)
slides.slide_headlines(d)
slides.headline_table(d)
# 03_hypotheses
results = hypotheses.run(responses)
hypotheses.save(results, out)
slides.slide_maturity(d)
measures = maturity.measures(responses)
measures.describe(), measures.corr(method="spearman")
maturity.reliability(responses)
slides.coefficient_chart(results.table, ("ols",), result.provenance, title="OLS")
slides.coefficient_chart(results.table, ("logit", "ordinal"), result.provenance, title="Logit")
hypotheses.model_summary(results, "H1")
hypotheses.sensitivity(responses)
slides.verdict_table(results.table)
# 04_typology
types = typology.fit(responses)
typology.save(types, responses, out)
typology.k_choice(types)
typology.stability(responses, types)
typology.planted_check(types, responses, result.provenance, config.EXAMPLE_RAW)
typology.profiles(responses, types.members)
# 06_examples
catalogue.write(examples.run(out), out.parent / "reports")
# 07_export
exports.write_all(out)
exports.listing(out)
exports.sav_labels(out)
# 90_briefing, national deck
d = deck.load(out)
slides.title(d)
for slide in (slides.key_points, slides.slide_sample_vs_register, slides.slide_headlines,
              slides.slide_importance, slides.slide_obstacles, slides.slide_offers,
              slides.slide_offer_effects, slides.slide_maturity, slides.slide_verdicts,
              slides.slide_types_overview, slides.slide_examples, slides.methods,
              slides.headline_table, slides.hypotheses_table, slides.weight_table,
              slides.completion_table):
    slide(d)
slides.shares_table(d, "E01", ["starkes Hemmnis", "sehr starkes Hemmnis"])
slides.shares_table(d, "D01", ["in Betrieb"])
for column in ("land_code", "unit_type", "size_class"):
    slides.slide_respondents(d, column, title=column)
for position in range(len(typology.SIGNATURES)):
    slides.slide_type(d, position)
for slide in (slides.slide_example_topics, slides.slide_exchange):
    slide(d)
"""


REPEATS = 3


def main() -> None:
    pipelines, floors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(REPEATS):  # alternating, so that both see the same machine state
            out = Path(tmp) / str(i)
            pipelines.append(timed([sys.executable, "-m", "analysis", "run", "--out", str(out / "p" / "processed"),
                                    "--reports", str(out / "p" / "reports")]))  # fmt: skip
            (out / "f" / "processed").mkdir(parents=True)
            floors.append(timed([sys.executable, "-c", FLOOR, str(out / "f" / "processed")],
                                env={**config.SINGLE_THREADED, **os.environ}))  # fmt: skip
    pipeline, floor = median(pipelines), median(floors)
    ratio = pipeline / floor
    table = ("| what | median wall time | runs | goal |\n|---|---:|---|---|\n"
             f"| `python -m analysis run` (6 notebooks, national deck) | {pipeline:.1f} s | {runs_text(pipelines)} | |\n"
             f"| floor: same functions, one process | {floor:.1f} s | {runs_text(floors)} | |\n"
             f"| ratio | {ratio:.2f} | | ≤ 1,5 {'erreicht' if ratio <= 1.5 else 'verfehlt'} |")  # fmt: skip
    write("pipeline_vs_floor", "Pipeline against its floor", table)


if __name__ == "__main__":
    main()
