"""/indicators — targets against actuals, in the form of the Mayor's Management Report.

Per program and metric with a target (record kind `targets`): the last five periods' actuals,
the targets, the desired direction and a met / not met mark, and cards with the change against
the previous period and against the target. The numbers come from warehouse/indicators.py
(`Warehouse.metrics` over each period: the one definition). Follows the program filter and the
user's program scope (an ALL target covers every program, so it is shown only when no program
is chosen); the years and boroughs do not apply: a target names its own period.
"""

from __future__ import annotations

import pandas as pd
from dash import Dash, html

from charts import format as fmt
from charts.style import program_name
from core.periods import parse_period
from dashboard.page_parts import (
    Page,
    PageContext,
    page_frame,
    register_page,
    render_page,
    stat_card,
)
from warehouse.indicators import IN_PROGRESS, MET, NOT_MET, history, indicators
from warehouse.metrics import METRICS
from warehouse.suppression import marker, threshold

PAGE = Page(
    key="indicators",
    path="/indicators",
    name="Indicators",
    title="Indicators: targets and actuals",
    intro="Each program's targets, the Mayor's Management Report way: the last five periods' "
          "actuals, the target, which way is better, and whether the target was met. A period "
          "not over at the latest data date is in progress. The program filter applies; the "
          "years and boroughs do not (a target names its own period).",
)
PERIODS_SHOWN = 5
MARKS = {MET: "✓ met", NOT_MET: "✗ not met", IN_PROGRESS: "… in progress"}
ARROWS = {"up": "↑ up", "down": "↓ down"}
HIDDEN = "hidden"  # a change that would reveal a suppressed count


def render(search: str | None):
    """Callback: the page body for a query string (Input: the URL's search)."""
    return render_page(PAGE, body, search)


def _slug(program: str, metric: str) -> str:
    return f"indicator-{program}-{metric}".lower().replace("_", "-")


def _value(metric: str, v: float) -> str:
    return fmt.money_full(v) if METRICS[metric].unit == "usd" else fmt.count(v)


def _change(metric: str, v: float) -> str:
    sign = "+" if v > 0 else ("−" if v < 0 else "±")
    return sign + _value(metric, abs(v))


def _small(base: float, suppress: bool) -> bool:
    return suppress and 0 < base < threshold()


def indicator_card(metric: str, program: str, rows: pd.DataFrame, hist: pd.DataFrame,
                   suppress: bool) -> html.Div:
    """One indicator: the MMR row (periods across) and its change cards. `rows`: its targets
    (indicators() rows); `hist`: history() of its latest target period."""
    by_period = rows.set_index("period")
    hidden = [_small(b, suppress) for b in hist["base"]]
    shown = [marker() if h else _value(metric, a)
             for a, h in zip(hist["actual"], hidden, strict=True)]
    head = html.Tr([html.Th("", scope="col")]
                   + [html.Th(p, scope="col") for p in hist["period"]])
    actual_row = html.Tr([html.Th("Actual", scope="row")] + [html.Td(s) for s in shown])
    target_row = html.Tr([html.Th("Target", scope="row")] + [
        html.Td(_value(metric, by_period.loc[p, "target"]) if p in by_period.index else "–")
        for p in hist["period"]])
    status_row = html.Tr([html.Th("Status", scope="row")] + [
        html.Td(MARKS[by_period.loc[p, "status"]] if p in by_period.index else "",
                className=("status-" + by_period.loc[p, "status"].replace(" ", "-")
                           if p in by_period.index else None))
        for p in hist["period"]])
    table = html.Table([html.Thead(head), html.Tbody([actual_row, target_row, status_row])],
                       className="indicator-table")
    # The cards: the latest period that is over (else the latest), against the one before it
    # and against its target.
    done = rows[rows["status"] != IN_PROGRESS]
    latest = (done if not done.empty else rows).iloc[-1]
    periods = list(hist["period"])
    i = periods.index(latest["period"]) if latest["period"] in periods else len(periods) - 1
    actual, this_hidden = hist["actual"].iloc[i], hidden[i]
    if i > 0:
        prev_hidden = hidden[i - 1]
        vs_prev = (HIDDEN if this_hidden or prev_hidden
                   else _change(metric, actual - hist["actual"].iloc[i - 1]))
        prev_note = f"{latest['period']} against {periods[i - 1]}"
    else:
        vs_prev, prev_note = fmt.NOT_AVAILABLE, "no earlier period"
    gap = actual - latest["target"]
    vs_target = HIDDEN if this_hidden else _change(metric, gap)
    pct = "" if this_hidden or not latest["target"] else f" ({gap / latest['target']:+.1%})"
    cards = html.Div([
        stat_card(f"Actual {latest['period']}", shown[i], MARKS[latest["status"]]),
        stat_card("Change against the previous period", vs_prev, prev_note),
        stat_card("Against the target", vs_target + pct,
                  f"target {_value(metric, latest['target'])}, better "
                  f"{ARROWS[latest['direction']]}"),
    ], className="stat-grid")
    title = f"{METRICS[metric].label}"
    return html.Section(
        [html.H3(title), html.P(f"Desired direction: {ARROWS[latest['direction']]}",
                                className="indicator-direction"),
         html.Div(table, className="table-scroll"), cards],
        className="card indicator", id=_slug(program, metric), **{"aria-label": title})


def body(ctx: PageContext):
    t = indicators(ctx.wh, ctx.filters.programs)
    if t.empty:
        return html.Div(
            [html.Strong("No targets for the selected programs. "),
             "Targets are loaded as a `targets` file (program, metric, period, target, "
             "direction): see docs/data-contract.md."],
            className="card notice", role="status", id="no-targets")
    t = t.assign(order=[parse_period(p).last_month for p in t["period"]])
    sections = []
    for program in t["program"].unique():
        cards = []
        mine = t[t["program"] == program]
        for metric in mine["metric"].unique():
            rows = mine[mine["metric"] == metric].sort_values("order")
            hist = history(ctx.wh, program, metric, rows["period"].iloc[-1], PERIODS_SHOWN)
            cards.append(indicator_card(metric, program, rows, hist, ctx.suppress))
        name = "All programs" if program == "ALL" else program_name(program)
        sections.append(html.Section([html.H2(name), *cards], className="indicator-program",
                                     id=f"indicators-{program.lower().replace('_', '-')}"))
    return sections


def layout():
    return page_frame(PAGE)


def register_callbacks(app: Dash) -> None:
    register_page(app, PAGE, render)
