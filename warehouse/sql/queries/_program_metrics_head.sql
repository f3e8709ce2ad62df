-- Part of queries/program_metrics.sql and queries/program_metrics_cells.sql (warehouse/query.py
-- includes it): the windows, the rows a record counts in (additive), and the additive sums.
WITH periods AS (
    SELECT period, year(win_start) * 12 + month(win_start) - 1 AS win_first,
           year(win_end) * 12 + month(win_end) - 1 AS win_last, win_start
    FROM (SELECT unnest($period_labels) AS period, unnest($period_starts)::DATE AS win_start,
                 unnest($period_ends)::DATE AS win_end)
),
w AS (
    SELECT period, CASE WHEN $cumulative THEN -1000000000 ELSE win_first END AS first_month,
           win_last AS last_month
    FROM periods
),
-- The rows a record counts in: its program's and 'ALL' (under $with_total); its borough under
-- $by_borough (NULL: unknown, which the borough filter names 'Unknown'), else '*' (the
-- filter's boroughs). $total_programs / $total_names (both empty but for
-- Warehouse.metrics_by_family) split the ALL row: a program at position i of $total_programs
-- counts in the total named $total_names[i] ('ALL:<group>') instead of 'ALL', so one statement
-- gives each family's ALL row, each equal to the ALL row of the family's programs asked alone.
additive AS (
    SELECT unnest(CASE WHEN $with_total THEN [program, coalesce(
                     $total_names[list_position($total_programs, program)], 'ALL')]
                     ELSE [program] END) AS program,
           CASE WHEN $by_borough THEN borough ELSE '*' END AS borough, month, new_enrollments,
           referrals, placements, arrears_usd
    FROM metric_additive
    WHERE (len($programs) = 0 OR list_contains($programs, program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))
),
row_groups AS (
    SELECT DISTINCT program, borough FROM additive
),
sums AS (
    SELECT w.period, a.program, a.borough, sum(a.new_enrollments) AS new_enrollments,
           sum(a.referrals) AS referrals, sum(a.placements) AS placements,
           sum(a.arrears_usd) AS arrears_usd
    FROM additive a JOIN w ON a.month BETWEEN w.first_month AND w.last_month
    GROUP BY ALL
),
