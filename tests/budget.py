"""How many random examples a property test draws: as written in `make test`, at most
`FAST_EXAMPLES` in `make test-fast` (ANALYSIS_TEST_FAST=1), the edit loop."""

import os

FAST_EXAMPLES = 20


def examples(n: int) -> int:
    return min(n, FAST_EXAMPLES) if os.environ.get("ANALYSIS_TEST_FAST") else n
