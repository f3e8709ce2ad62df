"""Period names at month grain (core/periods.py)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.periods import (
    GRAINS,
    PeriodError,
    month_index,
    parse_period,
    period_containing,
    periods_between,
    whole_periods,
    window,
)


@pytest.mark.parametrize("text, start, end", [
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2024-q4", date(2024, 10, 1), date(2024, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("FY2024", date(2023, 7, 1), date(2024, 6, 30)),
    ("FFY2024", date(2023, 10, 1), date(2024, 9, 30)),
])
def test_parse(text, start, end):
    p = parse_period(text)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("bad", ["", "24", "2024-13", "2024-Q5", "FY24", "2024-1", "x2024",
                                 "2024-00", "0000"])
def test_not_a_period(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_window_reversed():
    assert window("FY2024", "2024") == (2023 * 12 + 6, 2024 * 12 + 11)
    with pytest.raises(PeriodError):
        window("2025", "2024-Q2")


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2998, 12, 31)),
       st.sampled_from(list(GRAINS)))
def test_containing_period_holds_the_date_and_its_label_parses_back(d, grain):
    p = period_containing(month_index(d), grain)
    assert p.start <= d <= p.end
    assert parse_period(p.label) == p


@given(st.integers(1950 * 12, 2050 * 12), st.integers(0, 80), st.sampled_from(list(GRAINS)))
def test_periods_between_tile_the_window(first, length, grain):
    periods = periods_between(first, first + length, grain)
    assert periods[0].first_month <= first and periods[-1].last_month >= first + length
    for a, b in zip(periods, periods[1:], strict=False):
        assert b.first_month == a.last_month + 1
    assert whole_periods(periods[0].first_month, periods[-1].last_month, grain)
