"""The global filters <-> the URL query string. Pure functions, no Dash.

    ?from=2009&to=2023&program=ARREARS_CAP&program=PAY_IT_OFF&borough=Bronx
    ?period=fiscal-year&from=FY2019&to=FY2024            (also federal-fiscal-year: FFY2019,
    ?period=quarter&from=2023-Q1&to=2024-Q4               quarter, month: 2024-01)

`period` (first, when not calendar years) is the grain of the time charts and tables
(core/periods.py GRAINS); `from` and `to` are then periods of that grain and the window runs
exactly from the first month of `from` to the last month of `to`. Without `period`, `from` and
`to` are calendar years, as they always were (a `from` written as a period, e.g. FY2019, implies
its grain). A `from`/`to` of another grain is converted (`convert_window`).

`program` and `borough` repeat for several values. `suppress=1` (last, when on) turns small-cell
suppression on for the page's charts and tables; it is a view setting, not a filter, so it is
read and written apart from `Filters` (`parse_suppress`, `to_search(filters, suppress=True)`).
Parsing is forgiving: an unknown program or
borough is dropped, an unreadable year is ignored, and a reversed range falls back to the
default window, so any URL opens a page (never an error).

Access: every Filters made here is narrowed to the signed-in user's programs, and `suppress`
is forced on for viewers (dashboard/scope.py): the one point every page, download and report
passes through, so a URL never widens what a user may see.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlencode

from core.periods import (
    GRAINS,
    Period,
    PeriodError,
    convert_end,
    convert_window,
    parse_period,
    period_containing,
)
from core.vocabularies import (  # program_code: re-exported for the URL's readers
    BOROUGHS,
    PROGRAMS,
    UNKNOWN_BOROUGH,
    borough_alias,
    program_code,
)
from dashboard.scope import clamp_filters, forced_suppress
from warehouse.query import Filters

MIN_YEAR, MAX_YEAR = 1900, 2100

_PROGRAM_ORDER = {p.code: i for i, p in enumerate(PROGRAMS)}
_BOROUGH_ORDER = {b: i for i, b in enumerate((*BOROUGHS, UNKNOWN_BOROUGH))}


def borough_name(value: str) -> str | None:
    """A canonical borough from any accepted spelling, or "Unknown" (parents with no known
    borough: a filter value, not an alias the loader accepts)."""
    key = " ".join(str(value).lower().split())
    return UNKNOWN_BOROUGH if key == UNKNOWN_BOROUGH.lower() else borough_alias(key)


def _year(values: list[str]) -> int | None:
    for v in reversed(values):  # the last one wins, like most web frameworks
        try:
            y = int(v.strip())
        except (ValueError, AttributeError):
            try:  # a period label under calendar years: the year of the same number
                y = convert_end(parse_period(v), "year", "from").last_month // 12
            except PeriodError:
                continue
        if MIN_YEAR <= y <= MAX_YEAR:
            return y
    return None


def parse_search(search: str | None, years: tuple[int, int] | None = None) -> Filters:
    """Filters from a query string ('?from=2009&...' or 'from=2009&...').

    With `years` (the data's first and last year), the window is clamped to it; a window
    entirely outside the data, or reversed, falls back to the default (the data's years).
    Under a `period` other than calendar years, a missing end is the period holding the data's
    first (last) month.
    """
    qs = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    programs = []
    for v in qs.get("program", []):
        for part in v.split(","):
            code = program_code(part)
            if code and code not in programs:
                programs.append(code)
    boroughs = []
    for v in qs.get("borough", []):
        for part in v.split(","):
            name = borough_name(part)
            if name and name not in boroughs:
                boroughs.append(name)
    base = Filters(None, None, tuple(programs), tuple(boroughs))
    grain = _grain(qs)
    if grain is None:
        from_year, to_year = _years_window(qs, years)
        return clamp_filters(replace(base, from_year=from_year, to_year=to_year))
    first, last = _periods_window(qs, grain, years)
    return clamp_filters(replace(base, from_period=first, to_period=last, grain=grain))


def _years_window(qs: dict, years: tuple[int, int] | None) -> tuple[int | None, int | None]:
    """The calendar-year window of a query string without `period` (as it always was)."""
    from_year = _year(qs.get("from", []))
    to_year = _year(qs.get("to", []))
    if years is not None:
        lo, hi = years
        if from_year is not None:
            from_year = min(max(from_year, lo), hi)
        if to_year is not None:
            to_year = min(max(to_year, lo), hi)
    if from_year is not None and to_year is not None and from_year > to_year:
        from_year = to_year = None
    return from_year, to_year


PERIOD_PARAM = "period"
_GRAIN_ALIASES = {"calendar-year": "year", "calendar": "year", "fy": "fiscal-year",
                  "fiscal": "fiscal-year", "ffy": "federal-fiscal-year",
                  "federal": "federal-fiscal-year"}


def grain_name(value: str | None) -> str | None:
    """A grain of core/periods.py from its name in any case ('Fiscal-Year', 'fy'), None for
    calendar years or anything unknown."""
    key = "-".join(str(value or "").strip().lower().replace("_", "-").split())
    key = _GRAIN_ALIASES.get(key, key)
    return key if key in GRAINS and key != "year" else None


def _last_period(values: list[str]) -> Period | None:
    for v in reversed(values):  # the last readable one wins
        try:
            return parse_period(v)
        except PeriodError:
            continue
    return None


def _grain(qs: dict) -> str | None:
    """The URL's grain: `period`, else the form of `from`/`to` (FY2019 -> fiscal-year); None:
    calendar years."""
    if qs.get(PERIOD_PARAM):
        return grain_name(qs[PERIOD_PARAM][-1])
    for key in ("from", "to"):
        p = _last_period(qs.get(key, []))
        if p is not None and p.grain != "year":
            return p.grain
    return None


def data_months(years: tuple[int, int]) -> tuple[int, int]:
    """The first and last month index of the data's years."""
    return years[0] * 12, years[1] * 12 + 11


def _periods_window(qs: dict, grain: str, years: tuple[int, int] | None
                    ) -> tuple[str | None, str | None]:
    """The (from, to) period labels of a query string under `grain`, clamped to the data."""
    ends = []
    for key, end in (("from", "from"), ("to", "to")):
        p = _last_period(qs.get(key, []))
        if p is not None and not MIN_YEAR <= p.last_month // 12 <= MAX_YEAR:
            p = None
        ends.append(None if p is None else convert_end(p, grain, end))
    first, last = ends
    if years is not None:
        lo, hi = data_months(years)
        first = period_containing(min(max(first.first_month, lo), hi) if first else lo, grain)
        last = period_containing(min(max(last.last_month, lo), hi) if last else hi, grain)
    if first is not None and last is not None and first.first_month > last.last_month:
        if years is None:
            return None, None
        first, last = period_containing(lo, grain), period_containing(hi, grain)
    return (first.label if first else None), (last.label if last else None)


SUPPRESS_PARAM = "suppress"
_TRUE = {"1", "true", "on", "yes", "y"}


def parse_suppress(search: str | None) -> bool:
    """Is small-cell suppression on in this query string? (`suppress=1`; the last one wins;
    anything unreadable is off). Always on for a user who may not turn it off."""
    if forced_suppress():
        return True
    values = parse_qs((search or "").lstrip("?"), keep_blank_values=True).get(SUPPRESS_PARAM)
    return bool(values) and values[-1].strip().lower() in _TRUE


def to_search(filters: Filters, suppress: bool = False) -> str:
    """The canonical query string ('' for no filters): `period` (unless calendar years), `from`,
    `to`, programs and boroughs in display order, then `suppress=1` when suppression is on."""
    pairs: list[tuple[str, str]] = []
    if filters.grain:
        pairs.append((PERIOD_PARAM, filters.grain))
    for key, period, year in (("from", filters.from_period, filters.from_year),
                              ("to", filters.to_period, filters.to_year)):
        if period:  # a period wins over the calendar year it lies in (Warehouse.resolve)
            pairs.append((key, period))
        elif year is not None:
            pairs.append((key, str(year)))
    for code in sorted(filters.programs, key=lambda c: _PROGRAM_ORDER.get(c, 99)):
        pairs.append(("program", code))
    for name in sorted(filters.boroughs, key=lambda b: _BOROUGH_ORDER.get(b, 99)):
        pairs.append(("borough", name))
    if suppress:
        pairs.append((SUPPRESS_PARAM, "1"))
    return "?" + urlencode(pairs) if pairs else ""


def from_controls(from_value, to_value, programs, boroughs, period=None) -> Filters:
    """Filters from the filter bar's values (dropdown values may be None / str / list).
    `period` is the period control's grain (None or 'year': calendar years, the ends are
    years); otherwise the ends are period labels of that grain (converted if of another)."""
    grain = grain_name(period)
    progs = [c for c in (program_code(p) for p in (programs or [])) if c]
    bors = [b for b in (borough_name(b) for b in (boroughs or [])) if b]
    if grain is not None:
        first, last = convert_window(from_value, to_value, grain)
        if first and last and parse_period(first).first_month > parse_period(last).first_month:
            first, last = last, first
        return clamp_filters(Filters(None, None, tuple(progs), tuple(bors), first, last,
                                     grain=grain))

    def as_year(v):
        try:
            return int(v)
        except (TypeError, ValueError):
            try:  # a period label left in the control while switching back to years
                return parse_period(v).last_month // 12
            except PeriodError:
                return None

    f, t = as_year(from_value), as_year(to_value)
    if f is not None and t is not None and f > t:
        f, t = t, f
    return clamp_filters(Filters(f, t, tuple(progs), tuple(bors)))
