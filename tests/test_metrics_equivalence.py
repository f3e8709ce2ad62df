"""The metric query reads load-time models (models/program_metrics_model.sql); these
checks tie it to the hand-worked values of tests/test_metrics.py under every option, to counts
taken straight from the facts, and, on random records, to the whole metric table as computed
from the facts (fixtures/program_metrics_from_facts.sql) under every option.

The /referrals and /families-forward page queries read load-time models too
(models/referral_cohorts.sql, models/placements_families_forward.sql); they are checked against
the same definitions computed from the facts (FACT_LEVEL below) under many filters."""

from __future__ import annotations

import itertools
import random
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from tests.built_once import built_once, check_unchanged
from tests.conftest import SMALL_FILES
from tests.read_only import read_only
from tests.tiers import spread
from warehouse.query import Filters, Warehouse, read_sql


def test_cells_count_every_participant_once(small_warehouse):
    # Over the whole data's window, all programs and boroughs: each participant once.
    first, last = Warehouse(small_warehouse).data_years()
    con = read_only(small_warehouse)
    q = con.execute
    cells = ("SELECT sum(n) FROM metric_cells WHERE metric = ? AND program = '*' "
             "AND borough = '*' AND lo <= ? AND hi >= ?")
    assert q(cells, ["served", last * 12 + 11, first * 12]).fetchone()[0] == q(
        "SELECT count(DISTINCT participant_key) FROM enrollments").fetchone()[0]
    assert q(cells, ["placed", last * 12 + 11, first * 12]).fetchone()[0] == q(
        "SELECT count(DISTINCT participant_key) FROM placements").fetchone()[0]
    assert q("SELECT sum(arrears_usd) FROM metric_additive").fetchone()[0] == q(
        "SELECT sum(amount) FROM arrears_reductions").fetchone()[0]


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
# continues the WITH clause of sql/staging/filtered.sql (f_referrals, f_placements, windows).
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
    "cohort_completion": """
, completion_base AS (
    SELECT max(d) AS data_through FROM (
        SELECT max(enrolled_on) AS d FROM enrollments
        UNION ALL SELECT max(exited_on) FROM enrollments
        UNION ALL SELECT max(referred_on) FROM referrals
        UNION ALL SELECT max(applied_on) FROM arrears_reductions
        UNION ALL SELECT max(placed_on) FROM placements
    )
)
SELECT year(e.enrolled_on)::INTEGER AS year, e.program,
       count(*)::BIGINT AS enrolled,
       count(*) FILTER (WHERE e.outcome = 'graduated'
                        AND e.exited_on <= e.enrolled_on + 365)::BIGINT AS graduated_1y,
       count(*) FILTER (WHERE e.outcome = 'graduated'
                        AND e.exited_on <= e.enrolled_on + 730)::BIGINT AS graduated_2y,
       count(*) FILTER (WHERE e.outcome = 'graduated')::BIGINT AS graduated,
       count(*) FILTER (WHERE e.exited_on IS NULL)::BIGINT AS still_active,
       (b.data_through - make_date(year(e.enrolled_on)::INTEGER, 12, 31))::INTEGER
           AS followed_days
FROM f_enrollments e, completion_base b
WHERE e.enrolled_on BETWEEN $from_date AND $to_date
GROUP BY year(e.enrolled_on), e.program, b.data_through
ORDER BY year, e.program
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
    part = sorted(FACT_LEVEL).index(name) + (warehouse == "demo_warehouse")
    wh = Warehouse(request.getfixturevalue(warehouse))
    extra = {"bin_usd": 1} if name == "ff_wage_histogram" else {}
    reference = read_sql("staging/filtered") + "\n" + FACT_LEVEL[name]
    con = read_only(wh.path)
    rows = 0
    try:
        # Only the funnel has a by-year form (the others are empty under $by_year).
        by_years = (False, True) if name == "referral_funnel" else (False,)
        for f, by_year in itertools.product(spread(PAGE_FILTERS, part), by_years):
            expected = con.execute(reference, wh.params(f, by_year, **extra)).df()
            got = wh.query(name, f, by_year=by_year, **extra)
            assert_frame_equal(got, expected, check_exact=True, obj=f"{name} {f} {by_year}")
            rows += len(expected)
    finally:
        con.close()
    assert rows > 0  # the filters above do select records


# The distinct counts straight from the facts (docs/metrics.md), for the 'ALL' row and each
# borough: a participant counts once across the selected programs and boroughs.
_SERVED = """
    SELECT {group} AS borough, count(DISTINCT e.participant_key) AS n
    FROM enrollments e LEFT JOIN participant_boroughs pb USING (participant_key)
    WHERE (len($p) = 0 OR list_contains($p, e.program))
      AND (len($b) = 0 OR list_contains($b, coalesce(e.borough, pb.borough)))
      AND year(e.enrolled_on) <= $y1
      AND (e.exited_on IS NULL OR year(e.exited_on) >= $y0)
    GROUP BY ALL
"""
_REDUCED = """
    SELECT borough, count(*) FILTER (WHERE net > 0) AS n FROM (
        SELECT {group} AS borough, a.participant_key, sum(a.amount) AS net
        FROM arrears_reductions a LEFT JOIN participant_boroughs pb USING (participant_key)
        WHERE (len($p) = 0 OR list_contains($p, a.program))
          AND (len($b) = 0 OR list_contains($b, pb.borough))
          AND year(a.applied_on) BETWEEN $y0 AND $y1
        GROUP BY ALL
    ) GROUP BY ALL
"""


@pytest.mark.parametrize("programs,boroughs", [
    ((), ()), (("PSP", "STEP"), ()), ((), ("Bronx", "Brooklyn")),
    (("PSP", "STEP", "JOBS_PLUS"), ("Bronx", "Queens", "Manhattan")),
    (("ARREARS_CAP", "ARREARS_CREDIT", "PAY_IT_OFF"), ()),
    (("ARREARS_CAP", "PARENT_SUCCESS"), ("Brooklyn", "Staten Island")),
])
@pytest.mark.parametrize("by_borough", [False, True])
def test_total_of_several_programs_and_boroughs_counts_each_participant_once(
        demo_warehouse, programs, boroughs, by_borough):
    wh = Warehouse(demo_warehouse)
    con = read_only(demo_warehouse)
    first, last = wh.data_years()
    group = "coalesce({}, 'Unknown')" if by_borough else "NULL::VARCHAR"
    for y0, y1 in ((first, last), (first + 3, first + 3), (first + 2, last - 4)):
        m = wh.metrics(Filters(y0, y1, programs, boroughs), with_total=True,
                       by_borough=by_borough)
        total = m[m["program"] == "ALL"]
        params = {"p": list(programs), "b": list(boroughs), "y0": y0, "y1": y1}
        for column, sql, borough in (
                ("participants_served", _SERVED, "coalesce(e.borough, pb.borough)"),
                ("ncps_with_reductions", _REDUCED, "pb.borough")):
            expected = {b: n for b, n in con.execute(
                sql.format(group=group.format(borough)), params).fetchall() if n}
            got = {b: n for b, n in zip(total["borough"] if by_borough else [None] * len(total),
                                        total[column], strict=True) if n}
            assert got == expected, (column, y0, y1)


# -- random records against the metrics straight from the facts --------------------------------
FROM_FACTS = Path(__file__).parent / "fixtures" / "program_metrics_from_facts.sql"
DEBT = ("ARREARS_CAP", "ARREARS_CREDIT", "PAY_IT_OFF", "PARENT_SUCCESS")
EMPLOYMENT = ("PSP", "STEP", "JOBS_PLUS", "WORKFORCE1", "TXT2WORK", "FAMILIES_FORWARD")


def _random_records(dir_: Path, seed: int) -> list[Path]:
    """Participants in several programs and boroughs (or none), open and repeated enrollments,
    reductions reversed across programs and years: the cases the pre-aggregates must get right."""
    rng = random.Random(seed)
    boroughs = ["Bronx", "Brooklyn", "Queens", "Staten Island", ""]
    rows: dict[str, list[str]] = {k: [] for k in ("enrollments", "referrals", "placements",
                                                   "arrears_reductions")}
    day = lambda y: f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"  # noqa: E731
    for p in range(70):
        pid = f"P{p}"
        programs = rng.sample(DEBT + EMPLOYMENT + ("MEDIATION",), rng.randint(1, 5))
        for i in range(rng.randint(1, 6)):
            y = rng.randint(2008, 2020)
            program = rng.choice(programs)
            if rng.random() < 0.3:
                exited, outcome = "", ""
            else:
                exited, outcome = day(y + rng.randint(0, 3)), rng.choice(["graduated", "exited"])
                exited = max(exited, f"{y}-12-28")
            rows["enrollments"].append(f"E{p}_{i},{pid},{program},{y}-01-01,{exited},{outcome},"
                                       f"{rng.choice(boroughs)},")
        for i in range(rng.randint(0, 2)):
            rows["referrals"].append(f"R{p}_{i},{pid},{rng.choice(programs)},"
                                     f"{day(rng.randint(2007, 2021))},self,{rng.choice(boroughs)}")
        for i in range(rng.randint(0, 3)):
            rows["placements"].append(f"L{p}_{i},{pid},{rng.choice(EMPLOYMENT)},"
                                      f"{day(rng.randint(2009, 2021))},retail,18.00,")
        debt = rng.sample(DEBT, rng.randint(1, 3))
        for i in range(rng.randint(0, 6)):
            amount = rng.choice([100, 250, 400, -100, -250, -400])
            rows["arrears_reductions"].append(f"A{p}_{i},{pid},{rng.choice(debt)},"
                                              f"{day(rng.randint(2009, 2021))},{amount},")
    headers = {path.stem: path.read_text().splitlines()[0] for path in SMALL_FILES}
    out = []
    for kind, lines in rows.items():
        path = dir_ / f"{kind}.csv"
        path.write_text("\n".join([headers[kind], *lines]) + "\n")
        out.append(path)
    return out


def _load_random(path: Path, seed: int) -> None:
    from etl.load import load_files

    load_files(_random_records(path.parent, seed), path)


@pytest.fixture(scope="session")
def random_warehouse():
    """Built once for both xdist workers and later runs (tests/built_once.py)."""
    path = built_once("random", _load_random, SMALL_FILES, seed=20)
    yield path
    check_unchanged(path)


def _from_facts(con, f: Filters, by_year, with_total, by_borough, cumulative) -> pd.DataFrame:
    sql = read_sql("staging/filtered") + "\n" + FROM_FACTS.read_text()
    df = con.execute(sql, {
        "from_date": date(f.from_year, 1, 1), "to_date": date(f.to_year, 12, 31),
        "by_year": by_year, "programs": list(f.programs), "boroughs": list(f.boroughs),
        "borough_lookup": bool(f.boroughs) or by_borough, "with_total": with_total,
        "by_borough": by_borough, "cumulative": cumulative}).df()
    if by_year:
        df["year"] = df["year"].astype(int)
    return df.drop(columns=[c for c, keep in (("year", by_year), ("borough", by_borough))
                            if not keep])


SELECTIONS = [
    ((2007, 2021), (), ()), ((2012, 2012), (), ()), ((2010, 2016), ("PSP",), ()),
    ((2009, 2019), ("PSP", "STEP", "JOBS_PLUS", "MEDIATION"), ()),
    ((2011, 2015), (), ("Bronx",)), ((2008, 2021), (), ("Bronx", "Queens", "Staten Island")),
    ((2013, 2018), DEBT[:3], ("Brooklyn", "Queens")), ((2016, 2016), DEBT, ()),
    ((2010, 2020), ("ARREARS_CAP", "STEP"), ("Bronx", "Brooklyn")), ((2025, 2030), ("PSP",), ()),
]
# by_year, with_total, by_borough, cumulative
OPTIONS = list(itertools.product([False, True], repeat=4))


@pytest.mark.parametrize("case", range(len(SELECTIONS)))
def test_cells_match_the_facts_on_random_records(random_warehouse, case):
    window, programs, boroughs = SELECTIONS[case]
    wh = Warehouse(random_warehouse)
    con = read_only(random_warehouse)
    f = Filters(window[0], window[1], programs, boroughs)
    for options in spread(OPTIONS, case):
        expected = _from_facts(con, f, *options)
        assert not expected.empty or window[0] > 2021
        pd.testing.assert_frame_equal(wh.metrics(f, *options), expected, check_dtype=False,
                                      check_exact=True, obj=str((f, options)))
