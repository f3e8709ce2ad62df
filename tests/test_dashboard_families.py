"""Totals per program family, the "Unknown" borough, and pages that follow the filter."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from core.vocabularies import DEBT_REDUCTION, EMPLOYMENT, FAMILIES, OTHER, family_programs
from dashboard.families import family_rows, selected_families, unknown_borough_lines
from dashboard.url_state import parse_search, to_search
from tests.test_dashboard_callbacks import text
from warehouse.query import Filters, open_warehouse

WINDOW = Filters(2009, 2023)


@pytest.fixture
def demo(demo_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    return open_warehouse(demo_warehouse)


def test_families_cover_every_program_once():
    codes = [c for f in FAMILIES for c in family_programs(f)]
    assert sorted(codes) == sorted(set(codes)) and len(codes) == 13
    assert family_programs(OTHER) == ("MEDIATION", "ORDER_MODIFICATION")


def test_family_totals_are_the_metric_sqls_all_rows(demo):
    employment = family_rows(demo, WINDOW, EMPLOYMENT)
    expected = demo.metrics(Filters(2009, 2023, family_programs(EMPLOYMENT)), with_total=True)
    expected = expected[expected["program"] == "ALL"]
    assert len(employment) == 1
    assert employment["participants_served"].iloc[0] == expected["participants_served"].iloc[0]
    # Legal services are not in the employment figures: the all-programs row is larger.
    everything = demo.metrics(WINDOW, with_total=True)
    everything = everything[everything["program"] == "ALL"]
    legal = family_rows(demo, WINDOW, OTHER)
    assert everything["participants_served"].iloc[0] > employment["participants_served"].iloc[0]
    assert legal["participants_served"].iloc[0] > 0
    # Per year, one ALL row per year of the window.
    assert len(family_rows(demo, WINDOW, DEBT_REDUCTION, by_year=True)) == 15


def test_program_filter_selects_families():
    assert selected_families(Filters(programs=("PSP", "MEDIATION"))) == (EMPLOYMENT, OTHER)
    assert selected_families(Filters()) == FAMILIES


def test_overview_shows_families_apart_and_names_the_left_out(demo):
    from dashboard.pages import overview

    body = text(overview.render("?from=2009&to=2023&program=FAMILIES_FORWARD"))
    assert "headline-employment-participants_served" in body
    assert "family-debt_reduction" not in body  # no "$0" card for a family not selected
    assert "Not shown: debt reduction and legal services programs" in body
    body = text(overview.render("?from=2009&to=2023"))
    for family in FAMILIES:
        assert f"family-{family}" in body
    assert "Orders modified or mediations concluded" in body
    assert "graduates \\u00f7 participants served" in body or "graduates ÷" in body


def test_unknown_is_a_borough_filter_value():
    f = parse_search("?borough=unknown&borough=Bronx")
    assert f.boroughs == ("Bronx", "Unknown")
    assert to_search(f) == "?borough=Bronx&borough=Unknown"


def test_unknown_borough_selects_parents_with_no_borough(demo):
    cap = Filters(2009, 2023, ("ARREARS_CAP",))
    unknown = demo.metrics(Filters(2009, 2023, ("ARREARS_CAP",), ("Unknown",)))
    assert unknown["ncps_with_reductions"].iloc[0] == 9_558
    by_borough = demo.metrics(cap, by_borough=True)
    assert by_borough["ncps_with_reductions"].sum() == 13_640  # the boroughs and Unknown
    # The page queries (filtered.sql prelude and the load-time models) select it as well.
    funnel = demo.query("referral_funnel", Filters(2009, 2023, boroughs=("Unknown",)))
    assert funnel["referred"].sum() > 0


def test_borough_filter_says_how_much_has_no_known_borough(demo):
    lines = unknown_borough_lines(demo, Filters(2009, 2023, ("ARREARS_CAP",), ("Bronx",)),
                                  (DEBT_REDUCTION,))
    assert lines == ["9,558 of 13,640 Arrears Cap NCPs ($199.8M of $284.0M) have no known "
                     "borough and are not in this view."]
    assert unknown_borough_lines(demo, Filters(2009, 2023, boroughs=("Unknown",))) == []
    assert unknown_borough_lines(demo, WINDOW) == []
    from dashboard.pages import arrears

    body = text(arrears.render("?from=2009&to=2023&program=ARREARS_CAP&borough=Bronx"))
    assert "borough-notice" in body and "9,558 of 13,640 Arrears Cap NCPs" in body


@pytest.mark.parametrize("page,search", [("arrears", "?program=FAMILIES_FORWARD"),
                                         ("employment", "?program=ARREARS_CAP"),
                                         ("families_forward", "?program=PSP")])
def test_pages_that_do_not_apply_show_only_a_notice(demo, page, search):
    import importlib

    module = importlib.import_module(f"dashboard.pages.{page}")
    body = module.render(search)
    assert len(body) == 1 and body[0].id == "page-not-applicable"
    assert "among the selected programs" in text(body)


def test_families_forward_page_has_headline_cards_and_its_own_years(demo):
    from dashboard.pages import families_forward

    body = text(families_forward.render(""))
    for card in ("ff-served", "ff-placement-rate", "ff-placements", "ff-median-wage"):
        assert card in body
    assert "$23.75/h" in body and "429" in body
    # Titles say the years the program has records in, not the data's 2007–2025.
    assert "placements per month, 2017–2023" in body
    assert "2007–2025" not in body


def test_programs_are_drawn_over_their_lives_only(demo):
    from charts.lives import within_lives
    from charts.registry import chart_data

    df = chart_data("served_vs_graduates", demo, Filters(programs=("FAMILIES_FORWARD",)))
    # Enrolled 2018 – May 2022; the 2023 row has records (a late enrollment, placements).
    assert sorted(df["year"]) == [2018, 2019, 2020, 2021, 2022, 2023]
    import pandas as pd

    frame = pd.DataFrame({"year": [2010, 2011, 2012, 2013, 2030, 2031],
                          "program": ["PSP", "PSP", "PSP", "PSP", "FAMILIES_FORWARD",
                                      "FAMILIES_FORWARD"],
                          "v": [0, 5, 0, 3, 0, 2]})
    kept = within_lives(frame, ["v"])
    # PSP (no period on record) begins with its first record; a zero inside its life stays.
    # Families Forward outside its period: the zero year goes, the year with records stays.
    assert list(kept["year"]) == [2011, 2012, 2013, 2031]


def test_small_axes_never_show_milli_units():
    import pandas as pd

    from charts import figures

    df = pd.DataFrame({"year": [2020, 2021], "program": ["ARREARS_CAP"] * 2,
                       "arrears_reduced_usd": [0.0, 0.4], "ncps_with_reductions": [0, 1],
                       "avg_reduction_usd": [None, 0.4]})
    spec = figures.arrears_by_year.spec(df, title="t")
    stops = spec["layout"]["yaxis"]["tickformatstops"]
    assert stops[0]["value"] == "$,.2~f" and stops[1]["value"] == "$~s"


def test_cohort_completion_counts_the_metric_sqls_enrollments(demo):
    cohorts = demo.query("cohort_completion", Filters(2011, 2025, ("PSP", "STEP")))
    metrics = demo.metrics(Filters(2011, 2025, ("PSP", "STEP")), by_year=True)
    merged = cohorts.merge(metrics, on=["year", "program"])
    assert len(merged) == len(cohorts) > 0
    assert (merged["enrolled"] == merged["new_enrollments"]).all()
    assert (cohorts["graduated_1y"] <= cohorts["graduated_2y"]).all()
    assert (cohorts["graduated_2y"] <= cohorts["graduated"]).all()
    assert (cohorts["graduated"] + cohorts["still_active"] <= cohorts["enrolled"]).all()
    # The last cohort (2025) has not had a year: its one-year share is not drawn.
    from charts.figures_cohort import completion_rates

    rates = completion_rates(cohorts)
    assert rates.loc[rates["year"] == 2025, "completion_1y_share"].isna().all()
    assert rates.loc[rates["year"] == 2023, "completion_1y_share"].notna().all()


def test_employment_and_referrals_explain_their_graduate_counts(demo):
    from dashboard.pages import employment, referrals

    for page in (employment, referrals):
        assert "580 graduates on Employment and 625" in text(page.layout())
    psp = Filters(2011, 2023, ("PSP",))
    assert demo.metrics(psp)["graduates"].iloc[0] == 580
    assert demo.query("referral_funnel", psp)["graduated"].iloc[0] == 625


def test_header_says_data_through_and_loaded(demo):
    from dashboard.shell import update_status

    _, _, status = update_status("/")
    assert status.startswith("Data through Dec 31, 2025 · loaded ")


def test_the_unknown_filter_counts_the_unknown_row_by_borough(demo):
    """The notice's unknown counts (the ALL row under the borough filter "Unknown") are the
    ALL row's 'Unknown' line by borough, for each family."""
    for family in FAMILIES:
        f = Filters(2009, 2023, family_programs(family))
        filtered = demo.metrics(replace(f, boroughs=("Unknown",)), with_total=True)
        by_borough = demo.metrics(f, with_total=True, by_borough=True)
        row = by_borough[(by_borough["program"] == "ALL") & (by_borough["borough"] == "Unknown")]
        pd.testing.assert_frame_equal(
            filtered[filtered["program"] == "ALL"].reset_index(drop=True),
            row.drop(columns="borough").reset_index(drop=True))
