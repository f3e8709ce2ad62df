"""The "Open in a notebook" panel of a chart card: the Python and the SQL that reproduce the
chart for the current filters (charts/snippets.py), for analysts."""

from __future__ import annotations

from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from charts.snippets import snippet, snippet_sql
from dashboard import ids, scope
from dashboard.access_log import record_export
from dashboard.chart_downloads import scoped_filters
from warehouse.query import Warehouse, WarehouseMissing, open_warehouse


def _code_block(label: str, lang: str, code: str) -> list[Component]:
    return [
        html.Div([html.Span(label, className="snippet-label"),
                  dcc.Clipboard(content=code, title=f"Copy the {label}",
                                className="snippet-copy")],
                 className="snippet-head"),
        dcc.Markdown(f"```{lang}\n{code}\n```", className="snippet-code"),
    ]


def notebook_panel(n_clicks: int | None, chart_id: str, search: str | None,
                   wh: Warehouse | None = None):
    """Callback: (panel children, panel hidden). An odd click opens the panel with the snippet
    for the current filters (generated now, not when the page renders); an even one closes it."""
    if not n_clicks or n_clicks % 2 == 0:
        return [], True
    scope.require_snippets()
    scope.require_chart(chart_id)
    wh = wh or open_warehouse()
    try:
        f = scoped_filters(wh, search)
        code = snippet(chart_id, f)
        sql = snippet_sql(chart_id, f, wh)
    except WarehouseMissing as e:
        return [html.P(str(e))], False
    return [
        html.P(["Paste into a notebook started in this repository (", html.Code("make notebooks"),
                " sets the warehouse): it draws this chart from the same numbers."],
               className="snippet-intro"),
        *_code_block("Python", "python", code),
        html.P("The SQL the query layer runs for it, filters bound (e.g. in "
               "duckdb -readonly data/outcomes.duckdb):", className="snippet-intro"),
        *_code_block("SQL", "sql", sql),
    ], False


def _on_notebook(n_clicks, search):
    try:
        out = notebook_panel(n_clicks, ctx.triggered_id["chart"], search)
    except scope.AccessDenied as e:
        return [html.P(str(e))], False
    if not out[1]:
        record_export("snippet", ctx.triggered_id["chart"], "python", search)
    return out


def register_notebook_callbacks(app: Dash) -> None:
    app.callback(
        Output(ids.chart(ids.NOTEBOOK_PANEL, MATCH), "children"),
        Output(ids.chart(ids.NOTEBOOK_PANEL, MATCH), "hidden"),
        Input(ids.chart(ids.NOTEBOOK_BUTTON, MATCH), "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(_on_notebook)
