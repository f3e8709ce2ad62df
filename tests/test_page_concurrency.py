"""`page_parts.concurrently`: a page's independent parts run at once, their results in order,
each with the calling thread's context (the request and the signed-in user live there); a
frame that threads ask for at once is computed once (`Warehouse._cached`); a page's chart data
once per request, fetched ahead (`PageContext.data`, `PageContext.prefetch`)."""

from __future__ import annotations

import contextvars
import threading

import pandas as pd
import pytest

from charts.registry import chart_data, charts_for
from dashboard.page_parts import PageContext, concurrently
from warehouse.query import Filters, Warehouse

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


# -- one computation of a frame that threads ask for at once (Warehouse._cached) ----------------
def test_threads_asking_for_one_frame_at_once_compute_it_once(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")  # _cached keys frames by the file's identity; nothing reads it
    wh = Warehouse(path)
    started, release = threading.Event(), threading.Event()
    calls = []

    def compute(version):
        calls.append(version)
        started.set()
        assert release.wait(10)  # the second thread asks while this one computes
        return pd.DataFrame({"n": [1, 2]})

    results = []
    first = threading.Thread(target=lambda: results.append(wh._cached(("k",), compute)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(wh._cached(("k",), compute)))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert len(calls) == 1 and len(results) == 2
    assert all(r["n"].tolist() == [1, 2] for r in results)
    results[0].loc[0, "n"] = 99  # each caller gets a copy of its own
    assert wh._cached(("k",), compute)["n"].tolist() == [1, 2] and len(calls) == 1


def test_an_error_computing_a_frame_reaches_the_waiters_and_is_not_kept(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")
    wh = Warehouse(path)
    started, release = threading.Event(), threading.Event()
    errors = []

    def failing(version):
        started.set()
        assert release.wait(10)
        raise ValueError("no")

    def ask():
        try:
            wh._cached(("k",), failing)
        except ValueError as e:
            errors.append(str(e))

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=ask)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert errors == ["no", "no"]
    # Not cached: the next call computes again.
    assert wh._cached(("k",), lambda v: pd.DataFrame({"n": [3]}))["n"].tolist() == [3]


# -- a page's chart data, once per request and fetched ahead (PageContext.data, prefetch) -------
def test_charts_that_share_their_numbers_fetch_them_once_and_prefetch_gives_the_same(
        small_warehouse):
    wh = Warehouse(small_warehouse)
    f = wh.resolve(Filters())
    ctx = PageContext(wh, f)
    # The arrears page's per-year charts draw the same numbers: one frame, shaped once.
    assert ctx.data("arrears_by_year") is ctx.data("ncps_by_year")
    ahead = PageContext(wh, f)
    ids = [c.id for c in charts_for("arrears")] + [c.id for c in charts_for("employment")]
    ahead.prefetch(*ids)
    for chart_id in ids:
        pd.testing.assert_frame_equal(ahead.data(chart_id), chart_data(chart_id, wh, f))
    # With suppression on, the cards fetch their own (suppressed) numbers: nothing ahead.
    hidden = PageContext(wh, f, suppress=True)
    hidden.prefetch(*ids)
    assert hidden._data == {}
