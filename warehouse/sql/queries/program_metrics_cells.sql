-- The program metric table when every row is one group (one program, the programs of one
-- family, or all of them; one borough or all of them): the distinct counts are sums of
-- metric_cells
-- (models/program_metrics_model.sql). The query layer runs it instead of program_metrics.sql
-- (the general path) when $cells is set; same parameters (and $all_cell_group, below), same
-- result as THE DEFINITION,
-- definitions/program_metrics.sql (tests/test_metrics_*.py check both paths on random records
-- under every option). NCPs with a reversal in many months (metric_reversals) are summed per
-- window as the definition does.
-- include: queries/_program_metrics_head.sql
-- Distinct participants, one group per row: the cells of that group.
-- $all_cell_group: the group of metric_cells that holds the selected programs together, for
-- the ALL row ('*', a program, or 'family:<family>': Warehouse.cell_group, the one place that
-- names it on the query side; the query layer runs this file only when there is one).
-- A split total ($total_names, the head) is named 'ALL:' and its group.
cell_groups AS (
    SELECT program, borough,
           CASE WHEN program = 'ALL' THEN $all_cell_group
                WHEN starts_with(program, 'ALL:') THEN program[5:]  -- a split total, below
                ELSE program END AS cell_program,
           CASE WHEN $by_borough THEN borough WHEN len($boroughs) = 0 THEN '*'
                ELSE nullif($boroughs[1], 'Unknown') END AS cell_borough
    FROM row_groups
),
group_counts AS (
    SELECT w.period, g.program, g.borough, c.metric, sum(c.n) AS n
    FROM cell_groups g
    JOIN metric_cells c
      ON c.program = g.cell_program AND c.borough IS NOT DISTINCT FROM g.cell_borough
    JOIN w ON c.lo <= w.last_month AND c.hi >= w.first_month
    GROUP BY ALL
),
-- NCPs with a positive net, of the few NCPs with a reversal in many months (the others are
-- in the cells): per NCP and window, as the definition counts them.
arrears_rows AS (SELECT pid, month, net, program, borough FROM metric_reversals),
-- include: queries/_program_metrics_tail.sql
