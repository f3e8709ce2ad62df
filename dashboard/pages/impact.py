"""/impact — did parents pay more child support after the programs? Compliance with current
support before and after entry, for each program's cohort and its comparison group."""

from __future__ import annotations

import pandas as pd
from dash import Dash, html

from charts import format as fmt
from charts.style import program_name
from dashboard.page_parts import Page, PageContext, page_frame, register_page, render_page
from warehouse.impact import IMPACT_COLUMNS, NOT_AN_EXPERIMENT, suppress_impact
from warehouse.metrics import IMPACT_GROUPS as GROUP_LABELS

PAGE = Page(
    key="impact",
    path="/impact",
    name="Impact",
    title="Impact on child support",
    intro="Did parents pay more of their current child support after entering a program? For "
          "each program: the share of current support due that was paid, month by month from "
          "12 months before to 12 months after entry, for the parents who first enrolled in the "
          "selected years and for parents referred in those years who never enrolled.",
)
MONTHS = 12
# Table columns: (frame column, heading, kind).
TABLE = (
    ("group", "Group", "group"),
    ("participants", "Parents", "count"),
    ("with_support_records", "With records", "count"),
    ("before_due", "Due before", "usd"),
    ("before_paid", "Paid before", "usd"),
    ("before_compliance", "Compliance before", "pct"),
    ("after_due", "Due after", "usd"),
    ("after_paid", "Paid after", "usd"),
    ("after_compliance", "Compliance after", "pct"),
    ("compliance_change", "Change (points)", "points"),
    ("before_paying_share", "Paying before", "pct"),
    ("after_paying_share", "Paying after", "pct"),
)
SHORT_GROUP = {"enrolled": "Enrolled", "comparison": "Comparison"}


def impact_table(ctx: PageContext) -> pd.DataFrame:
    """The before/after table for the page's filters, suppressed when suppression is on."""
    df = ctx.wh.impact(ctx.filters, months=MONTHS)
    return suppress_impact(df) if ctx.suppress else df


def _cell(value, kind: str) -> str:
    if isinstance(value, str) and kind != "group":
        return value  # a suppression marker
    if kind == "group":
        return SHORT_GROUP.get(value, value)
    if value is None or pd.isna(value):
        return fmt.NOT_AVAILABLE
    if kind == "count":
        return fmt.count(value)
    if kind == "usd":
        return fmt.money_full(value)
    if kind == "points":
        return f"{value * 100:+.1f}"
    return fmt.pct(value)


def table_component(df: pd.DataFrame) -> html.Div:
    header = html.Tr([html.Th("Program")] + [html.Th(h) for _, h, _ in TABLE])
    body = []
    for row in df[IMPACT_COLUMNS].itertuples(index=False):
        r = row._asdict()
        first = r["group"] == "enrolled"
        body.append(html.Tr(
            [html.Th(program_name(r["program"]) if first else "", scope="row",
                     style={"whiteSpace": "normal", "minWidth": "8em"})]
            + [html.Td(_cell(r[c], kind), className="num" if kind != "group" else None)
               for c, _, kind in TABLE],
            className="impact-row-" + r["group"]))
    return html.Div(html.Table([html.Thead(header), html.Tbody(body)], className="impact-table"),
                    className="data-table", id="impact-table", style={"overflowX": "auto"})


def body(ctx: PageContext):
    window = fmt.year_range(ctx.filters.from_year, ctx.filters.to_year)
    df = impact_table(ctx)
    notice = html.P(NOT_AN_EXPERIMENT, className="card notice", id="impact-not-an-experiment",
                    role="note")
    if df.empty:
        table = html.Div("No program enrollments or referrals match these filters.",
                         className="card empty-state", id="impact-table")
    else:
        table = html.Div([
            html.H3(f"Before and after entry, enrollments in {window}"),
            table_component(df),
            html.P(f"Enrolled: {GROUP_LABELS['enrolled']} Comparison: "
                   f"{GROUP_LABELS['comparison']} "
                   "Compliance = current support paid / current support due, over the support "
                   "months on record in the 12 months before entry (not counting the entry "
                   "month) and the 12 months after. Paying = share of the parents with records "
                   "on that side who paid anything (current support or arrears). Definitions: "
                   "docs/metrics.md, Impact on child support.", className="chart-definition"),
        ], className="card")
    return [notice, html.Div([ctx.card("impact_event_study")], className="chart-grid"), table]


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
