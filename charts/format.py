"""Numbers formatted for people, in one place: $284.0M, 13,640, 21.8%, 2009–2023."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

NOT_AVAILABLE = "–"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _marker(value) -> bool:
    """A suppression marker such as '<11' (warehouse.suppression): shown as it is."""
    return isinstance(value, str) and value.startswith("<")


def count(value) -> str:
    """13640 -> '13,640'."""
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    return f"{round(float(value)):,}"


def money(value) -> str:
    """Compact dollars: 284_012_345 -> '$284.0M', 1_250 -> '$1.3K', 512.4 -> '$512'."""
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    v = float(value)
    sign = "-" if v < 0 else ""
    a = abs(v)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        # Round first, so 999,960 shows as $1.0M rather than $1,000.0K.
        if round(a / threshold, 1) >= 1:
            return f"{sign}${a / threshold:,.1f}{suffix}"
    return f"{sign}${a:,.0f}"


def money_full(value) -> str:
    """Whole dollars with separators: '$284,012,345'."""
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    v = float(value)
    return f"-${abs(v):,.0f}" if v < 0 else f"${v:,.0f}"


def money_cents(value) -> str:
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    v = float(value)
    return f"-${abs(v):,.2f}" if v < 0 else f"${v:,.2f}"


def pct(value, digits: int = 1) -> str:
    """A ratio as a percentage: 0.2181 -> '21.8%'."""
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    return f"{float(value) * 100:.{digits}f}%"


def year_range(from_year: int, to_year: int) -> str:
    return str(from_year) if from_year == to_year else f"{from_year}–{to_year}"


def day(value) -> str:
    """A date for people: 'Nov 25, 2024'."""
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    if isinstance(value, str):
        value = pd.Timestamp(value)
    if isinstance(value, datetime | pd.Timestamp):
        value = value.date()
    assert isinstance(value, date)
    return f"{value:%b} {value.day}, {value.year}"


def dollars_per_hour(value) -> str:
    if _missing(value):
        return NOT_AVAILABLE
    if _marker(value):
        return value
    return f"${float(value):,.2f}/h"


# Plotly d3-format strings matching the functions above (hover and tick labels).
D3_COUNT = ",.0f"
D3_MONEY = "$,.3s"
D3_PCT = ".1%"
