"""Exports from the dashboard: per chart PNG / SVG / PDF / CSV / XLSX downloads and "Open in a
notebook"; for the page, the report pack (PDF / PPTX) in the filter bar.

Everything goes through the exports API (`exports.charts`, `exports.report`), so a download is
the same file the command line makes. Downloads are ALWAYS suppressed (they are for
publishing), whatever the on-screen toggle says; data-quality charts count file rows, not
people, and are never suppressed (exports.charts knows).

The per-chart bar is added to every chart card through `register_chart_action` at import time
(rendered page bodies are cached, so it must be registered before any page renders). Its
callbacks are MATCH callbacks keyed on `chart` that read the filters from the URL. The
callbacks are plain functions (`chart_download`, `notebook_panel`, `report_download`), so
tests call them directly.

Access (dashboard/scope.py): the filters are the user's scoped ones (url_state); a chart of a
page the user may not open is refused, snippets are for analysts; images and reports wait
their turn in dashboard/export_queue.py; each download is written to the access log
(dashboard/access_log.py).
"""

from __future__ import annotations

import logging
import os
import threading

from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import ids, scope
from dashboard.access_log import record_export
from dashboard.chart_card import register_chart_action
from dashboard.export_queue import QueueFull, queued
from dashboard.url_state import parse_search
from warehouse.query import Filters, Warehouse, WarehouseMissing
from warehouse.suppression import threshold

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "xlsx")
REPORT_FORMATS = ("pdf", "pptx")
_TIPS = {
    "png": "Image of this chart (PNG, print quality)",
    "svg": "Image of this chart (SVG, vector)",
    "pdf": "Image of this chart (PDF, vector)",
    "csv": "The numbers behind this chart (CSV, with a header block)",
    "xlsx": "The numbers behind this chart (Excel workbook with definitions)",
}
BUSY_TEXT = "In the export queue…"


def suppression_tip() -> str:
    return (f"Downloads always suppress counts under {threshold()} (shown as <{threshold()}): "
            "they are meant for publishing.")


def _warehouse() -> Warehouse:
    from dashboard.common import get_warehouse  # common imports this module

    return get_warehouse()


def _filters(wh: Warehouse, search: str | None) -> Filters:
    return wh.resolve(parse_search(search, wh.data_years()))


# -- the per-chart bar ----------------------------------------------------------------------------
def _button(label: str, kind: str, chart_id: str, tip: str, extra: str = "") -> html.Button:
    return html.Button(label, id=ids.chart(kind, chart_id), n_clicks=0, title=tip,
                       className=("button button-secondary button-small " + extra).strip())


def export_bar(chart_id: str, filters: Filters) -> Component:
    """PNG SVG PDF | CSV XLSX | Open in a notebook, a download, and the (closed) notebook panel."""
    tip = suppression_tip()
    images = [_button(f.upper(), ids.EXPORT_BUTTON[f], chart_id, f"{_TIPS[f]}. {tip}")
              for f in IMAGE_FORMATS]
    data = [_button(f.upper(), ids.EXPORT_BUTTON[f], chart_id, f"{_TIPS[f]}. {tip}")
            for f in DATA_FORMATS]
    notebook = _button("Open in a notebook", ids.NOTEBOOK_BUTTON, chart_id,
                       "The Python (and SQL) that reproduce this chart, to paste into a notebook",
                       "button-notebook")
    snippets = scope.current().can_see_snippets
    return html.Div(
        [
            html.Div(images, className="export-group", role="group",
                     **{"aria-label": "Download the chart as an image"}),
            html.Div(data, className="export-group", role="group",
                     **{"aria-label": "Download the chart's numbers"}),
            *([html.Div([notebook], className="export-group")] if snippets else []),
            html.Span(BUSY_TEXT, className="export-busy", role="status"),
            html.Span(id=ids.chart(ids.EXPORT_STATUS, chart_id), className="export-status",
                      role="alert"),
            dcc.Download(id=ids.chart(ids.EXPORT_DOWNLOAD, chart_id)),
            html.Div(id=ids.chart(ids.NOTEBOOK_PANEL, chart_id), className="notebook-panel",
                     hidden=True),
        ],
        id=ids.chart(ids.EXPORT_BAR, chart_id), className="export-bar",
    )


register_chart_action(export_bar)


def chart_download(chart_id: str, fmt: str, search: str | None,
                   wh: Warehouse | None = None) -> dict:
    """The dcc.Download payload for one chart in one format (always suppressed)."""
    from exports.charts import chart_file, chart_image, download_filename
    from exports.images import MEDIA_TYPES
    from exports.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

    scope.require_chart(chart_id)
    wh = wh or _warehouse()
    f = _filters(wh, search)
    if fmt in IMAGE_FORMATS:
        data = queued(lambda: chart_image(chart_id, wh, f, fmt, suppress=True))
        media = MEDIA_TYPES[fmt]
    elif fmt in DATA_FORMATS:
        data = chart_file(chart_id, wh, f, fmt, suppress=True)
        media = CSV_MEDIA_TYPE if fmt == "csv" else XLSX_MEDIA_TYPE
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return dcc.send_bytes(data, download_filename(chart_id, wh, f, fmt), type=media)


def _on_export(*args):
    """Callback: one of the five buttons of a chart was clicked."""
    search = args[-1]
    trigger = ctx.triggered_id
    if not trigger or not any(args[:-1]):
        return no_update, no_update
    fmt = next(f for f, kind in ids.EXPORT_BUTTON.items() if kind == trigger["type"])
    try:
        payload = chart_download(trigger["chart"], fmt, search)
        record_export("chart", trigger["chart"], fmt, search)
        return payload, ""
    except (WarehouseMissing, QueueFull, scope.AccessDenied) as e:
        return no_update, str(e)
    except Exception as e:  # the image engine (Chromium) can fail; say so in the card
        log.exception("export of %s as %s failed", trigger["chart"], fmt)
        return no_update, f"Could not make the {fmt.upper()}: {e}"


# -- "Open in a notebook" -------------------------------------------------------------------------
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
    from dashboard.snippets import snippet, snippet_sql

    if not n_clicks or n_clicks % 2 == 0:
        return [], True
    scope.require_snippets()
    scope.require_chart(chart_id)
    wh = wh or _warehouse()
    try:
        f = _filters(wh, search)
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


# -- the report pack (filter bar) -----------------------------------------------------------------
def report_controls() -> html.Div:
    tip = ("The leadership report pack for these filters: headline charts, tables and "
           "definitions (takes about 10 seconds). " + suppression_tip())
    return html.Div(
        [
            html.Span("Report", className="filter-label"),
            html.Div(
                [
                    html.Button("PDF", id=ids.REPORT_PDF, n_clicks=0, title=tip,
                                className="button button-secondary button-small"),
                    html.Button("PPTX", id=ids.REPORT_PPTX, n_clicks=0, title=tip,
                                className="button button-secondary button-small"),
                    html.Span(id=ids.REPORT_STATUS, className="report-status", role="status"),
                    dcc.Download(id=ids.REPORT_DOWNLOAD),
                ],
                className="report-buttons",
            ),
        ],
        className="filter filter-report", role="group",
        **{"aria-label": "Download the report pack"},
    )


def report_download(fmt: str, search: str | None, wh: Warehouse | None = None) -> dict:
    """The dcc.Download payload of the report pack (always suppressed)."""
    from exports.report import report_filename, report_to_bytes

    if fmt not in REPORT_FORMATS:
        raise ValueError(f"report format must be pdf or pptx, not {fmt!r}")
    wh = wh or _warehouse()
    f = _filters(wh, search)
    media = ("application/pdf" if fmt == "pdf" else
             "application/vnd.openxmlformats-officedocument.presentationml.presentation")
    data = queued(lambda: report_to_bytes(wh, f, fmt, suppress=True))
    return dcc.send_bytes(data, report_filename(wh, f, fmt), type=media)


def _on_report(pdf_clicks, pptx_clicks, search):
    if ctx.triggered_id not in (ids.REPORT_PDF, ids.REPORT_PPTX):
        return no_update, no_update
    fmt = "pdf" if ctx.triggered_id == ids.REPORT_PDF else "pptx"
    try:
        payload = report_download(fmt, search)
        record_export("report", "report pack", fmt, search)
        return payload, ""
    except (WarehouseMissing, QueueFull) as e:
        return no_update, str(e)
    except Exception as e:
        log.exception("report %s failed", fmt)
        return no_update, f"Could not make the report: {e}"


# -- wiring ---------------------------------------------------------------------------------------
def register_export_callbacks(app: Dash) -> None:
    app.callback(
        Output(ids.chart(ids.EXPORT_DOWNLOAD, MATCH), "data"),
        Output(ids.chart(ids.EXPORT_STATUS, MATCH), "children"),
        *[Input(ids.chart(kind, MATCH), "n_clicks") for kind in ids.EXPORT_BUTTON.values()],
        State(ids.URL, "search"),
        prevent_initial_call=True,
        running=[(Output(ids.chart(ids.EXPORT_BAR, MATCH), "className"),
                  "export-bar busy", "export-bar")],
    )(_on_export)

    app.callback(
        Output(ids.chart(ids.NOTEBOOK_PANEL, MATCH), "children"),
        Output(ids.chart(ids.NOTEBOOK_PANEL, MATCH), "hidden"),
        Input(ids.chart(ids.NOTEBOOK_BUTTON, MATCH), "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(_on_notebook)

    app.callback(
        Output(ids.REPORT_DOWNLOAD, "data"),
        Output(ids.REPORT_STATUS, "children"),
        Input(ids.REPORT_PDF, "n_clicks"),
        Input(ids.REPORT_PPTX, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
        running=[(Output(ids.REPORT_PDF, "disabled"), True, False),
                 (Output(ids.REPORT_PPTX, "disabled"), True, False),
                 (Output(ids.REPORT_STATUS, "className"), "report-status busy",
                  "report-status")],
    )(_on_report)


_WARM = {"started": False}
_WARM_LOCK = threading.Lock()


def warm_export_engine() -> bool:
    """Start the image engine (Chromium, ~4 s) in a background thread, once per process, so
    the first download does not wait for it. Off with OUTCOMES_EXPORT_WARMUP=0. Returns
    whether a thread was started now."""
    if os.environ.get("OUTCOMES_EXPORT_WARMUP", "1").strip().lower() in ("0", "false", "no"):
        return False
    with _WARM_LOCK:
        if _WARM["started"]:
            return False
        _WARM["started"] = True

    def start():
        from exports.images import start_engine

        try:
            start_engine()
        except Exception as e:  # no Chromium: exports will say so when asked
            log.warning("image export engine did not start: %s", e)

    thread = threading.Thread(target=start, name="export-engine-warmup", daemon=True)
    _WARM["thread"] = thread
    thread.start()
    return True


def stop_export_engine(timeout: float = 120) -> None:
    """Wait for a warm-up still under way, then stop the image engine (tests; shutdown)."""
    from exports.images import stop_engine

    thread = _WARM.get("thread")
    if thread is not None:
        thread.join(timeout)
    stop_engine()
