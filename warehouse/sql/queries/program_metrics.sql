-- The program metric table, answered from the load-time models of
-- models/program_metrics_model.sql: an optimization of THE DEFINITION,
-- definitions/program_metrics.sql (same parameters, same result; tests/test_metrics_*.py check
-- it on random records under every option). Read the definition to know what a metric means.
--
-- This is the general path: any selection of programs and boroughs. A participant whose
-- records of a metric all lie in one (program, borough) group counts in a row iff that group is
-- in the row's selection, so they are summed from metric_simple_cells (the cells of their own
-- group); the others (metric_mixed_spans, metric_mixed_arrears: under a tenth of them in the
-- demo) are counted as the definition counts them. When every row is one group (one program or all of them; one borough or all of
-- them) the query layer runs program_metrics_cells.sql instead (parameter $cells), which sums
-- metric_cells: the same result, faster. Two files rather than one with both paths: DuckDB plans
-- a smaller statement faster.
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
-- filter's boroughs).
additive AS (
    SELECT unnest(CASE WHEN $with_total THEN [program, 'ALL'] ELSE [program] END) AS program,
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
-- Distinct participants of one group: the cells of each group in the row's selection.
from_simple AS (
    SELECT w.period, c.program, c.borough, c.metric, sum(c.n) AS n
    FROM (SELECT metric, lo, hi, n,
                 unnest(CASE WHEN $with_total THEN [program, 'ALL'] ELSE [program] END)
                     AS program,
                 CASE WHEN $by_borough THEN borough ELSE '*' END AS borough
          FROM metric_simple_cells
          WHERE (len($programs) = 0 OR list_contains($programs, program))
            AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))) c
    JOIN w ON c.lo <= w.last_month AND c.hi >= w.first_month
    GROUP BY ALL
),
-- Distinct participants of several groups: as the definition counts them.
from_spans AS (
    SELECT w.period, s.program, s.borough, s.metric, count(DISTINCT s.pid) AS n
    FROM (SELECT pid, metric, first_month, last_month,
                 unnest(CASE WHEN $with_total THEN [program, 'ALL'] ELSE [program] END)
                     AS program,
                 CASE WHEN $by_borough THEN borough ELSE '*' END AS borough
          FROM metric_mixed_spans
          WHERE (len($programs) = 0 OR list_contains($programs, program))
            AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))) s
    JOIN w ON s.first_month <= w.last_month AND s.last_month >= w.first_month
    GROUP BY ALL
),
-- NCPs of several groups (or with a reversal in too many months for cells) with a positive
-- net: per NCP and window, as the definition counts them.
nets AS (
    SELECT w.period, a.program, a.borough, a.pid, sum(a.net) AS net
    FROM (SELECT pid, month, net,
                 unnest(CASE WHEN $with_total THEN [program, 'ALL'] ELSE [program] END)
                     AS program,
                 CASE WHEN $by_borough THEN borough ELSE '*' END AS borough
          FROM metric_mixed_arrears
          WHERE (len($programs) = 0 OR list_contains($programs, program))
            AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))) a
    JOIN w ON a.month BETWEEN w.first_month AND w.last_month
    GROUP BY ALL
),
distinct_counts AS (
    SELECT period, program, borough, metric, n FROM from_simple
    UNION ALL
    SELECT period, program, borough, metric, n FROM from_spans
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
ORDER BY w.win_start, coalesce(pr.sort_order, 1000), 3
