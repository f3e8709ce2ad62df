"""Alternative text of a report chart, for screen readers (the PPTX picture's description):
what kind of chart, its title, the filters and the period, and its key numbers, read from the
section's own table (so the text says exactly what the table and the chart show)."""

from __future__ import annotations

import pandas as pd

MAX_ROWS_IN_FULL = 10  # a longer table is summarised by its first and last rows


def chart_kind(figure) -> str:
    """'Bar chart', 'Line chart', 'Bar and line chart'; 'Small-multiple ... charts' when
    faceted. Marker-only traces (event marks, suppressed-cell marks) do not name the kind
    unless they are all there is ('Dot chart')."""
    kinds: list[str] = []
    for trace in getattr(figure, "data", ()):
        kind = getattr(trace, "type", None) or "chart"
        if kind == "scatter":
            kind = "line" if "lines" in (getattr(trace, "mode", None) or "lines") else "dot"
        kinds.append(kind if kind in ("bar", "line", "dot") else "chart")
    named = sorted(set(kinds) - {"dot"}) or sorted(set(kinds)) or ["chart"]
    name = " and ".join(named)
    layout = getattr(figure, "layout", None)
    faceted = layout is not None and getattr(layout, "xaxis2", None) is not None \
        and layout.xaxis2.domain is not None
    return f"Small-multiple {name} charts" if faceted else f"{name.capitalize()} chart"


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
    return f"{_row(table, 0)}; … ; {_row(table, n - 1)} ({n} rows in all)."


def alt_text(section, ctx, where: str) -> str:
    """The description of `section`'s chart; `where` says where its table is ('in the table
    beside the chart', 'in the table on the next slide')."""
    kind = chart_kind(section.figure)
    suppressed = (f" Values under {ctx.min_count} are suppressed (\"<{ctx.min_count}\")."
                  if ctx.suppressed and section.hidden else "")
    return (f"{kind}: {section.title}. Filters: {ctx.programs_text}; {ctx.boroughs_text}. "
            f"Period: {ctx.window}. Key numbers: {key_numbers(section.table)}{suppressed} "
            f"Every number is {where}.")
