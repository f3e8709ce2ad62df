"""Programs have lives: a per-year series of a program is drawn over its life, not as zeros
before it began or after it ended.

A program's life is its period on record (core.vocabularies.PROGRAM_PERIODS: first and last day of
enrollment), else from its first year with any record in the series. Years outside the life
whose values are all zero are dropped; years outside it with records (a placement after
enrollment closed, a late enrollment loaded with a warning) are kept, so nothing is hidden.
The counting itself is the metric SQL's (warehouse/sql/queries/program_metrics.sql).

Participants served counts every enrollment whatever its date (docs/metrics.md), so an
enrollment outside the program's life (Families Forward's late enrollment in the demo) is in
the figure; `outside_life_note` is the sentence every page and report showing the figure adds,
from the counts of warehouse/sql/queries/outside_life.sql.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from charts import format as fmt
from charts.frames import nonzero, take_rows
from core.periods import month_index, parse_period
from core.vocabularies import PROGRAM_PERIODS
from warehouse.query import Filters, Warehouse
from warehouse.suppression import marker, threshold


def life_dates(program: str) -> tuple[date | None, date | None]:
    """(first, last) day of the program's period on record; None where not on record."""
    start, end = PROGRAM_PERIODS.get(program, (None, None))
    return (date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None)


def life_months(program: str) -> tuple[int | None, int | None]:
    """(first, last) month index (core/periods.py) of the program's period on record."""
    start, end = life_dates(program)
    return (month_index(start) if start else None, month_index(end) if end else None)


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
    active = np.logical_or.reduce([nonzero(df[c]) for c in cols])
    first, last = spans
    # Per program (a few of them): its life, else from its first active period.
    programs, row_program = np.unique(df["program"].to_numpy(), return_inverse=True)
    first_active = np.full(len(programs), np.inf)
    np.minimum.at(first_active, row_program[active], first[active])
    lives = [life_months(p) for p in programs]
    begins = np.array([first_active[i] if start is None else start
                       for i, (start, _) in enumerate(lives)], dtype=float)[row_program]
    ends = np.array([np.inf if end is None else end for _, end in lives],
                    dtype=float)[row_program]
    keep = active | ((last >= begins) & (first <= ends))
    return take_rows(df, keep)


@dataclass(frozen=True)
class OutsideLife:
    """The enrollments of a program that participants_served counts in a window although they
    began outside the program's life (warehouse/sql/queries/outside_life.sql)."""

    program: str
    life: tuple[date | None, date | None]
    enrollments: int
    participants: int  # served in the window only through such enrollments
    first: date | None
    last: date | None


def outside_life(wh: Warehouse, filters: Filters, program: str) -> OutsideLife | None:
    """The program's enrollments outside its life that the window's participants_served
    counts (program and borough filters applied); None when its life is not on record."""
    life = life_dates(program)
    if life == (None, None):
        return None
    if not may_begin_outside(wh, program, life, until=wh.resolve(filters).months()[1]):
        return OutsideLife(program, life, 0, 0, None, None)  # what the query gives then
    row = wh.query("outside_life", filters, program=program, life_start=life[0],
                   life_end=life[1]).iloc[0]

    def day(v) -> date | None:
        return None if pd.isna(v) else pd.Timestamp(v).date()

    return OutsideLife(program, life, int(row["enrollments_outside"]),
                       int(row["participants_only_outside"]), day(row["first_outside"]),
                       day(row["last_outside"]))


def may_begin_outside(wh: Warehouse, program: str, life: tuple[date | None, date | None],
                      until: int | None = None) -> bool:
    """Whether any enrollment of the program began in a month with a day outside its life
    (the months enrollments began in: plain/enrollment_months.sql, cached per warehouse
    version). When none did, no enrollment lies outside the life under any filters, and
    outside_life need not scan the facts. `until` (a window's last month index): only an
    enrollment that began by then can be in the window, so one that began after the life and
    after the window is not (one that began before the life may still be open, so counts)."""
    months = wh.plain("enrollment_months", program=program)["month"].to_numpy()
    start, end = life
    # The first and last month every day of which is in the life.
    first = -np.inf if start is None else month_index(start) + (start.day > 1)
    last = np.inf if end is None else month_index(end) - (
        (end + timedelta(days=1)).month == end.month)
    after = months > last
    if until is not None:
        after &= months <= until
    return bool(((months < first) | after).any())


def outside_life_note(wh: Warehouse, filters: Filters, program: str, *, suppress: bool,
                      min_count: int | None = None, name: str | None = None,
                      brief: bool = False) -> str | None:
    """'Participants served includes N enrollment(s) outside the program's life (...)', or None
    when the window counts none. Suppressed: a count of 1..threshold-1 is "<n" and the
    enrollment dates are left out. `brief`: 'Includes ...', without the sentence on the
    definition (a card's note, under the figure it is about)."""
    found = None if program not in PROGRAM_PERIODS or (
        filters.programs and program not in filters.programs) else outside_life(
        wh, filters, program)
    if found is None or found.enrollments == 0:
        return None
    n = threshold(min_count)
    small = suppress and found.enrollments < n
    count = marker(n) if small else f"{found.enrollments:,}"
    noun = "enrollment" if found.enrollments == 1 and not small else "enrollments"
    start, end = found.life
    life = (f"{fmt.day(start)} to {fmt.day(end)}" if start and end else
            f"from {fmt.day(start)}" if start else f"until {fmt.day(end)}")
    when = ""
    if not suppress:
        when = (f": enrolled {fmt.day(found.first)}" if found.first == found.last
                else f": enrolled {fmt.day(found.first)} to {fmt.day(found.last)}")
    if brief:
        return f"Includes {count} {noun} outside the program's life ({life}){when}."
    who = f"{name}: p" if name else "P"
    return (f"{who}articipants served includes {count} {noun} outside the program's life "
            f"({life}){when}. The definition counts every enrollment whatever its date; the "
            "loader warns of such records.")
