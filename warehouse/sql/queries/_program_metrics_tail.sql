-- Part of queries/program_metrics.sql and queries/program_metrics_cells.sql (warehouse/query.py
-- includes it, at the end of their WITH clause): per NCP and window, the nets of CTE
-- arrears_rows (pid, month, net, program, borough: the NCPs the cells do not count); the
-- distinct counts of CTE group_counts (period, program, borough, metric, n); the metric table.
nets AS (
    SELECT w.period, a.program, a.borough, a.pid, sum(a.net) AS net
    FROM (SELECT pid, month, net,
                 unnest(CASE WHEN $with_total THEN [program, coalesce(
                     $total_names[list_position($total_programs, program)], 'ALL')]
                     ELSE [program] END)
                     AS program,
                 CASE WHEN $by_borough THEN borough ELSE '*' END AS borough
          FROM arrears_rows
          WHERE (len($programs) = 0 OR list_contains($programs, program))
            AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))) a
    JOIN w ON a.month BETWEEN w.first_month AND w.last_month
    GROUP BY ALL
),
distinct_counts AS (
    SELECT period, program, borough, metric, n FROM group_counts
    UNION ALL
    SELECT period, program, borough, 'reduced', count(*) FROM nets WHERE net > 0 GROUP BY ALL
),
counts AS (
    SELECT period, program, borough,
           sum(n) FILTER (WHERE metric = 'served') AS served,
           sum(n) FILTER (WHERE metric = 'graduated') AS graduated,
           sum(n) FILTER (WHERE metric = 'placed') AS placed,
           sum(n) FILTER (WHERE metric = 'reduced') AS reduced
    FROM distinct_counts GROUP BY ALL
)
SELECT w.period, g.program,
       CASE WHEN $by_borough THEN coalesce(g.borough, 'Unknown') END AS borough,
       coalesce(c.served, 0)::BIGINT AS participants_served,
       coalesce(s.new_enrollments, 0)::BIGINT AS new_enrollments,
       coalesce(c.graduated, 0)::BIGINT AS graduates,
       coalesce(s.referrals, 0)::BIGINT AS referrals,
       coalesce(s.placements, 0)::BIGINT AS placements,
       coalesce(c.placed, 0)::BIGINT AS participants_placed,
       coalesce(s.arrears_usd, 0)::DOUBLE AS arrears_reduced_usd,
       coalesce(c.reduced, 0)::BIGINT AS ncps_with_reductions
FROM periods w CROSS JOIN row_groups g
LEFT JOIN programs pr ON pr.code = g.program  -- 'ALL' has no row: it sorts last
LEFT JOIN sums s
  ON s.period = w.period AND s.program = g.program AND s.borough IS NOT DISTINCT FROM g.borough
LEFT JOIN counts c
  ON c.period = w.period AND c.program = g.program AND c.borough IS NOT DISTINCT FROM g.borough
ORDER BY w.win_start, coalesce(pr.sort_order, 1000), 3, 2  -- 2: the split totals' order
