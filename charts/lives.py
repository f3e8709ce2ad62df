"""Programs have lives: a per-year series of a program is drawn over its life, not as zeros
before it began or after it ended.

A program's life is its period on record (core.vocabularies.PROGRAM_PERIODS: first and last day of
enrollment), else from its first year with any record in the series. Years outside the life
whose values are all zero are dropped; years outside it with records (a placement after
enrollment closed, a late enrollment loaded with a warning) are kept, so nothing is hidden.
The counting itself is the metric SQL's (warehouse/sql/queries/program_metrics.sql).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.periods import month_index, parse_period
from core.vocabularies import PROGRAM_PERIODS


def life_months(program: str) -> tuple[int | None, int | None]:
    """(first, last) month index (core/periods.py) of the program's period on record."""
    start, end = PROGRAM_PERIODS.get(program, (None, None))
    return (month_index(date.fromisoformat(start)) if start else None,
            month_index(date.fromisoformat(end)) if end else None)


def _period_months(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Each row's first and last month index: from `year`, else from the `period` labels."""
    if "year" in df.columns:
        years = df["year"].to_numpy().astype(int)
        return years * 12, years * 12 + 11
    if "period" in df.columns:
        spans = {label: parse_period(label) for label in set(df["period"])}
        return (np.array([spans[x].first_month for x in df["period"]]),
                np.array([spans[x].last_month for x in df["period"]]))
    return None


def within_lives(df: pd.DataFrame, value_columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """`df` (columns year or period, program, values) without the all-zero periods outside
    each program's life (see the module docstring); a period overlapping the life is in it."""
    cols = [c for c in value_columns if c in df.columns]
    spans = _period_months(df) if not df.empty else None
    if df.empty or not cols or spans is None or "program" not in df.columns:
        return df
    values = np.nan_to_num(df[cols].apply(pd.to_numeric, errors="coerce")
                           .to_numpy(dtype=float, na_value=np.nan))
    active = (values != 0).any(axis=1)
    first, last = spans
    programs = df["program"].to_numpy()
    first_active = pd.Series(np.where(active, first, np.inf)).groupby(programs).transform(
        "min").to_numpy()
    lives = {p: life_months(p) for p in set(programs)}
    start = np.array([np.nan if lives[p][0] is None else lives[p][0] for p in programs])
    end = np.array([np.inf if lives[p][1] is None else lives[p][1] for p in programs])
    begins = np.where(np.isnan(start), first_active, start)
    keep = active | ((last >= begins) & (first <= end))
    return df[keep].reset_index(drop=True)
