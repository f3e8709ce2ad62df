-- The metric table: one row per program (per year under $by_year) for the filtered window.
-- This file is THE definition of every program metric; docs/metrics.md explains each one.
-- A program is listed when it has any record (any date) that passes the program and borough
-- filters; its metrics are zero when none of those records falls in the window.
-- Options (all BOOLEAN):
--   $with_total:  one more row, program 'ALL': every record again under that one program, so
--                 each participant counts once across the selected programs.
--   $by_borough:  one row per program and borough (the record's borough, else the
--                 participant's; 'Unknown' when neither is known).
--   $cumulative:  every window starts at the beginning of the data (totals "since each
--                 program began" through each window's end).
, enr_rows AS (
    SELECT participant_key, program, enrolled_on, exited_on, outcome, filter_borough
    FROM f_enrollments
    UNION ALL
    SELECT participant_key, 'ALL', enrolled_on, exited_on, outcome, filter_borough
    FROM f_enrollments WHERE $with_total
),
ref_rows AS (
    SELECT program, referred_on, filter_borough FROM f_referrals
    UNION ALL SELECT 'ALL', referred_on, filter_borough FROM f_referrals WHERE $with_total
),
plc_rows AS (
    SELECT participant_key, program, placed_on, filter_borough FROM f_placements
    UNION ALL
    SELECT participant_key, 'ALL', placed_on, filter_borough FROM f_placements WHERE $with_total
),
arr_rows AS (
    SELECT participant_key, program, applied_on, amount, filter_borough FROM f_arrears
    UNION ALL
    SELECT participant_key, 'ALL', applied_on, amount, filter_borough FROM f_arrears
    WHERE $with_total
),
-- The grouping key: the borough under $by_borough, else one group ('').
enr AS (SELECT *, CASE WHEN $by_borough THEN coalesce(filter_borough, 'Unknown') ELSE '' END AS borough FROM enr_rows),
ref AS (SELECT *, CASE WHEN $by_borough THEN coalesce(filter_borough, 'Unknown') ELSE '' END AS borough FROM ref_rows),
plc AS (SELECT *, CASE WHEN $by_borough THEN coalesce(filter_borough, 'Unknown') ELSE '' END AS borough FROM plc_rows),
arr AS (SELECT *, CASE WHEN $by_borough THEN coalesce(filter_borough, 'Unknown') ELSE '' END AS borough FROM arr_rows),
metric_windows AS (
    SELECT year, CASE WHEN $cumulative THEN DATE '0001-01-01' ELSE win_start END AS win_start,
           win_end
    FROM windows
),
served AS (
    -- Distinct participants whose span [enrolled_on, exited_on or open] overlaps the window.
    SELECT w.year, e.program, e.borough, count(DISTINCT e.participant_key) AS participants_served
    FROM enr e JOIN metric_windows w
      ON e.enrolled_on <= w.win_end AND coalesce(e.exited_on, DATE '9999-12-31') >= w.win_start
    GROUP BY ALL
),
new_enrollments AS (
    SELECT w.year, e.program, e.borough, count(*) AS new_enrollments
    FROM enr e JOIN metric_windows w ON e.enrolled_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
graduates AS (
    -- Distinct participants with a graduated enrollment that ended in the window.
    SELECT w.year, e.program, e.borough, count(DISTINCT e.participant_key) AS graduates
    FROM enr e JOIN metric_windows w ON e.exited_on BETWEEN w.win_start AND w.win_end
    WHERE e.outcome = 'graduated'
    GROUP BY ALL
),
referrals_made AS (
    SELECT w.year, r.program, r.borough, count(*) AS referrals
    FROM ref r JOIN metric_windows w ON r.referred_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
placements_made AS (
    SELECT w.year, p.program, p.borough, count(*) AS placements,
           count(DISTINCT p.participant_key) AS participants_placed
    FROM plc p JOIN metric_windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
net_reductions AS (
    -- Each participant's net reduction per program in the window (reversals are negative).
    SELECT w.year, a.program, a.borough, a.participant_key, sum(a.amount) AS net_usd
    FROM arr a JOIN metric_windows w ON a.applied_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
reductions AS (
    SELECT year, program, borough, sum(net_usd) AS arrears_reduced_usd,
           count(*) FILTER (WHERE net_usd > 0) AS ncps_with_reductions
    FROM net_reductions
    GROUP BY ALL
),
groups_present AS (
    SELECT program, borough FROM enr UNION SELECT program, borough FROM ref
    UNION SELECT program, borough FROM arr UNION SELECT program, borough FROM plc
),
grid AS (
    SELECT w.year, g.program, g.borough FROM windows w CROSS JOIN groups_present g
)
SELECT
    nullif(g.year, 0) AS year,
    g.program,
    nullif(g.borough, '') AS borough,
    coalesce(s.participants_served, 0) AS participants_served,
    coalesce(n.new_enrollments, 0) AS new_enrollments,
    coalesce(gr.graduates, 0) AS graduates,
    coalesce(r.referrals, 0) AS referrals,
    coalesce(p.placements, 0) AS placements,
    coalesce(p.participants_placed, 0) AS participants_placed,
    coalesce(d.arrears_reduced_usd, 0)::DOUBLE AS arrears_reduced_usd,
    coalesce(d.ncps_with_reductions, 0) AS ncps_with_reductions
FROM grid g
LEFT JOIN programs pr ON pr.code = g.program  -- 'ALL' has no row: it sorts last
LEFT JOIN served s USING (year, program, borough)
LEFT JOIN new_enrollments n USING (year, program, borough)
LEFT JOIN graduates gr USING (year, program, borough)
LEFT JOIN referrals_made r USING (year, program, borough)
LEFT JOIN placements_made p USING (year, program, borough)
LEFT JOIN reductions d USING (year, program, borough)
ORDER BY g.year, coalesce(pr.sort_order, 1000), g.borough
