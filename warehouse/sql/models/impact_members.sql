-- Cells of the impact measures (queries/impact.sql, THE definition: cohort 'enrolled',
-- comparison group 'comparison'), which a window sums (queries/impact_cells.sql), so the Impact
-- page need not find every participant's first enrollment and support months at query time.
-- warehouse/build.py runs it after participant_boroughs on the participants in scope
-- (m_enrollments, m_referrals, m_support_months, m_boroughs: all of them, or those a load
-- touched) and adds (new - old) to tables impact_member_cells and impact_month_cells.
--
-- Why this is exact. A participant is in P's cohort for the window [a, b] (month indexes) iff
-- the month of their first enrollment in P (over all their records) is in [a, b]; in P's
-- comparison group iff they never enrolled in P and a referral to P is in [a, b], their entry
-- being the first of those (by day, then id). Listing a participant's referrals to P in that
-- order, the first one in the window is the one whose month is in [a, b] while the month of the
-- referral before it (prev_month) is before a: one qualifies when any is in the window, none
-- otherwise. A first enrollment is listed with prev_month -1 (before every window). So each
-- candidate entry (program, group, participant, entry_month, prev_month) is a member for the
-- windows with prev_month < a <= entry_month <= b, at most one per participant, program and
-- group; its borough is its own record's, else the participant's (NULL: unknown). Its support
-- months at rel = month - entry_month in [-M, M] (M = impact_cell_months, set by build.py) are
-- fixed, and so, for any N <= M, is every figure the definition derives from them: has_before
-- (a month in [-N, -1]) iff before_rel >= -N, paid_before iff pay_before_rel >= -N, and after
-- alike. The query layer uses the cells for N <= M, else the definition. All of this follows
-- from each participant's own records. tests/test_impact_fast.py checks the query against the
-- definition on generated data and loads.
--
-- Tables:
--   impact_member_cells  program, grp, borough, entry_month, prev_month, before_rel
--                        (the latest rel in [-M, -1] with a support month; NULL: none),
--                        pay_before_rel (the latest such with a payment, current support or
--                        arrears), after_rel, pay_after_rel (the earliest in [1, M]), n.
--   impact_month_cells   program, grp, borough, entry_month, prev_month, rel in [-M, M]:
--                        parents (members with a support month at rel), due, paid (their sums).
CREATE OR REPLACE TEMP TABLE c_impact_members AS
WITH entries AS (
    SELECT program, 'enrolled' AS grp, participant_key,
           min({'day': enrolled_on, 'id': enrollment_id, 'borough': borough}) AS entry,
           -1 AS prev_month
    FROM m_enrollments
    GROUP BY program, participant_key
    UNION ALL
    SELECT program, 'comparison', participant_key,
           {'day': referred_on, 'id': referral_id, 'borough': borough},
           coalesce(lag(year(referred_on) * 12 + month(referred_on) - 1) OVER (
               PARTITION BY program, participant_key ORDER BY referred_on, referral_id), -1)
    FROM m_referrals r
    WHERE NOT EXISTS (SELECT 1 FROM m_enrollments e
                      WHERE e.participant_key = r.participant_key AND e.program = r.program)
)
SELECT m.participant_key, m.program, m.grp, coalesce(m.entry.borough, pb.borough) AS borough,
       year(m.entry.day) * 12 + month(m.entry.day) - 1 AS entry_month, m.prev_month
FROM entries m LEFT JOIN m_boroughs pb USING (participant_key)
-- A referral in the same month as the one before it is never the first in a window.
WHERE m.prev_month < year(m.entry.day) * 12 + month(m.entry.day) - 1;

CREATE OR REPLACE TEMP TABLE c_impact_support AS
SELECT m.participant_key, m.program, m.grp, m.borough, m.entry_month, m.prev_month,
       year(s.month) * 12 + month(s.month) - 1 - m.entry_month AS rel,
       s.current_support_due AS due, s.current_support_paid AS paid,
       s.current_support_paid + coalesce(s.arrears_paid, 0) > 0 AS paid_any
FROM c_impact_members m
JOIN m_support_months s
  ON s.participant_key = m.participant_key
 AND year(s.month) * 12 + month(s.month) - 1
     BETWEEN m.entry_month - getvariable('impact_cell_months')
         AND m.entry_month + getvariable('impact_cell_months');

CREATE OR REPLACE TEMP TABLE c_impact_member_cells AS
SELECT m.program, m.grp, m.borough, m.entry_month, m.prev_month, s.before_rel,
       s.pay_before_rel, s.after_rel, s.pay_after_rel, count(*)::BIGINT AS n
FROM c_impact_members m
LEFT JOIN (SELECT participant_key, program, grp, entry_month, prev_month,
                  max(rel) FILTER (WHERE rel < 0) AS before_rel,
                  max(rel) FILTER (WHERE rel < 0 AND paid_any) AS pay_before_rel,
                  min(rel) FILTER (WHERE rel > 0) AS after_rel,
                  min(rel) FILTER (WHERE rel > 0 AND paid_any) AS pay_after_rel
           FROM c_impact_support GROUP BY ALL) s
  USING (participant_key, program, grp, entry_month, prev_month)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE c_impact_month_cells AS
SELECT program, grp, borough, entry_month, prev_month, rel, count(*)::BIGINT AS parents,
       sum(due)::DECIMAL(18, 2) AS due, sum(paid)::DECIMAL(18, 2) AS paid
FROM c_impact_support
GROUP BY ALL;
