"""`Warehouse.metrics_and_window`: a total and its trend from one metric query (the window as
one more window of the statement) equal the two `Warehouse.metrics` calls it stands for, which
tests/test_metrics_properties.py holds to the definition, on random records, windows, grains
and options; and afterwards the two calls are answered from the cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from core.periods import GRAINS
from tests.test_metrics_properties import (
    BOROUGHS,
    PROGRAMS,
    SETTINGS,
    record_sets,
    windows,
    write_files,
)
from warehouse.query import Warehouse


def _loaded(tmp_path_factory, rows, name: str) -> Path:
    """A warehouse holding the generated records."""
    from etl.load import load_files

    base = tmp_path_factory.mktemp(name)
    path: Path = base / "w.duckdb"
    load_files(write_files(base / "files", rows), path)
    return path


def _selection(data, max_programs: int) -> tuple:
    """Random filters (a window, up to `max_programs` programs, up to two boroughs or
    'Unknown') and a grain."""
    programs = data.draw(st.lists(st.sampled_from(PROGRAMS), max_size=max_programs, unique=True))
    boroughs = data.draw(st.lists(st.sampled_from([*BOROUGHS[:3], "Unknown"]),
                                  max_size=2, unique=True))
    f = replace(data.draw(windows()), programs=tuple(programs), boroughs=tuple(boroughs))
    return f, data.draw(st.sampled_from(list(GRAINS)))


@SETTINGS
@given(rows=record_sets(), data=st.data())
def test_total_and_trend_from_one_query_equal_the_two_calls(tmp_path_factory, rows, data):
    path = _loaded(tmp_path_factory, rows, "window")
    for _ in range(4):
        f, by = _selection(data, max_programs=3)
        options = {k: data.draw(st.booleans())
                   for k in ("with_total", "by_borough", "cumulative")}
        one = Warehouse(path)
        total, trend = one.metrics_and_window(f, by, **options)
        two = Warehouse(path)  # its own cache: nothing shared with the call above
        pd.testing.assert_frame_equal(total, two.metrics(f, **options), check_exact=True)
        pd.testing.assert_frame_equal(trend, two.metrics(f, by=by, **options), check_exact=True)
        # The two calls are now answered from the cache, without another query.
        one._execute = None  # a query would fail
        pd.testing.assert_frame_equal(one.metrics(f, **options), total)
        pd.testing.assert_frame_equal(one.metrics(f, by=by, **options), trend)


@SETTINGS
@given(rows=record_sets(), data=st.data())
def test_every_familys_totals_from_one_query_equal_the_calls_per_family(tmp_path_factory, rows,
                                                                         data):
    """`Warehouse.metrics_by_family` (the Overview: the ALL row split per family, and every
    program's row, in one statement) equals metrics_and_window per family with its total and
    metrics() of the selection, on both the cells and the general path."""
    from dashboard.families import selected_families, selected_programs

    path = _loaded(tmp_path_factory, rows, "families")
    for _ in range(4):
        f, by = _selection(data, max_programs=4)
        groups = tuple(selected_programs(f, fam) for fam in selected_families(f))
        one = Warehouse(path)
        got = one.metrics_by_family(f, groups, by)
        two = Warehouse(path)  # its own cache: nothing shared with the call above
        for (total, trend), group in zip(got, groups, strict=True):
            g = replace(f, programs=group)
            pd.testing.assert_frame_equal(total, two.metrics(g, with_total=True),
                                          check_exact=True)
            pd.testing.assert_frame_equal(trend, two.metrics(g, by=by, with_total=True),
                                          check_exact=True)
        # Afterwards every call is answered from the cache, without another query.
        one._execute = None  # a query would fail
        pd.testing.assert_frame_equal(one.metrics(f), two.metrics(f), check_exact=True)
        for (total, trend), group in zip(got, groups, strict=True):
            g = replace(f, programs=group)
            pd.testing.assert_frame_equal(one.metrics(g, with_total=True), total)
            pd.testing.assert_frame_equal(one.metrics(g, by=by, with_total=True), trend)
