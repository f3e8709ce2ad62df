-- The referral funnel: referrals in the window, and how many of them went on to enroll,
-- graduate and be placed. One row per program (per year of referral under $by_year).
-- The unit is the referral; the stages follow each referral to the latest data, whatever the
-- window (a cohort view), so later stages can trail the window's end.
--   referred:  referrals to the program whose referred_on date is in the window.
--   enrolled:  those referrals with an enrollment that names the referral (referral_id), or,
--              for an enrollment with no referral_id, one by the same participant in the same
--              program enrolled on or after the referral date.
--   graduated: those enrolled referrals with a matched enrollment whose outcome is graduated.
--   placed:    those enrolled referrals whose participant has a placement in the program on
--              or after a matched enrollment's enrolled_on date.
--
-- It reads the load-time pre-aggregate of models/referral_cohorts.sql (not the f_* facts
-- above), which computes these stages per referral: windows are whole calendar years, so each
-- referral is known by its year. The referral's borough there is the one of filtered.sql with
-- the participant lookup on (the query layer turns $borough_lookup on whenever a borough
-- filter uses it).
, funnel_counts AS (
    SELECT w.year, c.program,
           sum(c.referred) AS referred, sum(c.enrolled) AS enrolled,
           sum(c.graduated) AS graduated, sum(c.placed) AS placed
    FROM referral_cohorts c
    JOIN windows w ON c.year BETWEEN year(w.win_start) AND year(w.win_end)
    WHERE (len($programs) = 0 OR list_contains($programs, c.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(c.borough, 'Unknown')))
    GROUP BY ALL
)
SELECT nullif(c.year, 0) AS year, c.program, pr.name AS program_name,
       c.referred::BIGINT AS referred, c.enrolled::BIGINT AS enrolled,
       c.graduated::BIGINT AS graduated, c.placed::BIGINT AS placed
FROM funnel_counts c JOIN programs pr ON pr.code = c.program
ORDER BY c.year, pr.sort_order
