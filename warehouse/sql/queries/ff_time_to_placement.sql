-- Families Forward time from enrollment to placement: for each placement in the window, the days
-- since the participant's latest Families Forward enrollment on or before the placement date,
-- counted per 30-day bin [days_from, days_to). Placements with no earlier enrollment are left out.
--
-- It reads the load-time slice ff_placements (models/placements_families_forward.sql: the
-- Families Forward placements with their days since that enrollment and the participant's
-- borough, as f_placements above has it with the borough lookup on), not the facts.
SELECT (p.days_since_enrollment // 30) * 30 AS days_from,
       (p.days_since_enrollment // 30) * 30 + 30 AS days_to,
       count(*) AS placements
FROM ff_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND p.days_since_enrollment IS NOT NULL AND NOT $by_year
  AND (len($programs) = 0 OR list_contains($programs, p.program))
  AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(p.borough, 'Unknown')))
GROUP BY ALL
ORDER BY days_from
