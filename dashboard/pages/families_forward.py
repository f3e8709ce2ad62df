"""/families-forward — Families Forward job placements, sectors, wages and time to placement."""

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
from dashboard.events import FF_ENROLLMENT_WINDOW
from dashboard.format import day

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


def body(ctx: PageContext):
    notes = []
    if ctx.filters.programs and "FAMILIES_FORWARD" not in ctx.filters.programs:
        notes.append(html.Div("Families Forward is not among the selected programs, so this "
                              "page has nothing to show. Clear the program filter or add "
                              "Families Forward.", className="card notice", role="status"))
    return [*notes, html.Div(chart_cards(PAGE.key, ctx), className="chart-grid")]


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
