"""The filters <-> URL query string."""

from __future__ import annotations

import pytest

from dashboard.url_state import from_controls, parse_search, to_search
from warehouse.query import Filters


@pytest.mark.parametrize("filters", [
    Filters(),
    Filters(2009, 2023),
    Filters(2009, 2023, ("ARREARS_CAP",), ("Bronx",)),
    Filters(2012, None, ("PSP", "STEP", "FAMILIES_FORWARD"), ("Staten Island", "Queens")),
    Filters(None, 2020, (), ("Brooklyn",)),
])
def test_round_trip(filters):
    search = to_search(filters)
    assert parse_search(search) == filters
    assert to_search(parse_search(search)) == search  # canonical


def test_canonical_form():
    f = Filters(2009, 2023, ("PAY_IT_OFF", "ARREARS_CAP"), ("Staten Island", "Bronx"))
    assert to_search(f) == ("?from=2009&to=2023&program=ARREARS_CAP&program=PAY_IT_OFF"
                            "&borough=Bronx&borough=Staten+Island")
    assert to_search(Filters()) == ""


def test_the_briefs_example():
    f = parse_search("?from=2009&to=2023&program=ARREARS_CAP&borough=Bronx")
    assert f == Filters(2009, 2023, ("ARREARS_CAP",), ("Bronx",))


def test_forgiving_parse():
    assert parse_search("from=2010") == Filters(2010)  # no leading "?"
    assert parse_search(None) == Filters()
    assert parse_search("?program=arrears%20cap&program=Pay+It+Off&borough=kings") == Filters(
        None, None, ("ARREARS_CAP", "PAY_IT_OFF"), ("Brooklyn",))
    assert parse_search("?program=PSP,STEP") == Filters(None, None, ("PSP", "STEP"))


@pytest.mark.parametrize("search", [
    "?from=abc&to=", "?from=20x9", "?from=1800&to=3000", "?program=NOPE&borough=Atlantis",
    "?from=2020&to=2010", "?%%%", "?from=2009&from=",
])
def test_invalid_params_fall_back_to_defaults(search):
    f = parse_search(search)
    assert f.programs == () and f.boroughs == ()
    assert (f.from_year, f.to_year) in ((None, None), (2009, None))


def test_window_is_clamped_to_the_data():
    assert parse_search("?from=1990&to=2030", (2009, 2024)) == Filters(2009, 2024)
    assert parse_search("?from=2015", (2009, 2024)) == Filters(2015)


def test_from_controls():
    assert from_controls(2023, 2009, ["PSP"], None) == Filters(2009, 2023, ("PSP",))
    assert from_controls("2010", None, [], ["Bronx", "bogus"]) == Filters(2010, None, (),
                                                                          ("Bronx",))
