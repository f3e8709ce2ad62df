"""Alternative text of a report chart, for screen readers (the PPTX picture's description):
what kind of chart, its title, the filters and the period, and its key numbers, read from the
section's own table (so the text says exactly what the table and the chart show)."""

from __future__ import annotations

import pandas as pd

MAX_ROWS_IN_FULL = 8  # a longer table is summarised by its first and last rows


def chart_kind(figure) -> str:
    """'Bar chart', 'Line chart', 'Bar and line chart'; 'Small-multiple ...' when faceted."""
    types = set()
    for trace in getattr(figure, "data", ()):
        kind = getattr(trace, "type", None) or "chart"
        if kind == "scatter":
            mode = getattr(trace, "mode", None) or "lines"
            kind = "line" if "lines" in mode else "dot"
        if getattr(trace, "showlegend", None) is False and kind == "dot":
            continue  # marks of suppressed cells, not data
        types.add({"bar": "bar", "line": "line", "dot": "dot"}.get(kind, "chart"))
    name = " and ".join(sorted(types)) if types else "chart"
    faceted = bool(getattr(figure, "layout", None) is not None
                   and getattr(figure.layout, "xaxis2", None) is not None
                   and figure.layout.xaxis2.domain is not None)
    prefix = "Small-multiple " if faceted else ""
    return (prefix + name + " chart").capitalize() if not prefix else prefix + name + " charts"


def _row(table: pd.DataFrame, i: int) -> str:
    row = table.iloc[i]
    values = ", ".join(f"{c} {row[c]}" for c in table.columns[1:])
    return f"{row.iloc[0]}: {values}"


def key_numbers(table: pd.DataFrame) -> str:
    """The table's rows as sentences: all of them, or the first and last of a long table."""
    if table.empty:
        return ""
    n = len(table)
    if n <= MAX_ROWS_IN_FULL:
        return "; ".join(_row(table, i) for i in range(n)) + "."
    return (f"{_row(table, 0)}; … ; {_row(table, n - 1)} ({n} rows of "
            f"{str(table.columns[0]).lower()} in all).")


def alt_text(section, ctx, where: str) -> str:
    """The description of `section`'s chart; `where` says where its table is ('in the table
    beside the chart', 'in the table on the next slide')."""
    kind = chart_kind(section.figure)
    suppressed = (f" Values under {ctx.min_count} are suppressed (\"<{ctx.min_count}\")."
                  if ctx.suppressed and section.hidden else "")
    return (f"{kind}: {section.title}. Filters: {ctx.programs_text}; {ctx.boroughs_text}. "
            f"Period: {ctx.window}. Key numbers: {key_numbers(section.table)}{suppressed} "
            f"Every number is {where}.")
