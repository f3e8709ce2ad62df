"""/data-quality — load history, rejected rows, warnings and freshness (all loads; the filters
do not apply here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from dash import Dash, html

from charts import format as fmt
from dashboard.page_parts import (
    Page,
    PageContext,
    chart_cards,
    page_frame,
    register_page,
    render_page,
    stat_card,
)

PAGE = Page(
    key="data-quality",
    path="/data-quality",
    name="Data quality",
    title="Data quality",
    intro="Every load of agency files into the warehouse: what loaded, what was rejected and "
          "why, and which rows carry a warning. The year, program and borough filters do not "
          "apply to this page.",
)
STALE_AFTER_DAYS = 35  # the agency sends files monthly


def freshness(as_of: pd.Timestamp | None, now: datetime | None = None) -> tuple[int | None, str]:
    """(days since the latest load, a sentence for people)."""
    if as_of is None:
        return None, "No load has been committed yet."
    now = now or datetime.now(UTC)
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is None:
        ts = ts.tz_localize(UTC)
    # Calendar days (UTC): a load at 23:00 yesterday was "yesterday", not "today".
    days = max(0, (pd.Timestamp(now).tz_convert(UTC).date() - ts.tz_convert(UTC).date()).days)
    when = "today" if days == 0 else ("yesterday" if days == 1 else f"{days:,} days ago")
    return days, f"Latest load finished {fmt.day(ts)}, {when}."


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def body(ctx: PageContext):
    loads = ctx.wh.plain("loads")
    days, sentence = freshness(ctx.wh.as_of())
    stale = days is not None and days > STALE_AFTER_DAYS
    cards = html.Div(
        [
            stat_card("Days since the last load", "–" if days is None else fmt.count(days),
                      sentence + (f" Older than {STALE_AFTER_DAYS} days: check the monthly "
                                  "transfer." if stale else ""),
                      card_id="freshness", accent="#D55E00" if stale else "#009E73"),
            stat_card("Loads", fmt.count(len(loads))),
            stat_card("Rows loaded (all loads)", fmt.count(loads["rows_loaded"].sum())),
            stat_card("Rows rejected (all loads)", fmt.count(loads["rows_rejected"].sum()),
                      accent="#D55E00" if loads["rows_rejected"].sum() else None),
            stat_card("Rows with a warning", fmt.count(loads["rows_warned"].sum())),
        ],
        className="stat-grid",
    )
    return [cards, html.Div(chart_cards(PAGE.key, ctx), className="chart-grid")]


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
