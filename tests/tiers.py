"""The test tiers' one knob besides markers: how many examples a Hypothesis test draws.

`make test` draws each property test's full count. `make test-fast` (the inner loop) sets
OUTCOMES_TEST_TIER=fast and draws a tenth of it, at least two: the same properties, checked on
fewer random cases, so the loop stays short while CI keeps the full search. A property test
that draws several cases inside one example (windows over one set of records) counts those
with `examples` too."""

from __future__ import annotations

import os

FAST = os.environ.get("OUTCOMES_TEST_TIER") == "fast"


def examples(full: int) -> int:
    """`full` in the whole suite; a tenth of it (at least 2) in the fast tier."""
    return max(2, full // 10) if FAST else full
