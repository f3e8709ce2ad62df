-- Families Forward placements in the window by employer sector ('unknown' when not recorded).
--
-- It reads the load-time slice ff_placements (models/placements_families_forward.sql), not the
-- facts.
SELECT coalesce(p.sector, 'unknown') AS sector, count(*) AS placements
FROM ff_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
  AND (len($programs) = 0 OR list_contains($programs, p.program))
  AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(p.borough, 'Unknown')))
GROUP BY ALL
ORDER BY placements DESC, sector
