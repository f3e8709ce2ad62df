"""'Open in a notebook': the Python (and the SQL) that reproduce one dashboard chart.

`snippet(chart_id, filters)` gives a few lines of Python, ready to paste into a notebook, that
open the warehouse, fetch the chart's numbers with `charts.registry.chart_data` and draw it with
`chart_figure`: the same calls the dashboard makes, so the numbers are the same.

`snippet_sql(chart_id, filters)` gives the SQL the query layer runs for that chart, with the
filters bound as literals, to paste into `duckdb -readonly data/outcomes.duckdb` or
`duckdb.connect(path, read_only=True)`. The statements are found by running the chart's data
function against a recording wrapper of the warehouse (results come from the warehouse's cache
when the dashboard has just drawn the chart), so they are exactly the ones the chart uses. A
query run more than once (e.g. once per borough) becomes a temporary table macro called once per
run; the parameters that differ between runs lead each row. What the chart does with the result
in Python (picking programs, summing, adding ratios) is named in the header comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from charts.registry import (
    PERIOD_CHARTS,
    chart_title,
    get_chart,
    per_grain_title,
    window_label,
)
from core.periods import period_containing
from warehouse.query import (
    SQL_PARAMETER,
    Filters,
    Warehouse,
    has_definition,
    open_warehouse,
    query_sql,
    read_sql,
    sql_parameters,
    uses_prelude,
)

__all__ = ["RecordedQuery", "recorded_queries", "run_snippet_sql", "snippet", "snippet_sql"]


def _filters_literal(filters: Filters) -> str:
    if filters.grain:  # periods of a grain: the window in them, exact months
        first, last = (period_containing(m, filters.grain).label for m in filters.months())
        return (f"Filters(from_period={first!r}, to_period={last!r}, "
                f"programs={tuple(filters.programs)!r}, boroughs={tuple(filters.boroughs)!r}, "
                f"grain={filters.grain!r})")
    return (
        f"Filters(from_year={filters.from_year!r}, to_year={filters.to_year!r}, "
        f"programs={tuple(filters.programs)!r}, boroughs={tuple(filters.boroughs)!r})"
    )


def snippet(chart_id: str, filters: Filters, warehouse: str | None = None) -> str:
    """Python that reproduces the chart `chart_id` for `filters` (paste into a notebook).

    `warehouse` (optional) is written into `open_warehouse(...)`; by default the snippet opens
    $OUTCOMES_WAREHOUSE (else data/outcomes.duckdb), as `make notebooks` sets it.
    """
    chart = get_chart(chart_id)  # KeyError for an unknown chart
    filters = filters or Filters()
    open_call = (f"open_warehouse({str(warehouse)!r})" if warehouse
                 else "open_warehouse()  # $OUTCOMES_WAREHOUSE, else data/outcomes.duckdb")
    if filters.from_year is not None and filters.to_year is not None:
        title = per_grain_title(chart.title.format(window=window_label(filters)),
                                filters.grain if chart.id in PERIOD_CHARTS else None)
    else:
        title = chart.title.format(window="the data's years")
    lines = [
        f"# {title} (chart {chart.id!r})",
        "from warehouse.query import open_warehouse, Filters",
        "from charts.registry import chart_data, chart_figure",
        "",
        f"wh = {open_call}",
        f"filters = {_filters_literal(filters)}",
    ]
    if chart.unfiltered:
        lines.append("# (this chart shows the whole warehouse: the filters do not apply)")
    lines += [
        f"df = chart_data({chart.id!r}, wh, filters)  # the numbers behind the chart",
        f"fig = chart_figure({chart.id!r}, wh, filters, df)",
        "fig.show()",
    ]
    return "\n".join(lines) + "\n"


# -- recording the queries behind a chart -----------------------------------------------------
@dataclass(frozen=True)
class RecordedQuery:
    """One query-layer call: a filtered query (`queries/<name>.sql`) or a plain one."""

    kind: str  # "query" or "plain"
    name: str
    params: dict = field(default_factory=dict)  # the SQL parameters, as the query layer binds
    filters: Filters | None = None  # for a filtered query: the resolved filters
    by_year: bool = False
    extra: dict = field(default_factory=dict)  # extra query parameters (e.g. bin_usd)

    def sql(self) -> str:
        """The SQL to show: a query's readable definition (sql/definitions/<name>.sql) where it
        has one -- the same parameters and result as the faster query the layer runs --, else
        the query itself."""
        if self.kind == "query" and has_definition(self.name):
            return read_sql(f"definitions/{self.name}")
        return query_sql(self.name) if self.kind == "query" else read_sql(f"plain/{self.name}")

    def shown_params(self) -> dict:
        """The parameters the shown SQL names."""
        named = sql_parameters(self.sql())
        return {k: v for k, v in self.params.items() if k in named}

    def run(self, wh: Warehouse) -> pd.DataFrame:
        """The same call through the query layer (the raw result, before the chart's Python)."""
        if self.kind == "plain":
            return wh.plain(self.name, **self.extra)
        return wh.query(self.name, self.filters, by_year=self.by_year, **self.extra)


class _Recorder:
    """The public read API of a Warehouse, noting every query a chart's data function runs."""

    def __init__(self, wh: Warehouse):
        self._wh = wh
        self.calls: list[RecordedQuery] = []

    def __getattr__(self, name):  # path, data_years, resolve, meta, ... pass through
        return getattr(self._wh, name)

    def _note_query(self, name: str, filters: Filters | None, by_year: bool, extra: dict):
        f = self._wh.resolve(filters or Filters())
        params = self._wh.query_params(name, f, bool(by_year), **extra)
        self.calls.append(RecordedQuery("query", name, params, f, bool(by_year), dict(extra)))

    def query(self, name: str, filters: Filters | None = None, by_year: bool = False, **extra):
        self._note_query(name, filters, by_year, extra)
        return self._wh.query(name, filters, by_year=by_year, **extra)

    def metrics(self, *args, **kwargs):
        # Warehouse.metrics on the recorder, so its call to self.query is recorded.
        return Warehouse.metrics(self, *args, **kwargs)

    def _cached(self, key, compute):
        # Never answered from the metric cache: the queries behind it must run (and be noted).
        return compute(self._wh.version())

    def plain(self, name: str, **params):
        self.calls.append(RecordedQuery("plain", name, dict(params), extra=dict(params)))
        return self._wh.plain(name, **params)


def recorded_queries(chart_id: str, filters: Filters,
                     wh: Warehouse | None = None) -> list[RecordedQuery]:
    """The query-layer calls the chart's data function makes for `filters`, in order."""
    chart = get_chart(chart_id)
    wh = wh or open_warehouse()
    rec = _Recorder(wh)
    chart.data(rec, wh.resolve(filters or Filters()))  # type: ignore[arg-type]
    return rec.calls


# -- SQL text -----------------------------------------------------------------------------------
def sql_literal(value) -> str:
    """A DuckDB literal for a query parameter."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        if not value:
            return "[]::VARCHAR[]"
        return "[" + ", ".join(sql_literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for {value!r}")


def _bind(sql: str, replace) -> str:
    """Replace each $name in the SQL code (not in -- comments) with replace(name)."""
    out = []
    for line in sql.splitlines():
        code, sep, comment = line.partition("--")
        out.append(SQL_PARAMETER.sub(lambda m: replace(m.group(1)), code) + sep + comment)
    return "\n".join(out).strip()


def _params_comment(params: dict) -> str:
    if not params:
        return "-- parameters: none"
    return "-- parameters: " + ", ".join(f"{k} = {sql_literal(v)}" for k, v in params.items())


def snippet_sql(chart_id: str, filters: Filters, wh: Warehouse | None = None) -> str:
    """The SQL behind the chart for `filters`, parameters bound, ready for a read-only DuckDB.

    `wh` (default: open_warehouse()) resolves an open-ended window to the data's years and is
    used to replay the chart's data function (cached queries; nothing is written).
    """
    chart = get_chart(chart_id)
    wh = wh or open_warehouse()
    f = wh.resolve(filters or Filters())
    calls = recorded_queries(chart_id, f, wh)
    head = [
        f"-- {chart_title(chart_id, wh, f)} (chart {chart.id!r})",
        f"-- Filters: {_filters_literal(f)}" + (" (not applied: whole warehouse)"
                                                 if chart.unfiltered else ""),
        "-- The chart's table is made from the result(s) below by",
        f"-- charts.registry.{chart.data.__name__} (picking programs and columns, summing,"
        " ratios).",
        "-- Run read-only: duckdb -readonly <warehouse.duckdb>, or",
        "-- duckdb.connect(path, read_only=True).execute(sql).df() per statement.",
    ]
    blocks: list[str] = []
    by_name: dict[tuple[str, str], list[RecordedQuery]] = {}
    for call in calls:
        by_name.setdefault((call.kind, call.name), []).append(call)
    for (kind, name), runs in by_name.items():
        source = f"warehouse/sql/{'queries' if kind == 'query' else 'plain'}/{name}.sql"
        if kind == "query" and has_definition(name):
            source = f"warehouse/sql/definitions/{name}.sql (the definition; the dashboard " \
                     f"runs the faster {source}, tested equal)"
        elif kind == "query" and uses_prelude(name):
            source = "warehouse/sql/staging/filtered.sql + " + source
        if len(runs) == 1:
            params = runs[0].shown_params()
            body = _bind(runs[0].sql(), lambda p, params=params: sql_literal(params[p]))
            blocks.append(f"-- {source}\n{_params_comment(params)}\n{body};")
            continue
        keys = list(runs[0].shown_params())
        varying = [k for k in keys if len({sql_literal(r.params[k]) for r in runs}) > 1]
        fixed = {k: runs[0].params[k] for k in keys if k not in varying}
        macro = f"chart_{name}"
        args = ", ".join(f"p_{k}" for k in keys)
        body = _bind(runs[0].sql(), lambda p: f"p_{p}")
        calls_sql = "\nUNION ALL BY NAME\n".join(
            "SELECT " + "".join(f"{sql_literal(r.params[k])} AS {k}, " for k in varying)
            + f"* FROM {macro}(" + ", ".join(sql_literal(r.params[k]) for k in keys) + ")"
            for r in runs
        )
        blocks.append(
            f"-- {source}, run {len(runs)} times"
            f" (once per value of {', '.join(varying) or 'nothing'})\n"
            f"{_params_comment(fixed)}\n"
            f"CREATE OR REPLACE TEMP MACRO {macro}({args}) AS TABLE\n{body};\n\n"
            f"{calls_sql};"
        )
    return "\n".join(head) + "\n\n" + "\n\n".join(blocks) + "\n"


def run_snippet_sql(sql: str, path) -> list[pd.DataFrame]:
    """Run the statements of `snippet_sql` on a read-only connection; one frame per SELECT."""
    import duckdb

    frames = []
    with duckdb.connect(str(path), read_only=True) as con:
        for stmt in duckdb.extract_statements(sql):
            rel = con.execute(stmt.query)
            if stmt.type == duckdb.StatementType.SELECT:
                frames.append(rel.df())
    return frames
