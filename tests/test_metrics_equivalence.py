"""The metric query reads load-time pre-aggregates (models/program_metric_profiles.sql); these
checks tie it to the hand-worked values of tests/test_metrics.py under every option, and to
the facts themselves (a profile stands for participants, so the counts add up)."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from warehouse.query import Filters, Warehouse


def test_profiles_cover_every_participant_once(small_warehouse):
    con = duckdb.connect(str(small_warehouse), read_only=True)
    q = con.execute
    served = q("SELECT sum(n) FROM metric_profile_counts WHERE metric = 'served'").fetchone()[0]
    assert served == q("SELECT count(DISTINCT participant_key) FROM enrollments").fetchone()[0]
    placed = q("SELECT sum(n) FROM metric_profile_counts WHERE metric = 'placed'").fetchone()[0]
    assert placed == q("SELECT count(DISTINCT participant_key) FROM placements").fetchone()[0]
    usd = q("SELECT sum(arrears_usd) FROM metric_totals").fetchone()[0]
    assert usd == q("SELECT sum(amount) FROM arrears_reductions").fetchone()[0]


@pytest.mark.parametrize("by_year,with_total,by_borough,cumulative",
                         list(itertools.product([False, True], repeat=4)))
def test_hand_checked_values_under_every_option(small_warehouse, by_year, with_total,
                                                by_borough, cumulative):
    wh = Warehouse(small_warehouse)
    m = wh.metrics(Filters(2011, 2012), by_year=by_year, with_total=with_total,
                   by_borough=by_borough, cumulative=cumulative)
    if by_year:
        m = m[m["year"] == 2012] if cumulative else m
    if not by_year and not cumulative:
        # tests/test_metrics.py::test_window_2011_2012, summed over boroughs where split.
        psp = m[m["program"] == "PSP"]
        assert psp["new_enrollments"].sum() == 2 and psp["graduates"].sum() == 1
        assert m[m["program"] == "STEP"]["referrals"].sum() == 2
        cap = m[m["program"] == "ARREARS_CAP"]
        assert cap["arrears_reduced_usd"].sum() == pytest.approx(12345.67)
        assert cap["ncps_with_reductions"].sum() == 1  # NCP-008 nets to zero
        if with_total and not by_borough:
            total = m.set_index("program").loc["ALL"]
            assert total["participants_served"] == 3 and total["ncps_with_reductions"] == 2
    if cumulative and not by_borough:
        # Cumulative through 2012 (test_cumulative_windows_start_at_the_beginning_of_the_data).
        cap = m[m["program"] == "ARREARS_CAP"]
        assert cap["arrears_reduced_usd"].round(2).tolist() == [32345.67]
        assert cap["ncps_with_reductions"].tolist() == [2]


def test_by_year_splits_and_whole_window_does_not(small_warehouse):
    wh = Warehouse(small_warehouse)
    m = wh.metrics(Filters(2010, 2012, ("ARREARS_CAP",)), by_year=True)
    # 2010: NCP-007's 20,000; 2011: NCP-008's 15,000 and its reversal; 2012: NCP-009.
    assert m["ncps_with_reductions"].tolist() == [1, 0, 1]
    assert m["arrears_reduced_usd"].round(2).tolist() == [20000, 0, 12345.67]
    assert wh.metrics(Filters(2010, 2012, ("ARREARS_CAP",)))["ncps_with_reductions"].tolist() == [2]


def test_window_beyond_the_data_keeps_open_enrollments(small_warehouse):
    # NCP-003's PSP enrollment E3 (2012-05) is still open: served in any later year.
    m = Warehouse(small_warehouse).metrics(Filters(2040, 2040, ("PSP",)))
    assert m["participants_served"].tolist() == [1]
    assert m["new_enrollments"].tolist() == [0]
