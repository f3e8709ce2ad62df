"""/employment — participants served, graduates and new enrollments of the employment programs."""

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
    key="employment",
    path="/employment",
    name="Employment",
    title="Employment programs",
    intro="Participants served, graduates and new enrollments per employment program and year, "
          "and where participants live. Other programs are left out of this page.",
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
