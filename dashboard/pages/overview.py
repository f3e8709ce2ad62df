"""/ — Overview: headline numbers for the window with a trend line per year."""

from __future__ import annotations

from functools import partial

import pandas as pd
from dash import Dash, dcc, html

from charts import figures
from charts import format as fmt
from charts.derived import GRADUATION_RATE_DEFINITION, average_reduction, graduation_rate
from charts.style import ACCENT
from core.vocabularies import FAMILIES, FAMILY_NAMES
from dashboard.families import (
    HEADLINES,
    family_rows_and_trend,
    family_title,
    selected_families,
    selected_programs,
)
from dashboard.page_parts import (
    Page,
    PageContext,
    concurrently,
    page_frame,
    register_page,
    render_page,
    stat_card,
)
from dashboard.period_control import window_text
from warehouse.metrics import METRICS
from warehouse.suppression import is_suppressed, marker, suppress_metrics

PAGE = Page(
    key="overview",
    path="/",
    name="Overview",
    title="Program outcomes at a glance",
    intro="Headline results of OCSS's employment, debt-reduction and legal-service programs for "
          "the selected years, programs and boroughs, per program family: a number means one "
          "thing in each family, so families are never added together. Within a family a parent "
          "served by two programs counts once; the line under each number is its trend per "
          "period (year, fiscal year, quarter or month, as the Period control says).",
)

def _suppressed(df: pd.DataFrame) -> pd.DataFrame:
    """Primary suppression of a family's ALL rows (counts under the threshold, and dollars
    whose NCP count is under it, read "<11")."""
    return suppress_metrics(df) if not df.empty else df


def family_cards(ctx: PageContext, family: str) -> html.Section:
    """One family's headline cards for the window, each with its per-year sparkline."""
    totals, trend = family_rows_and_trend(ctx.wh, ctx.filters, family,
                                          by=ctx.filters.grain or "year")
    shown = _suppressed(totals) if ctx.suppress else totals
    if ctx.suppress and not trend.empty:
        trend = trend.copy()
        hidden = _suppressed(trend)
        for col in hidden.columns:
            if col in METRICS:
                trend[col] = pd.to_numeric(hidden[col], errors="coerce")  # "<11" -> a gap
    row = shown.iloc[0] if not shown.empty else None
    cards = []
    for h in HEADLINES[family]:
        value = row[h.column] if row is not None else 0
        note = None
        if h.column == "graduates" and row is not None:
            rate = graduation_rate(totals).iloc[0]
            hidden = is_suppressed(row["graduates"]) or is_suppressed(row["participants_served"])
            note = (f"{marker() if hidden else fmt.pct(rate)} of the participants served in "
                    "the window (graduates ÷ participants served)")
        if h.column == "arrears_reduced_usd" and row is not None:
            avg = average_reduction(totals).iloc[0]
            hidden = is_suppressed(row["arrears_reduced_usd"])
            note = f"Average {marker() if hidden else fmt.money(avg)} per NCP with a reduction"
        spark = dcc.Graph(figure=figures.sparkline.spec(trend, h.column, color=ACCENT, d3=h.d3),
                          config={"displayModeBar": False, "responsive": True,
                                  "staticPlot": True},
                          className="sparkline", id=f"spark-{family}-{h.column}",
                          style={"height": "56px"})
        card = stat_card(h.label, h.formatter(value), note, spark,
                         card_id=f"headline-{family}-{h.column}")
        card.title = METRICS[h.column].definition + (
            " " + GRADUATION_RATE_DEFINITION if h.column == "graduates" else "")
        cards.append(card)
    return html.Section(
        [html.H3(family_title(ctx.filters, family), className="family-title"),
         html.Div(cards, className="stat-grid")],
        className=f"family family-{family}", id=f"family-{family}",
    )


def headline_cards(ctx: PageContext) -> html.Div:
    """Cards per program family; families the program filter leaves out are named, not
    drawn as zeros."""
    chosen = selected_families(ctx.filters)
    # Each family's query runs beside the others' (page_parts.concurrently).
    sections = concurrently(*(partial(family_cards, ctx, f) for f in chosen))
    left_out = [FAMILY_NAMES[f].lower() for f in FAMILIES if f not in chosen]
    if left_out:
        sections.append(html.P(
            "Not shown: " + " and ".join(left_out) + " programs (none is among the selected "
            "programs).", className="family-left-out"))
    return html.Div(sections, id="headline-cards")


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def body(ctx: PageContext):
    window = window_text(ctx.filters)
    # Every family's totals and trend and the program summary's rows from one metric
    # statement (each cached as the cards and the chart ask for it).
    chosen = selected_families(ctx.filters)
    ctx.wh.metrics_by_family(ctx.filters, tuple(selected_programs(ctx.filters, f)
                                                for f in chosen), by=ctx.filters.grain or "year")
    return [
        html.H2(f"Headline results, {window}", className="section-title"),
        headline_cards(ctx),
        html.Div([ctx.card("program_summary")], className="chart-grid"),
    ]


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
