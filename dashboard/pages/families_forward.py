"""/families-forward — Families Forward job placements, sectors, wages and time to placement."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from dash import Dash, html

from charts import format as fmt
from charts.derived import ratio
from charts.events import FF_ENROLLMENT_WINDOW
from charts.format import day
from charts.lives import outside_life_note
from charts.registry import charts_for
from charts.style import program_color
from dashboard.page_parts import (
    Page,
    PageContext,
    chart_cards,
    page_frame,
    register_page,
    render_page,
    stat_card,
)
from dashboard.period_control import window_text
from warehouse.metrics import METRICS
from warehouse.suppression import is_suppressed, marker, threshold

FAMILIES_FORWARD = "FAMILIES_FORWARD"

PAGE = Page(
    key="families-forward",
    path="/families-forward",
    name="Families Forward",
    title="Families Forward",
    intro=f"Job placements of Families Forward participants. The program enrolled parents from "
          f"{day(FF_ENROLLMENT_WINDOW[0])} to {day(FF_ENROLLMENT_WINDOW[1])}; placements can "
          "follow later.",
)


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def program_years(ctx: PageContext) -> tuple | None:
    """The first and last period of the window (calendar years, or the filters' grain: period
    labels) in which Families Forward has any record (enrollment span, graduation, referral or
    placement), from the metric SQL; None when it has none."""
    df = ctx.wh.metrics(replace(ctx.filters, programs=(FAMILIES_FORWARD,)),
                        by=ctx.filters.grain or "year")
    cols = ["participants_served", "graduates", "referrals", "placements"]
    active = df[(df[cols] != 0).any(axis=1)]
    if active.empty:
        return None
    if ctx.filters.grain:
        return active["period"].iloc[0], active["period"].iloc[-1]
    return int(active["year"].min()), int(active["year"].max())


def headline_cards(ctx: PageContext) -> html.Div:
    """Parents served, placement rate, job placements and median wage, for the window."""
    f = replace(ctx.filters, programs=(FAMILIES_FORWARD,))
    row = ctx.wh.metrics(f).iloc[0] if not ctx.wh.metrics(f).empty else None
    wages = ctx.wh.query("ff_wage_summary", f).iloc[0]
    served = row["participants_served"] if row is not None else 0
    placed = row["participants_placed"] if row is not None else 0
    placements = row["placements"] if row is not None else 0
    values = {"participants_served": served, "participants_placed": placed,
              "placements": placements, "placements_with_wage": wages["placements_with_wage"]}
    if ctx.suppress:  # primary suppression of the counts, as in the tables
        n = threshold()
        values = {k: (marker() if 0 < float(v) < n else v) for k, v in values.items()}
    hidden = any(is_suppressed(values[k]) for k in ("participants_served",
                                                    "participants_placed"))
    rate = ratio(pd.Series([placed]), pd.Series([served])).iloc[0]
    wage_hidden = is_suppressed(values["placements_with_wage"])
    # Served counts every enrollment, also one outside the program's life: say how many.
    outside = outside_life_note(ctx.wh, f, FAMILIES_FORWARD, suppress=ctx.suppress,
                                brief=True)
    why = outside_life_note(ctx.wh, f, FAMILIES_FORWARD, suppress=ctx.suppress)
    cards = [
        stat_card("Parents served", fmt.count(values["participants_served"]),
                  METRICS["participants_served"].label + " in the window",
                  extra=html.Div(outside, className="stat-note stat-caveat", title=why,
                                 id="ff-outside-life") if outside else None,
                  card_id="ff-served", accent=program_color(FAMILIES_FORWARD)),
        stat_card("Placement rate", marker() if hidden else fmt.pct(rate),
                  f"{fmt.count(values['participants_placed'])} parents placed in a job in the "
                  "window ÷ parents served in the window", card_id="ff-placement-rate",
                  accent=program_color(FAMILIES_FORWARD)),
        stat_card("Job placements", fmt.count(values["placements"]),
                  "Placements made in the window", card_id="ff-placements",
                  accent=program_color(FAMILIES_FORWARD)),
        stat_card("Median hourly wage", marker() if wage_hidden
                  else fmt.dollars_per_hour(wages["median_hourly_wage"]),
                  f"Of the {fmt.count(values['placements_with_wage'])} placements in the window "
                  "with a recorded wage", card_id="ff-median-wage",
                  accent=program_color(FAMILIES_FORWARD)),
    ]
    return html.Div(cards, className="stat-grid", id="ff-headline-cards")


def body(ctx: PageContext):
    years = program_years(ctx)
    if years is None:
        return [html.Div("Families Forward has no records in the selected years and boroughs.",
                         className="card empty-state", role="status")]
    # The window narrowed to the years the program has records in: the same numbers, and
    # titles that say when they are from (not 2007–2025 for a 2018–2023 program).
    if ctx.filters.grain:  # the same, in periods of the grain (exact month windows)
        f = ctx.wh.resolve(replace(ctx.filters, from_period=years[0], to_period=years[1]))
        window, unit = window_text(f), "periods"
    else:
        f = replace(ctx.filters, from_year=years[0], to_year=years[1])
        window, unit = fmt.year_range(*years), "years"
    narrowed = replace(ctx, filters=f, _joint={})
    narrowed.prefetch(*(c.id for c in charts_for(PAGE.key)))  # beside the headline queries
    note = html.P(
        f"Showing {window}: the {unit} of the selected window in which Families Forward has "
        "records (referrals, enrollments, placements).", className="window-note",
        id="ff-window-note")
    return [html.H2(f"Families Forward, {window}", className="section-title"), note,
            headline_cards(narrowed),
            html.Div(chart_cards(PAGE.key, narrowed), className="chart-grid")]


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
