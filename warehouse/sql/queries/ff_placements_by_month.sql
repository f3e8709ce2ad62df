-- Families Forward placements per month: job placements in the program whose placed_on date is
-- in the window, by calendar month (the placements metric, monthly).
--
-- It reads the load-time slice ff_placements (models/placements_families_forward.sql: the
-- Families Forward placements with the participant's borough, as f_placements above has it with
-- the borough lookup on), not the facts.
SELECT date_trunc('month', p.placed_on)::DATE AS month, count(*) AS placements,
       count(DISTINCT p.participant_key) AS participants_placed
FROM ff_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
  AND (len($programs) = 0 OR list_contains($programs, p.program))
  AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(p.borough, 'Unknown')))
GROUP BY ALL
ORDER BY month
