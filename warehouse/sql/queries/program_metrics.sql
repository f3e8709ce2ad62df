-- The metric table: one row per program (per year under $by_year) for the filtered window.
-- This file is THE definition of every program metric; docs/metrics.md explains each one.
-- A program is listed when it has any record (any date) that passes the program and borough
-- filters; its metrics are zero when none of those records falls in the window.
, served AS (
    -- Distinct participants whose span [enrolled_on, exited_on or open] overlaps the window.
    SELECT w.year, e.program, count(DISTINCT e.participant_key) AS participants_served
    FROM f_enrollments e JOIN windows w
      ON e.enrolled_on <= w.win_end AND coalesce(e.exited_on, DATE '9999-12-31') >= w.win_start
    GROUP BY ALL
),
new_enrollments AS (
    SELECT w.year, e.program, count(*) AS new_enrollments
    FROM f_enrollments e JOIN windows w ON e.enrolled_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
graduates AS (
    -- Distinct participants with a graduated enrollment that ended in the window.
    SELECT w.year, e.program, count(DISTINCT e.participant_key) AS graduates
    FROM f_enrollments e JOIN windows w ON e.exited_on BETWEEN w.win_start AND w.win_end
    WHERE e.outcome = 'graduated'
    GROUP BY ALL
),
referrals_made AS (
    SELECT w.year, r.program, count(*) AS referrals
    FROM f_referrals r JOIN windows w ON r.referred_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
placements_made AS (
    SELECT w.year, p.program, count(*) AS placements,
           count(DISTINCT p.participant_key) AS participants_placed
    FROM f_placements p JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
net_reductions AS (
    -- Each participant's net reduction per program in the window (reversals are negative).
    SELECT w.year, a.program, a.participant_key, sum(a.amount) AS net_usd
    FROM f_arrears a JOIN windows w ON a.applied_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
),
reductions AS (
    SELECT year, program, sum(net_usd) AS arrears_reduced_usd,
           count(*) FILTER (WHERE net_usd > 0) AS ncps_with_reductions
    FROM net_reductions
    GROUP BY ALL
),
programs_present AS (
    SELECT program FROM f_enrollments UNION SELECT program FROM f_referrals
    UNION SELECT program FROM f_arrears UNION SELECT program FROM f_placements
),
grid AS (
    SELECT w.year, p.program FROM windows w CROSS JOIN programs_present p
)
SELECT
    nullif(g.year, 0) AS year,
    g.program,
    coalesce(s.participants_served, 0) AS participants_served,
    coalesce(n.new_enrollments, 0) AS new_enrollments,
    coalesce(gr.graduates, 0) AS graduates,
    coalesce(r.referrals, 0) AS referrals,
    coalesce(p.placements, 0) AS placements,
    coalesce(p.participants_placed, 0) AS participants_placed,
    coalesce(d.arrears_reduced_usd, 0)::DOUBLE AS arrears_reduced_usd,
    coalesce(d.ncps_with_reductions, 0) AS ncps_with_reductions
FROM grid g
JOIN programs pr ON pr.code = g.program
LEFT JOIN served s USING (year, program)
LEFT JOIN new_enrollments n USING (year, program)
LEFT JOIN graduates gr USING (year, program)
LEFT JOIN referrals_made r USING (year, program)
LEFT JOIN placements_made p USING (year, program)
LEFT JOIN reductions d USING (year, program)
ORDER BY g.year, pr.sort_order
