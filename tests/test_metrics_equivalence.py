"""The metric query reads load-time pre-aggregates (models/program_metric_profiles.sql); these
checks tie it to the hand-worked values of tests/test_metrics.py under every option, and to
the facts themselves (a profile stands for participants, so the counts add up).

The /referrals and /families-forward page queries read load-time models too
(models/referral_cohorts.sql, models/placements_families_forward.sql); they are checked against
the same definitions computed from the facts (FACT_LEVEL below) under many filters."""

from __future__ import annotations

import itertools

import duckdb
import pytest
from pandas.testing import assert_frame_equal

from warehouse.query import Filters, Warehouse, read_sql


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


# The page queries as they were computed from the facts before the load-time models: each
# continues the WITH clause of sql/filtered.sql (f_referrals, f_placements, windows).
FACT_LEVEL = {
    "referral_funnel": """
, funnel_referrals AS (
    SELECT w.year, r.referral_id, r.participant_key, r.program, r.referred_on
    FROM f_referrals r JOIN windows w ON r.referred_on BETWEEN w.win_start AND w.win_end
),
funnel_matches AS (
    SELECT fr.year, fr.referral_id, fr.participant_key, fr.program, e.enrolled_on, e.outcome
    FROM funnel_referrals fr JOIN enrollments e ON e.referral_id = fr.referral_id
    UNION ALL
    SELECT fr.year, fr.referral_id, fr.participant_key, fr.program, e.enrolled_on, e.outcome
    FROM funnel_referrals fr JOIN enrollments e
      ON coalesce(e.referral_id, '') = '' AND e.participant_key = fr.participant_key
     AND e.program = fr.program AND e.enrolled_on >= fr.referred_on
),
funnel_stages AS (
    SELECT m.year, m.referral_id, m.program,
           bool_or(m.outcome = 'graduated') AS graduated,
           bool_or(EXISTS (
               SELECT 1 FROM placements p
               WHERE p.participant_key = m.participant_key AND p.program = m.program
                 AND p.placed_on >= m.enrolled_on
           )) AS placed
    FROM funnel_matches m
    GROUP BY ALL
),
funnel_counts AS (
    SELECT fr.year, fr.program, count(*) AS referred, count(s.referral_id) AS enrolled,
           count(*) FILTER (WHERE s.graduated) AS graduated,
           count(*) FILTER (WHERE s.placed) AS placed
    FROM funnel_referrals fr LEFT JOIN funnel_stages s USING (year, referral_id)
    GROUP BY ALL
)
SELECT nullif(c.year, 0) AS year, c.program, pr.name AS program_name,
       c.referred, c.enrolled, c.graduated, c.placed
FROM funnel_counts c JOIN programs pr ON pr.code = c.program
ORDER BY c.year, pr.sort_order
""",
    "referral_flows": """
SELECT coalesce(r.source, 'unknown') AS source, r.program, pr.name AS program_name,
       count(*) AS referrals
FROM f_referrals r
JOIN windows w ON r.referred_on BETWEEN w.win_start AND w.win_end
JOIN programs pr ON pr.code = r.program
WHERE NOT $by_year
GROUP BY r.source, r.program, pr.name, pr.sort_order
ORDER BY pr.sort_order, referrals DESC, source
""",
    "ff_time_to_placement": """
, ff_gaps AS (
    SELECT p.placement_id, min(p.placed_on - e.enrolled_on) AS days
    FROM f_placements p
    JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
    JOIN enrollments e
      ON e.participant_key = p.participant_key AND e.program = p.program
     AND e.enrolled_on <= p.placed_on
    WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
    GROUP BY ALL
)
SELECT (days // 30) * 30 AS days_from, (days // 30) * 30 + 30 AS days_to, count(*) AS placements
FROM ff_gaps
GROUP BY ALL
ORDER BY days_from
""",
    "ff_placements_by_month": """
SELECT date_trunc('month', p.placed_on)::DATE AS month, count(*) AS placements,
       count(DISTINCT p.participant_key) AS participants_placed
FROM f_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
GROUP BY ALL
ORDER BY month
""",
    "ff_placements_by_sector": """
SELECT coalesce(p.sector, 'unknown') AS sector, count(*) AS placements
FROM f_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
GROUP BY ALL
ORDER BY placements DESC, sector
""",
    "ff_wage_histogram": """
SELECT (floor(least(p.hourly_wage, 60) / $bin_usd) * $bin_usd)::DOUBLE AS wage_from,
       (floor(least(p.hourly_wage, 60) / $bin_usd) * $bin_usd + $bin_usd)::DOUBLE AS wage_to,
       count(*) AS placements
FROM f_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND p.hourly_wage IS NOT NULL AND NOT $by_year
GROUP BY ALL
ORDER BY wage_from
""",
}

PAGE_FILTERS = [
    Filters(a, b, programs, boroughs)
    for (a, b), programs, boroughs in itertools.product(
        [(2009, 2023), (2019, 2019)],
        [(), ("STEP",), ("FAMILIES_FORWARD", "PSP", "WORKFORCE1")],
        [(), ("Brooklyn",), ("Bronx", "Queens")],
    )
]


@pytest.mark.parametrize("warehouse", ["small_warehouse", "demo_warehouse"])
@pytest.mark.parametrize("name", sorted(FACT_LEVEL))
def test_page_queries_equal_their_fact_level_definitions(request, warehouse, name):
    wh = Warehouse(request.getfixturevalue(warehouse))
    extra = {"bin_usd": 1} if name == "ff_wage_histogram" else {}
    reference = read_sql("filtered") + "\n" + FACT_LEVEL[name]
    con = duckdb.connect(str(wh.path), read_only=True)
    rows = 0
    try:
        # Only the funnel has a by-year form (the others are empty under $by_year).
        by_years = (False, True) if name == "referral_funnel" else (False,)
        for f, by_year in itertools.product(PAGE_FILTERS, by_years):
            expected = con.execute(reference, wh.params(f, by_year, **extra)).df()
            got = wh.query(name, f, by_year=by_year, **extra)
            assert_frame_equal(got, expected, check_exact=True, obj=f"{name} {f} {by_year}")
            rows += len(expected)
    finally:
        con.close()
    assert rows > 0  # the filters above do select records
