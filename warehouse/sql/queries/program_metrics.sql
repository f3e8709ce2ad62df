-- The metric table: one row per program (per year under $by_year) for the filtered window.
-- This file is THE definition of every program metric; docs/metrics.md explains each one.
-- A program is listed when it has any record (any date) that passes the program and borough
-- filters; its metrics are zero when none of those records falls in the window.
-- Parameters: $from_year, $to_year (INTEGER: the window is 1 January of the one to 31 December
-- of the other), $programs, $boroughs (VARCHAR[], empty = all), $program_bits, $borough_bits
-- (BIGINT: the same filters as bits of the cells, from table metric_programs / metric_boroughs;
-- -1 = all), and the options (BOOLEAN):
--   $by_year:     one window per calendar year (else one window for the whole range).
--   $with_total:  one more row, program 'ALL': every record again under that one program, so
--                 each participant counts once across the selected programs.
--   $by_borough:  one row per program and borough (the record's borough, else the
--                 participant's; 'Unknown' when neither is known).
--   $cumulative:  every window starts at the beginning of the data (totals "since each
--                 program began" through each window's end).
--
-- It uses none of the staging prelude filtered.sql, so the query layer runs it alone (planning
-- the prelude costs milliseconds). It reads the cells of models/program_metric_profiles.sql
-- (its header explains why they are exact), not the facts: windows are whole calendar years,
-- so each record is known by its years. The borough of a record there is the one of
-- filtered.sql with the participant lookup always on.
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
SELECT nullif(year, 0) AS year, program, borough,
       sum(served)::BIGINT AS participants_served,
       sum(new_enrollments)::BIGINT AS new_enrollments,
       sum(graduated)::BIGINT AS graduates,
       sum(referrals)::BIGINT AS referrals,
       sum(placements)::BIGINT AS placements,
       sum(placed)::BIGINT AS participants_placed,
       sum(arrears_usd)::DOUBLE AS arrears_reduced_usd,
       sum(reduced)::BIGINT AS ncps_with_reductions
FROM (
    -- Each cell asked for, in each window it holds: year 0 for the whole window [a, b] (a = 1
    -- under $cumulative), or each year y of the window for [y, y] (or [1, y]).
    SELECT unnest(CASE WHEN NOT $by_year THEN [0]
                       WHEN $cumulative THEN range(greatest(cumulative_lo, $from_year),
                                                   least(cumulative_hi, $to_year) + 1)
                       ELSE range(greatest(year_lo, $from_year), least(year_hi, $to_year) + 1)
                  END)::BIGINT AS year,
           program, CASE WHEN $by_borough THEN borough END AS borough, sort_order,
           served, new_enrollments, graduated, referrals, placements, placed, arrears_usd,
           reduced
    FROM metric_cells
    -- The rows: each program's; under $with_total, 'ALL' over the selected programs. The
    -- boroughs: each one under $by_borough or when one is selected, else all of them (no
    -- filter) or several. The cells of the filter's programs and boroughs.
    WHERE boro_mode = CASE WHEN $by_borough OR len($boroughs) = 1 THEN 1
                           WHEN len($boroughs) = 0 THEN 2 ELSE 3 END
      AND (prog_mode = 1 OR $with_total AND prog_mode = CASE WHEN len($programs) = 0 THEN 2
                                                             WHEN len($programs) = 1 THEN 3
                                                             ELSE 4 END)
      AND prog_part = prog_of & $program_bits AND boro_part = boro_of & $borough_bits
      AND (CASE WHEN NOT $by_year
                THEN CASE WHEN $cumulative THEN 1 ELSE $from_year END BETWEEN from_lo AND from_hi
                     AND $to_year BETWEEN to_lo AND to_hi END IS NOT FALSE)
)
GROUP BY year, program, borough, sort_order
ORDER BY year, sort_order, borough
