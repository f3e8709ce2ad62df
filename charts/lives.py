"""Programs have lives: a per-year series of a program is drawn over its life, not as zeros
before it began or after it ended.

A program's life is its period on record (core.vocabularies.PROGRAM_PERIODS: first and last day of
enrollment), else from its first year with any record in the series. Years outside the life
whose values are all zero are dropped; years outside it with records (a placement after
enrollment closed, a late enrollment loaded with a warning) are kept, so nothing is hidden.
The counting itself is the metric SQL's (warehouse/sql/queries/program_metrics.sql).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.vocabularies import PROGRAM_PERIODS


def life_years(program: str) -> tuple[int | None, int | None]:
    """(first, last) year of the program's period on record; None where not on record."""
    start, end = PROGRAM_PERIODS.get(program, (None, None))
    return (int(start[:4]) if start else None, int(end[:4]) if end else None)


def within_lives(df: pd.DataFrame, value_columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """`df` (columns year, program, values) without the all-zero years outside each program's
    life (see the module docstring)."""
    cols = [c for c in value_columns if c in df.columns]
    if df.empty or not cols or "year" not in df.columns or "program" not in df.columns:
        return df
    values = np.nan_to_num(df[cols].apply(pd.to_numeric, errors="coerce")
                           .to_numpy(dtype=float, na_value=np.nan))
    active = (values != 0).any(axis=1)
    years = df["year"].to_numpy()
    programs = df["program"].to_numpy()
    first_active = pd.Series(np.where(active, years, np.inf)).groupby(programs).transform(
        "min").to_numpy()
    lives = {p: life_years(p) for p in set(programs)}
    start = np.array([np.nan if lives[p][0] is None else lives[p][0] for p in programs])
    end = np.array([np.inf if lives[p][1] is None else lives[p][1] for p in programs])
    begins = np.where(np.isnan(start), first_active, start)
    keep = active | ((years >= begins) & (years <= end))
    return df[keep].reset_index(drop=True)
