"""Suppressed is not zero: a hidden cell is drawn as a marked placeholder, never as a gap.

A chart drawn from suppressed numbers (`SafeChart.values`, hidden cells NaN) would show a
hidden cell as a missing bar or a break in a line, which reads as zero or as a missing year.
`mark_hidden` adds, for every hidden cell, a grey open marker labelled "<11" (or "hidden", for
a larger value hidden by complementary suppression) where the value would be: at the threshold
for a count (a small value is somewhere below the mark), on the axis for a dollar figure or a
ratio (there is no ceiling to show), with a hover saying what is suppressed and why, and one
legend entry ("Suppressed: fewer than 11"). The frame's key columns say where: the year,
month, months from entry (the impact chart), borough, bin or program (horizontal bars) of the
row; charts of several panels (one per program, one per metric) put the mark on the panel's
axes.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from charts.registry import column_label, get_chart
from charts.style import MUTED_INK, program_name

SUPPRESSED_LEGEND = "Suppressed: fewer than {n}"
MARK = {"color": MUTED_INK, "symbol": "square-open", "size": 11, "line": {"width": 1.5}}
# Charts of horizontal bars: the category axis is y, labelled by program (or sector).
HORIZONTAL = {"program_summary": "program", "arrears_totals": "program",
              "referral_funnel": "program", "ff_sectors": "sector"}
# Panels: the traces of a panel are recognized by their hover text's start.
PANELS_BY_PROGRAM = ("served_vs_graduates",)
# Line charts with one panel per program, whose hover text starts "<program name>, ".
LINE_PANELS_BY_PROGRAM = ("impact_event_study",)
UNSUPPRESSIBLE = ("referral_flows",)  # a sankey has no place for a mark: a note says it


def _label(col: str) -> str:
    return column_label(col)


def _is_count(col: str) -> bool:
    return not (col.endswith("_usd") or col.endswith("_rate"))


def _position(chart_id: str, row: pd.Series):
    """The category or x value of a frame row in its chart."""
    if chart_id in HORIZONTAL:
        key = HORIZONTAL[chart_id]
        v = row[key]
        return program_name(v) if key == "program" else str(v).replace("_", " ").capitalize()
    if "year" in row.index:
        return int(row["year"])
    if "month" in row.index:
        return f"{pd.Timestamp(row['month']):%Y-%m-%d}"
    if "rel" in row.index:  # months from program entry (impact_event_study)
        return int(row["rel"])
    if "borough" in row.index:
        return row["borough"]
    if "wage_from" in row.index:
        return float(row["wage_from"]) + (float(row["wage_to"]) - float(row["wage_from"])) / 2
    if "days_from" in row.index:
        return float(row["days_from"]) + 15
    return None


def _axes_of(spec: dict, chart_id: str, row: pd.Series, col: str) -> tuple[str, str]:
    """The (x, y) axes the row's value is drawn on: a program's panel, a metric's panel, or
    the only axes."""
    traces = spec.get("data", [])
    if chart_id in PANELS_BY_PROGRAM and "program" in row.index:
        name = program_name(row["program"])
        for t in traces:
            if str(t.get("hovertemplate", "")).startswith(name + " ") and t.get("type") == "bar":
                return t.get("xaxis", "x"), t.get("yaxis", "y")
    if chart_id in LINE_PANELS_BY_PROGRAM and "program" in row.index:
        name = program_name(row["program"])
        for t in traces:
            if str(t.get("hovertemplate", "")).startswith(name + ", "):
                return t.get("xaxis", "x"), t.get("yaxis", "y")
    if chart_id == "overview_trends":
        label = _label(col)
        for t in traces:
            if str(t.get("name", "")).startswith(label.split(" (")[0]):
                return t.get("xaxis", "x"), t.get("yaxis", "y")
    return "x", "y"


def hidden_cells(chart_id: str, safe) -> list[tuple[int, str]]:
    """(row, column) of every hidden value cell the chart draws."""
    chart = get_chart(chart_id)
    # A rate hidden with its inputs is marked by their marks (a mark at 0 would read as 0%).
    drawn = (set(chart.value_columns) | {"graduates", "participants_served"}) - (
        {"graduation_rate"} if chart_id == "served_vs_graduates" else set())
    out = []
    for col in safe.mask.columns:
        if col in drawn and col in safe.values.columns:
            out += [(i, col) for i in np.flatnonzero(safe.mask[col].to_numpy(dtype=bool))]
    return out


def mark_hidden(spec: dict, chart_id: str, safe) -> dict:
    """`spec` with a marked placeholder for every hidden cell (see the module docstring)."""
    if not safe.suppressed or not safe.n_hidden or not spec.get("data"):
        return spec
    n = safe.min_count
    cells = hidden_cells(chart_id, safe)
    if not cells:
        return spec
    layout = dict(spec["layout"])
    if chart_id in UNSUPPRESSIBLE:
        note = {"text": f"{len(cells)} flow(s) of fewer than {n} referrals suppressed, not drawn",
                "xref": "paper", "yref": "paper", "x": 0, "y": -0.04, "showarrow": False,
                "xanchor": "left", "yanchor": "top", "font": {"size": 11, "color": MUTED_INK}}
        layout["annotations"] = [*layout.get("annotations", []), note]
        return {"data": spec["data"], "layout": layout}
    # One mark per position and axes; its hover lists what is suppressed there.
    marks: dict[tuple, list[str]] = defaultdict(list)
    values = safe.values
    for i, col in cells:
        row = values.iloc[i]
        pos = _position(chart_id, row)
        if pos is None:
            continue
        axes = _axes_of(spec, chart_id, row, col)
        level = float(n) if _is_count(col) else 0.0
        what = _label(col)
        if "program" in row.index and chart_id not in HORIZONTAL:
            what = f"{program_name(row['program'])}: {what}"
        if "group" in row.index:  # impact: the cohort or its comparison group
            what = f"{what} ({row['group']})"
        small = safe.primary is None or bool(safe.primary[col].iloc[i])
        marks[(axes, pos, level)].append((what, small))
    horizontal = chart_id in HORIZONTAL
    traces = []
    for k, ((xr, yr), pos, level) in enumerate(sorted(marks, key=str)):
        here = marks[((xr, yr), pos, level)]
        hover = "<br>".join(dict.fromkeys(
            w if small else f"{w} (hidden to protect a value under {n})" for w, small in here))
        small_here = any(small for _, small in here)
        x, y = (level, pos) if horizontal else (pos, level)
        traces.append({
            "type": "scatter", "x": [x], "y": [y], "xaxis": xr, "yaxis": yr,
            "mode": "markers+text", "marker": MARK,
            "text": [f"<{n}" if small_here else "hidden"],
            "textposition": "middle right" if horizontal else "top center",
            "textfont": {"size": 10, "color": MUTED_INK}, "cliponaxis": False,
            "name": SUPPRESSED_LEGEND.format(n=n), "legendgroup": "suppressed",
            "showlegend": k == 0 and layout.get("showlegend", True) is not False,
            "hovertemplate": f"Suppressed: fewer than {n}, or hidden so that such a value "
                             f"cannot be worked out by subtraction<br>{hover}<extra></extra>",
        })
    return {"data": [*spec["data"], *traces], "layout": layout}
