"""/employment — participants served, graduates and new enrollments of the employment programs."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from dashboard import ids
from dashboard.common import Page, PageContext, cached_body, chart_cards, page_context, page_frame

PAGE = Page(
    key="employment",
    path="/employment",
    name="Employment",
    title="Employment programs",
    intro="Participants served, graduates and new enrollments per employment program and year, "
          "and where participants live. Other programs are left out of this page.",
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
