-- Impact on child support (docs/metrics.md, "Impact on child support"): THE definition of the
-- impact measures. One query, two parts (column `part`), so both rest on the same groups:
--   'table':        before and after entry, per program, for the cohort ('enrolled') and the
--                   comparison group ('comparison') -- what `outcomes impact` prints;
--   'event_study':  month by month from -N to +N around entry (the Impact page's chart).
-- Warehouse.impact(...) returns one part or the other, without the other's columns.
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
--
-- The table: before = the N whole months E-N .. E-1; after = E+1 .. E+N (the entry month is in
-- neither). For each side, over the support months present in it:
--   due                 sum of current_support_due;
--   paid                sum of current_support_paid;
--   compliance          paid / due (NULL when due is 0);
--   paying_share        of the members with at least one support month on that side, the share
--                       who paid anything (current support or arrears) in a month of that side;
--   *_parents           those members (the base of every figure of the side: suppression).
-- participants          the group's members; with_support_records: members with at least one
--                       support month before or after. compliance_change = after - before (of
--                       the rounded values). Fractions rounded to 4 places; dollars are cents.
-- One row per program (that has a member in either group) and group, enrolled first.
--
-- The event study: for each program, group and month rel from -N to +N with a support month
-- for someone in the group: parents (members with a support month that month), due, paid (sums
-- over those months) and compliance (paid / due, NULL when due is 0, rounded to 4 places).
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
           OR list_contains($boroughs, coalesce(m.own_borough, pb.borough, 'Unknown')))
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
),
per_member AS (
    SELECT program, grp, participant_key,
           count(*) FILTER (WHERE rel < 0) > 0 AS has_before,
           count(*) FILTER (WHERE rel > 0) > 0 AS has_after,
           coalesce(bool_or(paid_any) FILTER (WHERE rel < 0), false) AS paid_before,
           coalesce(bool_or(paid_any) FILTER (WHERE rel > 0), false) AS paid_after
    FROM member_months
    WHERE rel <> 0
    GROUP BY ALL
),
groups AS (
    SELECT prog.program, g.grp,
           count(m.participant_key) AS participants,
           count(*) FILTER (WHERE p.has_before OR p.has_after) AS with_support_records,
           count(*) FILTER (WHERE p.has_before) AS before_parents,
           count(*) FILTER (WHERE p.has_after) AS after_parents,
           count(*) FILTER (WHERE p.has_before AND p.paid_before) AS before_paying,
           count(*) FILTER (WHERE p.has_after AND p.paid_after) AS after_paying
    FROM (SELECT DISTINCT program FROM members) prog
    CROSS JOIN (VALUES ('enrolled', 0), ('comparison', 1)) g(grp, grp_order)
    LEFT JOIN members m ON m.program = prog.program AND m.grp = g.grp
    LEFT JOIN per_member p
      ON p.program = m.program AND p.grp = m.grp AND p.participant_key = m.participant_key
    GROUP BY ALL
),
event_study AS (
    SELECT program, grp AS "group", rel,
           count(DISTINCT participant_key) AS parents,
           sum(due)::DECIMAL(18, 2) AS due, sum(paid)::DECIMAL(18, 2) AS paid,
           round(sum(paid) / nullif(sum(due), 0), 4)::DOUBLE AS compliance
    FROM member_months
    GROUP BY program, grp, rel
),
-- include: queries/_impact_tail.sql
