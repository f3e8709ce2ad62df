"""Program events drawn on the time axes (content, not logic), and the dated notes of the
annotations file (core.settings.annotations_path: a CSV with columns `date` (YYYY-MM-DD),
`note`, and optionally `program` (a code or name; blank: every program)), e.g.

    date,note,program
    2020-03-16,Offices closed (COVID-19),
    2023-07-01,New referral form,PSP
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date

from core.periods import month_index
from core.settings import annotations_path
from core.vocabularies import FAMILIES_FORWARD_ENROLLMENT_WINDOW, program_code


@dataclass(frozen=True)
class ProgramEvent:
    on: date
    program: str
    label: str  # short, for the axis
    detail: str  # for hovers and tables


PROGRAM_EVENTS: tuple[ProgramEvent, ...] = (
    ProgramEvent(date(2021, 1, 1), "PSP", "PSP expands",
                 "2021: the Parent Support Program expands to Queens and Staten Island"),
    ProgramEvent(date(2022, 5, 31), "FAMILIES_FORWARD", "FF enrollment ends",
                 "May 2022: Families Forward enrollment ends"),
    ProgramEvent(date(2022, 10, 1), "PAY_IT_OFF", "Pay It Off drive",
                 "Oct 2022: Pay It Off drive"),
    ProgramEvent(date(2023, 6, 1), "PAY_IT_OFF", "Pay It Off drive",
                 "Jun 2023: Pay It Off drive"),
    ProgramEvent(date(2024, 3, 1), "PAY_IT_OFF", "Pay It Off drive",
                 "Mar 2024: Pay It Off drive"),
)

FF_ENROLLMENT_WINDOW: tuple[date, date] = tuple(
    date.fromisoformat(d) for d in FAMILIES_FORWARD_ENROLLMENT_WINDOW
)  # type: ignore[assignment]


def annotations() -> tuple[ProgramEvent, ...]:
    """The annotations file's notes as events (program "" for every program). Unreadable rows
    are skipped (a note must not break a page); no file, no notes. Read on each call: small,
    and an edited file shows on the next page view."""

    path = annotations_path()
    if not path.is_file():
        return ()
    out = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            try:
                on = date.fromisoformat((row.get("date") or "").strip())
            except ValueError:
                continue
            note = (row.get("note") or "").strip()
            if not note:
                continue
            program = (row.get("program") or "").strip()
            code = program_code(program) if program else ""
            if code is None:
                continue
            out.append(ProgramEvent(on, code, note[:40], f"{on:%b %Y}: {note}"))
    return tuple(sorted(out, key=lambda e: e.on))


def events_for(programs, from_year: int, to_year: int) -> tuple[ProgramEvent, ...]:
    """Events and notes in the calendar years; only the selected programs' (and notes for
    every program) when a program filter is set."""
    return _select(from_year * 12, to_year * 12 + 11, programs)


def events_in(filters, among=None) -> tuple[ProgramEvent, ...]:
    """`events_for` over the exact months of resolved filters (warehouse.query.Filters): a
    fiscal-year window FY2019–FY2024 holds the events from July 2018 to June 2024. `among`
    (program codes) keeps a chart's events to its programs (notes for every program stay)."""
    return _select(*filters.months(), filters.programs, among)


def _select(first_month: int, last_month: int, programs, among=None
            ) -> tuple[ProgramEvent, ...]:
    chosen, family = set(programs or ()), set(among or ())
    return tuple(sorted(
        (e for e in PROGRAM_EVENTS + annotations()
         if first_month <= month_index(e.on) <= last_month
         and (not e.program or ((not chosen or e.program in chosen)
                                and (not family or e.program in family)))),
        key=lambda e: e.on))
