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
    """Events and notes in the window; only the selected programs' (and notes for every
    program) when a program filter is set."""
    chosen = set(programs or ())
    return tuple(sorted(
        (e for e in PROGRAM_EVENTS + annotations()
         if from_year <= e.on.year <= to_year
         and (not chosen or not e.program or e.program in chosen)),
        key=lambda e: e.on))
