"""Figure builders: DataFrame in, plotly Figure out.

Every builder is pure (no I/O, no Dash, no warehouse), deterministic (same frame, same figure)
and self-explaining (title, axis titles with units, hovers with formatted numbers), so the
dashboard, the static exports and the notebooks draw the same charts. An empty frame gives a
figure that says so, never a blank plot.

Builders write each figure as plain dicts, a "spec" ({"data": [traces], "layout": {...}}, what
plotly.js draws): `name(df, ...)` returns the `go.Figure` (exports, notebooks) and
`name.spec(df, ...)` the spec itself, which the dashboard sends to the browser as it is. Neither
goes through plotly's property validation: validating and merging through `update_layout`,
`add_trace` and `make_subplots` cost 50–400 ms per figure, most of a page's time. The checks
are not lost, they moved to the tests: tests/test_figures.py validates every builder's output
against plotly's schema and requires it to be unchanged by validation.

Frames have the columns that `charts.registry` documents for each chart; most are slices of
the program metric table (warehouse/sql/queries/program_metrics.sql).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from charts import format as fmt
from charts.events import FF_ENROLLMENT_WINDOW, ProgramEvent
from charts.figure_spec import (  # noqa: F401  (the spec helpers, named here for the builders' readers)
    NO_DATA,
    _axis_key,
    _title,
    _values,
    _whole_ticks,
    as_figure,
    builder,
    empty_figure,
    layout,
    merged,
    plain_text,
    spec,
    subplot_grid,
    xaxis,
    yaxis,
)
from charts.frames import any_nonzero
from charts.style import (
    CHART_TEMPLATE,
    EVENT_LINE,
    GRID,
    INK,
    MUTED_INK,
    PROGRAM_ORDER,
    RATE_LINE,
    SHADE,
    STAGE_COLORS,
    program_color,
    program_name,
)
from core.periods import GRAIN_NOUNS, month_index, parse_period, periods_between
from warehouse.metrics import METRICS

__all__ = [
    "NO_DATA",
    "arrears_by_year",
    "arrears_cumulative",
    "arrears_program_totals",
    "as_figure",
    "avg_reduction_by_year",
    "dq_loads",
    "dq_rejects",
    "dq_warnings",
    "empty_figure",
    "ff_placements",
    "ff_sectors",
    "ff_time_to_placement",
    "ff_wages",
    "ncps_by_year",
    "new_enrollments",
    "overview_trends",
    "program_summary",
    "referral_flows",
    "referral_funnel",
    "served_by_borough",
    "served_vs_graduates",
    "sparkline",
    "spec",
    "subplot_grid",
]


# -- helpers ----------------------------------------------------------------------------------
def _programs_in(df: pd.DataFrame) -> list[str]:
    """The frame's programs in display order."""
    present = set(df["program"].to_numpy())
    ordered = [p for p in PROGRAM_ORDER if p in present]
    return ordered + sorted(present - set(ordered))


def _years_axis(years: Iterable[int], **kw) -> dict:
    """An x axis of calendar years (every year, or every other one when there are many)."""
    years = sorted({int(y) for y in years})
    step = 1 if len(years) <= 12 else 2
    return xaxis(**merged({"tickmode": "array", "tickvals": years[::step],
                           "ticktext": [str(y) for y in years[::step]],
                           "title": _title("Year")}, kw))


def _time(df: pd.DataFrame) -> str:
    """A frame's period column: `period` (labels such as FY2024, 2024-Q1) or `year`."""
    return "period" if "period" in df.columns else "year"


def period_labels(values: Iterable[str]) -> list[str]:
    """Every period from the first to the last of `values` (labels of one grain), in order,
    so that a period with no row still has its place on the axis."""
    spans = [parse_period(v) for v in set(values)]
    if not spans:
        return []
    return [p.label for p in periods_between(min(spans).first_month,
                                             max(spans).last_month, spans[0].grain)]


def _time_axis(values: Iterable, period_title: str | None = None, **kw) -> dict:
    """The x axis of a time chart: calendar years as before (`_years_axis`), or period labels
    on a category axis, every period in order, at most ~12 labelled ticks."""
    values = list(values)
    if not values or not isinstance(values[0], str):
        return _years_axis(values, **kw)
    labels = period_labels(values)
    grain = parse_period(labels[0]).grain
    ticks = _period_ticks(labels, grain)
    noun = GRAIN_NOUNS[grain][0]
    kw.pop("title", None)  # a year axis's title; the period axis names its grain
    return xaxis(**merged({"type": "category", "categoryorder": "array",
                           "categoryarray": labels, "tickmode": "array",
                           "tickvals": ticks, "ticktext": ticks,
                           "range": [-0.5, len(labels) - 0.5],
                           "title": _title(period_title or noun[0].upper() + noun[1:])}, kw))


def _period_ticks(labels: list[str], grain: str, most: int = 12) -> list[str]:
    """At most about `most` of the labels to write on the axis: every one when they fit; for
    many months or quarters, January (Q1) of every year or every few years."""
    step = max(1, math.ceil(len(labels) / most))
    per_year = {"month": 12, "quarter": 4}.get(grain)
    if per_year and step > 1:
        step = per_year * math.ceil(len(labels) / most / per_year)
        first = next((i for i, label in enumerate(labels)
                      if parse_period(label).first_month % 12 == 0), 0)
        return labels[first::step]
    return labels[::step]


def _year_position(d: date) -> float:
    """A date on an axis of integer years whose bars span year-0.5 .. year+0.5."""
    start = date(d.year, 1, 1)
    days = (date(d.year + 1, 1, 1) - start).days
    return d.year - 0.5 + (d - start).days / days


def event_position(d: date, axis: Sequence | None) -> float | str | None:
    """Where a date falls on a time axis: `axis` None is a date axis (the ISO date); integers
    are calendar years (`_year_position`); labels are periods on a category axis, whose
    category i spans i-0.5 .. i+0.5 (None when the date is in none of them)."""
    if axis is None:
        return d.isoformat()
    axis = list(axis)
    if not axis or not isinstance(axis[0], str):
        return _year_position(d)
    month = month_index(d)
    for i, label in enumerate(axis):
        p = parse_period(label)
        if p.first_month <= month <= p.last_month:
            return i - 0.5 + (d - p.start).days / ((p.end - p.start).days + 1)
    return None


EVENTS_LEGEND = "Program events and notes (hover ▼)"


def _events(events: Iterable[ProgramEvent], ymax: float = 0.0, date_axis: bool = False,
            axis: Sequence | None = None, refs: Sequence[tuple[str, str]] = (("x", "y"),),
            legend: bool = True) -> tuple[list[dict], dict]:
    """(traces, layout parts) marking program events and annotation notes on a time axis, on
    every panel of `refs`: a dotted vertical line at the date (a layout shape) and a numbered
    ▼ at the top of the panel with the note on hover (a layout annotation: it sits at the date
    on any axis, a category axis of periods included). The axis is calendar years (default,
    or `axis` of integers), dates (`date_axis`), or period labels (`axis` of labels). One
    legend entry says what the ▼ are. `ymax` is unused (kept for older callers)."""
    events = list(events)
    axis_values = None if date_axis else (axis if axis is not None else [0])
    placed = [(e, event_position(e.on, axis_values)) for e in events]
    placed = [(e, x) for e, x in placed if x is not None]
    if not placed:
        return [], {}
    shapes, notes = [], []
    for x_ref, y_ref in refs:
        for i, (e, x) in enumerate(placed):
            shapes.append({"type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1,
                           "xref": x_ref, "yref": f"{y_ref} domain", "layer": "below",
                           "line": {"color": EVENT_LINE, "width": 1, "dash": "dot"}})
            notes.append({"x": x, "xref": x_ref, "y": 1, "yref": f"{y_ref} domain",
                          "yanchor": "top", "showarrow": False, "text": f"{i + 1}<br>▼",
                          "font": {"size": 10, "color": EVENT_LINE},
                          "hovertext": plain_text(e.detail)})
    key = {"type": "scatter", "x": [None], "y": [None], "mode": "markers",
           "marker": {"symbol": "triangle-down", "size": 10, "color": EVENT_LINE},
           "name": EVENTS_LEGEND, "showlegend": legend, "hoverinfo": "skip",
           "hovertext": [plain_text(e.detail) for e, _ in placed]}
    return [key], {"shapes": shapes, "annotations": notes}


def with_marks(parts: dict, *more: dict) -> dict:
    """Layout parts whose shapes and annotations lists are joined (not replaced, as `merged`
    would) with those of `more`."""
    out = dict(parts)
    for m in more:
        for key in ("shapes", "annotations"):
            if m.get(key):
                out[key] = [*out.get(key, []), *m[key]]
    return out


def _max_stack(df: pd.DataFrame, value: str, by: str | None = None) -> float:
    if df.empty:
        return 0.0
    tops = df.groupby(by or _time(df))[value].sum()
    return float(max(tops.max(), 0.0)) if len(tops) else 0.0


def _nonempty(df: pd.DataFrame | None, *value_columns: str) -> bool:
    """Some value column is nonzero somewhere (NaN counts as zero)."""
    if df is None or df.empty:
        return False
    cols = [c for c in value_columns if c in df.columns]
    return not cols or any_nonzero(df, cols)


def _rows_in_order(df: pd.DataFrame, programs: Sequence[str]) -> dict[str, np.ndarray]:
    """The rows of these programs (one each) in this order, as {column: array}
    (`df.set_index("program").loc[programs]` without building an index)."""
    at = {p: i for i, p in enumerate(df["program"].to_numpy())}
    rows = np.array([at[p] for p in programs], dtype=int)
    return {c: df[c].to_numpy()[rows] for c in df.columns}


def _per_program(df: pd.DataFrame, sort: str | None = None):
    """(program, its rows sorted by `sort` (default: the period column) as {column: array}) in
    display order. Arrays, not frames: a frame per program costs more than the chart it is
    for."""
    order = np.argsort(df[sort or _time(df)].to_numpy(), kind="stable")
    columns = {c: df[c].to_numpy()[order] for c in df.columns}
    programs = columns["program"]
    for p in _programs_in(df):
        rows = programs == p
        yield p, {c: v[rows] for c, v in columns.items()}


def _program_lines(df: pd.DataFrame, column: str, label: str, marker_size: int = 5
                   ) -> list[dict]:
    """One line per program of `column` by period, in the program's colour."""
    x = _time(df)
    return [{
        "type": "scatter", "x": _values(d[x]), "y": _values(d[column]),
        "name": program_name(p), "mode": "lines+markers",
        "line": {"color": program_color(p), "width": 2}, "marker": {"size": marker_size},
        "hovertemplate": f"{program_name(p)} %{{x}}<br>{label}: %{{y:,.0f}}<extra></extra>",
    } for p, d in _per_program(df)]


# -- overview ---------------------------------------------------------------------------------
OVERVIEW_SERIES = (
    ("participants_served", METRICS["participants_served"].label, fmt.D3_COUNT),
    ("graduates", METRICS["graduates"].label, fmt.D3_COUNT),
    ("placements", METRICS["placements"].label, fmt.D3_COUNT),
    ("arrears_reduced_usd", "DSS arrears reduced ($)", fmt.D3_MONEY),
    ("ncps_with_reductions", METRICS["ncps_with_reductions"].label, fmt.D3_COUNT),
)


@builder
def overview_trends(df: pd.DataFrame, title: str = "",
                    events: Iterable[ProgramEvent] = ()) -> dict:
    """Small multiples: each headline total (summed over programs) per period, events marked
    on every panel.

    Columns: year (or period), participants_served, graduates, placements,
    arrears_reduced_usd, ncps_with_reductions.
    """
    series = [s for s in OVERVIEW_SERIES if s[0] in df.columns]
    if not _nonempty(df, *[s[0] for s in series]):
        return empty_figure.spec(title)
    grid, titles, refs = subplot_grid(1, len(series), [s[1] for s in series],
                                      horizontal_spacing=0.06)
    traces, axes = [], {}
    t = _time(df)
    for (col, label, d3), (x_ref, y_ref) in zip(series, refs, strict=True):
        traces.append({
            "type": "scatter", "x": _values(df[t]), "y": _values(df[col]),
            "mode": "lines+markers", "name": label, "showlegend": False,
            "line": {"color": INK, "width": 2}, "marker": {"size": 5},
            "hovertemplate": f"%{{x}}<br>{label}: %{{y:{d3}}}<extra></extra>",
            "xaxis": x_ref, "yaxis": y_ref,
        })
        x_axis = (xaxis(tickformat="d", nticks=4) if t == "year" else
                  _small_period_axis(df[t]))
        axes[_axis_key(x_ref)] = merged(grid[_axis_key(x_ref)], x_axis)
        axes[_axis_key(y_ref)] = merged(grid[_axis_key(y_ref)], yaxis(
            tickformat="$~s" if col.endswith("_usd") else "~s", rangemode="tozero"))
    for a in titles:
        a["font"] = {"size": 12, "color": MUTED_INK}
    markers, marks = _events(events, axis=_axis_values(df), refs=[r[:2] for r in refs],
                             legend=False)
    return spec(traces + markers, layout(title, 300, axes,
                                         **with_marks({"annotations": titles}, marks)))


def _axis_values(df: pd.DataFrame) -> list:
    """The positions of a time axis, for `_events`: every period label in order, or the
    years (any integer: calendar years are placed by date)."""
    t = _time(df)
    return period_labels(df[t]) if t == "period" else [int(v) for v in df[t][:1]] or [0]


def _small_period_axis(values) -> dict:
    """A period axis for a small panel: three or four labelled ticks, no title."""
    axis = _time_axis(values)
    labels = axis["categoryarray"]
    step = max(1, math.ceil(len(labels) / 3))
    return {**axis, "tickvals": labels[::step], "ticktext": labels[::step], "title": None}


@builder
def sparkline(df: pd.DataFrame, column: str, color: str = INK, d3: str = fmt.D3_COUNT
              ) -> dict:
    """A tiny trend line for a headline card (no axes; hover shows year and value)."""
    traces = []
    if df is not None and not df.empty and column in df.columns:
        traces.append({
            "type": "scatter", "x": _values(df[_time(df)]), "y": _values(df[column]),
            "mode": "lines", "line": {"color": color, "width": 2},
            "fill": "tozeroy", "fillcolor": "rgba(11, 92, 171, 0.08)",
            "hovertemplate": f"%{{x}}: %{{y:{d3}}}<extra></extra>",
        })
    return spec(traces, {
        "template": CHART_TEMPLATE, "height": 56, "margin": {"l": 0, "r": 0, "t": 4, "b": 0},
        "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": {"visible": False, "fixedrange": True},
        "yaxis": {"visible": False, "fixedrange": True, "rangemode": "tozero"},
    })


def _hbar_layout(title: str, height: int, margin: dict, x_title: str, x_format: str,
                 **x_extra) -> dict:
    """Horizontal bars: one legend-free panel, category names on the left, a value grid."""
    return layout(title, height, margin=margin, showlegend=False, xaxis=xaxis(
        title=_title(x_title), tickformat=x_format, showgrid=True, gridcolor=GRID, **x_extra),
        yaxis=yaxis())


@builder
def program_summary(df: pd.DataFrame, title: str = "") -> dict:
    """Participants served per program for the window (horizontal bars, program colours).

    Columns: program, participants_served (others are ignored by the figure).
    """
    if not _nonempty(df, "participants_served"):
        return empty_figure.spec(title)
    d = df[df["participants_served"] > 0]
    order = _programs_in(d)[::-1]
    d = d.set_index("program").loc[order].reset_index()
    bar = {
        "type": "bar", "orientation": "h",
        "y": [program_name(p) for p in d["program"]], "x": _values(d["participants_served"]),
        "marker": {"color": [program_color(p) for p in d["program"]]},
        "text": [fmt.count(v) for v in d["participants_served"]], "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{y}<br>Participants served: %{x:,.0f}<extra></extra>",
    }
    return spec([bar], _hbar_layout(
        title, max(280, 36 * len(d) + 110), {"l": 200, "r": 60, "t": 64, "b": 48},
        "Participants served", ",.0f"))


# -- employment -------------------------------------------------------------------------------
@builder
def served_vs_graduates(df: pd.DataFrame, title: str = "",
                        events: Iterable[ProgramEvent] = ()) -> dict:
    """One panel per program: participants served and graduates per period (bars), with the
    graduation rate (line, right axis); events marked on every panel.

    Columns: year (or period), program, participants_served, graduates, graduation_rate.
    """
    if not _nonempty(df, "participants_served", "graduates"):
        return empty_figure.spec(title)
    programs = _programs_in(df)
    cols = 1 if len(programs) == 1 else 2
    rows = math.ceil(len(programs) / cols)
    height = 150 + 250 * rows
    plot_height = height - 130 - 48
    grid, titles, refs = subplot_grid(
        rows, cols, [program_name(p) for p in programs], secondary_y=True,
        # ~80 px between rows: the tick labels above, the next panel's title below.
        vertical_spacing=min(0.3, 80 / plot_height), horizontal_spacing=0.1,
    )
    top_rate = df["graduation_rate"].max(skipna=True)
    top_rate = 1.0 if pd.isna(top_rate) else max(1.0, float(top_rate))
    t = _time(df)
    dtick = 2 if df[t].nunique() > 8 else 1
    traces, axes = [], {}
    for i, ((p, d), (x_ref, y_ref, y2_ref)) in enumerate(
            zip(_per_program(df), refs, strict=False)):
        c = i % cols + 1
        color, name = program_color(p), program_name(p)
        x = _values(d[t])
        traces += [
            {"type": "bar", "x": x, "y": _values(d["participants_served"]),
             "name": "Participants served", "legendgroup": "served", "showlegend": False,
             "xaxis": x_ref, "yaxis": y_ref,
             "marker": {"color": color, "opacity": 0.35, "line": {"color": color, "width": 1}},
             "hovertemplate": f"{name} %{{x}}<br>Participants served: %{{y:,.0f}}"
                              "<extra></extra>"},
            {"type": "bar", "x": x, "y": _values(d["graduates"]), "name": "Graduates",
             "legendgroup": "graduates", "showlegend": False, "marker": {"color": color},
             "xaxis": x_ref, "yaxis": y_ref,
             "hovertemplate": f"{name} %{{x}}<br>Graduates: %{{y:,.0f}}<extra></extra>"},
            {"type": "scatter", "x": x, "y": _values(d["graduation_rate"]),
             "name": "Graduation rate: graduates ÷ served that year (right axis)",
             "legendgroup": "rate",
             "showlegend": i == 0, "legendrank": 3, "mode": "lines+markers",
             "line": {"color": RATE_LINE, "width": 1.5}, "marker": {"size": 4},
             "connectgaps": False, "xaxis": x_ref, "yaxis": y2_ref,
             "hovertemplate": f"{name} %{{x}}<br>Graduation rate: %{{y:.1%}}<extra></extra>"},
        ]
        axes[_axis_key(x_ref)] = merged(grid[_axis_key(x_ref)], {
            "tickformat": "d", "dtick": dtick, "showgrid": False, "linecolor": GRID,
            "ticks": "outside", "tickcolor": GRID} if t == "year" else {
            **_small_period_axis(df[t]), "showgrid": False, "linecolor": GRID,
            "ticks": "outside", "tickcolor": GRID})
        axes[_axis_key(y_ref)] = _whole_ticks(merged(grid[_axis_key(y_ref)], {
            "tickformat": "~s", "rangemode": "tozero", "gridcolor": GRID,
            "zerolinecolor": GRID, "linecolor": GRID,
            "title": _title("People" if c == 1 else None)}))
        axes[_axis_key(y2_ref)] = merged(grid[_axis_key(y2_ref)], {
            "tickformat": ".0%", "range": [0, top_rate * 1.05], "dtick": 0.25,
            "showgrid": False, "linecolor": GRID,
            "title": _title("Graduation rate" if (c == cols or i == len(programs) - 1)
                            else None)})
    # Legend keys in neutral shades: each panel uses its program's colour, light for
    # participants served and solid for graduates. Square markers, not bars: a bar, even
    # empty, would take a slot in the bar groups.
    traces += [
        {"type": "scatter", "x": [None], "y": [None], "mode": "markers",
         "name": "Participants served (light bars)", "legendgroup": "served",
         "hoverinfo": "skip", "showlegend": True, "legendrank": 1,
         "marker": {"symbol": "square", "size": 12, "color": "rgba(82, 96, 109, 0.35)",
                    "line": {"color": MUTED_INK, "width": 1}}},
        {"type": "scatter", "x": [None], "y": [None], "mode": "markers",
         "name": "Graduates (solid bars)", "legendgroup": "graduates", "hoverinfo": "skip",
         "showlegend": True, "legendrank": 2,
         "marker": {"symbol": "square", "size": 12, "color": MUTED_INK}},
    ]
    for a in titles:
        a["font"] = {"size": 13, "color": INK}
    markers, marks = _events(events, axis=_axis_values(df),
                             refs=[r[:2] for r in refs[:len(programs)]])
    return spec(traces + markers, layout(
        title, height, axes, with_marks({"annotations": titles}, marks),
        barmode="group", bargap=0.15,
        # The legend sits under the title, above the first row's panel titles.
        legend={"orientation": "h", "y": 1 + 44 / plot_height, "yanchor": "bottom", "x": 0,
                "xanchor": "left", "font": {"size": 11}},
        margin={"l": 64, "r": 64, "t": 130, "b": 48},
    ))


@builder
def new_enrollments(df: pd.DataFrame, title: str = "",
                    events: Iterable[ProgramEvent] = ()) -> dict:
    """New enrollments per program per period (lines), events marked. Columns: year (or
    period), program, new_enrollments."""
    if not _nonempty(df, "new_enrollments"):
        return empty_figure.spec(title)
    markers, marks = _events(events, axis=_axis_values(df))
    return spec(_program_lines(df, "new_enrollments", "New enrollments") + markers, layout(
        title, 440, marks, xaxis=_time_axis(df[_time(df)]),
        yaxis=yaxis(title=_title("New enrollments"), tickformat=",.0f", rangemode="tozero")))


@builder
def served_by_borough(df: pd.DataFrame, title: str = "") -> dict:
    """Participants served per borough, one bar per program.

    Columns: borough, program, participants_served.
    """
    if not _nonempty(df, "participants_served"):
        return empty_figure.spec(title)
    boroughs = list(dict.fromkeys(df["borough"]))
    # Per program, its participants served in each borough (0 where it has no one there; a
    # hidden cell counts 0), summed with numpy: a pivot table costs more than the chart.
    column = {b: i for i, b in enumerate(boroughs)}
    at = np.array([column[b] for b in df["borough"]], dtype=int)
    values = np.nan_to_num(df["participants_served"].to_numpy(dtype=float, na_value=np.nan))
    programs = df["program"].to_numpy()
    traces = []
    for p in _programs_in(df):
        rows = programs == p
        served = np.zeros(len(boroughs))
        np.add.at(served, at[rows], values[rows])
        traces.append({
            "type": "bar", "x": boroughs,
            "y": served, "name": program_name(p),
            "marker": {"color": program_color(p)},
            "hovertemplate": f"{program_name(p)}<br>%{{x}}: %{{y:,.0f}} participants served"
                             "<extra></extra>",
        })
    return spec(traces, layout(
        title, 440, barmode="group", bargap=0.2, xaxis=xaxis(title=_title("Borough")),
        yaxis=yaxis(title=_title("Participants served"), tickformat=",.0f")))


# -- arrears ----------------------------------------------------------------------------------
@builder
def arrears_by_year(df: pd.DataFrame, title: str = "",
                    events: Iterable[ProgramEvent] = ()) -> dict:
    """DSS arrears reduced per program per year (stacked bars), program events marked.

    Columns: year (or period), program, arrears_reduced_usd.
    """
    if not _nonempty(df, "arrears_reduced_usd"):
        return empty_figure.spec(title)
    t = _time(df)
    traces = [{
        "type": "bar", "x": _values(d[t]), "y": _values(d["arrears_reduced_usd"]),
        "name": program_name(p), "marker": {"color": program_color(p)},
        "customdata": [fmt.money(v) for v in d["arrears_reduced_usd"]],
        "hovertemplate": f"{program_name(p)} %{{x}}<br>DSS arrears reduced: %{{customdata}}"
                         "<extra></extra>",
    } for p, d in _per_program(df)]
    markers, marks = _events(events, axis=_axis_values(df))
    return spec(traces + markers, layout(
        title, 460, marks, barmode="stack", bargap=0.2, xaxis=_time_axis(df[t]),
        yaxis=yaxis(title=_title("DSS arrears reduced ($)"), tickformat="$~s",
                    rangemode="tozero")))


@builder
def ncps_by_year(df: pd.DataFrame, title: str = "",
                 events: Iterable[ProgramEvent] = ()) -> dict:
    """NCPs with reductions per program per year (lines), program events marked.

    Columns: year (or period), program, ncps_with_reductions.
    """
    if not _nonempty(df, "ncps_with_reductions"):
        return empty_figure.spec(title)
    lines = _program_lines(df, "ncps_with_reductions", "NCPs with reductions", marker_size=6)
    markers, marks = _events(events, axis=_axis_values(df))
    t = _time(df)
    x_axis = (_years_axis(df[t], range=[df[t].min() - 0.5, df[t].max() + 0.5])
              if t == "year" else _time_axis(df[t]))
    return spec(lines + markers, layout(
        title, 440, marks, xaxis=x_axis,
        yaxis=yaxis(title=_title("NCPs with reductions"), tickformat=",.0f",
                    rangemode="tozero")))


@builder
def arrears_program_totals(df: pd.DataFrame, title: str = "") -> dict:
    """DSS arrears reduced per program for the window, labelled with NCPs and the average.

    Columns: program, arrears_reduced_usd, ncps_with_reductions, avg_reduction_usd.
    """
    if not _nonempty(df, "arrears_reduced_usd", "ncps_with_reductions"):
        return empty_figure.spec(title)
    d = _rows_in_order(df, _programs_in(df)[::-1])
    labels = [
        f"{fmt.money(a)} · {fmt.count(n)} NCPs"
        for a, n in zip(d["arrears_reduced_usd"].tolist(), d["ncps_with_reductions"].tolist(),
                        strict=True)
    ]
    avg = (d["avg_reduction_usd"].tolist() if "avg_reduction_usd" in d
           else [float("nan")] * len(d["program"]))
    bar = {
        "type": "bar", "orientation": "h",
        "y": [program_name(p) for p in d["program"]], "x": _values(d["arrears_reduced_usd"]),
        "marker": {"color": [program_color(p) for p in d["program"]]}, "text": labels,
        "textposition": "outside", "cliponaxis": False,
        "customdata": [[lab, fmt.money(a)] for lab, a in zip(labels, avg, strict=True)],
        "hovertemplate": "%{y}<br>%{customdata[0]}<br>Average per NCP: %{customdata[1]}"
                         "<extra></extra>",
    }
    return spec([bar], _hbar_layout(
        title, max(260, 52 * len(labels) + 120), {"l": 140, "r": 170, "t": 64, "b": 48},
        "DSS arrears reduced ($)", "$~s", rangemode="tozero"))


@builder
def arrears_cumulative(df: pd.DataFrame, title: str = "",
                       events: Iterable[ProgramEvent] = ()) -> dict:
    """Cumulative DSS arrears reduced since each program began, through each period's end;
    events marked.

    Columns: year (or period), program, arrears_reduced_usd, ncps_with_reductions (cumulative
    values).
    """
    if not _nonempty(df, "arrears_reduced_usd"):
        return empty_figure.spec(title)
    t = _time(df)
    markers, marks = _events(events, axis=_axis_values(df))
    traces = [{
        "type": "scatter", "x": _values(d[t]), "y": _values(d["arrears_reduced_usd"]),
        "name": program_name(p), "mode": "lines+markers",
        "line": {"color": program_color(p), "width": 2}, "marker": {"size": 5},
        "customdata": [[fmt.money(a), fmt.count(n)] for a, n in
                       zip(d["arrears_reduced_usd"], d["ncps_with_reductions"], strict=True)],
        "hovertemplate": f"{program_name(p)}, through %{{x}}<br>"
                         "Reduced since start: %{customdata[0]}<br>"
                         "NCPs since start: %{customdata[1]}<extra></extra>",
    } for p, d in _per_program(df)]
    return spec(traces + markers, layout(
        title, 420, marks,
        xaxis=_time_axis(df[t], title=_title("Through the end of year"),
                         period_title="Through the end of the period"),
        yaxis=yaxis(title=_title("Cumulative DSS arrears reduced ($)"), tickformat="$~s",
                    rangemode="tozero")))


@builder
def avg_reduction_by_year(df: pd.DataFrame, title: str = "",
                          events: Iterable[ProgramEvent] = ()) -> dict:
    """Average DSS arrears reduction per NCP, per program per period (lines), events marked.

    Columns: year (or period), program, avg_reduction_usd.
    """
    if not _nonempty(df, "avg_reduction_usd"):
        return empty_figure.spec(title)
    t = _time(df)
    markers, marks = _events(events, axis=_axis_values(df))
    traces = [{
        "type": "scatter", "x": _values(d[t]), "y": _values(d["avg_reduction_usd"]),
        "name": program_name(p), "mode": "lines+markers",
        "line": {"color": program_color(p), "width": 2}, "marker": {"size": 5},
        "connectgaps": False, "customdata": [fmt.money(v) for v in d["avg_reduction_usd"]],
        "hovertemplate": f"{program_name(p)} %{{x}}<br>Average per NCP: %{{customdata}}"
                         "<extra></extra>",
    } for p, d in _per_program(df)]
    return spec(traces + markers, layout(
        title, 400, marks, xaxis=_time_axis(df[t]),
        yaxis=yaxis(title=_title("Average reduction per NCP ($)"), tickformat="$~s",
                    rangemode="tozero")))


# -- Families Forward -------------------------------------------------------------------------
@builder
def ff_placements(df: pd.DataFrame, title: str = "",
                  enrollment_window: tuple[date, date] = FF_ENROLLMENT_WINDOW,
                  grain: str = "month", events: Iterable[ProgramEvent] = ()) -> dict:
    """Families Forward placements per month (or per year: grain="year", each row's `month`
    then being 1 January of its year; or per period of another grain: a `period` column of
    labels, FY2024), the enrollment window shaded.

    Columns: month (first day of the period) or period, placements.
    """
    if not _nonempty(df, "placements"):
        return empty_figure.spec(title)
    start, end = enrollment_window
    bar = {"type": "bar", "y": _values(df["placements"]), "name": "Placements",
           "marker": {"color": program_color("FAMILIES_FORWARD")}}
    axis_values = [0]
    if "period" in df.columns:  # periods of a grain on a category axis
        axis_values = period_labels(df["period"])
        n = len(axis_values)
        first, last = parse_period(axis_values[0]), parse_period(axis_values[-1])
        shade = [-0.5 if start < first.start else (n - 0.5 if start > last.end else
                                                    event_position(start, axis_values)),
                 -0.5 if end < first.start else (n - 0.5 if end > last.end else
                                                  event_position(end, axis_values))]
        bar.update(x=list(df["period"]),
                   hovertemplate="%{x}<br>Placements: %{y:,.0f}<extra></extra>")
        x_axis = _time_axis(df["period"], period_title="Period placed")
    elif grain == "year":
        months = pd.to_datetime(df["month"])
        # Whole years on a numeric axis: a bar is centred on its year, so a date d sits at
        # year + (fraction of the year elapsed) - 0.5.
        x = months.dt.year
        shade = [pd.Timestamp(d).year + (pd.Timestamp(d).day_of_year - 1) / 365.25 - 0.5
                 for d in (start, end)]
        bar.update(x=_values(x), hovertemplate="%{x}<br>Placements: %{y:,.0f}<extra></extra>")
        lo, hi = min(float(x.min()), shade[0]) - 0.6, max(float(x.max()), shade[1]) + 0.6
        x_axis = xaxis(title=_title("Year placed"), range=[lo, hi], dtick=1, tickformat="d")
    else:
        months = pd.to_datetime(df["month"])
        shade = [start.isoformat(), end.isoformat()]
        bar.update(x=[f"{m:%Y-%m-%d}" for m in months], xperiod="M1",
                   xperiodalignment="middle",
                   hovertemplate="%{x|%b %Y}<br>Placements: %{y:,.0f}<extra></extra>")
        lo = min(months.min(), pd.Timestamp(start)) - pd.DateOffset(months=2)
        hi = max(months.max(), pd.Timestamp(end)) + pd.DateOffset(months=2)
        x_axis = xaxis(title=_title("Month placed"), range=[f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}"])
    window = {"type": "rect", "x0": shade[0], "x1": shade[1], "xref": "x", "y0": 0, "y1": 1,
              "yref": "y domain", "fillcolor": SHADE, "line": {"width": 0}, "layer": "below"}
    label = {"text": f"Enrollment window {fmt.day(start)} – {fmt.day(end)}",
             "x": shade[0], "xref": "x", "xanchor": "left", "y": 1, "yref": "y domain",
             "yanchor": "top", "showarrow": False, "font": {"size": 11, "color": MUTED_INK}}
    top = float(df["placements"].max())
    markers, marks = _events(events, date_axis=grain == "month" and "period" not in df.columns,
                             axis=axis_values, legend=False)
    return spec([bar] + markers, layout(
        title, 400, showlegend=False, bargap=0.1,
        **with_marks({"shapes": [window], "annotations": [label]}, marks),
        xaxis=x_axis,
        yaxis=yaxis(title=_title("Placements"), tickformat=",.0f", range=[0, top * 1.18])))


@builder
def ff_sectors(df: pd.DataFrame, title: str = "") -> dict:
    """Families Forward placements by employer sector. Columns: sector, placements."""
    if not _nonempty(df, "placements"):
        return empty_figure.spec(title)
    d = df.sort_values(["placements", "sector"], ascending=[True, False])
    total = float(d["placements"].sum())
    bar = {
        "type": "bar", "orientation": "h",
        "y": [s.replace("_", " ").capitalize() for s in d["sector"]],
        "x": _values(d["placements"]), "marker": {"color": program_color("FAMILIES_FORWARD")},
        "text": [f"{fmt.count(v)} ({fmt.pct(v / total, 0)})" for v in d["placements"]],
        "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "%{y}<br>Placements: %{x:,.0f}<extra></extra>",
    }
    return spec([bar], _hbar_layout(
        title, max(260, 30 * len(d) + 120), {"l": 170, "r": 90, "t": 64, "b": 48},
        "Placements", ",.0f"))


def _histogram_layout(title: str, x_axis: dict) -> dict:
    return layout(title, 380, showlegend=False, xaxis=x_axis,
                  yaxis=yaxis(title=_title("Placements"), tickformat=",.0f"))


@builder
def ff_wages(df: pd.DataFrame, title: str = "") -> dict:
    """Histogram of hourly wages at placement, from binned counts.

    Columns: wage_from, wage_to, placements.
    """
    if not _nonempty(df, "placements"):
        return empty_figure.spec(title)
    lo, hi = df["wage_from"].astype(float), df["wage_to"].astype(float)
    bar = {
        "type": "bar", "x": _values(lo + (hi - lo) / 2), "y": _values(df["placements"]),
        "width": _values((hi - lo) * 0.95),
        "marker": {"color": program_color("FAMILIES_FORWARD")},
        "customdata": [[a, b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)],
        "hovertemplate": "$%{customdata[0]:.2f} – $%{customdata[1]:.2f} an hour<br>"
                         "Placements: %{y:,.0f}<extra></extra>",
    }
    return spec([bar], _histogram_layout(
        title, xaxis(title=_title("Hourly wage at placement ($)"), tickprefix="$")))


@builder
def ff_time_to_placement(df: pd.DataFrame, title: str = "") -> dict:
    """Days from enrollment to placement, in 30-day bins. Columns: days_from, days_to,
    placements."""
    if not _nonempty(df, "placements"):
        return empty_figure.spec(title)
    d = df.sort_values("days_from")
    bar = {
        "type": "bar", "x": _values((d["days_from"] + 15).astype(float)),
        "y": _values(d["placements"]), "width": 28,
        "marker": {"color": program_color("FAMILIES_FORWARD")},
        "customdata": [f"{int(a)}–{int(b) - 1}"
                       for a, b in zip(d["days_from"], d["days_to"], strict=True)],
        "hovertemplate": "%{customdata} days after enrollment<br>Placements: %{y:,.0f}"
                         "<extra></extra>",
    }
    return spec([bar], _histogram_layout(title, xaxis(
        title=_title("Days from enrollment to placement"), tickformat=",.0f",
        rangemode="tozero")))


# -- referrals --------------------------------------------------------------------------------
FUNNEL_STAGES = (
    ("referred", "Referred"),
    ("enrolled", "Enrolled"),
    ("graduated", "Graduated"),
    ("placed", "Placed"),
)


SOURCE_LABELS = {
    "family_court": "Family Court",
    "support_magistrate": "Support magistrate",
    "psp_case_manager": "PSP case manager",
    "ocss_staff": "OCSS staff",
    "self": "Self-referred",
    "other": "Other",
    "unknown": "Unknown",
}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, str(source).replace("_", " ").capitalize())


@builder
def referral_funnel(df: pd.DataFrame, title: str = "") -> dict:
    """Referred → enrolled → graduated → placed, per program (grouped horizontal bars).

    Columns: program, referred, enrolled, graduated, placed.
    """
    if not _nonempty(df, "referred"):
        return empty_figure.spec(title)
    d = df[df["referred"] > 0]
    order = _programs_in(d)[::-1]
    d = d.set_index("program").loc[order].reset_index()
    names = [program_name(p) for p in d["program"]]
    traces = []
    # Reversed so the legend and each group read top-down in stage order.
    for (col, label), color in reversed(list(zip(FUNNEL_STAGES, STAGE_COLORS, strict=True))):
        share = [fmt.pct(v / r) if r else fmt.NOT_AVAILABLE
                 for v, r in zip(d[col], d["referred"], strict=True)]
        traces.append({
            "type": "bar", "orientation": "h", "y": names, "x": _values(d[col]), "name": label,
            "marker": {"color": color}, "customdata": share,
            "hovertemplate": f"%{{y}}<br>{label}: %{{x:,.0f}} (%{{customdata}} of referrals)"
                             "<extra></extra>",
        })
    return spec(traces, layout(
        title, max(320, 78 * len(d) + 140),
        barmode="group", bargap=0.25, bargroupgap=0.05,
        margin={"l": 200, "r": 32, "t": 64, "b": 56},
        legend={"traceorder": "reversed", "orientation": "h", "y": 1.0, "yanchor": "bottom",
                "x": 1, "xanchor": "right"},
        xaxis=xaxis(title=_title("Referrals"), tickformat=",.0f", showgrid=True,
                    gridcolor=GRID),
        yaxis=yaxis()))


@builder
def referral_flows(df: pd.DataFrame, title: str = "") -> dict:
    """Sankey of referrals from source to program. Columns: source, program, referrals."""
    if not _nonempty(df, "referrals"):
        return empty_figure.spec(title)
    d = df[df["referrals"] > 0]
    sources = sorted(set(d["source"]), key=lambda s: (s in ("other", "unknown"), s))
    programs = _programs_in(d)
    labels = [source_label(s) for s in sources] + [program_name(p) for p in programs]
    index = {("s", s): i for i, s in enumerate(sources)}
    index.update({("p", p): len(sources) + i for i, p in enumerate(programs)})
    node_colors = ["#8c96a3"] * len(sources) + [program_color(p) for p in programs]
    link_colors = []
    for p in d["program"]:
        hexc = program_color(p).lstrip("#")
        rgb = tuple(int(hexc[i:i + 2], 16) for i in (0, 2, 4))
        link_colors.append(f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, 0.35)")
    sankey = {
        "type": "sankey", "arrangement": "fixed",
        "node": {"label": labels, "color": node_colors, "pad": 14, "thickness": 16,
                 "line": {"color": "white", "width": 0.5},
                 "hovertemplate": "%{label}: %{value:,.0f} referrals<extra></extra>"},
        "link": {"source": [index[("s", s)] for s in d["source"]],
                 "target": [index[("p", p)] for p in d["program"]],
                 "value": _values(d["referrals"]), "color": link_colors,
                 "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f} referrals"
                                  "<extra></extra>"},
        "textfont": {"size": 12, "color": INK},
    }
    return spec([sankey], layout(title, max(420, 34 * len(programs) + 120),
                                   margin={"l": 16, "r": 16, "t": 64, "b": 24}))


# -- data quality -----------------------------------------------------------------------------
@builder
def dq_loads(df: pd.DataFrame, title: str = "") -> dict:
    """Rows loaded, rejected and warned per load. Columns: load_id, finished_at, rows_loaded,
    rows_rejected, rows_warned."""
    if df is None or df.empty:
        return empty_figure.spec(title, "No loads yet")
    d = df.sort_values("load_id")
    x = [f"Load {int(i)}" for i in d["load_id"]]
    traces = [{
        "type": "bar", "x": x, "y": _values(d[col]), "name": label,
        "marker": {"color": color}, "text": [fmt.count(v) for v in d[col]],
        "textposition": "outside", "cliponaxis": False,
        "hovertemplate": f"%{{x}}<br>{label}: %{{y:,.0f}} rows<extra></extra>",
    } for col, label, color in (("rows_loaded", "Loaded", "#0072B2"),
                                ("rows_warned", "Loaded with a warning", "#E69F00"),
                                ("rows_rejected", "Rejected", "#D55E00"))]
    return spec(traces, layout(
        title, 380, barmode="group", xaxis=xaxis(title=_title("Load")),
        # Log scale: a handful of rejects next to a hundred thousand loaded rows stays visible.
        yaxis=yaxis(title=_title("Rows (log scale)"), type="log", tickformat=",.0f", dtick=1)))


@builder
def dq_rejects(df: pd.DataFrame, title: str = "") -> dict:
    """Rejected rows by reason, one bar segment per file. Columns: file_name, reason,
    rows_rejected (load_id, kind optional)."""
    if not _nonempty(df, "rows_rejected"):
        return empty_figure.spec(title, "No rejected rows: every row loaded passed the contract")
    totals = df.groupby("reason")["rows_rejected"].sum().sort_values()
    palette = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#999933")
    traces = []
    for i, (name, d) in enumerate(df.groupby("file_name", sort=True)):
        d = d.groupby("reason")["rows_rejected"].sum().reindex(totals.index).fillna(0)
        traces.append({
            "type": "bar", "orientation": "h", "y": [plain_text(r) for r in d.index],
            "x": _values(d.values), "name": plain_text(name),
            "marker": {"color": palette[i % len(palette)]},
            # The name through customdata: a "%{...}" in it is never substituted.
            "customdata": [plain_text(name)] * len(d),
            "hovertemplate": "%{customdata}<br>%{y}: %{x:,.0f} rows<extra></extra>",
        })
    return spec(traces, layout(
        title, max(260, 40 * len(totals) + 140), barmode="stack",
        margin={"l": 220, "r": 32, "t": 64, "b": 56},
        xaxis=xaxis(title=_title("Rejected rows"), tickformat=",.0f", showgrid=True,
                    gridcolor=GRID),
        yaxis=yaxis()))


@builder
def dq_warnings(df: pd.DataFrame, title: str = "") -> dict:
    """Rows loaded with a warning, by rule. Columns: rule, kind, rows_warned."""
    if not _nonempty(df, "rows_warned"):
        return empty_figure.spec(title, "No warnings")
    d = df.groupby("rule")["rows_warned"].sum().sort_values()
    bar = {
        "type": "bar", "orientation": "h", "y": [plain_text(r) for r in d.index],
        "x": _values(d.values), "marker": {"color": "#E69F00"},
        "text": [fmt.count(v) for v in d.values],
        "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "%{y}<br>%{x:,.0f} rows<extra></extra>",
    }
    return spec([bar], _hbar_layout(
        title, max(240, 40 * len(d) + 120), {"l": 330, "r": 60, "t": 64, "b": 48},
        "Rows with a warning", ",.0f"))


# -- impact on child support ------------------------------------------------------------------
COMPARISON_LINE = "#8c96a3"


@builder
def impact_event_study(df: pd.DataFrame, title: str = "", months: int | None = None) -> dict:
    """One panel per program: compliance with current support (paid / due) in each month from
    -N to +N around entry, for the cohort (solid, the program's colour) and the comparison
    group (dashed, grey); month 0 (entry) marked.

    Columns: program, group ('enrolled' or 'comparison'), rel (months from entry), parents,
    due_usd, paid_usd, compliance_rate (0..1; NaN where hidden or nothing was due).
    """
    if not _nonempty(df, "compliance_rate"):
        return empty_figure.spec(title)
    programs = _programs_in(df)
    n = int(months if months is not None else max(abs(df["rel"].min()), df["rel"].max()))
    cols = 1 if len(programs) == 1 else 2 if len(programs) <= 4 else 3
    rows = math.ceil(len(programs) / cols)
    height = 140 + 230 * rows
    plot_height = height - 120 - 56
    grid, titles, refs = subplot_grid(rows, cols, [program_name(p) for p in programs],
                                      horizontal_spacing=0.06,
                                      vertical_spacing=min(0.3, 70 / plot_height))
    top = float(np.nanmax(df["compliance_rate"].to_numpy(dtype=float)))
    y_range = [0, max(0.5, min(1.0, top * 1.15))]
    traces, axes, shapes = [], {}, []
    for i, ((p, d), (x_ref, y_ref)) in enumerate(zip(_per_program(df, sort="rel"), refs,
                                                     strict=False)):
        for group, label, color, dash in (
                ("enrolled", "Enrolled (cohort)", program_color(p), "solid"),
                ("comparison", "Referred, never enrolled (comparison)", COMPARISON_LINE, "dash")):
            rows_g = d["group"] == group
            if not rows_g.any():
                continue
            traces.append({
                "type": "scatter", "x": _values(d["rel"][rows_g]),
                "y": _values(d["compliance_rate"][rows_g]), "mode": "lines+markers",
                "name": label, "legendgroup": group, "showlegend": False,
                "line": {"color": color, "width": 2, "dash": dash}, "marker": {"size": 4},
                "connectgaps": False, "xaxis": x_ref, "yaxis": y_ref,
                "customdata": _values(d["parents"][rows_g]),
                "hovertemplate": f"{program_name(p)}, {label}<br>Month %{{x:+d}} from entry<br>"
                                 "Compliance: %{y:.1%}<br>Parents with records: "
                                 "%{customdata:,.0f}<extra></extra>",
            })
        shapes.append({"type": "line", "x0": 0, "x1": 0, "y0": y_range[0], "y1": y_range[1],
                       "xref": x_ref, "yref": y_ref, "layer": "above",
                       "line": {"color": EVENT_LINE, "width": 1, "dash": "dot"}})
        axes[_axis_key(x_ref)] = merged(grid[_axis_key(x_ref)], xaxis(
            range=[-n - 0.5, n + 0.5], tickvals=[-n, -n // 2, 0, n // 2, n],
            ticktext=[f"{v:+d}" if v else "entry" for v in (-n, -n // 2, 0, n // 2, n)],
            **({"title": _title("Months from entry")} if i >= len(programs) - cols else {})))
        axes[_axis_key(y_ref)] = merged(grid[_axis_key(y_ref)], yaxis(
            range=y_range, tickformat=".0%",
            **({"title": _title("Paid / due")} if i % cols == 0 else {})))
    # Legend keys, once for all panels, in neutral colours.
    traces += [
        {"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": name,
         "legendgroup": group, "showlegend": True, "hoverinfo": "skip",
         "line": {"color": color, "width": 2, "dash": dash}}
        for group, name, color, dash in (
            ("enrolled", "Enrolled: first enrollment in the program (program colour)", INK,
             "solid"),
            ("comparison", "Comparison: referred, never enrolled", COMPARISON_LINE, "dash"))]
    for a in titles:
        a["font"] = {"size": 13, "color": INK}
    return spec(traces, layout(
        title, height, axes, annotations=titles, shapes=shapes,
        legend={"orientation": "h", "y": 1 + 40 / plot_height, "yanchor": "bottom", "x": 0,
                "xanchor": "left", "font": {"size": 11}},
        margin={"l": 64, "r": 24, "t": 120, "b": 56}))
