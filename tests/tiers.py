"""The test tiers' one knob besides markers: how many examples a Hypothesis test draws.

`make test` draws each property test's full count. `make test-fast` (the inner loop) sets
OUTCOMES_TEST_TIER=fast and draws a tenth of it, at least two: the same properties, checked on
fewer random cases, so the loop stays short while CI keeps the full search. A property test
that draws several cases inside one example (windows over one set of records) counts those
with `examples` too. A test parametrized over a fixed list of cases, each checking a product of
options, checks a part of the options per case in the fast tier (`spread`), so that the cases
together still cover every option."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

FAST = os.environ.get("OUTCOMES_TEST_TIER") == "fast"


def examples(full: int) -> int:
    """`full` in the whole suite; a tenth of it (at least 2) in the fast tier."""
    return max(2, full // 10) if FAST else full


SPREAD = 4  # the fast tier's share of a spread list: one item in four


def spread(items: Sequence[T], part: int) -> list[T]:
    """All of `items` in the whole suite; in the fast tier every fourth, starting at `part`.
    Parametrized cases pass their own index as `part`, so that four or more cases together
    still check every item."""
    return list(items[part % SPREAD::SPREAD]) if FAST else list(items)
