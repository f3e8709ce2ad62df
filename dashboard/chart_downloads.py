"""Downloads from the dashboard: the per-chart bar (PNG / SVG / PDF / CSV / XLSX, and the "Open in
a notebook" button whose panel is dashboard/notebook_panel.py), and the export queue's submit and
poll that the report button (dashboard/report_button.py) shares.

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

import functools
import json
import logging

from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import ids, scope
from dashboard.access_log import record_export
from dashboard.chart_card import register_chart_action
from dashboard.export_queue import QueueFull, export_queue_for_process, jobs_dir, poll, status_text
from dashboard.url_state import parse_search
from exports.chart_files import chart_file, chart_image, download_filename
from exports.images import MEDIA_TYPES
from exports.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from warehouse.query import Filters, Warehouse, WarehouseMissing, open_warehouse
from warehouse.suppression import threshold

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "xlsx")
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
POLL_MS = 1000


def suppression_tip() -> str:
    return (f"Downloads always suppress counts under {threshold()} (shown as <{threshold()}): "
            "they are meant for publishing.")


def scoped_filters(wh: Warehouse, search: str | None) -> Filters:
    return wh.resolve(parse_search(search, wh.data_years()))


# -- the per-chart bar ----------------------------------------------------------------------------
def _button(label: str, kind: str, chart_id: str, tip: str, extra: str = "") -> html.Button:
    return html.Button(label, id=ids.chart(kind, chart_id), n_clicks=0, title=tip,
                       className=("button button-secondary button-small " + extra).strip())


def export_bar(chart_id: str, filters: Filters) -> Component:
    """PNG SVG PDF | CSV XLSX | Open in a notebook, a download, and the (closed) notebook panel.
    The same for any filters (the callbacks read them from the URL): built once per chart,
    tip and role, and shared, as cached page bodies are (Dash only serializes them)."""
    return _export_bar(chart_id, suppression_tip(), scope.current().can_see_snippets)


@functools.lru_cache(maxsize=256)
def _export_bar(chart_id: str, tip: str, snippets: bool) -> Component:
    images = [_button(f.upper(), ids.EXPORT_BUTTON[f], chart_id, f"{_TIPS[f]}. {tip}")
              for f in IMAGE_FORMATS]
    data = [_button(f.upper(), ids.EXPORT_BUTTON[f], chart_id, f"{_TIPS[f]}. {tip}")
            for f in DATA_FORMATS]
    notebook = _button("Open in a notebook", ids.NOTEBOOK_BUTTON, chart_id,
                       "The Python (and SQL) that reproduce this chart, to paste into a notebook",
                       "button-notebook")
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
    return chart_payload(chart_id, fmt, wh, scoped_filters(wh, search))


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
        f = scoped_filters(wh, search)  # narrowed to the user here, in the request
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
    try:
        state = json.loads((jobs_dir() / f"{ticket}.json").read_text())
    except (OSError, ValueError):
        return {"state": "queued", "ahead": 0}
    return state if state["state"] in ("queued", "running") else {"state": "running"}


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
