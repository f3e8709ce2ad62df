-- Families Forward hourly wages at placement, binned: placements in the window with a recorded
-- wage, counted per $1 bin [wage_from, wage_to). Wages of $60 or more share the top bin.
-- $bin_usd (optional extra parameter, default 1) sets the bin width.
--
-- It reads the load-time slice ff_placements (models/placements_families_forward.sql), not the
-- facts.
SELECT (floor(least(p.hourly_wage, 60) / $bin_usd) * $bin_usd)::DOUBLE AS wage_from,
       (floor(least(p.hourly_wage, 60) / $bin_usd) * $bin_usd + $bin_usd)::DOUBLE AS wage_to,
       count(*) AS placements
FROM ff_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND p.hourly_wage IS NOT NULL AND NOT $by_year
  AND (len($programs) = 0 OR list_contains($programs, p.program))
  AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(p.borough, 'Unknown')))
GROUP BY ALL
ORDER BY wage_from
