-- Families Forward time from enrollment to placement: for each placement in the window, the days
-- since the participant's latest Families Forward enrollment on or before the placement date,
-- counted per 30-day bin [days_from, days_to). Placements with no earlier enrollment are left out.
, ff_gaps AS (
    SELECT p.placement_id,
           min(p.placed_on - e.enrolled_on) AS days
    FROM f_placements p
    JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
    JOIN enrollments e
      ON e.participant_key = p.participant_key AND e.program = p.program
     AND e.enrolled_on <= p.placed_on
    WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
    GROUP BY ALL
)
SELECT (days // 30) * 30 AS days_from, (days // 30) * 30 + 30 AS days_to,
       count(*) AS placements
FROM ff_gaps
GROUP BY ALL
ORDER BY days_from
