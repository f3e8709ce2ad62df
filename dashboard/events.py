"""Program events drawn on the time axes (content, not logic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from etl.contract import FAMILIES_FORWARD_ENROLLMENT_WINDOW


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


def events_for(programs, from_year: int, to_year: int) -> tuple[ProgramEvent, ...]:
    """Events in the window; only the selected programs' when a program filter is set."""
    chosen = set(programs or ())
    return tuple(
        e for e in PROGRAM_EVENTS
        if from_year <= e.on.year <= to_year and (not chosen or e.program in chosen)
    )
