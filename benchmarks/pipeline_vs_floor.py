"""Benchmark 1: `python -m analysis run` on the example against the floor, the same analysis
functions called once in one Python process without notebooks or kernels; three times
alternating, medians compared. Goal: ratio <= 1.5."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from statistics import median

from machine import runs_text, timed, write

FLOOR = """
import sys
from pathlib import Path
import matplotlib; matplotlib.use("Agg")
from IPython import display as ipd
from analysis import briefing, clean, config, exports, hypotheses, typology
out = Path(sys.argv[1])
result = clean.clean(config.EXAMPLE_RAW)
clean.save(result, out)
d = briefing.load(out)
results = hypotheses.run(result.responses)
hypotheses.save(results, out)
types = typology.fit(result.responses)
typology.save(types, result.responses, out)
typology.stability(result.responses, types)
exports.write_all(out)
briefing.display = lambda *a, **k: None  # every slide computed and drawn, nothing shown
d = briefing.load(out)
for slide in (briefing.key_points, briefing.slide_sample_vs_register, briefing.slide_headlines,
              briefing.slide_importance, briefing.slide_obstacles, briefing.slide_offers,
              briefing.slide_offer_effects, briefing.slide_maturity, briefing.slide_verdicts,
              briefing.slide_types_overview, briefing.slide_examples):
    slide(d)
for column in ("land_code", "unit_type", "size_class"):
    briefing.slide_respondents(d, column, title=column)
for name in typology.SIGNATURES:
    briefing.slide_type(d, name)
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
            floors.append(timed([sys.executable, "-c", FLOOR, str(out / "f" / "processed")]))
    pipeline, floor = median(pipelines), median(floors)
    ratio = pipeline / floor
    table = ("| what | median wall time | runs | goal |\n|---|---:|---|---|\n"
             f"| `python -m analysis run` (6 notebooks, national deck) | {pipeline:.1f} s | {runs_text(pipelines)} | |\n"
             f"| floor: same functions, one process | {floor:.1f} s | {runs_text(floors)} | |\n"
             f"| ratio | {ratio:.2f} | | ≤ 1,5 {'erreicht' if ratio <= 1.5 else 'verfehlt'} |")  # fmt: skip
    write("pipeline_vs_floor", "Pipeline against its floor", table)


if __name__ == "__main__":
    main()
