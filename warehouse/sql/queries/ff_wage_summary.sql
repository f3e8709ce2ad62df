-- Families Forward wages at placement in the window: placements with a recorded hourly wage,
-- their median and the first and last placement date. One row (NULLs when there is none).
-- Reads the load-time slice ff_placements (models/placements_families_forward.sql), like the
-- wage histogram (ff_wage_histogram.sql), with the same filters.
SELECT count(p.hourly_wage) AS placements_with_wage,
       median(p.hourly_wage)::DOUBLE AS median_hourly_wage,
       min(p.placed_on) AS first_placed_on,
       max(p.placed_on) AS last_placed_on
FROM ff_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
  AND (len($programs) = 0 OR list_contains($programs, p.program))
  AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(p.borough, 'Unknown')))
