-- Referral flows: referrals in the window by source and program (the Sankey's links).
-- A referral with no recorded source counts under 'unknown'.
SELECT coalesce(r.source, 'unknown') AS source, r.program, pr.name AS program_name,
       count(*) AS referrals
FROM f_referrals r
JOIN windows w ON r.referred_on BETWEEN w.win_start AND w.win_end
JOIN programs pr ON pr.code = r.program
WHERE NOT $by_year
GROUP BY r.source, r.program, pr.name, pr.sort_order
ORDER BY pr.sort_order, referrals DESC, source
