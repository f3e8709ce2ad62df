-- The program metric table, answered from the load-time models of
-- models/program_metrics_model.sql: an optimization of THE DEFINITION,
-- definitions/program_metrics.sql (same parameters, same result; tests/test_metrics_*.py check
-- it on random records under every option). Read the definition to know what a metric means.
--
-- This is the general path: any selection of programs and boroughs. A participant whose
-- records of a metric all lie in one (program, borough) group counts in a row iff that group is
-- in the row's selection, so they are summed from metric_simple_cells (the cells of their own
-- group); the others (metric_mixed_spans, metric_mixed_arrears: under a tenth of them in the
-- demo) are counted as the definition counts them. When every row is one group (one program,
-- one family's programs or all of them; one borough or all of them) the query layer runs
-- program_metrics_cells.sql instead (parameter $cells), which sums
-- metric_cells: the same result, faster. Two files rather than one with both paths: DuckDB plans
-- a smaller statement faster. Their common parts are written once, in _program_metrics_head.sql
-- and _program_metrics_tail.sql (the `-- include:` lines).
-- include: queries/_program_metrics_head.sql
-- Distinct participants of one group: the cells of each group in the row's selection.
from_simple AS (
    SELECT w.period, c.program, c.borough, c.metric, sum(c.n) AS n
    FROM (SELECT metric, lo, hi, n,
                 unnest(CASE WHEN $with_total THEN [program, coalesce(
                     $total_names[list_position($total_programs, program)], 'ALL')]
                     ELSE [program] END)
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
                 unnest(CASE WHEN $with_total THEN [program, coalesce(
                     $total_names[list_position($total_programs, program)], 'ALL')]
                     ELSE [program] END)
                     AS program,
                 CASE WHEN $by_borough THEN borough ELSE '*' END AS borough
          FROM metric_mixed_spans
          WHERE (len($programs) = 0 OR list_contains($programs, program))
            AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))) s
    JOIN w ON s.first_month <= w.last_month AND s.last_month >= w.first_month
    GROUP BY ALL
),
group_counts AS (
    SELECT * FROM from_simple UNION ALL SELECT * FROM from_spans
),
-- NCPs of several groups (or with a reversal in too many months for cells) with a positive
-- net: per NCP and window, as the definition counts them.
arrears_rows AS (SELECT pid, month, net, program, borough FROM metric_mixed_arrears),
-- include: queries/_program_metrics_tail.sql
