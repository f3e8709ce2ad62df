"""Figure builders: DataFrame in, plotly Figure out.

Every builder is pure (no I/O, no Dash, no warehouse), deterministic (same frame, same figure)
and self-explaining (title, axis titles with units, hovers with formatted numbers), so the
dashboard, the static exports and the notebooks draw the same charts. An empty frame gives a
figure that says so, never a blank plot.

Frames have the columns that `dashboard.charts` documents for each chart; most are slices of
the program metric table (warehouse/sql/queries/program_metrics.sql).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import format as fmt
from dashboard.events import FF_ENROLLMENT_WINDOW, ProgramEvent
from dashboard.style import (
    EVENT_LINE,
    GRID,
    INK,
    MUTED_INK,
    PROGRAM_ORDER,
    RATE_LINE,
    SHADE,
    STAGE_COLORS,
    base_layout,
    program_color,
    program_name,
    style_axes,
)

NO_DATA = "No records match these filters"

__all__ = [
    "NO_DATA",
    "arrears_by_year",
    "arrears_cumulative",
    "arrears_program_totals",
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
]


# -- helpers ----------------------------------------------------------------------------------
def empty_figure(title: str = "", message: str = NO_DATA, height: int = 320) -> go.Figure:
    """A figure that states there is nothing to show (axes hidden)."""
    fig = go.Figure()
    fig.update_layout(**base_layout(title, height=height))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font=dict(size=15, color=MUTED_INK))
    return fig


def _programs_in(df: pd.DataFrame) -> list[str]:
    """The frame's programs in display order."""
    present = set(df["program"])
    ordered = [p for p in PROGRAM_ORDER if p in present]
    return ordered + sorted(present - set(ordered))


def _years_axis(fig: go.Figure, years: Iterable[int], **kw) -> None:
    years = sorted({int(y) for y in years})
    step = 1 if len(years) <= 12 else 2
    fig.update_xaxes(tickmode="array", tickvals=years[::step],
                     ticktext=[str(y) for y in years[::step]], title_text="Year", **kw)


def _year_position(d: date) -> float:
    """A date on an axis of integer years whose bars span year-0.5 .. year+0.5."""
    start = date(d.year, 1, 1)
    days = (date(d.year + 1, 1, 1) - start).days
    return d.year - 0.5 + (d - start).days / days


def _add_events(fig: go.Figure, events: Iterable[ProgramEvent], ymax: float,
                date_axis: bool = False) -> None:
    """Dotted vertical lines at each event, numbered markers on top with the detail on hover."""
    events = list(events)
    if not events:
        return
    xs = [e.on if date_axis else _year_position(e.on) for e in events]
    for x in xs:
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", xref="x",
                      line=dict(color=EVENT_LINE, width=1, dash="dot"), layer="below")
    fig.add_trace(go.Scatter(
        x=xs, y=[ymax * 1.04] * len(xs), mode="markers+text",
        marker=dict(symbol="triangle-down", size=11, color=EVENT_LINE),
        text=[str(i + 1) for i in range(len(events))], textposition="top center",
        textfont=dict(size=10, color=EVENT_LINE),
        hovertext=[e.detail for e in events], hovertemplate="%{hovertext}<extra></extra>",
        name="Program events (hover ▼)", showlegend=True, cliponaxis=False,
    ))


def _max_stack(df: pd.DataFrame, value: str, by: str = "year") -> float:
    if df.empty:
        return 0.0
    tops = df.groupby(by)[value].sum()
    return float(max(tops.max(), 0.0)) if len(tops) else 0.0


def _nonempty(df: pd.DataFrame | None, *value_columns: str) -> bool:
    if df is None or df.empty:
        return False
    cols = [c for c in value_columns if c in df.columns]
    if not cols:
        return True
    return bool((df[cols].fillna(0).abs().sum(axis=1) > 0).any())


# -- overview ---------------------------------------------------------------------------------
OVERVIEW_SERIES = (
    ("participants_served", "Participants served", fmt.D3_COUNT),
    ("graduates", "Graduates", fmt.D3_COUNT),
    ("placements", "Placements", fmt.D3_COUNT),
    ("arrears_reduced_usd", "DSS arrears reduced ($)", fmt.D3_MONEY),
    ("ncps_with_reductions", "NCPs with reductions", fmt.D3_COUNT),
)


def overview_trends(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Small multiples: each headline total (summed over programs) per year.

    Columns: year, participants_served, graduates, placements, arrears_reduced_usd,
    ncps_with_reductions.
    """
    series = [s for s in OVERVIEW_SERIES if s[0] in df.columns]
    if not _nonempty(df, *[s[0] for s in series]):
        return empty_figure(title)
    fig = make_subplots(rows=1, cols=len(series), subplot_titles=[s[1] for s in series],
                        horizontal_spacing=0.06)
    for i, (col, label, d3) in enumerate(series, start=1):
        fig.add_trace(go.Scatter(
            x=df["year"], y=df[col], mode="lines+markers", name=label, showlegend=False,
            line=dict(color=INK, width=2), marker=dict(size=5),
            hovertemplate=f"%{{x}}<br>{label}: %{{y:{d3}}}<extra></extra>",
        ), row=1, col=i)
        fig.update_yaxes(tickformat=("$~s" if col.endswith("_usd") else "~s"),
                         rangemode="tozero", row=1, col=i)
    fig.update_layout(**base_layout(title, height=300))
    fig.update_annotations(font=dict(size=12, color=MUTED_INK))
    style_axes(fig)
    fig.update_xaxes(tickformat="d", nticks=4)
    return fig


def sparkline(df: pd.DataFrame, column: str, color: str = INK, d3: str = fmt.D3_COUNT
              ) -> go.Figure:
    """A tiny trend line for a headline card (no axes; hover shows year and value)."""
    fig = go.Figure()
    if df is not None and not df.empty and column in df.columns:
        fig.add_trace(go.Scatter(
            x=df["year"], y=df[column], mode="lines", line=dict(color=color, width=2),
            fill="tozeroy", fillcolor="rgba(11, 92, 171, 0.08)",
            hovertemplate=f"%{{x}}: %{{y:{d3}}}<extra></extra>",
        ))
    fig.update_layout(height=56, margin=dict(l=0, r=0, t=4, b=0), showlegend=False,
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, fixedrange=True, rangemode="tozero")
    return fig


def program_summary(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Participants served per program for the window (horizontal bars, program colours).

    Columns: program, participants_served (others are ignored by the figure).
    """
    if not _nonempty(df, "participants_served"):
        return empty_figure(title)
    d = df[df["participants_served"] > 0]
    order = _programs_in(d)[::-1]
    d = d.set_index("program").loc[order].reset_index()
    fig = go.Figure(go.Bar(
        y=[program_name(p) for p in d["program"]], x=d["participants_served"], orientation="h",
        marker_color=[program_color(p) for p in d["program"]],
        text=[fmt.count(v) for v in d["participants_served"]], textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}<br>Participants served: %{x:,.0f}<extra></extra>",
    ))
    fig.update_layout(**base_layout(title, height=max(280, 36 * len(d) + 110)))
    fig.update_layout(margin=dict(l=200, r=60, t=64, b=48), showlegend=False)
    style_axes(fig)
    fig.update_xaxes(title_text="Participants served", tickformat=",.0f", showgrid=True,
                     gridcolor=GRID)
    return fig


# -- employment -------------------------------------------------------------------------------
def served_vs_graduates(df: pd.DataFrame, title: str = "") -> go.Figure:
    """One panel per program: participants served and graduates per year (bars), with the
    graduation rate (line, right axis).

    Columns: year, program, participants_served, graduates, graduation_rate.
    """
    if not _nonempty(df, "participants_served", "graduates"):
        return empty_figure(title)
    programs = _programs_in(df)
    cols = 1 if len(programs) == 1 else 2
    rows = math.ceil(len(programs) / cols)
    height = 150 + 250 * rows
    plot_height = height - 130 - 48
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=[program_name(p) for p in programs],
        specs=[[{"secondary_y": True}] * cols for _ in range(rows)],
        # ~80 px between rows: the tick labels above, the next panel's title below.
        vertical_spacing=min(0.3, 80 / plot_height), horizontal_spacing=0.1,
    )
    traces = []
    for i, p in enumerate(programs):
        r, c = i // cols + 1, i % cols + 1
        d = df[df["program"] == p].sort_values("year")
        color = program_color(p)
        first = i == 0
        # Axis references straight from the grid (one add_traces: row/col adds are slow).
        primary = fig.get_subplot(r, c, secondary_y=False)
        x_ref = primary.xaxis.plotly_name.replace("axis", "")
        y_ref = primary.yaxis.plotly_name.replace("axis", "")
        y2_ref = fig.get_subplot(r, c, secondary_y=True).yaxis.plotly_name.replace("axis", "")
        traces += [
            go.Bar(
                x=d["year"], y=d["participants_served"], name="Participants served",
                legendgroup="served", showlegend=False, xaxis=x_ref, yaxis=y_ref,
                marker=dict(color=color, opacity=0.35, line=dict(color=color, width=1)),
                hovertemplate=f"{program_name(p)} %{{x}}<br>Participants served: %{{y:,.0f}}"
                              "<extra></extra>",
            ),
            go.Bar(
                x=d["year"], y=d["graduates"], name="Graduates", legendgroup="graduates",
                showlegend=False, marker=dict(color=color), xaxis=x_ref, yaxis=y_ref,
                hovertemplate=f"{program_name(p)} %{{x}}<br>Graduates: %{{y:,.0f}}"
                              "<extra></extra>",
            ),
            go.Scatter(
                x=d["year"], y=d["graduation_rate"], name="Graduation rate (right axis)",
                legendgroup="rate", showlegend=first, legendrank=3, mode="lines+markers",
                line=dict(color=RATE_LINE, width=1.5), marker=dict(size=4),
                connectgaps=False, xaxis=x_ref, yaxis=y2_ref,
                hovertemplate=f"{program_name(p)} %{{x}}<br>Graduation rate: %{{y:.1%}}"
                              "<extra></extra>",
            ),
        ]
    # Legend keys in neutral shades: each panel uses its program's colour, light for
    # participants served and solid for graduates.
    traces += [
        # Square markers, not bars: a bar, even empty, would take a slot in the bar groups.
        go.Scatter(x=[None], y=[None], mode="markers", name="Participants served (light bars)",
                   legendgroup="served", hoverinfo="skip", showlegend=True, legendrank=1,
                   marker=dict(symbol="square", size=12, color="rgba(82, 96, 109, 0.35)",
                               line=dict(color=MUTED_INK, width=1))),
        go.Scatter(x=[None], y=[None], mode="markers", name="Graduates (solid bars)",
                   legendgroup="graduates", hoverinfo="skip", showlegend=True, legendrank=2,
                   marker=dict(symbol="square", size=12, color=MUTED_INK)),
    ]
    fig.add_traces(traces)
    top_rate = df["graduation_rate"].max(skipna=True)
    top_rate = 1.0 if pd.isna(top_rate) else max(1.0, float(top_rate))
    dtick = 2 if df["year"].nunique() > 8 else 1
    # Every axis in one layout update (update_xaxes/update_yaxes per panel is slow).
    axes: dict[str, dict] = {}
    for i in range(len(programs)):
        r, c = i // cols + 1, i % cols + 1
        primary = fig.get_subplot(r, c, secondary_y=False)
        secondary = fig.get_subplot(r, c, secondary_y=True)
        axes[primary.xaxis.plotly_name] = dict(
            tickformat="d", dtick=dtick, showgrid=False, linecolor=GRID, ticks="outside",
            tickcolor=GRID)
        axes[primary.yaxis.plotly_name] = dict(
            tickformat="~s", rangemode="tozero", gridcolor=GRID, zerolinecolor=GRID,
            linecolor=GRID, title=dict(text="People" if c == 1 else None))
        axes[secondary.yaxis.plotly_name] = dict(
            tickformat=".0%", range=[0, top_rate * 1.05], dtick=0.25, showgrid=False,
            linecolor=GRID,
            title=dict(text="Graduation rate" if (c == cols or i == len(programs) - 1)
                       else None))
    layout = base_layout(title, height=height)
    layout.update(
        barmode="group", bargap=0.15,
        # The legend sits under the title, above the first row's panel titles.
        legend=dict(orientation="h", y=1 + 44 / plot_height, yanchor="bottom", x=0,
                    xanchor="left", font=dict(size=11)),
        margin=dict(l=64, r=64, t=130, b=48),
        **axes,
    )
    fig.update_layout(layout)
    fig.update_annotations(font=dict(size=13, color=INK))
    return fig


def new_enrollments(df: pd.DataFrame, title: str = "") -> go.Figure:
    """New enrollments per program per year (lines). Columns: year, program, new_enrollments."""
    if not _nonempty(df, "new_enrollments"):
        return empty_figure(title)
    fig = go.Figure()
    for p in _programs_in(df):
        d = df[df["program"] == p].sort_values("year")
        fig.add_trace(go.Scatter(
            x=d["year"], y=d["new_enrollments"], name=program_name(p), mode="lines+markers",
            line=dict(color=program_color(p), width=2), marker=dict(size=5),
            hovertemplate=f"{program_name(p)} %{{x}}<br>New enrollments: %{{y:,.0f}}"
                          "<extra></extra>",
        ))
    fig.update_layout(**base_layout(title, height=440))
    style_axes(fig)
    _years_axis(fig, df["year"])
    fig.update_yaxes(title_text="New enrollments", tickformat=",.0f", rangemode="tozero")
    return fig


def served_by_borough(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Participants served per borough, one bar per program.

    Columns: borough, program, participants_served.
    """
    if not _nonempty(df, "participants_served"):
        return empty_figure(title)
    fig = go.Figure()
    boroughs = list(dict.fromkeys(df["borough"]))
    for p in _programs_in(df):
        d = df[df["program"] == p].set_index("borough").reindex(boroughs).reset_index()
        fig.add_trace(go.Bar(
            x=d["borough"], y=d["participants_served"].fillna(0), name=program_name(p),
            marker_color=program_color(p),
            hovertemplate=f"{program_name(p)}<br>%{{x}}: %{{y:,.0f}} participants served"
                          "<extra></extra>",
        ))
    fig.update_layout(**base_layout(title, height=440))
    fig.update_layout(barmode="group", bargap=0.2)
    style_axes(fig)
    fig.update_xaxes(title_text="Borough")
    fig.update_yaxes(title_text="Participants served", tickformat=",.0f")
    return fig


# -- arrears ----------------------------------------------------------------------------------
def arrears_by_year(df: pd.DataFrame, title: str = "",
                    events: Iterable[ProgramEvent] = ()) -> go.Figure:
    """DSS arrears reduced per program per year (stacked bars), program events marked.

    Columns: year, program, arrears_reduced_usd.
    """
    if not _nonempty(df, "arrears_reduced_usd"):
        return empty_figure(title)
    fig = go.Figure()
    for p in _programs_in(df):
        d = df[df["program"] == p].sort_values("year")
        fig.add_trace(go.Bar(
            x=d["year"], y=d["arrears_reduced_usd"], name=program_name(p),
            marker_color=program_color(p),
            customdata=[fmt.money(v) for v in d["arrears_reduced_usd"]],
            hovertemplate=f"{program_name(p)} %{{x}}<br>DSS arrears reduced: %{{customdata}}"
                          "<extra></extra>",
        ))
    _add_events(fig, events, _max_stack(df, "arrears_reduced_usd"))
    fig.update_layout(**base_layout(title, height=460))
    fig.update_layout(barmode="stack", bargap=0.2)
    style_axes(fig)
    _years_axis(fig, df["year"])
    fig.update_yaxes(title_text="DSS arrears reduced ($)", tickformat="$~s", rangemode="tozero")
    return fig


def ncps_by_year(df: pd.DataFrame, title: str = "",
                 events: Iterable[ProgramEvent] = ()) -> go.Figure:
    """NCPs with reductions per program per year (lines), program events marked.

    Columns: year, program, ncps_with_reductions.
    """
    if not _nonempty(df, "ncps_with_reductions"):
        return empty_figure(title)
    fig = go.Figure()
    for p in _programs_in(df):
        d = df[df["program"] == p].sort_values("year")
        fig.add_trace(go.Scatter(
            x=d["year"], y=d["ncps_with_reductions"], name=program_name(p),
            mode="lines+markers", line=dict(color=program_color(p), width=2),
            marker=dict(size=6),
            hovertemplate=f"{program_name(p)} %{{x}}<br>NCPs with reductions: %{{y:,.0f}}"
                          "<extra></extra>",
        ))
    ymax = float(df["ncps_with_reductions"].max()) if not df.empty else 0.0
    _add_events(fig, events, ymax)
    fig.update_layout(**base_layout(title, height=440))
    style_axes(fig)
    _years_axis(fig, df["year"])
    fig.update_xaxes(range=[df["year"].min() - 0.5, df["year"].max() + 0.5])
    fig.update_yaxes(title_text="NCPs with reductions", tickformat=",.0f", rangemode="tozero")
    return fig


def arrears_program_totals(df: pd.DataFrame, title: str = "") -> go.Figure:
    """DSS arrears reduced per program for the window, labelled with NCPs and the average.

    Columns: program, arrears_reduced_usd, ncps_with_reductions, avg_reduction_usd.
    """
    if not _nonempty(df, "arrears_reduced_usd", "ncps_with_reductions"):
        return empty_figure(title)
    order = _programs_in(df)[::-1]
    d = df.set_index("program").loc[order].reset_index()
    labels = [
        f"{fmt.money(a)} · {fmt.count(n)} NCPs"
        for a, n in zip(d["arrears_reduced_usd"], d["ncps_with_reductions"], strict=True)
    ]
    avg = d["avg_reduction_usd"] if "avg_reduction_usd" in d else [float("nan")] * len(d)
    fig = go.Figure(go.Bar(
        y=[program_name(p) for p in d["program"]], x=d["arrears_reduced_usd"], orientation="h",
        marker_color=[program_color(p) for p in d["program"]], text=labels,
        textposition="outside", cliponaxis=False,
        customdata=[[lab, fmt.money(a)] for lab, a in zip(labels, avg, strict=True)],
        hovertemplate="%{y}<br>%{customdata[0]}<br>Average per NCP: %{customdata[1]}"
                      "<extra></extra>",
    ))
    fig.update_layout(**base_layout(title, height=max(260, 52 * len(d) + 120)))
    fig.update_layout(margin=dict(l=140, r=170, t=64, b=48), showlegend=False)
    style_axes(fig)
    fig.update_xaxes(title_text="DSS arrears reduced ($)", tickformat="$~s", showgrid=True,
                     gridcolor=GRID, rangemode="tozero")
    return fig


def arrears_cumulative(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Cumulative DSS arrears reduced since each program began, through each year's end.

    Columns: year, program, arrears_reduced_usd, ncps_with_reductions (cumulative values).
    """
    if not _nonempty(df, "arrears_reduced_usd"):
        return empty_figure(title)
    fig = go.Figure()
    for p in _programs_in(df):
        d = df[df["program"] == p].sort_values("year")
        fig.add_trace(go.Scatter(
            x=d["year"], y=d["arrears_reduced_usd"], name=program_name(p),
            mode="lines+markers", line=dict(color=program_color(p), width=2),
            marker=dict(size=5),
            customdata=[[fmt.money(a), fmt.count(n)] for a, n in
                        zip(d["arrears_reduced_usd"], d["ncps_with_reductions"], strict=True)],
            hovertemplate=f"{program_name(p)}, through %{{x}}<br>"
                          "Reduced since start: %{customdata[0]}<br>"
                          "NCPs since start: %{customdata[1]}<extra></extra>",
        ))
    fig.update_layout(**base_layout(title, height=420))
    style_axes(fig)
    _years_axis(fig, df["year"])
    fig.update_xaxes(title_text="Through the end of year")
    fig.update_yaxes(title_text="Cumulative DSS arrears reduced ($)", tickformat="$~s",
                     rangemode="tozero")
    return fig


def avg_reduction_by_year(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Average DSS arrears reduction per NCP, per program per year (lines).

    Columns: year, program, avg_reduction_usd.
    """
    if not _nonempty(df, "avg_reduction_usd"):
        return empty_figure(title)
    fig = go.Figure()
    for p in _programs_in(df):
        d = df[df["program"] == p].sort_values("year")
        fig.add_trace(go.Scatter(
            x=d["year"], y=d["avg_reduction_usd"], name=program_name(p),
            mode="lines+markers", line=dict(color=program_color(p), width=2),
            marker=dict(size=5), connectgaps=False,
            customdata=[fmt.money(v) for v in d["avg_reduction_usd"]],
            hovertemplate=f"{program_name(p)} %{{x}}<br>Average per NCP: %{{customdata}}"
                          "<extra></extra>",
        ))
    fig.update_layout(**base_layout(title, height=400))
    style_axes(fig)
    _years_axis(fig, df["year"])
    fig.update_yaxes(title_text="Average reduction per NCP ($)", tickformat="$~s",
                     rangemode="tozero")
    return fig


# -- Families Forward -------------------------------------------------------------------------
def ff_placements(df: pd.DataFrame, title: str = "",
                  enrollment_window: tuple[date, date] = FF_ENROLLMENT_WINDOW,
                  grain: str = "month") -> go.Figure:
    """Families Forward placements per month (or per year: grain="year", each row's `month`
    then being 1 January of its year), the enrollment window shaded.

    Columns: month (first day of the period), placements.
    """
    if not _nonempty(df, "placements"):
        return empty_figure(title)
    yearly = grain == "year"
    color = program_color("FAMILIES_FORWARD")
    start, end = enrollment_window
    if yearly:
        # Whole years on a numeric axis: a bar is centred on its year, so a date d sits at
        # year + (fraction of the year elapsed) - 0.5.
        x = pd.to_datetime(df["month"]).dt.year
        shade = [pd.Timestamp(d).year + (pd.Timestamp(d).dayofyear - 1) / 365.25 - 0.5
                 for d in (start, end)]
        bar = go.Bar(x=x, y=df["placements"], name="Placements", marker_color=color,
                     hovertemplate="%{x}<br>Placements: %{y:,.0f}<extra></extra>")
    else:
        shade = [start, end]
        bar = go.Bar(x=pd.to_datetime(df["month"]), y=df["placements"], name="Placements",
                     marker_color=color, xperiod="M1", xperiodalignment="middle",
                     hovertemplate="%{x|%b %Y}<br>Placements: %{y:,.0f}<extra></extra>")
    fig = go.Figure(bar)
    fig.add_vrect(x0=shade[0], x1=shade[1], fillcolor=SHADE, line_width=0, layer="below",
                  annotation_text=f"Enrollment window {fmt.day(start)} – {fmt.day(end)}",
                  annotation_position="top left",
                  annotation=dict(font=dict(size=11, color=MUTED_INK)))
    fig.update_layout(**base_layout(title, height=400))
    fig.update_layout(showlegend=False, bargap=0.1)
    style_axes(fig)
    if yearly:
        lo, hi = min(float(x.min()), shade[0]) - 0.6, max(float(x.max()), shade[1]) + 0.6
        fig.update_xaxes(title_text="Year placed", range=[lo, hi], dtick=1, tickformat="d")
    else:
        lo = min(pd.Timestamp(df["month"].min()), pd.Timestamp(start)) - pd.DateOffset(months=2)
        hi = max(pd.Timestamp(df["month"].max()), pd.Timestamp(end)) + pd.DateOffset(months=2)
        fig.update_xaxes(title_text="Month placed", range=[lo, hi])
    top = float(df["placements"].max())
    fig.update_yaxes(title_text="Placements", tickformat=",.0f", range=[0, top * 1.18])
    return fig


def ff_sectors(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Families Forward placements by employer sector. Columns: sector, placements."""
    if not _nonempty(df, "placements"):
        return empty_figure(title)
    d = df.sort_values(["placements", "sector"], ascending=[True, False])
    total = float(d["placements"].sum())
    fig = go.Figure(go.Bar(
        y=[s.replace("_", " ").capitalize() for s in d["sector"]], x=d["placements"],
        orientation="h", marker_color=program_color("FAMILIES_FORWARD"),
        text=[f"{fmt.count(v)} ({fmt.pct(v / total, 0)})" for v in d["placements"]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>Placements: %{x:,.0f}<extra></extra>",
    ))
    fig.update_layout(**base_layout(title, height=max(260, 30 * len(d) + 120)))
    fig.update_layout(margin=dict(l=170, r=90, t=64, b=48), showlegend=False)
    style_axes(fig)
    fig.update_xaxes(title_text="Placements", tickformat=",.0f", showgrid=True, gridcolor=GRID)
    return fig


def ff_wages(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Histogram of hourly wages at placement, from binned counts.

    Columns: wage_from, wage_to, placements.
    """
    if not _nonempty(df, "placements"):
        return empty_figure(title)
    width = (df["wage_to"] - df["wage_from"]).astype(float)
    fig = go.Figure(go.Bar(
        x=(df["wage_from"] + width / 2).astype(float), y=df["placements"], width=width * 0.95,
        marker_color=program_color("FAMILIES_FORWARD"),
        customdata=list(zip(df["wage_from"].astype(float), df["wage_to"].astype(float),
                            strict=True)),
        hovertemplate="$%{customdata[0]:.2f} – $%{customdata[1]:.2f} an hour<br>"
                      "Placements: %{y:,.0f}<extra></extra>",
    ))
    fig.update_layout(**base_layout(title, height=380))
    fig.update_layout(showlegend=False)
    style_axes(fig)
    fig.update_xaxes(title_text="Hourly wage at placement ($)", tickprefix="$")
    fig.update_yaxes(title_text="Placements", tickformat=",.0f")
    return fig


def ff_time_to_placement(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Days from enrollment to placement, in 30-day bins. Columns: days_from, days_to,
    placements."""
    if not _nonempty(df, "placements"):
        return empty_figure(title)
    d = df.sort_values("days_from")
    labels = [f"{int(a)}–{int(b) - 1}" for a, b in zip(d["days_from"], d["days_to"],
                                                       strict=True)]
    fig = go.Figure(go.Bar(
        x=(d["days_from"] + 15).astype(float), y=d["placements"], width=28,
        marker_color=program_color("FAMILIES_FORWARD"), customdata=labels,
        hovertemplate="%{customdata} days after enrollment<br>Placements: %{y:,.0f}"
                      "<extra></extra>",
    ))
    fig.update_layout(**base_layout(title, height=380))
    fig.update_layout(showlegend=False)
    style_axes(fig)
    fig.update_xaxes(title_text="Days from enrollment to placement", tickformat=",.0f",
                     rangemode="tozero")
    fig.update_yaxes(title_text="Placements", tickformat=",.0f")
    return fig


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


def referral_funnel(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Referred → enrolled → graduated → placed, per program (grouped horizontal bars).

    Columns: program, referred, enrolled, graduated, placed.
    """
    if not _nonempty(df, "referred"):
        return empty_figure(title)
    d = df[df["referred"] > 0]
    order = _programs_in(d)[::-1]
    d = d.set_index("program").loc[order].reset_index()
    names = [program_name(p) for p in d["program"]]
    fig = go.Figure()
    # Reversed so the legend and each group read top-down in stage order.
    for (col, label), color in reversed(list(zip(FUNNEL_STAGES, STAGE_COLORS, strict=True))):
        share = [fmt.pct(v / r) if r else fmt.NOT_AVAILABLE
                 for v, r in zip(d[col], d["referred"], strict=True)]
        fig.add_trace(go.Bar(
            y=names, x=d[col], name=label, orientation="h", marker_color=color,
            customdata=share,
            hovertemplate=f"%{{y}}<br>{label}: %{{x:,.0f}} (%{{customdata}} of referrals)"
                          "<extra></extra>",
        ))
    fig.update_layout(**base_layout(title, height=max(320, 78 * len(d) + 140)))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05,
                      margin=dict(l=200, r=32, t=64, b=56),
                      legend=dict(traceorder="reversed", orientation="h", y=1.0,
                                  yanchor="bottom", x=1, xanchor="right"))
    style_axes(fig)
    fig.update_xaxes(title_text="Referrals", tickformat=",.0f", showgrid=True, gridcolor=GRID)
    return fig


def referral_flows(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Sankey of referrals from source to program. Columns: source, program, referrals."""
    if not _nonempty(df, "referrals"):
        return empty_figure(title)
    d = df[df["referrals"] > 0]
    sources = sorted(set(d["source"]), key=lambda s: (s in ("other", "unknown"), s))
    programs = _programs_in(d)
    src_label = {s: source_label(s) for s in sources}
    labels = [src_label[s] for s in sources] + [program_name(p) for p in programs]
    index = {("s", s): i for i, s in enumerate(sources)}
    index.update({("p", p): len(sources) + i for i, p in enumerate(programs)})
    node_colors = ["#8c96a3"] * len(sources) + [program_color(p) for p in programs]
    link_colors = []
    for p in d["program"]:
        hexc = program_color(p).lstrip("#")
        rgb = tuple(int(hexc[i:i + 2], 16) for i in (0, 2, 4))
        link_colors.append(f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, 0.35)")
    fig = go.Figure(go.Sankey(
        arrangement="fixed",
        node=dict(label=labels, color=node_colors, pad=14, thickness=16,
                  line=dict(color="white", width=0.5),
                  hovertemplate="%{label}: %{value:,.0f} referrals<extra></extra>"),
        link=dict(source=[index[("s", s)] for s in d["source"]],
                  target=[index[("p", p)] for p in d["program"]],
                  value=d["referrals"], color=link_colors,
                  hovertemplate="%{source.label} → %{target.label}: %{value:,.0f} referrals"
                                "<extra></extra>"),
        textfont=dict(size=12, color=INK),
    ))
    fig.update_layout(**base_layout(title, height=max(420, 34 * len(programs) + 120)))
    fig.update_layout(margin=dict(l=16, r=16, t=64, b=24))
    return fig


# -- data quality -----------------------------------------------------------------------------
def dq_loads(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Rows loaded, rejected and warned per load. Columns: load_id, finished_at, rows_loaded,
    rows_rejected, rows_warned."""
    if df is None or df.empty:
        return empty_figure(title, "No loads yet")
    d = df.sort_values("load_id")
    x = [f"Load {int(i)}" for i in d["load_id"]]
    fig = go.Figure()
    for col, label, color in (("rows_loaded", "Loaded", "#0072B2"),
                              ("rows_warned", "Loaded with a warning", "#E69F00"),
                              ("rows_rejected", "Rejected", "#D55E00")):
        fig.add_trace(go.Bar(x=x, y=d[col], name=label, marker_color=color,
                             text=[fmt.count(v) for v in d[col]], textposition="outside",
                             cliponaxis=False,
                             hovertemplate=f"%{{x}}<br>{label}: %{{y:,.0f}} rows<extra></extra>"))
    fig.update_layout(**base_layout(title, height=380))
    fig.update_layout(barmode="group")
    style_axes(fig)
    # Log scale: a handful of rejects next to a hundred thousand loaded rows stays visible.
    fig.update_yaxes(title_text="Rows (log scale)", type="log", tickformat=",.0f",
                     dtick=1)
    fig.update_xaxes(title_text="Load")
    return fig


def dq_rejects(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Rejected rows by reason, one bar segment per file. Columns: file_name, reason,
    rows_rejected (load_id, kind optional)."""
    if not _nonempty(df, "rows_rejected"):
        return empty_figure(title, "No rejected rows: every row loaded passed the contract")
    totals = df.groupby("reason")["rows_rejected"].sum().sort_values()
    fig = go.Figure()
    palette = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#999933")
    for i, (name, d) in enumerate(df.groupby("file_name", sort=True)):
        d = d.groupby("reason")["rows_rejected"].sum().reindex(totals.index).fillna(0)
        fig.add_trace(go.Bar(
            y=list(d.index), x=d.values, name=str(name), orientation="h",
            marker_color=palette[i % len(palette)],
            hovertemplate=f"{name}<br>%{{y}}: %{{x:,.0f}} rows<extra></extra>",
        ))
    fig.update_layout(**base_layout(title, height=max(260, 40 * len(totals) + 140)))
    fig.update_layout(barmode="stack", margin=dict(l=220, r=32, t=64, b=56))
    style_axes(fig)
    fig.update_xaxes(title_text="Rejected rows", tickformat=",.0f", showgrid=True,
                     gridcolor=GRID)
    return fig


def dq_warnings(df: pd.DataFrame, title: str = "") -> go.Figure:
    """Rows loaded with a warning, by rule. Columns: rule, kind, rows_warned."""
    if not _nonempty(df, "rows_warned"):
        return empty_figure(title, "No warnings")
    d = df.groupby("rule")["rows_warned"].sum().sort_values()
    fig = go.Figure(go.Bar(
        y=list(d.index), x=d.values, orientation="h", marker_color="#E69F00",
        text=[fmt.count(v) for v in d.values], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>%{x:,.0f} rows<extra></extra>",
    ))
    fig.update_layout(**base_layout(title, height=max(240, 40 * len(d) + 120)))
    fig.update_layout(margin=dict(l=330, r=60, t=64, b=48), showlegend=False)
    style_axes(fig)
    fig.update_xaxes(title_text="Rows with a warning", tickformat=",.0f", showgrid=True,
                     gridcolor=GRID)
    return fig
