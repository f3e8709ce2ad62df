"""The Indicators page's downloads: its targets-against-actuals table as CSV and XLSX.

The rows are `warehouse.indicators.indicators` for the page's programs (the URL's program
filter narrowed to the user's scope, dashboard/scope.py): exactly what `outcomes indicators
--program ... --format csv` prints, the same columns in the same order. The CSV is that table
under the usual header block; the XLSX is made readable (program names, metric labels, headers
in words, each actual and target formatted by its metric's unit: dollars as currency, counts
with separators, rates as percentages).

Like every dashboard download, these are suppressed: an actual resting on 1 to threshold - 1
people shows as "<11" (the page does the same with suppression on).
"""

from __future__ import annotations

import io

import pandas as pd
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from charts.export_context import ExportContext, export_context
from charts.style import program_name
from dashboard import ids, scope
from dashboard.access_log import record_export
from dashboard.page_parts import get_warehouse
from dashboard.url_state import parse_search
from exports.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv_bytes, to_xlsx_bytes
from warehouse.indicators import COLUMNS, actuals, indicators
from warehouse.metrics import METRICS
from warehouse.query import Filters, Warehouse
from warehouse.suppression import marker, threshold

TITLE = "Indicators: targets and actuals"
BUTTON = {"csv": "indicators-download-csv", "xlsx": "indicators-download-xlsx"}
DOWNLOAD, STATUS = "indicators-download", "indicators-download-status"
HEADERS = {"program": "Program", "metric": "Metric", "period": "Period", "actual": "Actual",
           "target": "Target", "direction": "Better when the actual goes", "status": "Status"}
NUMBER_FORMATS = {"usd": "$#,##0.00", "count": "#,##0", "rate": "0.0%", "share": "0.0%"}


class IndicatorContext(ExportContext):
    """The export context of the Indicators table: only the program filter applies (a target
    names its own period; boroughs are not asked of targets)."""

    @property
    def filters_text(self) -> str:
        return (f"Programs: {self.programs_text}. Years and boroughs do not apply: each target "
                "names its own period.")


def indicator_rows(wh: Warehouse, programs: tuple[str, ...], *, suppress: bool = True,
                   min_count: int | None = None) -> pd.DataFrame:
    """The rows of `outcomes indicators` for `programs`; suppressed: an actual whose base (the
    count itself, or the people a dollar figure rests on) is 1..threshold-1 becomes "<n"."""
    df = indicators(wh, programs)
    if not suppress or df.empty:
        return df
    n = threshold(min_count)
    by_period = {p: actuals(wh, p) for p in df["period"].unique()}
    base = [float(by_period[r.period].loc[r.program, METRICS[r.metric].base_count or r.metric])
            for r in df.itertuples()]
    hidden = [0 < b < n for b in base]
    if any(hidden):
        df = df.astype({"actual": object})
        df.loc[hidden, "actual"] = marker(n)
    return df


def context(wh: Warehouse, programs: tuple[str, ...], *, suppress: bool = True,
            min_count: int | None = None) -> IndicatorContext:
    base = export_context(wh, Filters(programs=programs), suppressed=suppress,
                          min_count=min_count)
    return IndicatorContext(**{k: getattr(base, k) for k in base.__dataclass_fields__})


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """The table for people: program names, metric labels (the values stay numbers)."""
    out = df[COLUMNS].copy()
    out["program"] = ["All programs" if p == "ALL" else program_name(p) for p in out["program"]]
    out["metric"] = [METRICS[m].label if m in METRICS else m for m in df["metric"]]
    return out


def indicators_csv(wh: Warehouse, programs: tuple[str, ...], **kw) -> bytes:
    rows = indicator_rows(wh, programs, **kw)
    return to_csv_bytes(rows, context(wh, programs, **kw), TITLE)


def indicators_xlsx(wh: Warehouse, programs: tuple[str, ...], **kw) -> bytes:
    from openpyxl import load_workbook

    rows = indicator_rows(wh, programs, **kw)
    data = to_xlsx_bytes(readable(rows), context(wh, programs, **kw), TITLE, headers=HEADERS)
    # Actual and target share a column across metrics of different units: format each row by
    # its metric's unit.
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Data"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == HEADERS["program"])
    cols = [COLUMNS.index(c) + 1 for c in ("actual", "target")]
    for i, metric in enumerate(rows["metric"], start=head + 1):
        unit = METRICS[metric].unit if metric in METRICS else "count"
        for c in cols:
            cell = ws.cell(i, c)
            if isinstance(cell.value, int | float):
                cell.number_format = NUMBER_FORMATS.get(unit, "#,##0")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(fmt: str, programs: tuple[str, ...]) -> str:
    which = "_".join(p.lower() for p in programs) if programs else "all"
    return f"outcomes_indicators_{which}.{fmt}"


def indicators_download(fmt: str, search: str | None, wh: Warehouse | None = None) -> dict:
    """The dcc.Download payload for the page's table: the URL's programs, narrowed to the
    user's scope (parse_search does that)."""
    if fmt not in BUTTON:
        raise ValueError(f"indicators download format must be csv or xlsx, not {fmt!r}")
    wh = wh if wh is not None else get_warehouse()
    programs = parse_search(search, wh.data_years()).programs
    make = indicators_csv if fmt == "csv" else indicators_xlsx
    media = CSV_MEDIA_TYPE if fmt == "csv" else XLSX_MEDIA_TYPE
    return dcc.send_bytes(make(wh, programs), filename(fmt, programs), type=media)


def download_bar() -> html.Div:
    tip = (f"Downloads always suppress counts under {threshold()} (shown as <{threshold()}): "
           "they are meant for publishing.")
    return html.Div(
        [html.Span("Download this table", className="filter-label"),
         html.Button("CSV", id=BUTTON["csv"], n_clicks=0,
                     title=f"The targets and actuals (CSV, as `outcomes indicators`). {tip}",
                     className="button button-secondary button-small"),
         html.Button("XLSX", id=BUTTON["xlsx"], n_clicks=0,
                     title=f"The targets and actuals (Excel workbook). {tip}",
                     className="button button-secondary button-small"),
         html.Span(id=STATUS, className="export-status", role="alert"),
         dcc.Download(id=DOWNLOAD)],
        className="export-bar indicators-downloads", role="group",
        **{"aria-label": "Download the indicators table"})


def _on_download(csv_clicks, xlsx_clicks, search):
    fmt = next((f for f, i in BUTTON.items() if i == ctx.triggered_id), None)
    if fmt is None or not (csv_clicks or xlsx_clicks):
        return no_update, no_update
    try:
        payload = indicators_download(fmt, search)
    except scope.AccessDenied as e:
        return no_update, str(e)
    record_export("indicators", "indicators", fmt, search)
    return payload, ""


def register_download_callbacks(app: Dash) -> None:
    app.callback(Output(DOWNLOAD, "data"), Output(STATUS, "children"),
                 Input(BUTTON["csv"], "n_clicks"), Input(BUTTON["xlsx"], "n_clicks"),
                 State(ids.URL, "search"), prevent_initial_call=True)(_on_download)
