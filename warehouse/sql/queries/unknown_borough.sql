-- The "no known borough" notice (dashboard/families.py): for each group of programs (a program
-- family's selected programs: the whole family, or one program), the metric table's ALL row
-- for the window without a borough filter (place 'all') and under the borough filter "Unknown"
-- (place 'unknown'): participants_served, ncps_with_reductions, arrears_reduced_usd.
-- An optimization of THE DEFINITION (definitions/program_metrics.sql under $with_total;
-- tests/test_unknown_borough.py checks it equal on random records): the sums
-- program_metrics_cells.sql makes for one group and one borough selection, for every group and
-- both selections in one statement.
-- Parameters: $cell_programs (VARCHAR[]: each group's program in metric_cells, a program code
-- or 'family:<family>', from Warehouse.cell_group), $group_programs (VARCHAR[][]: each group's
-- programs), $first_month, $last_month (the window as month indexes, core/periods.py).
WITH groups AS (
    SELECT unnest(range(len($cell_programs))) AS grp, unnest($cell_programs) AS cell_program,
           unnest($group_programs) AS programs
),
-- The two borough selections: their cells, and whether a record's borough is in them.
places AS (
    SELECT 'all' AS place, '*' AS cell_borough
    UNION ALL
    SELECT 'unknown', NULL
),
cells AS (
    SELECT g.grp, p.place, sum(c.n) FILTER (WHERE c.metric = 'served') AS served,
           sum(c.n) FILTER (WHERE c.metric = 'reduced') AS reduced
    FROM groups g CROSS JOIN places p
    JOIN metric_cells c
      ON c.program = g.cell_program AND c.borough IS NOT DISTINCT FROM p.cell_borough
    WHERE c.metric IN ('served', 'reduced') AND c.lo <= $last_month AND c.hi >= $first_month
    GROUP BY ALL
),
-- NCPs with a reversal in many months (metric_reversals, not in the cells): each one's net in
-- the window, as the definition counts them.
nets AS (
    SELECT g.grp, p.place, r.pid, sum(r.net) AS net
    FROM groups g JOIN metric_reversals r ON list_contains(g.programs, r.program)
    JOIN places p ON p.place = 'all' OR coalesce(r.borough, 'Unknown') = 'Unknown'
    WHERE r.month BETWEEN $first_month AND $last_month
    GROUP BY ALL
),
reversal_ncps AS (
    SELECT grp, place, count(*) AS ncps FROM nets WHERE net > 0 GROUP BY ALL
),
usd AS (
    SELECT g.grp, p.place, sum(a.arrears_usd) AS usd
    FROM groups g JOIN metric_additive a ON list_contains(g.programs, a.program)
    JOIN places p ON p.place = 'all' OR coalesce(a.borough, 'Unknown') = 'Unknown'
    WHERE a.month BETWEEN $first_month AND $last_month
    GROUP BY ALL
)
SELECT g.grp, p.place, coalesce(c.served, 0)::BIGINT AS participants_served,
       (coalesce(c.reduced, 0) + coalesce(r.ncps, 0))::BIGINT AS ncps_with_reductions,
       coalesce(u.usd, 0)::DOUBLE AS arrears_reduced_usd
FROM groups g CROSS JOIN places p
LEFT JOIN cells c ON c.grp = g.grp AND c.place = p.place
LEFT JOIN reversal_ncps r ON r.grp = g.grp AND r.place = p.place
LEFT JOIN usd u ON u.grp = g.grp AND u.place = p.place
ORDER BY g.grp, p.place
