-- Families Forward placements per month: job placements in the program whose placed_on date is
-- in the window, by calendar month (the placements metric, monthly).
SELECT date_trunc('month', p.placed_on)::DATE AS month, count(*) AS placements,
       count(DISTINCT p.participant_key) AS participants_placed
FROM f_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
GROUP BY ALL
ORDER BY month
