"""The global filters <-> the URL query string. Pure functions, no Dash.

    ?from=2009&to=2023&program=ARREARS_CAP&program=PAY_IT_OFF&borough=Bronx

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

from urllib.parse import parse_qs, urlencode

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
            continue
        if MIN_YEAR <= y <= MAX_YEAR:
            return y
    return None


def parse_search(search: str | None, years: tuple[int, int] | None = None) -> Filters:
    """Filters from a query string ('?from=2009&...' or 'from=2009&...').

    With `years` (the data's first and last year), the window is clamped to it; a window
    entirely outside the data, or reversed, falls back to the default (the data's years).
    """
    qs = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
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
    return clamp_filters(Filters(from_year, to_year, tuple(programs), tuple(boroughs)))


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
    """The canonical query string ('' for no filters), programs and boroughs in display order,
    then `suppress=1` when suppression is on."""
    pairs: list[tuple[str, str]] = []
    if filters.from_year is not None:
        pairs.append(("from", str(filters.from_year)))
    if filters.to_year is not None:
        pairs.append(("to", str(filters.to_year)))
    for code in sorted(filters.programs, key=lambda c: _PROGRAM_ORDER.get(c, 99)):
        pairs.append(("program", code))
    for name in sorted(filters.boroughs, key=lambda b: _BOROUGH_ORDER.get(b, 99)):
        pairs.append(("borough", name))
    if suppress:
        pairs.append((SUPPRESS_PARAM, "1"))
    return "?" + urlencode(pairs) if pairs else ""


def from_controls(from_year, to_year, programs, boroughs) -> Filters:
    """Filters from the filter bar's values (dropdown values may be None / str / list)."""
    def as_year(v):
        try:
            return int(v)
        except (TypeError, ValueError):
            return None

    f, t = as_year(from_year), as_year(to_year)
    if f is not None and t is not None and f > t:
        f, t = t, f
    progs = [c for c in (program_code(p) for p in (programs or [])) if c]
    bors = [b for b in (borough_name(b) for b in (boroughs or [])) if b]
    return clamp_filters(Filters(f, t, tuple(progs), tuple(bors)))
