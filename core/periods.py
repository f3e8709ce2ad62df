"""Reporting periods at month grain: the one parser and labeller of period names.

A period is a run of whole calendar months. Its name says which:

    2024        calendar year          2024-01-01 .. 2024-12-31
    2024-Q1     calendar quarter       2024-01-01 .. 2024-03-31
    2024-03     month                  2024-03-01 .. 2024-03-31
    FY2024      NYC fiscal year        2023-07-01 .. 2024-06-30  (July-June, as the MMR)
    FFY2024     federal fiscal year    2023-10-01 .. 2024-09-30  (October-September)

A grain names a kind of period, for breakdowns ("by fiscal year"): `GRAINS`.
Months are handled as integers (year * 12 + month - 1) so that SQL and Python agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# Grain name -> (months per period, first calendar month of a period's year, label form).
# The label's year is the year in which the period ends (fiscal years are named that way).
GRAINS: dict[str, str] = {
    "year": "calendar year (January-December)",
    "quarter": "calendar quarter",
    "month": "month",
    "fiscal-year": "NYC fiscal year (July-June): FY2024 = July 2023 - June 2024",
    "federal-fiscal-year": "federal fiscal year (October-September): FFY2024 = Oct 2023 - Sep 2024",
}
_MONTHS = {"year": 12, "quarter": 3, "month": 1, "fiscal-year": 12, "federal-fiscal-year": 12}
# How many months a grain's periods start before the calendar year: FY starts in July (6 months
# before January), FFY in October (3 months before).
_LEAD = {"year": 0, "quarter": 0, "month": 0, "fiscal-year": 6, "federal-fiscal-year": 3}

_FORMS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^FY(\d{4})$", re.I), "fiscal-year"),
    (re.compile(r"^FFY(\d{4})$", re.I), "federal-fiscal-year"),
)
PERIOD_FORMS = "YYYY, YYYY-MM, YYYY-Qn, FYyyyy or FFYyyyy"


class PeriodError(ValueError):
    """A period name that is not one of PERIOD_FORMS."""


def month_index(d: date) -> int:
    """The month of a date as an integer (year * 12 + month - 1)."""
    return d.year * 12 + d.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> date:
    return month_start(index + 1) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """Whole months first_month..last_month (month indexes), of a grain, with its label."""

    first_month: int
    last_month: int
    grain: str
    label: str

    @property
    def start(self) -> date:
        return month_start(self.first_month)

    @property
    def end(self) -> date:
        return month_end(self.last_month)


def period_containing(month: int, grain: str) -> Period:
    """The period of `grain` that holds month index `month`."""
    if grain not in _MONTHS:
        raise PeriodError(f"unknown grain {grain!r}; grains: {', '.join(GRAINS)}")
    size, lead = _MONTHS[grain], _LEAD[grain]
    first = (month + lead) // size * size - lead
    last = first + size - 1
    end_year = last // 12
    if grain == "year":
        label = str(end_year)
    elif grain == "quarter":
        label = f"{end_year}-Q{(last % 12) // 3 + 1}"
    elif grain == "month":
        label = f"{end_year}-{last % 12 + 1:02d}"
    elif grain == "fiscal-year":
        label = f"FY{end_year}"
    else:
        label = f"FFY{end_year}"
    return Period(first, last, grain, label)


def parse_period(text: str | int) -> Period:
    """The period a name stands for (see the module docstring); PeriodError otherwise."""
    s = str(text).strip()
    for pattern, grain in _FORMS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        if not 1 <= year <= 9998:
            break
        if grain == "year":
            month = year * 12
        elif grain == "quarter":
            month = year * 12 + (int(m.group(2)) - 1) * 3
        elif grain == "month":
            month = year * 12 + int(m.group(2)) - 1
        else:  # a fiscal year ends in the named year's June / September
            month = year * 12 + 11 - _LEAD[grain]
        return period_containing(month, grain)
    raise PeriodError(f"{s!r} is not a period; use {PERIOD_FORMS}")


def window(from_period: str | int, to_period: str | int) -> tuple[int, int]:
    """The month indexes of [start of from_period, end of to_period]; PeriodError if reversed."""
    lo, hi = parse_period(from_period).first_month, parse_period(to_period).last_month
    if lo > hi:
        raise PeriodError(f"{from_period} starts after {to_period} ends")
    return lo, hi


def periods_between(first_month: int, last_month: int, grain: str) -> list[Period]:
    """Every period of `grain` that overlaps months first_month..last_month, in order."""
    out: list[Period] = []
    month = first_month
    while month <= last_month:
        p = period_containing(month, grain)
        out.append(p)
        month = p.last_month + 1
    return out


def whole_periods(first_month: int, last_month: int, grain: str) -> bool:
    """Whether the window is made of whole periods of the grain (no period cut at an edge)."""
    return (period_containing(first_month, grain).first_month == first_month
            and period_containing(last_month, grain).last_month == last_month)


# -- one window in another grain (the period control, the URL, `outcomes report --period`) --------
def convert_end(p: Period, grain: str, end: str) -> Period:
    """The period of `grain` for one end ("from" or "to") of a window given in another grain.
    Calendar and fiscal years map by their number (2019 -> FY2019 -> 2019: what people mean by
    "the same years"); otherwise the period holding the window's first (last) month."""
    if p.grain == grain:
        return p
    yearly = ("year", "fiscal-year", "federal-fiscal-year")
    if p.grain in yearly and grain in yearly:
        year = p.last_month // 12  # a period's label year is the year it ends in
        return parse_period({"year": f"{year}", "fiscal-year": f"FY{year}",
                             "federal-fiscal-year": f"FFY{year}"}[grain])
    return period_containing(p.first_month if end == "from" else p.last_month, grain)


def convert_window(first: str | int | None, last: str | int | None, grain: str | None
                   ) -> tuple[str | None, str | None]:
    """The labels of a window's ends in `grain` (None: calendar years), e.g. (2019, 2024,
    'fiscal-year') -> ('FY2019', 'FY2024'); (FY2019, FY2024, 'quarter') -> ('2018-Q3',
    '2024-Q2'). An unreadable end is None."""
    out = []
    for value, end in ((first, "from"), (last, "to")):
        try:
            p = parse_period(value) if value not in (None, "") else None
        except PeriodError:
            p = None
        out.append(None if p is None else convert_end(p, grain or "year", end).label)
    return out[0], out[1]



# -- periods in words (dashboard titles, cards, exports, the report pack) ------------------------
# What one period of a grain is called, singular and plural, and the axis title.
GRAIN_NOUNS: dict[str, tuple[str, str]] = {
    "year": ("calendar year", "calendar years"),
    "fiscal-year": ("NYC fiscal year", "NYC fiscal years"),
    "federal-fiscal-year": ("federal fiscal year", "federal fiscal years"),
    "quarter": ("quarter", "quarters"),
    "month": ("month", "months"),
}
# The control's choices, in order (the first is the default, calendar years).
GRAIN_CHOICES: dict[str, str] = {
    "year": "Calendar year",
    "fiscal-year": "NYC fiscal year",
    "federal-fiscal-year": "Federal fiscal year",
    "quarter": "Quarter",
    "month": "Month",
}


def month_words(index: int) -> str:
    """A month index for people: 'July 2018'."""
    return f"{month_start(index):%B %Y}"


def span_label(first: str, last: str) -> str:
    """'FY2019–FY2024', '2023-Q1 – 2024-Q4' (spaced where labels hold a hyphen), or 'FY2024'
    when both ends are the same period."""
    if first == last:
        return first
    return f"{first} \u2013 {last}" if "-" in first else f"{first}\u2013{last}"


def window_words(first_month: int, last_month: int, grain: str | None) -> str:
    """The window in words, naming its periods and its exact months, e.g. 'NYC fiscal years
    FY2019–FY2024 (July 2018 – June 2024)', 'quarter 2024-Q1 (January 2024 – March 2024)'.
    Calendar years read as before: 'calendar years 2009–2023'."""
    grain = grain or "year"
    first = period_containing(first_month, grain)
    last = period_containing(last_month, grain)
    one, many = GRAIN_NOUNS[grain]
    noun = one if first == last else many
    text = f"{noun} {span_label(first.label, last.label)}"
    if grain == "year" and whole_periods(first_month, last_month, grain):
        return text
    months = (month_words(first_month) if first_month == last_month
              else f"{month_words(first_month)} \u2013 {month_words(last_month)}")
    return f"{text} ({months})"
