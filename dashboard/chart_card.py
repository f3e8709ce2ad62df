"""One chart on a page: title (in the figure), definition, the figure, a table of the same
numbers, and a slot for actions (the export bar of dashboard/chart_downloads.py: PNG, SVG, PDF,
CSV, XLSX, "Open in a notebook").

With `safe` (an `charts.safe.SafeChart`: small-cell suppression on), the figure is drawn
from the suppressed numbers (hidden cells left out) and the table shows "<11" in their place.

The slot: `register_chart_action(factory)` adds a factory `(chart_id, filters) -> Component`
whose output is placed in every card's action bar, in the div with id
`{"type": ids.EXPORT_SLOT, "chart": chart_id}` (e.g. PNG/SVG/PDF/XLSX buttons, "Open in a
notebook"). Give your components pattern-matching ids keyed on `chart`, and read the filters in
your callbacks from `State(ids.URL, "search")` with `dashboard.url_state.parse_search`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from charts.registry import (
    chart_spec,
    chart_title,
    column_label,
    display_table,
    get_chart,
    is_empty,
)
from charts.safe import SUPPRESSED_NOTE, SafeChart, safe_spec
from dashboard import ids
from dashboard.grid import data_grid  # sortable, filterable tables (Dash AG Grid)
from warehouse.query import Filters, Warehouse

ChartAction = Callable[[str, Filters], Component | None]
_ACTIONS: list[ChartAction] = []
TABLE_MAX_ROWS = 400

# Nothing in the toolbar sends data off the machine: no cloud/"edit in Chart Studio" link, and
# no camera (plotly's own PNG lacks the suppression and footnotes; the card's PNG has them).
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toImage"],
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
    """A cell's text as literal Markdown text: every ASCII punctuation character becomes a
    numeric character reference, which CommonMark renders as that character and never reads
    as markup (a file named `![t](https://host).csv` stays text: no image, no link)."""
    text = " ".join(str(value).split())
    return "".join(f"&#{ord(ch)};" if ch in _MARKUP else ch for ch in text)


# Every ASCII punctuation character (the set CommonMark allows to be escaped), minus those that
# are never markup inside a table cell and are common in numbers: ",", "%", and "$" (math is
# off in these Markdown components).
_MARKUP = frozenset("!\"#&'()*+-./:;<=>?@[\\]^_`{|}~")


def markdown_table(table: pd.DataFrame | dict[str, list[str]], right_aligned=(),
                   max_rows: int = TABLE_MAX_ROWS) -> str:
    """A Markdown table of already-formatted strings ({column: values} or a frame);
    `right_aligned` columns (numbers) are aligned right."""
    columns = ({c: list(table[c]) for c in table.columns} if isinstance(table, pd.DataFrame)
               else table)
    cols = list(columns)
    rows = zip(*(columns[c][:max_rows] for c in cols), strict=True) if cols else iter(())
    lines = ["| " + " | ".join(_cell(c) for c in cols) + " |",
             "| " + " | ".join("---:" if c in right_aligned else ":---" for c in cols) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def safe_display_table(chart_id: str, safe: SafeChart) -> pd.DataFrame:
    """`display_table` of suppressed numbers: shown cells formatted as usual, hidden cells as
    their marker ("<11")."""
    table = display_table(chart_id, safe.values)
    for col in safe.mask.columns:
        label = column_label(col)
        hidden = safe.mask[col].to_numpy(dtype=bool)
        if label in table.columns and hidden.any():
            table.loc[hidden, label] = safe.display[col].to_numpy()[hidden].astype(str)
    return table


def table_view(chart_id: str, df: pd.DataFrame, max_rows: int = TABLE_MAX_ROWS,
               safe: SafeChart | None = None):
    """The chart's numbers as one table component: a sortable, filterable grid
    (dashboard.grid) with the same formats as the cards; suppressed cells show "<11"."""
    labels = {c: column_label(c) for c in df.columns}
    if safe is None:
        return data_grid(chart_id, df, labels, max_rows)
    return data_grid(chart_id, safe.values, labels, max_rows, safe.mask, safe.display)


def without_nan(fig: dict) -> dict:
    """The figure with the NaN and infinities of its traces' arrays as None: the same JSON
    (plotly's encoder writes them as null), but when its text holds a "NaN" the encoder parses
    the whole response and writes it again, which costs about as much as writing it once."""
    return {**fig, "data": [{k: _finite_or_none(v) for k, v in trace.items()}
                            for trace in fig["data"]]}


def _finite_or_none(value):
    """The value, or when it holds NaN or infinities, a list with None in their places."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fO":
        finite = (np.isfinite(value) if value.dtype.kind == "f"
                  else ~_NOT_FINITE(value).astype(bool))  # objects: numbers, text, None
        return value if finite.all() else np.where(finite, value, None).tolist()
    if isinstance(value, list) and any(_not_finite(v) for v in value):
        return [None if _not_finite(v) else v for v in value]
    return value


def _not_finite(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


_NOT_FINITE = np.frompyfunc(_not_finite, 1, 1)


def chart_card(chart_id: str, wh: Warehouse, filters: Filters, df: pd.DataFrame | None = None,
               wide: bool = True, safe: SafeChart | None = None) -> html.Section:
    """The card; with `safe` (small-cell suppression on) its figure and table show the
    suppressed numbers."""
    chart = get_chart(chart_id)
    f = wh.resolve(filters)
    if safe is not None:
        df = safe.values
    elif df is None:
        df = chart.data(wh, f)
    title = chart_title(chart_id, wh, f)
    empty = is_empty(chart_id, df) and (safe is None or not safe.n_hidden)
    if empty:
        body = [
            html.H3(title, className="chart-title"),
            html.Div(chart.empty_message, className="empty-state", role="status"),
        ]
    else:
        # The figure as plain dicts (charts.figures): no go.Figure to build and copy.
        fig = without_nan(chart_spec(chart_id, wh, f, df) if safe is None
                          else safe_spec(chart_id, wh, f, safe=safe))
        # Responsive width; the height is the figure's own (a responsive graph would
        # otherwise shrink to its container's height).
        graph = dcc.Graph(id=ids.chart(ids.CHART_GRAPH, chart_id), figure=fig,
                          config=GRAPH_CONFIG, className="chart-graph",
                          style={"height": f"{fig['layout'].get('height') or 450}px"})
        # An accessible name for the chart; its numbers are in the table below it.
        body = [html.Div(graph, role="figure", className="chart-figure",
                         **{"aria-label": f"Chart: {title}. The table of these numbers "
                                          "follows."})]
    note = (f"Showing the first {TABLE_MAX_ROWS:,} of {len(df):,} rows; the CSV has all."
            if len(df) > TABLE_MAX_ROWS else None)
    hidden_note = ([html.P(SUPPRESSED_NOTE.format(n=safe.min_count), className="suppressed-note")]
                   if safe is not None and safe.n_hidden else [])
    details = html.Details(
        [html.Summary("Table of these numbers"),
         html.Div([table_view(chart_id, df, safe=safe)]
                  + ([html.P(note, className="table-note")] if note else []),
                  className="table-scroll")],
        className="chart-table", id=ids.chart_dom_id("table", chart_id),
    )
    # The downloads behind one "Download" control (one tab stop per chart, not six); none
    # for a chart with nothing to show.
    actions = html.Details(
        [
            html.Summary("Download or open in a notebook", className="chart-actions-summary"),
            html.Div(chart_actions(chart_id, f), id=ids.chart(ids.EXPORT_SLOT, chart_id),
                     className="chart-export-slot"),
        ],
        className="chart-actions", id=ids.chart_dom_id("actions", chart_id),
    )
    return html.Section(
        [
            *body,
            *hidden_note,
            html.P([html.Strong("Definition: "), chart.definition], className="chart-definition"),
            *([] if empty else [actions]),
            details,
        ],
        className="card chart-card" + (" chart-wide" if wide else ""),
        id=ids.chart_dom_id("card", chart_id),
        **{"data-chart": chart_id},
    )

