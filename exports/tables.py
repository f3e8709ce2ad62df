"""Data files: a DataFrame as CSV or XLSX bytes, headed by what the numbers are.

Both formats open with a header block (title, source, filters, as-of date, data notice,
suppression note); in CSV every header line starts with "#" and a blank line separates it from
the table, in XLSX the block sits above the table on the "Data" sheet and an "About" sheet
lists the definitions. Suppression is the caller's job (pass a suppressed frame, see
`warehouse.suppression`); `suppressed` in the context only words the note.

Formula injection: a text cell that starts with =, +, -, @, tab or carriage return is
prefixed with an apostrophe, so no spreadsheet runs it as a formula. Numbers stay numbers (a
negative number is a number, not text).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from charts.export_context import ExportContext
from warehouse.metrics import METRICS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_text(s: str) -> str:
    """Neutralize a text cell a spreadsheet would read as a formula."""
    return "'" + s if s.startswith(FORMULA_STARTS) else s


def safe_value(v: object) -> object:
    """A cell value ready to write: numbers as numbers, text escaped, missing as None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        x = float(v)
        return None if math.isnan(x) else x
    if isinstance(v, pd.Timestamp):
        return v.date() if v == v.normalize() and v.tzinfo is None else v.isoformat()
    if hasattr(v, "isoformat") and not isinstance(v, str):
        return v
    return escape_text(str(v))


def column_label(col: str) -> str:
    m = METRICS.get(col)
    return m.label if m else str(col).replace("_", " ").capitalize()


def definitions(columns) -> list[tuple[str, str, str]]:
    """(column, label, definition) for the catalogue metrics among `columns`."""
    return [(c, METRICS[c].label, METRICS[c].definition) for c in columns if c in METRICS]


# -- CSV --------------------------------------------------------------------------------------
def to_csv_bytes(df: pd.DataFrame, ctx: ExportContext | None = None, title: str = "",
                 header: bool = True) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads the dashes and accents): header block, blank line,
    table. With `header=False` or no context, just the table."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if header and ctx is not None:
        for label, value in ctx.header_rows(title or "Outcomes export"):
            w.writerow([escape_text(f"# {label}: {value}")])
        for col, label, definition in definitions(df.columns):
            w.writerow([escape_text(f"# {col} ({label}): {definition}")])
        w.writerow([])
    write_csv_rows(w, df)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv_rows(writer, df: pd.DataFrame) -> None:
    """The column names and rows of `df` through a csv writer, every cell `safe_value`d (text
    that a spreadsheet would run as a formula is escaped)."""
    writer.writerow([safe_value(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow(["" if (v := safe_value(x)) is None else v for x in row])


def csv_text(df: pd.DataFrame) -> str:
    """`df` as plain CSV text (no header block, no BOM), escaped like the downloads: what the
    CLI's `--format csv` prints."""
    buf = io.StringIO()
    write_csv_rows(csv.writer(buf, lineterminator="\n"), df)
    return buf.getvalue()


# -- XLSX -------------------------------------------------------------------------------------
def _xlsx_cell(ws, row: int, col: int, value: object):
    v = safe_value(value)
    if isinstance(v, str):
        v = _ILLEGAL_XLSX.sub("", v)
    cell = ws.cell(row=row, column=col, value=v)
    if isinstance(v, str):
        cell.data_type = "s"  # never a formula, whatever the text
    return cell


def to_xlsx_bytes(df: pd.DataFrame, ctx: ExportContext | None = None, title: str = "",
                  money_cols: Mapping[str, str] | None = None, sheet: str = "Data",
                  headers: Mapping[str, str] | None = None,
                  percent_cols: Iterable[str] = ()) -> bytes:
    """An XLSX workbook: the "Data" sheet (header block, then the table, frozen under its
    column names) and an "About" sheet (notes and definitions). Money columns get a dollar
    format; pass `money_cols` or they are taken from the metric catalogue. `headers` gives
    readable column headers ({column: header}); `percent_cols` are ratios shown as 21.8%."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    money = set(money_cols or ()) | {c for c in df.columns
                                      if c in METRICS and METRICS[c].unit == "usd"}
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    bold = Font(bold=True)
    r = 1
    if ctx is not None:
        _xlsx_cell(ws, r, 1, title or "Outcomes export").font = Font(bold=True, size=14)
        r += 1
        for label, value in ctx.header_rows(title or "Outcomes export")[1:]:
            _xlsx_cell(ws, r, 1, label).font = bold
            c = _xlsx_cell(ws, r, 2, value)
            if label == "Data notice" and ctx.is_demo or label == "Suppression" \
                    and not ctx.suppressed:
                c.font = Font(bold=True, color="C00000")
            r += 1
        r += 1
    head_row = r
    fill = PatternFill("solid", fgColor="DDE4EE")
    percent = set(percent_cols)
    for j, col in enumerate(df.columns, start=1):
        cell = _xlsx_cell(ws, r, j, str((headers or {}).get(col, col)))
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in df.itertuples(index=False, name=None):
        r += 1
        for j, (col, x) in enumerate(zip(df.columns, row, strict=True), start=1):
            cell = _xlsx_cell(ws, r, j, x)
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = ("0.0%" if col in percent else
                                      "0" if col in ("year", "load_id") else
                                      "$#,##0.00" if col in money else "#,##0")
            elif isinstance(cell.value, str) and cell.value.startswith("<"):
                cell.alignment = Alignment(horizontal="right")
    ws.freeze_panes = ws.cell(row=head_row + 1, column=1)
    for j, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)]) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 10), 40)
    if ctx is not None:
        ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 16)

    about = wb.create_sheet("About")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 110
    ar = 1
    rows = ctx.header_rows(title or "Outcomes export") if ctx else [("Title", title)]
    for label, value in rows:
        _xlsx_cell(about, ar, 1, label).font = bold
        _xlsx_cell(about, ar, 2, value).alignment = Alignment(wrap_text=True, vertical="top")
        ar += 1
    ar += 1
    defs = definitions(df.columns)
    if defs:
        _xlsx_cell(about, ar, 1, "Definitions").font = Font(bold=True, size=12)
        ar += 1
        for col, label, definition in defs:
            _xlsx_cell(about, ar, 1, col).font = bold
            _xlsx_cell(about, ar, 2, f"{label}: {definition}").alignment = Alignment(
                wrap_text=True, vertical="top")
            ar += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
