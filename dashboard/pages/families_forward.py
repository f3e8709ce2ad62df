"""/families-forward — Families Forward job placements, sectors, wages and time to placement."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from dashboard import ids
from dashboard.common import Page, PageContext, cached_body, chart_cards, page_context, page_frame
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
    ctx = page_context(search)
    if not isinstance(ctx, PageContext):
        return ctx
    return cached_body(PAGE.key, ctx, body)


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
    app.callback(Output(ids.page_body(PAGE.key), "children"), Input(ids.URL, "search"))(render)
