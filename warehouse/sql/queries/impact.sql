-- Impact on child support: before and after entry, per program, for the cohort ('enrolled')
-- and the comparison group ('comparison'). It continues the WITH clause of
-- sql/impact_members.sql (who is in each group, their entry month E, their support months),
-- which the query layer puts in front of it (Warehouse.impact). docs/metrics.md explains it.
--
-- Before = the N whole months E-N .. E-1; after = E+1 .. E+N (the entry month is in neither).
-- For each side, over the support months present in it:
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
, per_member AS (
    SELECT program, grp, participant_key,
           count(*) FILTER (WHERE rel < 0) > 0 AS has_before,
           count(*) FILTER (WHERE rel > 0) > 0 AS has_after,
           coalesce(bool_or(paid_any) FILTER (WHERE rel < 0), false) AS paid_before,
           coalesce(bool_or(paid_any) FILTER (WHERE rel > 0), false) AS paid_after
    FROM member_months
    WHERE rel <> 0
    GROUP BY ALL
),
sides AS (
    SELECT program, grp,
           coalesce(sum(due) FILTER (WHERE rel < 0), 0) AS before_due,
           coalesce(sum(paid) FILTER (WHERE rel < 0), 0) AS before_paid,
           coalesce(sum(due) FILTER (WHERE rel > 0), 0) AS after_due,
           coalesce(sum(paid) FILTER (WHERE rel > 0), 0) AS after_paid
    FROM member_months
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
figures AS (
    SELECT g.*,
           coalesce(s.before_due, 0)::DECIMAL(18, 2) AS before_due,
           coalesce(s.before_paid, 0)::DECIMAL(18, 2) AS before_paid,
           round(s.before_paid / nullif(s.before_due, 0), 4)::DOUBLE AS before_compliance,
           coalesce(s.after_due, 0)::DECIMAL(18, 2) AS after_due,
           coalesce(s.after_paid, 0)::DECIMAL(18, 2) AS after_paid,
           round(s.after_paid / nullif(s.after_due, 0), 4)::DOUBLE AS after_compliance,
           round(g.before_paying / nullif(g.before_parents, 0), 4)::DOUBLE
               AS before_paying_share,
           round(g.after_paying / nullif(g.after_parents, 0), 4)::DOUBLE AS after_paying_share
    FROM groups g LEFT JOIN sides s USING (program, grp)
)
SELECT f.program, f.grp AS "group", f.participants, f.with_support_records,
       f.before_due, f.before_paid, f.before_compliance,
       f.after_due, f.after_paid, f.after_compliance,
       round(f.after_compliance - f.before_compliance, 4) AS compliance_change,
       f.before_paying_share, f.after_paying_share,
       f.before_parents, f.after_parents
FROM figures f JOIN programs pr ON pr.code = f.program
ORDER BY pr.sort_order, CASE f.grp WHEN 'enrolled' THEN 0 ELSE 1 END
