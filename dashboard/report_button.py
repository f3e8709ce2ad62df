"""The report pack's buttons in the filter bar (PDF, PPTX): queued like chart images, always
suppressed (exports/report.py makes the file)."""

from __future__ import annotations

import logging

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.chart_downloads import (
    POLL_MS,
    collect_export,
    poll_peek,
    scoped_filters,
    submit_export,
    suppression_tip,
)
from dashboard.export_queue import QueueFull, status_text
from exports.report import report_filename, report_to_bytes
from warehouse.query import Filters, Warehouse, WarehouseMissing, open_warehouse

log = logging.getLogger(__name__)

REPORT_FORMATS = ("pdf", "pptx")
REPORT_TICKET, REPORT_POLL = "report-ticket", "report-poll"


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
    return report_payload(fmt, wh, scoped_filters(wh, search))


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
        f = scoped_filters(wh, search)  # narrowed to the user here, in the request
        ticket = submit_export("report", "report pack", fmt, search,
                               lambda: report_payload(fmt, wh, f))
        return no_update, status_text(poll_peek(ticket), "report"), ticket, False, True, True
    except (WarehouseMissing, QueueFull) as e:
        return no_update, str(e), no_update, True, False, False
    except Exception as e:
        log.exception("report %s failed", fmt)
        return no_update, f"Could not make the report: {e}", no_update, True, False, False


def register_report_callbacks(app: Dash) -> None:
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
