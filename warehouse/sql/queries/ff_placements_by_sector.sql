-- Families Forward placements in the window by employer sector ('unknown' when not recorded).
SELECT coalesce(p.sector, 'unknown') AS sector, count(*) AS placements
FROM f_placements p
JOIN windows w ON p.placed_on BETWEEN w.win_start AND w.win_end
WHERE p.program = 'FAMILIES_FORWARD' AND NOT $by_year
GROUP BY ALL
ORDER BY placements DESC, sector
