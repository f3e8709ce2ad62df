"""What every page shares: the warehouse, the filters from the URL, the page frame, messages."""

from __future__ import annotations

import contextvars
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from dash import Input, Output, dcc, html
from dash.development.base_component import Component

from charts.registry import charts_for, get_chart
from charts.safe import METRIC_KEYED, metric_joint, safe_chart_data
from core.settings import warehouse_path
from dashboard import (
    chart_downloads,  # noqa: F401  (adds the export bar to every chart card)
    ids,
    scope,
)
from dashboard.chart_card import chart_card
from dashboard.notices import applies, borough_notice, life_notice, not_applicable
from dashboard.period_control import period_notice
from dashboard.url_state import parse_search, parse_suppress
from warehouse.query import Filters, Warehouse, WarehouseMissing, open_warehouse


@dataclass(frozen=True)
class Page:
    key: str  # also the prefix of its ids and its charts' `page`
    path: str
    name: str  # in the navigation
    title: str  # the page heading
    intro: str


def get_warehouse() -> Warehouse:
    """The warehouse for this process: $OUTCOMES_WAREHOUSE or the default path (read per call,
    so a changed setting takes effect; the Warehouse object itself is shared and cached)."""
    return open_warehouse(warehouse_path())


# The threads that fetch chart data ahead (PageContext.prefetch). A fetch waits at most for a
# query another running fetch computes (never for a queued one), so a bounded pool cannot
# deadlock.
_FETCH_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="chart-data")


@dataclass(frozen=True)
class PageContext:
    wh: Warehouse
    filters: Filters  # resolved: from_year and to_year set
    suppress: bool = False  # small-cell suppression on (`suppress=1` in the URL)
    _joint: dict = field(default_factory=dict, compare=False, repr=False, hash=False)
    # The chart data of this request, per (data function, filters): charts that draw the same
    # numbers (the arrears page's three per-year charts) shape them once.
    _data: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def safe(self, chart_id: str):
        """The chart's numbers with small cells suppressed (`charts.safe.SafeChart`), or
        None when suppression is off. The metric charts of a page share one joint mask."""
        if not self.suppress:
            return None

        joint = self.joint() if chart_id in METRIC_KEYED else None
        return safe_chart_data(chart_id, self.wh, self.filters, suppress=True, joint=joint)

    def joint(self):
        """The joint metric table the suppression of metric charts rests on (computed once)."""
        if "joint" not in self._joint:
            self._joint["joint"] = metric_joint(self.wh, self.filters)
        return self._joint["joint"]

    def data(self, chart_id: str):
        """`chart_data` of the chart for this page's filters, computed once per request for
        every chart with the same data function (or fetched by `prefetch`). Shared, so never
        changed in place (the figure builders are pure, the tables only read it)."""
        key = self._data_key(chart_id)
        value = self._data.get(key)
        if value is None:
            value = get_chart(chart_id).data(self.wh, self.wh.resolve(self.filters))
        elif isinstance(value, Future):
            value = value.result()
        self._data[key] = value
        return value

    def prefetch(self, *chart_ids: str) -> None:
        """Start fetching these charts' data, each in a thread (with this one's context), so
        that their queries run beside each other and beside the building of the page (DuckDB
        runs a query without the GIL); `data` waits for them. The query layer computes a
        query that two of them share once."""
        if self.suppress:  # suppressed cards fetch their own numbers (charts.safe)
            return
        for chart_id in chart_ids:
            key = self._data_key(chart_id)
            if key not in self._data:
                run = contextvars.copy_context().run
                self._data[key] = _FETCH_POOL.submit(
                    run, get_chart(chart_id).data, self.wh, self.wh.resolve(self.filters))

    def _data_key(self, chart_id: str) -> tuple:
        return (get_chart(chart_id).data, self.filters)

    def card(self, chart_id: str, **kw) -> Component:
        """`chart_card` for this page's filters, suppressed when suppression is on."""
        safe = self.safe(chart_id)
        if safe is None and "df" not in kw:
            kw["df"] = self.data(chart_id)
        return chart_card(chart_id, self.wh, self.filters, safe=safe, **kw)


def page_context(search: str | None) -> PageContext | Component:
    """The warehouse and the resolved filters, or the panel explaining why there are none."""
    wh = get_warehouse()
    try:
        if not wh.exists():
            raise WarehouseMissing(wh.missing_message())
        years = wh.data_years()
        filters = wh.resolve(parse_search(search, years))
    except WarehouseMissing as e:
        return missing_panel(str(e))
    return PageContext(wh, filters, parse_suppress(search))


def render_page(page: Page, body: Callable[[PageContext], object], search: str | None):
    """What a page's render callback returns: its body for the URL's filters (cached), or the
    panel explaining why there is none."""
    if not scope.page_allowed(page.key):  # a page over every program, for a scoped user
        return not_allowed_panel()
    ctx = page_context(search)
    if not isinstance(ctx, PageContext):
        return ctx
    return cached_body(page.key, ctx, lambda c: with_notices(page.key, c, body))


def concurrently(*calls: Callable[[], object]) -> list:
    """The results of calls, in order, run at once: each in a thread of its own (the first in
    this one) with a copy of this one's context (the request, the signed-in user). DuckDB runs
    a query without the GIL, so a page's independent queries overlap with each other and with
    the building of components."""
    if len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls) - 1) as pool:
        later = [pool.submit(contextvars.copy_context().run, call) for call in calls[1:]]
        first = calls[0]()
        return [first, *(f.result() for f in later)]


def with_notices(page_key: str, ctx: PageContext, body: Callable[[PageContext], object]):
    """The page body under its notices (dashboard.notices); only the notice when the page does
    not apply to the selected programs. The notices' queries run beside the body's."""
    if not applies(page_key, ctx.filters):
        return [not_applicable(page_key)]
    built, borough, life = concurrently(
        lambda: body(ctx),
        lambda: borough_notice(page_key, ctx.wh, ctx.filters),
        lambda: life_notice(page_key, ctx.wh, ctx.filters, ctx.suppress))
    notices = [n for n in (period_notice(page_key, ctx.filters), borough, life)
               if n is not None]
    if not notices:
        return built
    return [*notices, *(built if isinstance(built, list) else [built])]


def register_page(app, page: Page, render: Callable[[str | None], object]) -> None:
    """Wire a page's render callback: the URL's query string in, the page body out."""
    app.callback(Output(ids.page_body(page.key), "children"), Input(ids.URL, "search"))(render)


def chart_grid_page(page: Page):
    """(render, layout, register_callbacks) for a page whose body is its charts in a grid."""

    def body(ctx: PageContext):
        ctx.prefetch(*(c.id for c in charts_for(page.key)))
        return html.Div(chart_cards(page.key, ctx), className="chart-grid")

    def render(search: str | None):
        """Callback: the page body for a query string (Input: the URL's search)."""
        return render_page(page, body, search)

    def layout():
        return page_frame(page)

    def register_callbacks(app) -> None:
        register_page(app, page, render)

    return render, layout, register_callbacks


def missing_panel(message: str) -> html.Div:
    return html.Div(
        [
            html.H2("No warehouse to show yet"),
            html.P(message),
            html.P("To try the dashboard with synthetic data, build the demo warehouse:"),
            html.Pre(html.Code("make demo        # or: outcomes demo")),
            html.P(["Then reload this page. To use real agency files instead, run ",
                    html.Code("outcomes load FILE..."),
                    " (see docs/data-contract.md)."]),
        ],
        className="card missing-warehouse", role="alert", id="missing-warehouse",
    )


def not_allowed_panel() -> html.Div:
    return html.Div([html.H2("Not available to your account"),
                     html.P("This page counts records of every program; your account is "
                            "limited to some programs. Ask an administrator.")],
                    className="card missing-warehouse", role="alert", id="not-allowed")


def page_frame(page: Page, *extra: Component) -> html.Div:
    """The static part of a page: heading, intro, and the body its render callback fills."""
    return html.Div(
        [
            html.Div([html.H1(page.title), html.P(page.intro, className="page-intro")],
                     className="page-heading"),
            *extra,
            dcc.Loading(html.Div(id=ids.page_body(page.key), className="page-body"),
                        type="default", delay_show=250, color="#0b5cab"),
        ],
        className=f"page page-{page.key}",
    )


def chart_cards(page_key: str, ctx: PageContext) -> list[Component]:
    return [ctx.card(c.id) for c in charts_for(page_key)]


def stat_card(label: str, value: str, note: str | None = None, extra: Component | None = None,
              card_id: str | None = None, accent: str | None = None) -> html.Div:
    children = [html.Div(label, className="stat-label"),
                html.Div(value, className="stat-value")]
    if note:
        children.append(html.Div(note, className="stat-note"))
    if extra is not None:
        children.append(extra)
    style = {"borderTopColor": accent} if accent else None
    kw = {"id": card_id} if card_id else {}
    return html.Div(children, className="card stat-card", style=style, **kw)


# -- rendered page bodies, cached ---------------------------------------------------------------
# Building plotly figures and component trees costs more than the (cached) queries, so a page
# body is kept per (page, warehouse file version, resolved filters, suppression, day): the back
# button, a second viewer or a return to a page is instant, and a new load (new file version) is
# never served stale. Component trees are only serialized by Dash, never mutated, so sharing is
# safe.
_BODY_CACHE: OrderedDict = OrderedDict()
_BODY_CACHE_SIZE = 96
_BODY_LOCK = threading.Lock()


def cached_body(page_key: str, ctx: PageContext, build: Callable[[PageContext], object]):
    key = (page_key, str(ctx.wh.path), ctx.wh.version(), ctx.filters, ctx.suppress,
           date.today(), scope.current().cache_key())
    with _BODY_LOCK:
        if key in _BODY_CACHE:
            _BODY_CACHE.move_to_end(key)
            return _BODY_CACHE[key]
    body = build(ctx)
    with _BODY_LOCK:
        _BODY_CACHE[key] = body
        while len(_BODY_CACHE) > _BODY_CACHE_SIZE:
            _BODY_CACHE.popitem(last=False)
    return body


def clear_body_cache() -> None:
    with _BODY_LOCK:
        _BODY_CACHE.clear()
