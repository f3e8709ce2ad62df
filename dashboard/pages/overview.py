"""/ — Overview: headline numbers for the window with a trend line per year."""

from __future__ import annotations

from dash import Dash, dcc, html

from dashboard import figures
from dashboard import format as fmt
from dashboard.charts import chart_data
from dashboard.common import (
    Page,
    PageContext,
    page_frame,
    register_page,
    render_page,
    stat_card,
)
from dashboard.derived import GRADUATION_RATE_DEFINITION, graduation_rate
from dashboard.style import ACCENT
from warehouse.metrics import METRICS
from warehouse.suppression import TOTAL, marker

PAGE = Page(
    key="overview",
    path="/",
    name="Overview",
    title="Program outcomes at a glance",
    intro="Headline results of OCSS's employment and debt-reduction programs for the selected "
          "years, programs and boroughs. Each total takes the selected programs together, so a "
          "parent served by two programs counts once; the line under each number is its trend "
          "per year.",
)

HEADLINES = (
    # (metric column, label, formatter, d3 format for the sparkline hover)
    ("participants_served", "Participants served", fmt.count, fmt.D3_COUNT),
    ("graduates", "Graduates", fmt.count, fmt.D3_COUNT),
    ("arrears_reduced_usd", "DSS arrears reduced", fmt.money, fmt.D3_MONEY),
    ("ncps_with_reductions", "NCPs with reductions", fmt.count, fmt.D3_COUNT),
    ("placements", "Job placements", fmt.count, fmt.D3_COUNT),
)


def window_total_hidden(ctx: PageContext) -> dict[str, bool]:
    """Which headline totals (all selected programs, the whole window) suppression hides: the
    joint mask's grand-total cells, so the cards agree with the charts."""
    from exports.charts import joint_mask

    joint = ctx.joint()
    mask = joint_mask(joint)
    grand = ((joint["year"] == TOTAL) & (joint["program"] == TOTAL)).to_numpy()
    return {c: bool(mask.loc[grand, c].any()) for c in mask.columns if c in METRICS}


def headline_cards(ctx: PageContext) -> html.Div:
    # The metric SQL's ALL row: all selected programs together, each participant once.
    totals = ctx.wh.metrics(ctx.filters, with_total=True)
    all_rows = totals[totals["program"] == "ALL"]
    sums = all_rows.iloc[0] if not all_rows.empty else None
    safe = ctx.safe("overview_trends")  # None unless suppression is on
    trend = safe.values if safe is not None else chart_data("overview_trends", ctx.wh,
                                                            ctx.filters)
    hidden = window_total_hidden(ctx) if ctx.suppress else {}
    cards = []
    for col, label, formatter, d3 in HEADLINES:
        value = float(sums[col]) if sums is not None else 0.0
        note = None
        if col == "graduates" and sums is not None:
            rate = graduation_rate(sums.to_frame().T).iloc[0]
            note = f"Graduation rate {fmt.pct(rate)}"
            if hidden.get("graduates") or hidden.get("participants_served"):
                note = f"Graduation rate {marker()}"
        if hidden.get(col):
            value = marker()
        spark = dcc.Graph(figure=figures.sparkline.spec(trend, col, color=ACCENT, d3=d3),
                          config={"displayModeBar": False, "responsive": True},
                          className="sparkline", id=f"spark-{col}",
                          style={"height": "56px"})
        card = stat_card(label, formatter(value), note, spark, card_id=f"headline-{col}")
        card.title = METRICS[col].definition + (
            " " + GRADUATION_RATE_DEFINITION if col == "graduates" else "")
        cards.append(card)
    return html.Div(cards, className="stat-grid", id="headline-cards")


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def body(ctx: PageContext):
    window = fmt.year_range(ctx.filters.from_year, ctx.filters.to_year)
    return [
        html.H2(f"Headline results, {window}", className="section-title"),
        headline_cards(ctx),
        html.Div([ctx.card("overview_trends"), ctx.card("program_summary")],
                 className="chart-grid"),
    ]


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
