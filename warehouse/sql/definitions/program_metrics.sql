-- THE DEFINITION of every program metric: a query over the facts (docs/metrics.md explains
-- each). queries/program_metrics.sql answers the same from load-time models, faster;
-- tests/test_metrics_properties.py checks the two equal on random records, windows and filters.
--
-- Parameters:
--   $period_labels, $period_starts, $period_ends   the reporting windows, one per label (e.g.
--       '2024', '2024-Q1', '2024-03', 'FY2024', 'FFY2024') with its first and last day;
--   $programs, $boroughs   (VARCHAR[]) the filters; empty = all; borough 'Unknown' selects
--                          the records with no known borough;
--   $with_total   one more row per window, program 'ALL': the selected programs together, so
--                 each participant counts once across them;
--   $by_borough   one row per program and borough ('Unknown' when no borough is known);
--   $cumulative   every window starts at the beginning of the data.
-- A record's borough is its own (enrollments, referrals), else its participant's (table
-- participant_boroughs). A program is listed when it has any record (any date) that passes
-- the filters; its metrics are zero in a window where none of them falls.
WITH windows AS (
    SELECT unnest($period_labels) AS period, unnest($period_starts)::DATE AS win_start,
           unnest($period_ends)::DATE AS win_end
),
records AS (
    SELECT 'enrollment' AS kind, e.participant_key, e.program,
           coalesce(e.borough, pb.borough) AS borough, e.enrolled_on AS on_date, e.exited_on,
           e.outcome, NULL::DECIMAL(14, 2) AS amount
    FROM enrollments e LEFT JOIN participant_boroughs pb USING (participant_key)
    UNION ALL
    SELECT 'referral', r.participant_key, r.program, coalesce(r.borough, pb.borough),
           r.referred_on, NULL, NULL, NULL
    FROM referrals r LEFT JOIN participant_boroughs pb USING (participant_key)
    UNION ALL
    SELECT 'placement', p.participant_key, p.program, pb.borough, p.placed_on, NULL, NULL, NULL
    FROM placements p LEFT JOIN participant_boroughs pb USING (participant_key)
    UNION ALL
    SELECT 'arrears', a.participant_key, a.program, pb.borough, a.applied_on, NULL, NULL,
           a.amount
    FROM arrears_reductions a LEFT JOIN participant_boroughs pb USING (participant_key)
),
-- The records the filters keep, once under their program's row and once under 'ALL'.
r AS (
    SELECT records.* EXCLUDE (program, borough), row_program AS program,
           CASE WHEN $by_borough THEN coalesce(records.borough, 'Unknown') ELSE '' END AS borough
    FROM records,
         unnest(CASE WHEN $with_total THEN [records.program, 'ALL'] ELSE [records.program] END)
             AS t(row_program)
    WHERE (len($programs) = 0 OR list_contains($programs, records.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(records.borough, 'Unknown')))
),
w AS (
    SELECT period, CASE WHEN $cumulative THEN DATE '-infinity' ELSE win_start END AS win_start,
           win_end
    FROM windows
),
participants_served AS (
    -- participants with an enrollment whose span (enrolled_on to exited_on, or still open)
    -- overlaps the window
    SELECT w.period, r.program, r.borough, count(DISTINCT r.participant_key) AS n
    FROM r JOIN w ON r.on_date <= w.win_end AND coalesce(r.exited_on, 'infinity') >= w.win_start
    WHERE r.kind = 'enrollment' GROUP BY ALL
),
new_enrollments AS (
    SELECT w.period, r.program, r.borough, count(*) AS n
    FROM r JOIN w ON r.on_date BETWEEN w.win_start AND w.win_end
    WHERE r.kind = 'enrollment' GROUP BY ALL
),
graduates AS (
    -- participants with a graduated enrollment that ended in the window
    SELECT w.period, r.program, r.borough, count(DISTINCT r.participant_key) AS n
    FROM r JOIN w ON r.exited_on BETWEEN w.win_start AND w.win_end
    WHERE r.kind = 'enrollment' AND r.outcome = 'graduated' GROUP BY ALL
),
referrals AS (
    SELECT w.period, r.program, r.borough, count(*) AS n
    FROM r JOIN w ON r.on_date BETWEEN w.win_start AND w.win_end
    WHERE r.kind = 'referral' GROUP BY ALL
),
placements AS (
    SELECT w.period, r.program, r.borough, count(*) AS n,
           count(DISTINCT r.participant_key) AS participants_placed
    FROM r JOIN w ON r.on_date BETWEEN w.win_start AND w.win_end
    WHERE r.kind = 'placement' GROUP BY ALL
),
net_reductions AS (
    -- each NCP's net reduction in the window (reversals are negative amounts)
    SELECT w.period, r.program, r.borough, r.participant_key, sum(r.amount) AS net_usd
    FROM r JOIN w ON r.on_date BETWEEN w.win_start AND w.win_end
    WHERE r.kind = 'arrears' GROUP BY ALL
),
reductions AS (
    SELECT period, program, borough, sum(net_usd) AS usd,
           count(*) FILTER (WHERE net_usd > 0) AS ncps
    FROM net_reductions GROUP BY ALL
),
listed AS (
    SELECT w.period, w.win_start, g.program, g.borough
    FROM windows w, (SELECT DISTINCT program, borough FROM r) g
)
SELECT l.period, l.program, nullif(l.borough, '') AS borough,
       coalesce(s.n, 0)::BIGINT AS participants_served,
       coalesce(n.n, 0)::BIGINT AS new_enrollments,
       coalesce(g.n, 0)::BIGINT AS graduates,
       coalesce(f.n, 0)::BIGINT AS referrals,
       coalesce(p.n, 0)::BIGINT AS placements,
       coalesce(p.participants_placed, 0)::BIGINT AS participants_placed,
       coalesce(d.usd, 0)::DOUBLE AS arrears_reduced_usd,
       coalesce(d.ncps, 0)::BIGINT AS ncps_with_reductions
FROM listed l
LEFT JOIN programs pr ON pr.code = l.program  -- 'ALL' has no row: it sorts last
LEFT JOIN participants_served s USING (period, program, borough)
LEFT JOIN new_enrollments n USING (period, program, borough)
LEFT JOIN graduates g USING (period, program, borough)
LEFT JOIN referrals f USING (period, program, borough)
LEFT JOIN placements p USING (period, program, borough)
LEFT JOIN reductions d USING (period, program, borough)
ORDER BY l.win_start, coalesce(pr.sort_order, 1000), l.borough
