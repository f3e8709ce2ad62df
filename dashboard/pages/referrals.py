"""/referrals — the referral funnel and where referrals come from."""

from __future__ import annotations

from dash import Dash, html

from dashboard.common import (
    Page,
    PageContext,
    chart_cards,
    page_frame,
    register_page,
    render_page,
)

PAGE = Page(
    key="referrals",
    path="/referrals",
    name="Referrals",
    title="Referrals",
    intro="What became of the referrals made in the selected years (enrolled, graduated, "
          "placed), and which sources refer parents to which programs.",
)


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def body(ctx: PageContext):
    return html.Div(chart_cards(PAGE.key, ctx), className="chart-grid")


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
