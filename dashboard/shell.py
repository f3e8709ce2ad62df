"""The app shell: header (product name, demo banner, as-of date), navigation, the global filter
bar (with the small-cell suppression toggle and the report download), and the callbacks that
route pages and keep the filters (and `suppress=1`) in the URL. Chart and report downloads:
dashboard/chart_downloads.py."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Dash, Input, Output, ctx, dcc, html, no_update
from dash.development.base_component import Component

from charts import format as fmt
from charts.style import PROGRAM_NAMES, PROGRAM_ORDER
from core.vocabularies import BOROUGHS, UNKNOWN_BOROUGH
from dashboard import ids, scope
from dashboard.drilldown import register_drilldown
from dashboard.page_parts import Page, get_warehouse, missing_panel
from dashboard.report_button import report_controls
from dashboard.url_state import from_controls, parse_search, parse_suppress, to_search
from warehouse.query import WarehouseMissing
from warehouse.suppression import threshold

PRODUCT_NAME = "OCSS Program Outcomes"
DEMO_TEXT = ("Demo data: this warehouse holds synthetic records generated for demonstration. "
             "The numbers are not real OCSS results.")


# -- status: demo banner and as-of --------------------------------------------------------------
def warehouse_status() -> tuple[bool, str]:
    """(is the data a synthetic demo?, the as-of text)."""
    wh = get_warehouse()
    try:
        if not wh.exists():
            return False, "No warehouse loaded"
        demo = wh.is_demo()
        as_of = wh.as_of()
        through = wh.plain("data_through")["data_through"].iloc[0] if as_of is not None else None
    except WarehouseMissing:
        return False, "Warehouse unreadable"
    if as_of is None:
        return demo, "No loads yet"
    # Two dates: what the records run through, and when they were loaded.
    return demo, f"Data through {fmt.day(through)} · loaded {fmt.day(as_of)}"


def demo_banner(demo: bool) -> list[Component]:
    return [html.Strong("Synthetic demo data. "), DEMO_TEXT.split(". ", 1)[1]] if demo else []


def update_status(pathname: str | None):
    """Callback: refresh the banner and the as-of date on every navigation."""
    demo, as_of = warehouse_status()
    return demo_banner(demo), ("demo-banner" if demo else "demo-banner hidden"), as_of


# -- filters <-> URL --------------------------------------------------------------------------
def data_years() -> tuple[int, int] | None:
    wh = get_warehouse()
    try:
        return wh.data_years() if wh.exists() else None
    except WarehouseMissing:
        return None


def controls_from_search(search: str | None, years: tuple[int, int] | None):
    """The filter bar's values for a query string: (from, to, programs, boroughs)."""
    f = parse_search(search, years)
    lo, hi = years if years else (None, None)
    return (f.from_year if f.from_year is not None else lo,
            f.to_year if f.to_year is not None else hi,
            list(f.programs), list(f.boroughs))


def search_from_controls(from_year, to_year, programs, boroughs) -> str:
    return to_search(from_controls(from_year, to_year, programs, boroughs))


def sync_filters(search, from_year, to_year, programs, boroughs, trigger=None, suppress=None):
    """Callback, both ways: a new URL (load, back/forward, link) sets the filter bar; a change
    in the filter bar writes the URL (one history entry per change). `suppress` (the toggle's
    state) is written into the URL; None keeps the URL's."""
    trigger = trigger if trigger is not None else ctx.triggered_id
    if trigger in (None, ids.URL):
        values = controls_from_search(search, data_years())
        current = (from_year, to_year, list(programs or []), list(boroughs or []))
        if tuple(values) == current:
            return (no_update,) * 5
        return (no_update, *values)
    f = from_controls(from_year, to_year, programs, boroughs)
    new = to_search(f, parse_suppress(search) if suppress is None else bool(suppress))
    fixed = [no_update] * 4
    if (f.from_year, f.to_year) != (from_year, to_year) and f.from_year is not None:
        fixed[0], fixed[1] = f.from_year, f.to_year  # a reversed range, put in order
    if new == (search or ""):
        return (no_update, *fixed)
    return (new, *fixed)


SUPPRESS_ON = "on"


def sync_controls(search, from_year, to_year, programs, boroughs, suppress_value, trigger=None):
    """The registered callback: `sync_filters` plus the suppression toggle (a checklist whose
    value is ["on"] or []), both ways. Returns (search, from, to, programs, boroughs, toggle)."""
    trigger = trigger if trigger is not None else ctx.triggered_id
    if trigger in (None, ids.URL):
        out = sync_filters(search, from_year, to_year, programs, boroughs, trigger=ids.URL)
        value = [SUPPRESS_ON] if parse_suppress(search) else []
        return (*out, no_update if value == list(suppress_value or []) else value)
    on = SUPPRESS_ON in (suppress_value or [])
    out = sync_filters(search, from_year, to_year, programs, boroughs, trigger=trigger,
                       suppress=on)
    return (*out, no_update)


def suppress_toggle() -> html.Div:
    n = threshold()
    if scope.forced_suppress():  # viewers: always on; no toggle (the URL cannot turn it off)
        return html.Div(
            [html.Span("Small numbers", className="filter-label"),
             html.Span(f"Suppressed under {n}", className="suppress-fixed"),
             dcc.Checklist(id=ids.FILTER_SUPPRESS, value=[SUPPRESS_ON], options=[],
                           style={"display": "none"})],
            className="filter filter-suppress",
            title=f"Counts from 1 to {n - 1} show as <{n} for your account.")
    return html.Div(
        [html.Span("Small numbers", className="filter-label"),
         dcc.Checklist(id=ids.FILTER_SUPPRESS, value=[],
                       options=[{"label": f"Suppress under {n}", "value": SUPPRESS_ON}],
                       className="suppress-toggle", inputClassName="suppress-input",
                       labelClassName="suppress-label")],
        className="filter filter-suppress",
        title=(f"Show counts from 1 to {n - 1} as <{n} (and hide what would give them away), "
               "as in published exports. Downloads are always suppressed."),
    )


def filter_bar(years: tuple[int, int] | None) -> html.Div:
    year_opts = ([{"label": str(y), "value": y} for y in range(years[0], years[1] + 1)]
                 if years else [])
    lo, hi = years if years else (None, None)
    return html.Div(
        [
            # Phones: the filters fold behind this button (dashboard/assets/shell.js).
            html.Button("Filters", className="filter-toggle button button-secondary",
                        type="button", **{"aria-expanded": "false",
                                          "aria-controls": "filter-bar"}),
            html.Div([html.Label("From", htmlFor=ids.FILTER_FROM),
                      dcc.Dropdown(id=ids.FILTER_FROM, options=year_opts, value=lo,
                                   clearable=False, searchable=False, className="dd-year")],
                     className="filter filter-year"),
            html.Div([html.Label("To", htmlFor=ids.FILTER_TO),
                      dcc.Dropdown(id=ids.FILTER_TO, options=year_opts, value=hi,
                                   clearable=False, searchable=False, className="dd-year")],
                     className="filter filter-year"),
            html.Div([html.Label("Programs", htmlFor=ids.FILTER_PROGRAMS),
                      dcc.Dropdown(id=ids.FILTER_PROGRAMS, multi=True, value=[],
                                   placeholder=("All your programs" if scope.current().scoped
                                                else "All programs"),
                                   options=[{"label": PROGRAM_NAMES[c], "value": c}
                                            for c in PROGRAM_ORDER
                                            if not scope.current().scoped
                                            or c in scope.current().programs])],
                     className="filter filter-programs"),
            html.Div([html.Label("Boroughs", htmlFor=ids.FILTER_BOROUGHS),
                      dcc.Dropdown(id=ids.FILTER_BOROUGHS, multi=True, value=[],
                                   placeholder="All boroughs",
                                   options=[{"label": b, "value": b} for b in BOROUGHS]
                                   + [{"label": "Unknown (no known borough)",
                                       "value": UNKNOWN_BOROUGH}])],
                     className="filter filter-boroughs"),
            suppress_toggle(),
            html.Div(dcc.Link("Reset filters", id=ids.FILTER_RESET, href="/",
                              className="button button-link"),
                     className="filter filter-reset"),
            report_controls(),
        ],
        className="filter-bar", role="search", id="filter-bar",
        **{"aria-label": "Global filters"},
    )


# -- navigation and routing -------------------------------------------------------------------
def _nav_class(page: Page, active: bool = False) -> str:
    # A page the user may not open stays in the tree (callbacks address it) but is not shown.
    return ("nav-link" + (" active" if active else "")
            + ("" if scope.page_allowed(page.key) else " hidden"))


def nav(pages: list[Page]) -> html.Nav:
    return html.Nav(
        [dcc.Link(p.name, href=p.path, id=ids.nav_link(p.key), className=_nav_class(p))
         for p in pages],
        className="nav", id=ids.NAV, **{"aria-label": "Pages"},
    )


def nav_state(pathname: str | None, search: str | None, pages: list[Page]):
    """Callback: every nav link carries the current query string; the current page is marked."""
    search = search or ""
    hrefs = [p.path + search for p in pages]
    classes = [_nav_class(p, (pathname or "/") == p.path) for p in pages]
    return (*hrefs, *classes, (pathname or "/"))


def not_found(pathname: str) -> html.Div:
    return html.Div([html.H1("Page not found"),
                     html.P(f"There is no page at {pathname}."),
                     dcc.Link("Go to the overview", href="/")],
                    className="card not-found")


def make_router(pages: list[Page], layouts: dict[str, callable]):
    by_path = {p.path: p for p in pages}

    def route(pathname: str | None):
        page = by_path.get((pathname or "/").rstrip("/") or "/")
        if page is None:
            return not_found(pathname or "")
        return layouts[page.key]()

    return route


def user_bar() -> html.Div:
    """Who is signed in (role, programs), sign-out and, for admins, the admin page; with
    OUTCOMES_AUTH=none, a plain statement that sign-in is off."""
    from flask import current_app, has_request_context

    mode = current_app.config.get("OUTCOMES_AUTH", "none") if has_request_context() else "none"
    access = scope.current()
    if mode == "none":
        return html.Div(html.Span("Sign-in is off: local use only (OUTCOMES_AUTH=none)",
                                  className="user-note"), className="user-bar", id="user-bar")
    programs = ", ".join(access.programs) if access.scoped else "all programs"
    items = [html.Span(access.user, className="user-name", id="user-name"),
             html.Span(f"{access.role} · {programs}", className="user-role")]
    if access.is_admin:
        items.append(html.A("Users", href="/admin", className="user-link", id="admin-link"))
    if mode == "password":
        items.append(html.A("Sign out", href="/logout", className="user-link", id="sign-out"))
    return html.Div(items, className="user-bar", id="user-bar")


def serve_layout(pages: list[Page]):
    def layout():
        years = data_years()
        demo, as_of = warehouse_status()
        return html.Div(
            [
                dcc.Location(id=ids.URL, refresh=False),
                html.A("Skip to the main content", href="#main-content", className="skip-link"),
                html.Header(
                    [
                        html.Div(
                            [
                                html.Div([html.Span(PRODUCT_NAME, className="brand-name"),
                                          html.Span("NYC Office of Child Support Services",
                                                    className="brand-sub")],
                                         className="brand"),
                                html.Div(as_of, id=ids.AS_OF, className="as-of"),
                                user_bar(),
                            ],
                            className="header-top",
                        ),
                        nav(pages),
                    ],
                    className="site-header",
                ),
                html.Div(demo_banner(demo), id=ids.DEMO_BANNER, role="note",
                         className="demo-banner" if demo else "demo-banner hidden"),
                filter_bar(years),
                html.Main(html.Div(id=ids.PAGE_CONTENT), className="content",
                          id="main-content", tabIndex="-1"),
                html.Footer(
                    ["Numbers come from the warehouse's SQL definitions (docs/metrics.md). "
                     "Generated ", f"{datetime.now(UTC):%Y-%m-%d}", "."],
                    className="site-footer"),
            ],
            className="app",
        )

    return layout


def register_shell_callbacks(app: Dash, pages: list[Page], layouts: dict) -> None:
    # The page's language, for screen readers (Dash's page template has none).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)

    register_drilldown(app)  # a click on a program's bar or line filters to it
    app.callback(Output(ids.PAGE_CONTENT, "children"), Input(ids.URL, "pathname"))(
        make_router(pages, layouts))

    app.callback(
        Output(ids.URL, "search"),
        Output(ids.FILTER_FROM, "value"),
        Output(ids.FILTER_TO, "value"),
        Output(ids.FILTER_PROGRAMS, "value"),
        Output(ids.FILTER_BOROUGHS, "value"),
        Output(ids.FILTER_SUPPRESS, "value"),
        Input(ids.URL, "search"),
        Input(ids.FILTER_FROM, "value"),
        Input(ids.FILTER_TO, "value"),
        Input(ids.FILTER_PROGRAMS, "value"),
        Input(ids.FILTER_BOROUGHS, "value"),
        Input(ids.FILTER_SUPPRESS, "value"),
    )(sync_controls)

    def _nav_state(pathname, search):
        return nav_state(pathname, search, pages)

    app.callback(
        *[Output(ids.nav_link(p.key), "href") for p in pages],
        *[Output(ids.nav_link(p.key), "className") for p in pages],
        Output(ids.FILTER_RESET, "href"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )(_nav_state)

    app.callback(
        Output(ids.DEMO_BANNER, "children"),
        Output(ids.DEMO_BANNER, "className"),
        Output(ids.AS_OF, "children"),
        Input(ids.URL, "pathname"),
    )(update_status)


__all__ = ["missing_panel", "register_shell_callbacks", "serve_layout", "sync_controls",
           "sync_filters"]
