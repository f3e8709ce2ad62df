"""`page_parts.concurrently`: a page's independent parts run at once, their results in order,
each with the calling thread's context (the request and the signed-in user live there)."""

from __future__ import annotations

import contextvars
import threading

import pytest

from dashboard.page_parts import concurrently

WHO = contextvars.ContextVar("who", default="nobody")


def test_results_in_order_each_call_once_with_the_callers_context():
    WHO.set("alice")
    seen = []
    barrier = threading.Barrier(3, timeout=10)  # all three running at the same time

    def part(i):
        def run():
            barrier.wait()
            seen.append(i)
            return (i, WHO.get())
        return run

    assert concurrently(part(0), part(1), part(2)) == [(0, "alice"), (1, "alice"), (2, "alice")]
    assert sorted(seen) == [0, 1, 2]
    assert concurrently() == [] and concurrently(lambda: 5) == [5]


def test_an_error_in_a_part_reaches_the_caller():
    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        concurrently(lambda: 1, boom)
