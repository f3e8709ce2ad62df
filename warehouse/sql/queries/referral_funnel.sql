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
, funnel_referrals AS (
    SELECT w.year, r.referral_id, r.participant_key, r.program, r.referred_on
    FROM f_referrals r JOIN windows w ON r.referred_on BETWEEN w.win_start AND w.win_end
),
funnel_matches AS (
    SELECT fr.year, fr.referral_id, fr.participant_key, fr.program,
           e.enrolled_on, e.outcome
    FROM funnel_referrals fr JOIN enrollments e
      ON e.referral_id = fr.referral_id
    UNION ALL
    SELECT fr.year, fr.referral_id, fr.participant_key, fr.program,
           e.enrolled_on, e.outcome
    FROM funnel_referrals fr JOIN enrollments e
      ON coalesce(e.referral_id, '') = ''
     AND e.participant_key = fr.participant_key
     AND e.program = fr.program
     AND e.enrolled_on >= fr.referred_on
),
funnel_stages AS (
    SELECT m.year, m.referral_id, m.program,
           bool_or(m.outcome = 'graduated') AS graduated,
           bool_or(EXISTS (
               SELECT 1 FROM placements p
               WHERE p.participant_key = m.participant_key AND p.program = m.program
                 AND p.placed_on >= m.enrolled_on
           )) AS placed
    FROM funnel_matches m
    GROUP BY ALL
),
funnel_counts AS (
    SELECT fr.year, fr.program,
           count(*) AS referred,
           count(s.referral_id) AS enrolled,
           count(*) FILTER (WHERE s.graduated) AS graduated,
           count(*) FILTER (WHERE s.placed) AS placed
    FROM funnel_referrals fr
    LEFT JOIN funnel_stages s USING (year, referral_id)
    GROUP BY ALL
)
SELECT nullif(c.year, 0) AS year, c.program, pr.name AS program_name,
       c.referred, c.enrolled, c.graduated, c.placed
FROM funnel_counts c JOIN programs pr ON pr.code = c.program
ORDER BY c.year, pr.sort_order
