"""Cohort completion figure (pure: frame in, figure out), in the style of charts.figures.

Kept apart from figures.py so that module stays as it is; the tests validate this builder with
the others (every chart of the registry)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from charts.events import ProgramEvent
from charts.figure_spec import _title, builder, empty_figure, layout, spec, yaxis
from charts.figures import _events, _per_program, _years_axis
from charts.style import program_color, program_name

FOLLOW_DAYS = 365  # a cohort is drawn once every enrollment in it has had a full year


def completion_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Share of each cohort's enrollments that graduated within one year, within two, and by
    the latest data (NaN where the cohort has not been followed long enough for the horizon,
    or has no enrollments)."""
    out = df.copy()
    enrolled = pd.to_numeric(out["enrolled"], errors="coerce").to_numpy(dtype=float)
    followed = pd.to_numeric(out["followed_days"], errors="coerce").to_numpy(dtype=float)
    for col, horizon in (("graduated_1y", 365), ("graduated_2y", 730), ("graduated", 0)):
        num = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where((enrolled > 0) & (followed >= horizon), num / enrolled, np.nan)
        out[col.replace("graduated", "completion") + "_share"] = rate
    return out


@builder
def cohort_completion(df: pd.DataFrame, title: str = "",
                      events: tuple[ProgramEvent, ...] = ()) -> dict:
    """Per program, the share of each enrollment year's enrollments that graduated within one
    year of enrolling (lines; cohorts followed for less than a year are left out).

    Columns: year, program, enrolled, graduated_1y, graduated_2y, graduated, followed_days.
    """
    d = completion_rates(df) if df is not None and not df.empty else df
    if d is None or d.empty or not np.isfinite(d["completion_1y_share"]).any():
        return empty_figure.spec(title)
    traces = []
    for p, rows in _per_program(d):
        custom = np.column_stack([rows["enrolled"], rows["completion_2y_share"],
                                  rows["completion_share"]])
        traces.append({
            "type": "scatter", "x": rows["year"], "y": rows["completion_1y_share"],
            "name": program_name(p), "mode": "lines+markers", "connectgaps": False,
            "line": {"color": program_color(p), "width": 2}, "marker": {"size": 5},
            "customdata": custom,
            "hovertemplate": f"{program_name(p)}, enrolled in %{{x}}: %{{customdata[0]:,.0f}}"
                             "<br>Graduated within 1 year: %{y:.1%}"
                             "<br>within 2 years: %{customdata[1]:.1%}"
                             "<br>by the latest data: %{customdata[2]:.1%}<extra></extra>",
        })
    top = float(np.nanmax(d["completion_1y_share"].to_numpy(dtype=float)))
    markers, marks = _events(events, top)
    return spec(traces + markers, layout(
        title, 420, marks, xaxis=_years_axis(d["year"], title=_title("Year enrolled (the cohort)")),
        yaxis=yaxis(title=_title("Graduated within 1 year"),
                    tickformat=".0%", rangemode="tozero")))
