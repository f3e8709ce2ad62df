"""One chart on a page: title (in the figure), definition, the figure, a table of the same
numbers, "Download CSV", and a slot for more actions.

The slot: `register_chart_action(factory)` adds a factory `(chart_id, filters) -> Component`
whose output is placed in every card's action bar, in the div with id
`{"type": ids.EXPORT_SLOT, "chart": chart_id}` (e.g. PNG/SVG/PDF/XLSX buttons, "Open in a
notebook"). Give your components pattern-matching ids keyed on `chart`, and read the filters in
your callbacks from `State(ids.URL, "search")` with `dashboard.url_state.parse_search`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids
from dashboard.charts import (
    chart_figure,
    chart_title,
    column_label,
    display_table,
    get_chart,
    is_empty,
)
from warehouse.query import Filters, Warehouse

ChartAction = Callable[[str, Filters], Component | None]
_ACTIONS: list[ChartAction] = []
TABLE_MAX_ROWS = 400

GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
}


def register_chart_action(factory: ChartAction) -> ChartAction:
    """Add an action factory to every chart card (usable as a decorator); idempotent."""
    if factory not in _ACTIONS:
        _ACTIONS.append(factory)
    return factory


def chart_actions(chart_id: str, filters: Filters) -> list[Component]:
    out = []
    for factory in _ACTIONS:
        c = factory(chart_id, filters)
        if c is not None:
            out.append(c)
    return out


def _cell(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(df: pd.DataFrame, right_aligned=(), max_rows: int = TABLE_MAX_ROWS) -> str:
    """A Markdown table of already-formatted strings; `right_aligned` columns (numbers) are
    aligned right."""
    shown = df.head(max_rows)
    cols = list(shown.columns)
    lines = ["| " + " | ".join(_cell(c) for c in cols) + " |",
             "| " + " | ".join("---:" if c in right_aligned else ":---" for c in cols) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |"
              for row in shown.itertuples(index=False)]
    return "\n".join(lines)


def table_view(chart_id: str, df: pd.DataFrame, max_rows: int = TABLE_MAX_ROWS) -> dcc.Markdown:
    """The chart's numbers as one table component (a Markdown table: one component, however
    many rows, so big tables cost the browser nothing until opened)."""
    table = display_table(chart_id, df)
    numeric = [column_label(c) for c in df.columns
               if pd.api.types.is_numeric_dtype(df[c]) and c not in ("year", "load_id")]
    return dcc.Markdown(markdown_table(table, numeric, max_rows), className="data-table",
                        id=ids.chart_dom_id("table-view", chart_id))


def chart_card(chart_id: str, wh: Warehouse, filters: Filters, df: pd.DataFrame | None = None,
               wide: bool = True) -> html.Section:
    chart = get_chart(chart_id)
    f = wh.resolve(filters)
    if df is None:
        df = chart.data(wh, f)
    title = chart_title(chart_id, wh, f)
    empty = is_empty(chart_id, df)
    if empty:
        body = [
            html.H3(title, className="chart-title"),
            html.Div(chart.empty_message, className="empty-state", role="status"),
        ]
    else:
        fig = chart_figure(chart_id, wh, f, df)
        # Responsive width; the height is the figure's own (a responsive graph would
        # otherwise shrink to its container's height).
        body = [dcc.Graph(id=ids.chart(ids.CHART_GRAPH, chart_id), figure=fig,
                          config=GRAPH_CONFIG, className="chart-graph",
                          style={"height": f"{fig.layout.height or 450}px"})]
    note = (f"Showing the first {TABLE_MAX_ROWS:,} of {len(df):,} rows; the CSV has all."
            if len(df) > TABLE_MAX_ROWS else None)
    details = html.Details(
        [html.Summary("Table of these numbers"),
         html.Div([table_view(chart_id, df)]
                  + ([html.P(note, className="table-note")] if note else []),
                  className="table-scroll")],
        className="chart-table", id=ids.chart_dom_id("table", chart_id),
    )
    actions = html.Div(
        [
            html.Button("Download CSV", id=ids.chart(ids.CSV_BUTTON, chart_id),
                        className="button button-secondary", n_clicks=0,
                        title="The numbers behind this chart, as CSV", disabled=empty),
            dcc.Download(id=ids.chart(ids.CSV_DOWNLOAD, chart_id)),
            html.Div(chart_actions(chart_id, f), id=ids.chart(ids.EXPORT_SLOT, chart_id),
                     className="chart-export-slot"),
        ],
        className="chart-actions",
    )
    return html.Section(
        [
            *body,
            html.P([html.Strong("Definition: "), chart.definition], className="chart-definition"),
            actions,
            details,
        ],
        className="card chart-card" + (" chart-wide" if wide else ""),
        id=ids.chart_dom_id("card", chart_id),
        **{"data-chart": chart_id},
    )


def csv_download(chart_id: str, wh: Warehouse, filters: Filters) -> dict:
    """The payload for dcc.Download: the chart's data as CSV (raw numbers, not formatted)."""
    chart = get_chart(chart_id)
    f = wh.resolve(filters)
    df = chart.data(wh, f)
    suffix = "" if chart.unfiltered else f"_{f.from_year}-{f.to_year}"
    return dict(content=df.to_csv(index=False), filename=f"{chart_id}{suffix}.csv",
                type="text/csv")
