"""'Open in a notebook' snippets: each chart's Python and SQL reproduce the chart's numbers."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import pytest

from charts.registry import CHARTS, chart_data, chart_figure
from charts.snippets import recorded_queries, run_snippet_sql, snippet, snippet_sql
from warehouse.query import Filters, open_warehouse

# (warehouse fixture, filters): the small hand-checked warehouse with and without filters, and
# the demo with a published window and a program.
CASES = {
    "small-all": ("small_warehouse", Filters()),
    "small-filtered": ("small_warehouse",
                       Filters(2010, 2020, ("PSP", "FAMILIES_FORWARD", "ARREARS_CAP"),
                               ("Brooklyn", "Bronx"))),
    "demo-arrears-cap": ("demo_warehouse", Filters(2009, 2023, ("ARREARS_CAP",))),
}


@pytest.fixture(params=list(CASES), scope="module")
def case(request):
    fixture, filters = CASES[request.param]
    return request.getfixturevalue(fixture), filters


def run_python_snippet(code: str, path, monkeypatch) -> dict:
    """exec the snippet in a fresh namespace, $OUTCOMES_WAREHOUSE set, fig.show() a no-op."""
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(path))
    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: None)
    namespace: dict = {"__name__": "__snippet__"}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("chart_id", list(CHARTS))
def test_python_snippet_reproduces_chart(chart_id, case, monkeypatch):
    path, filters = case
    code = snippet(chart_id, filters)
    ns = run_python_snippet(code, path, monkeypatch)
    wh = open_warehouse(path)
    expected = chart_data(chart_id, wh, filters)
    pd.testing.assert_frame_equal(ns["df"], expected)
    assert ns["fig"].to_json() == chart_figure(chart_id, wh, filters).to_json()


def test_python_snippet_text():
    f = Filters(from_year=2009, to_year=2023, programs=("ARREARS_CAP",))
    code = snippet("arrears_by_year", f)
    assert "from warehouse.query import open_warehouse, Filters" in code
    assert "wh = open_warehouse()" in code
    assert ("filters = Filters(from_year=2009, to_year=2023, programs=('ARREARS_CAP',), "
            "boroughs=())") in code
    assert "df = chart_data('arrears_by_year', wh, filters)" in code
    assert "fig = chart_figure('arrears_by_year', wh, filters, df)" in code
    assert code.rstrip().endswith("fig.show()")
    assert "2009–2023" in code.splitlines()[0]
    assert "open_warehouse('/x/y.duckdb')" in snippet("arrears_by_year", f, "/x/y.duckdb")
    compile(code, "<snippet>", "exec")
    with pytest.raises(KeyError):
        snippet("no_such_chart", f)


def test_python_snippet_with_explicit_path(small_warehouse, monkeypatch):
    monkeypatch.delenv("OUTCOMES_WAREHOUSE", raising=False)
    f = Filters(2010, 2020)
    ns = run_python_snippet(snippet("program_summary", f, str(small_warehouse)),
                            small_warehouse, monkeypatch)
    expected = chart_data("program_summary", open_warehouse(small_warehouse), f)
    pd.testing.assert_frame_equal(ns["df"], expected)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:  # lists (e.g. boroughs) are not sortable or hashable
        if df[c].map(lambda v: isinstance(v, list | tuple)).any():
            df[c] = df[c].map(lambda v: ",".join(map(str, v)))
    return df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(float).round(2)
        elif pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype(str)
    return out


def _check_query_layer_results(frames, calls, wh) -> None:
    """Each SELECT equals what the query layer returns for that call (for a query run once per
    borough/year: all its runs, with the varying parameters in front)."""
    groups: dict = {}
    for call in calls:
        groups.setdefault((call.kind, call.name), []).append(call)
    assert len(frames) == len(groups)
    for frame, runs in zip(frames, groups.values(), strict=True):
        expected = pd.concat([r.run(wh) for r in runs], ignore_index=True)
        got = frame[[c for c in frame.columns if c in expected.columns]]
        assert list(got.columns) == list(expected.columns)
        assert len(got) == len(expected)
        pd.testing.assert_frame_equal(_sorted(_comparable(got)), _sorted(_comparable(expected)),
                                      check_dtype=False)


def _check_chart_numbers(chart_id, df, frames) -> None:
    """Every number of the chart's table is in the SQL output: each row appears on the columns
    they share."""
    out = pd.concat(frames, ignore_index=True)
    shared = [c for c in df.columns if c in out.columns and c != "year"]
    if "year" in df.columns and "year" in out.columns and out["year"].notna().any():
        shared.append("year")
    assert shared, f"{chart_id}: no shared columns"
    left = _comparable(df[shared]).drop_duplicates()
    right = _comparable(out[shared]).drop_duplicates()
    missing = left.merge(right, how="left", indicator=True).query("_merge == 'left_only'")
    assert missing.empty, f"{chart_id}: rows not in the SQL output:\n{missing}"


@pytest.mark.parametrize("chart_id", list(CHARTS))
def test_sql_snippet_reproduces_chart_numbers(chart_id, case):
    path, filters = case
    wh = open_warehouse(path)
    sql = snippet_sql(chart_id, filters, wh)
    assert "$" not in "".join(line.partition("--")[0] for line in sql.splitlines())
    frames = run_snippet_sql(sql, path)  # a fresh read-only connection, as an analyst would
    _check_query_layer_results(frames, recorded_queries(chart_id, filters, wh), wh)
    _check_chart_numbers(chart_id, chart_data(chart_id, wh, filters), frames)


def _per_borough_metrics(wh, filters):
    """A data function that runs one query several times (once per borough)."""
    frames = [wh.metrics(replace(filters, boroughs=(b,))).assign(borough=b)
              for b in ("Bronx", "Brooklyn", "Staten Island")]
    return pd.concat(frames, ignore_index=True)


def test_sql_snippet_multi_run_uses_a_macro(small_warehouse, monkeypatch):
    """A query run once per borough becomes one macro, called once per run."""
    test_chart = replace(CHARTS["program_summary"], id="test_per_borough",
                         data=_per_borough_metrics)
    monkeypatch.setitem(CHARTS, "test_per_borough", test_chart)
    wh = open_warehouse(small_warehouse)
    filters = Filters(2010, 2020)
    sql = snippet_sql("test_per_borough", filters, wh)
    assert sql.count("CREATE OR REPLACE TEMP MACRO chart_program_metrics(") == 1
    assert sql.count("FROM chart_program_metrics(") == 3
    assert "['Staten Island'] AS boroughs" in sql
    frames = run_snippet_sql(sql, small_warehouse)
    _check_query_layer_results(frames, recorded_queries("test_per_borough", filters, wh), wh)
    df = chart_data("test_per_borough", wh, filters)
    (out,) = frames
    out = out.assign(borough=out["boroughs"].map(lambda v: v[0])).drop(columns="boroughs")
    pd.testing.assert_frame_equal(_sorted(_comparable(out[list(df.columns)])),
                                  _sorted(_comparable(df)), check_dtype=False)


def test_sql_snippet_single_run_inlines_parameters(small_warehouse):
    wh = open_warehouse(small_warehouse)
    single = snippet_sql("arrears_by_year", Filters(2010, 2020, ("ARREARS_CAP",)), wh)
    assert "MACRO" not in single
    assert "warehouse/sql/definitions/program_metrics.sql" in single  # the readable definition
    assert "period_starts = [DATE '2010-01-01'" in single and "DATE '2020-12-31']" in single
    assert "['ARREARS_CAP']" in single
