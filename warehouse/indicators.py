"""Targets against actuals, the Mayor's Management Report way (record kind `targets`).

The actual of a target is `Warehouse.metrics` over exactly the target's period (for ALL: the
metric SQL's ALL row, every program together), so it is the number `outcomes metrics --from P
--to P --total` prints: no second computation. A target's status is `in progress` while its
period is not over at the latest data date, else `met` or `not met` by its direction.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core.periods import parse_period, period_containing
from warehouse.metrics import METRICS
from warehouse.query import Filters, Warehouse

COLUMNS = ["program", "metric", "period", "actual", "target", "direction", "status"]
MET, NOT_MET, IN_PROGRESS = "met", "not met", "in progress"


def targets(wh: Warehouse, programs: tuple[str, ...] = ()) -> pd.DataFrame:
    """The targets; given programs, only theirs (an ALL target covers every program, so it is
    left out of a program selection, which may be a user's scope)."""
    try:
        df = wh.plain("targets")
    except duckdb.CatalogException:  # a warehouse loaded before targets existed
        df = pd.DataFrame(columns=["program", "metric", "period", "target", "direction", "note"])
    if programs:
        df = df[df["program"].isin(programs)]
    return df.reset_index(drop=True)


def data_through(wh: Warehouse) -> date | None:
    value = wh.plain("data_through").iloc[0]["data_through"]
    return None if pd.isna(value) else pd.Timestamp(value).date()


def status(actual: float, target: float, direction: str, period: str,
           through: date | None) -> str:
    if through is None or parse_period(period).end > through:
        return IN_PROGRESS
    better = actual >= target if direction == "up" else actual <= target
    return MET if better else NOT_MET


def actuals(wh: Warehouse, period: str, boroughs: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every program's metrics and the ALL row over exactly `period`, indexed by program."""
    f = Filters(boroughs=boroughs, from_period=period, to_period=period)
    return wh.metrics(f, with_total=True).set_index("program")


def indicators(wh: Warehouse, programs: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per target: program, metric, period, actual, target, direction, status."""
    t = targets(wh, programs)
    if t.empty:
        return pd.DataFrame(columns=COLUMNS)
    through = data_through(wh)
    by_period = {p: actuals(wh, p) for p in t["period"].unique()}
    actual = [float(by_period[r.period].loc[r.program, r.metric]) for r in t.itertuples()]
    out = t.assign(actual=actual)
    out["status"] = [status(r.actual, r.target, r.direction, r.period, through)
                     for r in out.itertuples()]
    return out[COLUMNS]


def history(wh: Warehouse, program: str, metric: str, period: str,
            n: int = 5) -> pd.DataFrame:
    """The metric over the `n` periods of the target period's grain ending with it: columns
    period, actual, and `base` (the count a dollar metric rests on, for suppression; the
    metric itself for a count), oldest first."""
    last = parse_period(period)
    first = period_containing(last.first_month - (n - 1) * _months(last), last.grain)
    f = Filters(from_period=first.label, to_period=last.label)
    grain = last.grain
    df = wh.metrics(f, by=grain, with_total=True)
    df = df[df["program"] == program]
    key = "year" if grain == "year" else "period"
    base = METRICS[metric].base_count or metric
    return pd.DataFrame({"period": df[key].astype(str).to_numpy(),
                         "actual": df[metric].astype(float).to_numpy(),
                         "base": df[base].astype(float).to_numpy()})


def _months(p) -> int:
    return p.last_month - p.first_month + 1
