"""A chart's exported table made readable for the XLSX download: program names instead of
codes, the dashboard's column headers, rates as percentages and dollars as currency (the cell
values stay numbers; exports.tables.to_xlsx_bytes applies the formats)."""

from __future__ import annotations

import pandas as pd

from charts.registry import column_label
from charts.style import program_name
from warehouse.metrics import METRICS


def readable_xlsx(table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """(the table with program names, the keyword arguments of `to_xlsx_bytes`: headers,
    percent_cols, money_cols)."""
    out = table.copy()
    if "program" in out.columns:
        out["program"] = [program_name(p) for p in out["program"]]
        if "program_name" in out.columns:
            out = out.drop(columns=["program_name"])
    percent = [c for c in out.columns if c.endswith("_rate") or c.endswith("_share")]
    money = {c: c for c in out.columns
             if c.endswith("_usd") or (c in METRICS and METRICS[c].unit == "usd")}
    headers = {c: column_label(c) for c in out.columns}
    return out, {"headers": headers, "percent_cols": percent, "money_cols": money}
