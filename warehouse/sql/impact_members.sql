-- Prelude of the impact queries (queries/impact.sql, queries/impact_event_study.sql): who is in
-- each program's cohort and comparison group, their entry month, and their support months
-- around it. This file and those two are THE definition of the impact measures
-- (docs/metrics.md, "Impact on child support").
--
-- Parameters: $from_month, $to_month (INTEGER month indexes, year * 12 + month - 1, as
-- core/periods.py: the enrollment window is the first day of the one to the last day of the
-- other), $months (INTEGER N: the months on each side of entry), $programs, $boroughs
-- (VARCHAR[], empty = all).
--
-- Cohort of program P ('enrolled'): participants whose FIRST enrollment in P, over all their
--   records (whatever the window), has its enrolled_on in the window. Entry month E = the month
--   of that enrolled_on.
-- Comparison group of P ('comparison'): participants with a referral to P whose referred_on is
--   in the window and who never enrolled in P, at any date. E = the month of their first
--   referral to P in the window. (An enrollment in ANOTHER program does not matter.)
-- Borough (for the borough filter): the borough of that first enrollment (or first referral in
--   the window), else the participant's (models/participant_boroughs.sql), as filtered.sql does.
-- Support months used: those from E - N to E + N; rel = months from E (0 = the entry month).
WITH impact_window AS (
    SELECT make_date(($from_month // 12)::INTEGER, ($from_month % 12 + 1)::INTEGER, 1)
               AS win_start,
           (make_date(($to_month // 12)::INTEGER, ($to_month % 12 + 1)::INTEGER, 1)
               + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS win_end
),
first_enrollments AS (
    -- Each participant's first enrollment in each program (ties: the lowest enrollment_id).
    SELECT participant_key, program,
           min({'day': enrolled_on, 'id': enrollment_id, 'borough': borough}) AS earliest
    FROM enrollments
    GROUP BY participant_key, program
),
cohort AS (
    SELECT f.program, 'enrolled' AS grp, f.participant_key,
           date_trunc('month', f.earliest.day)::DATE AS entry, f.earliest.borough AS own_borough
    FROM first_enrollments f, impact_window w
    WHERE f.earliest.day BETWEEN w.win_start AND w.win_end
),
comparison AS (
    SELECT r.program, 'comparison' AS grp, r.participant_key,
           date_trunc('month', min(r.referred_on))::DATE AS entry,
           min({'day': r.referred_on, 'id': r.referral_id, 'borough': r.borough}).borough
               AS own_borough
    FROM referrals r, impact_window w
    WHERE r.referred_on BETWEEN w.win_start AND w.win_end
      AND NOT EXISTS (SELECT 1 FROM enrollments e
                      WHERE e.participant_key = r.participant_key AND e.program = r.program)
    GROUP BY r.program, r.participant_key
),
members AS (
    SELECT m.program, m.grp, m.participant_key, m.entry
    FROM (SELECT * FROM cohort UNION ALL SELECT * FROM comparison) m
    LEFT JOIN participant_boroughs pb
      ON pb.participant_key = m.participant_key AND m.own_borough IS NULL
    WHERE (len($programs) = 0 OR list_contains($programs, m.program))
      AND (len($boroughs) = 0
           OR list_contains($boroughs, coalesce(m.own_borough, pb.borough)))
),
member_months AS (
    -- paid_any: the parent paid something that month, current support or arrears.
    SELECT m.program, m.grp, m.participant_key,
           datediff('month', m.entry, s.month) AS rel,
           s.current_support_due AS due, s.current_support_paid AS paid,
           s.current_support_paid + coalesce(s.arrears_paid, 0) > 0 AS paid_any
    FROM members m
    JOIN support_months s
      ON s.participant_key = m.participant_key
     AND s.month BETWEEN (m.entry - to_months($months))::DATE
                     AND (m.entry + to_months($months))::DATE
)
