"""A chart as a file: a print-ready figure (PNG, SVG, PDF) or its numbers (CSV, XLSX), each with
the export's header or footnote (filters, as-of date, data notice, suppression); the dashboard's
download buttons and the CLI use these. The suppressed numbers come from charts.safe."""

from __future__ import annotations

import plotly.graph_objects as go

from charts.export_context import ExportContext, export_context
from charts.safe import (
    SUPPRESSED_NOTE,
    SafeChart,
    chart_table,
    chart_title,
    safe_chart_data,
    safe_figure,
)
from exports.images import figure_bytes, print_ready
from exports.tables import to_csv_bytes, to_xlsx_bytes
from exports.xlsx_table import readable_xlsx
from warehouse.query import Filters, Warehouse


def export_figure(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                  suppress: bool = True, min_count: int | None = None,
                  ctx: ExportContext | None = None, safe: SafeChart | None = None,
                  footnote: bool = True) -> go.Figure:
    """A print-ready figure: suppressed numbers, fixed size, and a footnote with the filters,
    the as-of date, the data notice and the suppression note."""
    f = wh.resolve(filters or Filters())
    ctx = ctx or export_context(wh, f, suppressed=suppress, min_count=min_count)
    if safe is None:
        safe = safe_chart_data(chart_id, wh, f, suppress=ctx.suppressed,
                               min_count=ctx.min_count)
    fig = safe_figure(chart_id, wh, f, safe=safe)
    height = int(fig.layout.height or 0)
    note = ctx.footnote if footnote else None
    if note and safe.n_hidden:
        note += " " + SUPPRESSED_NOTE.format(n=ctx.min_count)
    return print_ready(fig, footnote=note, height=max(560, min(height + 60, 1400)))


def chart_image(chart_id: str, wh: Warehouse, filters: Filters | None = None,
                fmt: str = "png", *, suppress: bool = True, min_count: int | None = None,
                scale: float | None = None) -> bytes:
    """PNG, SVG or PDF bytes of the chart, ready to print (dashboard download button)."""
    fig = export_figure(chart_id, wh, filters, suppress=suppress, min_count=min_count)
    return figure_bytes(fig, fmt, height=int(fig.layout.height), scale=scale)


def chart_file(chart_id: str, wh: Warehouse, filters: Filters | None = None,
               fmt: str = "csv", *, suppress: bool = True,
               min_count: int | None = None) -> bytes:
    """The chart's numbers as a CSV or XLSX file with its header block."""
    f = wh.resolve(filters or Filters())
    ctx = export_context(wh, f, suppressed=suppress, min_count=min_count)
    table = chart_table(chart_id, wh, f, suppress=suppress, min_count=ctx.min_count)
    title = chart_title(chart_id, wh, f)
    if fmt == "csv":
        return to_csv_bytes(table, ctx, title)
    if fmt == "xlsx":  # for people: program names, readable headers, rates as percentages
        table, options = readable_xlsx(table)
        return to_xlsx_bytes(table, ctx, title, **options)
    raise ValueError(f"unknown data format {fmt!r}; csv or xlsx")


def download_filename(chart_id: str, wh: Warehouse, filters: Filters | None, ext: str) -> str:
    """A descriptive file name: e.g. arrears_by_year_2009-2023_Bronx.png."""
    f = wh.resolve(filters or Filters())
    parts = [chart_id, f"{f.from_year}-{f.to_year}" if f.from_year != f.to_year
             else str(f.from_year)]
    parts += [p.lower() for p in f.programs] + [b.replace(" ", "-") for b in f.boroughs]
    name = "_".join(parts)
    return (name[:120] if len(name) > 120 else name) + "." + ext
