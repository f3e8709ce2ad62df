-- Cumulative DSS arrears reduction: for each year of the window, the arrears_reduced_usd and
-- ncps_with_reductions metrics of program_metrics.sql computed over everything from the start of
-- the data (so, since each program began) through that year's end. Run with $by_year = true.
-- Same definitions as program_metrics.sql (net per participant per program, reversals negative;
-- an NCP counts when the net is > 0); tests/test_dashboard_callbacks.py checks every year
-- against wh.metrics() for the window [first year of data, year].
, cum_windows AS (
    SELECT year, DATE '0001-01-01' AS win_start, win_end FROM windows WHERE year > 0
),
cum_net AS (
    SELECT w.year, a.program, a.participant_key, sum(a.amount) AS net_usd
    FROM f_arrears a JOIN cum_windows w ON a.applied_on BETWEEN w.win_start AND w.win_end
    GROUP BY ALL
)
SELECT c.year, c.program, sum(c.net_usd)::DOUBLE AS arrears_reduced_usd,
       count(*) FILTER (WHERE c.net_usd > 0) AS ncps_with_reductions
FROM cum_net c JOIN programs pr ON pr.code = c.program
GROUP BY c.year, c.program, pr.sort_order
ORDER BY c.year, pr.sort_order
