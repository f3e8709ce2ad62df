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
--
-- It reads the load-time pre-aggregates of models/program_metric_profiles.sql (not the f_*
-- facts above): windows are whole calendar years, so each record is known by its years. The
-- record borough there is the one of filtered.sql with the participant lookup always on (the
-- query layer turns $borough_lookup on whenever a borough filter or breakdown uses it).
--
-- The metrics (docs/metrics.md):
--   participants_served   distinct participants with an enrollment whose span (enrolled_on to
--                         exited_on, or still open) overlaps the window;
--   new_enrollments       enrollments with enrolled_on in the window;
--   graduates             distinct participants with a graduated enrollment that ended in the
--                         window;
--   referrals             referrals with referred_on in the window;
--   placements            placements with placed_on in the window;
--   participants_placed   distinct participants with a placement in the window;
--   arrears_reduced_usd   sum of the arrears adjustments applied in the window (reversals
--                         negative);
--   ncps_with_reductions  distinct participants whose net reduction for the program (for 'ALL':
--                         all selected programs together) in the window is > 0.
, metric_windows AS (
    -- Each window as years [y_from, y_to] and as a mask of those years (bits from base_year).
    SELECT w.year, y_from, y_to,
           CASE WHEN lo > hi THEN 0::HUGEINT
                ELSE ((1::HUGEINT << (hi - lo + 1)) - 1) << lo END AS mask
    FROM (
        SELECT w.year,
               CASE WHEN $cumulative THEN 1 ELSE year(w.win_start) END AS y_from,
               year(w.win_end) AS y_to,
               greatest(CASE WHEN $cumulative THEN 1 ELSE year(w.win_start) END, b.base_year)
                   - b.base_year AS lo,
               least(year(w.win_end), b.base_year + 125) - b.base_year AS hi
        FROM windows w, metric_years b
    ) w
),
-- The output groups of a record: its program, and 'ALL' under $with_total; its borough under
-- $by_borough, else one group ('').
group_programs AS (
    SELECT code AS program, code AS grp_program FROM programs
    UNION ALL SELECT code, 'ALL' FROM programs WHERE $with_total
),
totals AS (
    SELECT t.*, gp.grp_program,
           CASE WHEN $by_borough THEN coalesce(t.borough, 'Unknown') ELSE '' END AS grp_borough
    FROM metric_totals t JOIN group_programs gp USING (program)
    WHERE (len($programs) = 0 OR list_contains($programs, t.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, t.borough))
),
additive AS (
    SELECT w.year, t.grp_program AS program, t.grp_borough AS borough,
           sum(t.new_enrollments) AS new_enrollments, sum(t.referrals) AS referrals,
           sum(t.placements) AS placements, sum(t.arrears_usd) AS arrears_reduced_usd
    FROM totals t JOIN metric_windows w ON t.year BETWEEN w.y_from AND w.y_to
    GROUP BY ALL
),
entries AS (
    SELECT e.*, gp.grp_program,
           CASE WHEN $by_borough THEN coalesce(e.borough, 'Unknown') ELSE '' END AS grp_borough
    FROM metric_profile_entries e JOIN group_programs gp USING (program)
    WHERE (len($programs) = 0 OR list_contains($programs, e.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, e.borough))
),
profile_hits AS (
    -- A profile counts once per group and window when any of its entries in the group hits
    -- the window: a year of its mask in the window, or open since a year before the window end.
    SELECT DISTINCT w.year, e.metric, e.profile_id, e.grp_program AS program,
           e.grp_borough AS borough
    FROM entries e JOIN metric_windows w
      ON (e.mask & w.mask) <> 0 OR e.open_from <= w.y_to
),
distinct_counts AS (
    SELECT h.year, h.program, h.borough,
           sum(c.n) FILTER (WHERE h.metric = 'served') AS participants_served,
           sum(c.n) FILTER (WHERE h.metric = 'graduated') AS graduates,
           sum(c.n) FILTER (WHERE h.metric = 'placed') AS participants_placed,
           sum(c.n) FILTER (WHERE h.metric = 'reduced') AS ncps_reduced
    FROM profile_hits h JOIN metric_profile_counts c USING (metric, profile_id)
    GROUP BY ALL
),
mixed_net AS (
    -- Participants with a reversal in some year: their net in the window, summed exactly.
    SELECT w.year, gp.grp_program AS program,
           CASE WHEN $by_borough THEN coalesce(m.borough, 'Unknown') ELSE '' END AS borough,
           m.participant_key, sum(m.net) AS net_usd
    FROM metric_arrears_mixed m JOIN group_programs gp USING (program)
    JOIN metric_windows w ON m.year BETWEEN w.y_from AND w.y_to
    WHERE (len($programs) = 0 OR list_contains($programs, m.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, m.borough))
    GROUP BY ALL
),
mixed_reduced AS (
    SELECT year, program, borough, count(*) FILTER (WHERE net_usd > 0) AS ncps_reduced
    FROM mixed_net GROUP BY ALL
),
groups_present AS (
    SELECT DISTINCT grp_program AS program, grp_borough AS borough FROM totals
),
grid AS (
    SELECT w.year, g.program, g.borough FROM windows w CROSS JOIN groups_present g
)
SELECT
    nullif(g.year, 0) AS year,
    g.program,
    nullif(g.borough, '') AS borough,
    coalesce(d.participants_served, 0)::BIGINT AS participants_served,
    coalesce(a.new_enrollments, 0)::BIGINT AS new_enrollments,
    coalesce(d.graduates, 0)::BIGINT AS graduates,
    coalesce(a.referrals, 0)::BIGINT AS referrals,
    coalesce(a.placements, 0)::BIGINT AS placements,
    coalesce(d.participants_placed, 0)::BIGINT AS participants_placed,
    coalesce(a.arrears_reduced_usd, 0)::DOUBLE AS arrears_reduced_usd,
    (coalesce(d.ncps_reduced, 0) + coalesce(m.ncps_reduced, 0))::BIGINT AS ncps_with_reductions
FROM grid g
LEFT JOIN programs pr ON pr.code = g.program  -- 'ALL' has no row: it sorts last
LEFT JOIN additive a USING (year, program, borough)
LEFT JOIN distinct_counts d USING (year, program, borough)
LEFT JOIN mixed_reduced m USING (year, program, borough)
ORDER BY g.year, coalesce(pr.sort_order, 1000), g.borough
