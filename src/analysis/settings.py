"""Thresholds and limits of the analysis: every number a reviewer may want to question, in one place."""

from __future__ import annotations

#: An export larger than this is refused before reading (the survey's real export is a few MB).
MAX_EXPORT_BYTES = 500 * 2**20
#: Free-text answers longer than this are cut (logged): a pasted document is not an example.
MAX_FREE_TEXT_CHARS = 5000
#: Values in the audit table are cut to this length before anything else reads them: a pasted
#: document in a number field is evidence enough in its first characters, and the privacy
#: patterns stay fast.
MAX_LOGGED_CHARS = 500

#: Subgroup results with fewer responding municipalities than this are suppressed.
MIN_CELL_N = 3
#: Raking categories with fewer respondents than this are pooled with others before weighting.
RAKING_MIN_CELL_N = 5

#: A complete response faster than this fraction of the median complete time is a speeder.
SPEEDER_FRACTION_OF_MEDIAN = 0.3
#: Question grids on which identical answers to every item mark a straight-liner.
STRAIGHTLINING_GRIDS = ("E01", "F01")
#: Words in a municipality name that mark a test response.
TEST_NAME_WORDS = frozenset(
    {"test", "testeingabe", "testkommune", "testgemeinde", "asdf", "dummy", "xxx", "qwertz", "loeschen"}
)
