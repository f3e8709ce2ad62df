"""/referrals — the referral funnel and where referrals come from."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from dashboard import ids
from dashboard.common import Page, PageContext, cached_body, chart_cards, page_context, page_frame

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
    ctx = page_context(search)
    if not isinstance(ctx, PageContext):
        return ctx
    return cached_body(PAGE.key, ctx, body)


def body(ctx: PageContext):
    return html.Div(chart_cards(PAGE.key, ctx), className="chart-grid")


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    app.callback(Output(ids.page_body(PAGE.key), "children"), Input(ids.URL, "search"))(render)
