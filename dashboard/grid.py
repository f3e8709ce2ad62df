"""A chart's numbers as a sortable, filterable table (Dash AG Grid, served from the package).

Cells hold the numbers themselves (so sorting is numeric) and show them with the same formats
as the cards and the Markdown tables had (charts.format: 13,640, $284,000,000, 21.8%);
suppressed cells hold their marker ("<11"), shown as it is.
"""

from __future__ import annotations

import dash_ag_grid as dag
import numpy as np
import pandas as pd

from charts.style import program_name
from dashboard import ids

AUTO_HEIGHT_ROWS = 15  # taller tables scroll inside the grid


def _d3(spec: str) -> dict:
    # A suppression marker is a string: shown as it is, never formatted.
    # isNumber: dashboard/assets/dashAgGridFunctions.js (the grid's expressions have no typeof).
    return {"function": f"isNumber(params.value) ? d3.format('{spec}')(params.value)"
                        " : params.value"}


def column_format(col: str) -> dict | None:
    """The grid's valueFormatter for a column (None: shown as it is), mirroring
    charts.registry.format_column."""
    if col in ("year", "load_id", "latest_load_id"):
        return None
    if col.endswith("_usd"):
        return _d3("$,.0f")
    if col.endswith("_rate") or col.endswith("_share"):
        return _d3(".1%")
    if col.startswith("wage_"):
        return _d3("$,.2f")
    return _d3(",.0f")


def _cells(col: str, values: pd.Series, numeric: bool) -> list:
    """JSON-ready cells: numbers stay numbers (NaN -> empty), programs by name, months and
    times as sortable text. (From the column's array: iterating a Series costs more.)"""
    if col == "program":
        return [program_name(v) for v in values.to_numpy()]
    if col == "month":
        return [None if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m}" for v in values]
    if col.endswith("_at"):
        return [None if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M}" for v in values]
    if numeric:
        # As Python floats (tolist): NaN is the one value unequal to itself.
        arr = values.to_numpy(dtype=float, na_value=np.nan).tolist()
        return [None if v != v else (int(v) if v.is_integer() else v) for v in arr]
    if pd.api.types.is_string_dtype(values.dtype):
        values = values.to_numpy()  # the same objects
    return [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v
            for v in values]


def data_grid(chart_id: str, df: pd.DataFrame, labels: dict[str, str], max_rows: int,
              mask: pd.DataFrame | None = None, display: pd.DataFrame | None = None
              ) -> dag.AgGrid:
    """The grid of `df` (first `max_rows` rows), headers from `labels` ({column: label});
    with `mask`/`display` (small-cell suppression), hidden cells show their marker."""
    if len(df) > max_rows:
        df = df.head(max_rows)
    cols = [c for c in df.columns if not (c == "program_name" and "program" in df.columns)]
    fields = [f"c{i}" for i in range(len(cols))]  # safe field names for the grid
    numeric = [pd.api.types.is_numeric_dtype(df[c].dtype) for c in cols]
    columns = []
    for c, is_number in zip(cols, numeric, strict=True):
        cells = _cells(c, df[c], is_number)
        if mask is not None and c in mask.columns and display is not None:
            hidden = mask[c].head(max_rows).to_numpy(dtype=bool)
            shown = display[c].head(max_rows).to_numpy()
            cells = [str(shown[i]) if hidden[i] else v for i, v in enumerate(cells)]
        columns.append(cells)
    rows = [dict(zip(fields, row, strict=True)) for row in zip(*columns, strict=True)]
    column_defs = []
    for c, field, is_number in zip(cols, fields, numeric, strict=True):
        numeric_filter = is_number and c not in ("year",)
        d = {"field": field, "headerName": labels.get(c, c),
             "filter": "agNumberColumnFilter" if numeric_filter else "agTextColumnFilter",
             "type": "rightAligned" if numeric_filter else None}
        formatter = column_format(c) if is_number else None
        if formatter:
            d["valueFormatter"] = formatter
        column_defs.append({k: v for k, v in d.items() if v is not None})
    auto = len(rows) <= AUTO_HEIGHT_ROWS
    return dag.AgGrid(
        id=ids.chart_dom_id("table-view", chart_id),
        rowData=rows,
        columnDefs=column_defs,
        defaultColDef={"sortable": True, "filter": True, "floatingFilter": True,
                       "resizable": True, "minWidth": 110, "flex": 1},
        dashGridOptions={"domLayout": "autoHeight" if auto else "normal",
                         "ensureDomOrder": True, "suppressMenuHide": False},
        columnSize="responsiveSizeToFit",
        className="ag-theme-alpine data-grid",
        style={"height": None if auto else "420px", "width": "100%"},
    )
