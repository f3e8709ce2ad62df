-- Referral flows: referrals in the window by source and program (the Sankey's links).
-- A referral with no recorded source counts under 'unknown'.
--
-- It reads the load-time pre-aggregate of models/referral_cohorts.sql (referrals counted per
-- program, borough, year and source; the borough as in referral_funnel.sql).
SELECT coalesce(r.source, 'unknown') AS source, r.program, pr.name AS program_name,
       sum(r.referred)::BIGINT AS referrals
FROM referral_cohorts r
JOIN windows w ON r.year BETWEEN year(w.win_start) AND year(w.win_end)
JOIN programs pr ON pr.code = r.program
WHERE NOT $by_year
  AND (len($programs) = 0 OR list_contains($programs, r.program))
  AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(r.borough, 'Unknown')))
GROUP BY r.source, r.program, pr.name, pr.sort_order
ORDER BY pr.sort_order, referrals DESC, source
