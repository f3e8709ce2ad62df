"""/arrears — DSS arrears reduced and NCPs helped by the debt-reduction programs."""

from __future__ import annotations

from dash import Dash, html

from charts import format as fmt
from charts.registry import DEBT_REDUCTION_EVENTS, charts_for
from charts.style import program_color, program_name
from dashboard.page_parts import (
    Page,
    PageContext,
    page_frame,
    register_page,
    render_page,
)
from dashboard.period_control import window_text

PAGE = Page(
    key="arrears",
    path="/arrears",
    name="Arrears",
    title="DSS arrears reduction",
    intro="How much DSS-owed arrears the debt-reduction programs reduced, for how many "
          "noncustodial parents (NCPs), per year and in total for the selected years.",
)


def program_totals(ctx: PageContext):
    """One card per debt-reduction program: dollars reduced, NCPs and the average, for the
    window (the same numbers as the arrears_totals chart and table)."""
    safe = ctx.safe("arrears_totals")  # "<11" in place of hidden numbers when suppressing
    df = safe.display if safe is not None else ctx.data("arrears_totals")
    cards = []
    for row in df.itertuples(index=False):
        cards.append(html.Div(
            [
                html.Div(program_name(row.program), className="stat-label"),
                html.Div(fmt.money(row.arrears_reduced_usd), className="stat-value",
                         **{"data-metric": "arrears_reduced_usd"}),
                html.Div([html.Span(fmt.count(row.ncps_with_reductions),
                                    className="stat-strong",
                                    **{"data-metric": "ncps_with_reductions"}),
                          " NCPs with reductions"], className="stat-note"),
                html.Div(f"Average per NCP {fmt.money(row.avg_reduction_usd)}",
                         className="stat-note"),
            ],
            className="card stat-card", id=f"arrears-total-{row.program}",
            style={"borderTopColor": program_color(row.program)},
        ))
    if not cards:
        return html.Div("No records match these filters", className="card empty-state")
    return html.Div(cards, className="stat-grid", id="arrears-program-totals")


def event_list(ctx: PageContext):
    # The events of the debt-reduction charts below, numbered as on their axes.
    events = DEBT_REDUCTION_EVENTS(ctx.filters)["events"]
    if not events:
        return None
    return html.Details(
        [html.Summary(f"Program events marked on the time axes ({len(events)})"),
         html.Ol([html.Li(e.detail) for e in events])],
        className="card events-list", open=True,
    )


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def body(ctx: PageContext):
    window = window_text(ctx.filters)
    # The cumulative series in a thread; the window's totals and the per-period rows from one
    # metric statement (both cached as the charts ask for them).
    ctx.prefetch("arrears_cumulative")
    ctx.wh.metrics_and_window(ctx.filters, by=ctx.filters.grain or "year")
    cards = [ctx.card(c.id) for c in charts_for(PAGE.key)]
    events = event_list(ctx)
    return [
        html.H2(f"Totals per program, {window}", className="section-title"),
        program_totals(ctx),
        *([events] if events else []),
        html.Div(cards, className="chart-grid"),
    ]


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
