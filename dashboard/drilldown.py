"""Drill-down: a click on a program's bar or line filters the page to that program. The filter
goes into the URL (a new history entry), so the browser's Back button undoes it."""

from __future__ import annotations

import re
from dataclasses import replace

from dash import ALL, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.url_state import parse_search, parse_suppress, program_code, to_search

# Hover texts start with the program's name: "Arrears Cap %{x}<br>...", "PSP, enrolled in ...".
_HOVER_BREAK = re.compile(r"%\{|<br>|,")


def clicked_program(click: dict | None, figure: dict | None) -> str | None:
    """The program code a click landed on: from the trace's name, the point's category
    (horizontal bars), or the program named at the start of the trace's hover text."""
    if not click or not click.get("points"):
        return None
    point = click["points"][0]
    trace = {}
    data = (figure or {}).get("data") or []
    if isinstance(point.get("curveNumber"), int) and point["curveNumber"] < len(data):
        trace = data[point["curveNumber"]] or {}
    candidates = [trace.get("name"), point.get("y"), point.get("label"), point.get("x")]
    template = trace.get("hovertemplate")
    if isinstance(template, str):
        candidates.append(_HOVER_BREAK.split(template, maxsplit=1)[0].strip())
    for value in candidates:
        if isinstance(value, str):
            code = program_code(value)
            if code:
                return code
    return None


def drill_search(search: str | None, program: str | None) -> str | None:
    """The query string filtered to `program` (other filters and suppression kept); None when
    there is nothing to change."""
    if program is None:
        return None
    f = parse_search(search)
    if f.programs == (program,):
        return None
    return to_search(replace(f, programs=(program,)), parse_suppress(search))


def on_chart_click(clicks, figures, search, trigger_index: int | None = None):
    """Callback: the URL's new query string after a click on a chart (no_update if none).
    `trigger_index` (the clicked graph's place in the lists) is read from the callback
    context when not given."""
    if trigger_index is None:
        trigger_index = _triggered_index()
    clicks, figures = list(clicks or []), list(figures or [])
    if trigger_index is None or trigger_index >= len(clicks):
        return no_update
    figure = figures[trigger_index] if trigger_index < len(figures) else None
    new = drill_search(search, clicked_program(clicks[trigger_index], figure))
    return no_update if new is None else new


def _triggered_index() -> int | None:
    trigger = ctx.triggered_id
    if trigger is None or not ctx.inputs_list:
        return None
    for i, item in enumerate(ctx.inputs_list[0]):
        if item.get("id") == trigger:
            return i
    return None


def register_drilldown(app) -> None:
    graphs = {"type": ids.CHART_GRAPH, "chart": ALL}
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(graphs, "clickData"),
        State(graphs, "figure"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(on_chart_click)
