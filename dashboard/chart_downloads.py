"""Exports from the dashboard: per chart PNG / SVG / PDF / CSV / XLSX downloads and "Open in a
notebook"; for the page, the report pack (PDF / PPTX) in the filter bar.

Everything goes through the exports API (`charts.safe`, `exports.report`), so a download is
the same file the command line makes. Downloads are ALWAYS suppressed (they are for
publishing), whatever the on-screen toggle says; data-quality charts count file rows, not
people, and are never suppressed (charts.safe knows).

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

from charts.snippets import snippet, snippet_sql
from dashboard import ids, scope
from dashboard.access_log import record_export
from dashboard.chart_card import register_chart_action
from dashboard.export_queue import QueueFull, export_queue_for_process, jobs_dir, poll, status_text
from dashboard.url_state import parse_search
from exports.chart_files import chart_file, chart_image, download_filename
from exports.images import MEDIA_TYPES, start_engine, stop_engine
from exports.report import report_filename, report_to_bytes
from exports.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from warehouse.query import Filters, Warehouse, WarehouseMissing, open_warehouse
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
BUSY_TEXT = "Preparing…"
# Ids of the export queue's parts (pattern-matching, keyed on `chart` like dashboard.ids').
EXPORT_TICKET, EXPORT_POLL, EXPORT_QUEUE_STATUS = "export-ticket", "export-poll", "export-queue"
REPORT_TICKET, REPORT_POLL = "report-ticket", "report-poll"
POLL_MS = 1000


def suppression_tip() -> str:
    return (f"Downloads always suppress counts under {threshold()} (shown as <{threshold()}): "
            "they are meant for publishing.")


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
            html.Span(id=ids.chart(EXPORT_QUEUE_STATUS, chart_id), className="export-queue",
                      role="status"),
            dcc.Download(id=ids.chart(ids.EXPORT_DOWNLOAD, chart_id)),
            dcc.Store(id=ids.chart(EXPORT_TICKET, chart_id)),
            dcc.Interval(id=ids.chart(EXPORT_POLL, chart_id), interval=POLL_MS, disabled=True),
            html.Div(id=ids.chart(ids.NOTEBOOK_PANEL, chart_id), className="notebook-panel",
                     hidden=True),
        ],
        id=ids.chart(ids.EXPORT_BAR, chart_id), className="export-bar",
    )


register_chart_action(export_bar)


def chart_download(chart_id: str, fmt: str, search: str | None,
                   wh: Warehouse | None = None) -> dict:
    """The dcc.Download payload for one chart in one format (always suppressed), made now."""
    scope.require_chart(chart_id)
    wh = wh or open_warehouse()
    return chart_payload(chart_id, fmt, wh, _filters(wh, search))


def chart_payload(chart_id: str, fmt: str, wh: Warehouse, f: Filters) -> dict:
    """The same for filters already narrowed to the user (what a queued job runs)."""

    if fmt in IMAGE_FORMATS:
        data, media = chart_image(chart_id, wh, f, fmt, suppress=True), MEDIA_TYPES[fmt]
    elif fmt in DATA_FORMATS:
        data = chart_file(chart_id, wh, f, fmt, suppress=True)
        media = CSV_MEDIA_TYPE if fmt == "csv" else XLSX_MEDIA_TYPE
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return dcc.send_bytes(data, download_filename(chart_id, wh, f, fmt), type=media)


def submit_export(kind: str, what: str, fmt: str, search: str | None, job) -> str:
    """Queue `job` (a payload maker over already-scoped filters) for the signed-in user."""
    meta = {"user": scope.current().user, "kind": kind, "what": what, "format": fmt,
            "search": search or ""}
    return export_queue_for_process().submit(job, meta)


def collect_export(ticket: str | None, noun: str):
    """(payload or no_update, error text, queue text, ticket, polling off?) for a poll."""
    state = poll(ticket, scope.current().user)
    if state["state"] in ("queued", "running"):
        return no_update, "", status_text(state, noun), no_update, False
    if state["state"] == "done":
        record_export(state["kind"], state["what"], state["format"], state["search"])
        return state["payload"], "", "", None, True
    if state["state"] == "failed":
        log.error("export %s of %s failed: %s", state["format"], state["what"], state["error"])
        return no_update, f"Could not make the {noun}: {state['error']}", "", None, True
    return no_update, "", "", None, True


def _on_export(*args):
    """Callback: one of the five buttons of a chart was clicked, or its queued image is polled.
    Returns (download, error, queue status, ticket, polling disabled)."""
    n_polls, search, ticket = args[-3:]
    trigger = ctx.triggered_id
    if not trigger:
        return (no_update,) * 5
    chart_id = trigger["chart"]
    if trigger["type"] == EXPORT_POLL:
        return collect_export(ticket, "image")
    if not any(args[:-3]):
        return (no_update,) * 5
    fmt = next(f for f, kind in ids.EXPORT_BUTTON.items() if kind == trigger["type"])
    try:
        if fmt in DATA_FORMATS:  # quick: made now
            payload = chart_download(chart_id, fmt, search)
            record_export("chart", chart_id, fmt, search)
            return payload, "", "", no_update, True
        scope.require_chart(chart_id)
        wh = open_warehouse()
        f = _filters(wh, search)  # narrowed to the user here, in the request
        ticket = submit_export("chart", chart_id, fmt, search,
                               lambda: chart_payload(chart_id, fmt, wh, f))
        return no_update, "", status_text(poll_peek(ticket), "image"), ticket, False
    except (WarehouseMissing, QueueFull, scope.AccessDenied) as e:
        return no_update, str(e), "", no_update, True
    except Exception as e:  # the image engine (Chromium) can fail; say so in the card
        log.exception("export of %s as %s failed", chart_id, fmt)
        return no_update, f"Could not make the {fmt.upper()}: {e}", "", no_update, True


def poll_peek(ticket: str) -> dict:
    """A just-submitted ticket's state without collecting it (it may be done already)."""
    import json

    try:
        state = json.loads((jobs_dir() / f"{ticket}.json").read_text())
    except (OSError, ValueError):
        return {"state": "queued", "ahead": 0}
    return state if state["state"] in ("queued", "running") else {"state": "running"}


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
    if not n_clicks or n_clicks % 2 == 0:
        return [], True
    scope.require_snippets()
    scope.require_chart(chart_id)
    wh = wh or open_warehouse()
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
                    dcc.Store(id=REPORT_TICKET),
                    dcc.Interval(id=REPORT_POLL, interval=POLL_MS, disabled=True),
                ],
                className="report-buttons",
            ),
        ],
        className="filter filter-report", role="group",
        **{"aria-label": "Download the report pack"},
    )


def report_download(fmt: str, search: str | None, wh: Warehouse | None = None) -> dict:
    """The dcc.Download payload of the report pack (always suppressed)."""

    if fmt not in REPORT_FORMATS:
        raise ValueError(f"report format must be pdf or pptx, not {fmt!r}")
    wh = wh or open_warehouse()
    return report_payload(fmt, wh, _filters(wh, search))


def report_payload(fmt: str, wh: Warehouse, f: Filters) -> dict:
    """The same for filters already narrowed to the user (what a queued job runs)."""
    media = ("application/pdf" if fmt == "pdf" else
             "application/vnd.openxmlformats-officedocument.presentationml.presentation")
    return dcc.send_bytes(report_to_bytes(wh, f, fmt, suppress=True),
                          report_filename(wh, f, fmt), type=media)


def _on_report(pdf_clicks, pptx_clicks, n_polls, search, ticket):
    """Callback: a report button, or the poll of a queued report. Returns (download, status,
    ticket, polling disabled, PDF and PPTX buttons disabled)."""
    if ctx.triggered_id == REPORT_POLL:
        payload, error, queue_text, ticket, stop = collect_export(ticket, "report")
        return payload, error or queue_text, ticket, stop, not stop, not stop
    if ctx.triggered_id not in (ids.REPORT_PDF, ids.REPORT_PPTX):
        return (no_update,) * 6
    fmt = "pdf" if ctx.triggered_id == ids.REPORT_PDF else "pptx"
    try:
        wh = open_warehouse()
        f = _filters(wh, search)  # narrowed to the user here, in the request
        ticket = submit_export("report", "report pack", fmt, search,
                               lambda: report_payload(fmt, wh, f))
        return no_update, status_text(poll_peek(ticket), "report"), ticket, False, True, True
    except (WarehouseMissing, QueueFull) as e:
        return no_update, str(e), no_update, True, False, False
    except Exception as e:
        log.exception("report %s failed", fmt)
        return no_update, f"Could not make the report: {e}", no_update, True, False, False


# -- wiring ---------------------------------------------------------------------------------------
def register_export_callbacks(app: Dash) -> None:
    app.callback(
        Output(ids.chart(ids.EXPORT_DOWNLOAD, MATCH), "data"),
        Output(ids.chart(ids.EXPORT_STATUS, MATCH), "children"),
        Output(ids.chart(EXPORT_QUEUE_STATUS, MATCH), "children"),
        Output(ids.chart(EXPORT_TICKET, MATCH), "data"),
        Output(ids.chart(EXPORT_POLL, MATCH), "disabled"),
        *[Input(ids.chart(kind, MATCH), "n_clicks") for kind in ids.EXPORT_BUTTON.values()],
        Input(ids.chart(EXPORT_POLL, MATCH), "n_intervals"),
        State(ids.URL, "search"),
        State(ids.chart(EXPORT_TICKET, MATCH), "data"),
        prevent_initial_call=True,
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
        Output(REPORT_TICKET, "data"),
        Output(REPORT_POLL, "disabled"),
        Output(ids.REPORT_PDF, "disabled"),
        Output(ids.REPORT_PPTX, "disabled"),
        Input(ids.REPORT_PDF, "n_clicks"),
        Input(ids.REPORT_PPTX, "n_clicks"),
        Input(REPORT_POLL, "n_intervals"),
        State(ids.URL, "search"),
        State(REPORT_TICKET, "data"),
        prevent_initial_call=True,
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
    thread = _WARM.get("thread")
    if thread is not None:
        thread.join(timeout)
    stop_engine()
