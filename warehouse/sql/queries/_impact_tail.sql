-- Part of queries/impact.sql and queries/impact_cells.sql (warehouse/query.py includes it, at
-- the end of their WITH clause): the sums of each side (over CTE member_months: program, grp, rel,
-- due, paid), the figures of each group and side (CTE groups), and the table and the event study
-- (CTE event_study) as one result.
sides AS (
    SELECT program, grp,
           coalesce(sum(due) FILTER (WHERE rel < 0), 0) AS before_due,
           coalesce(sum(paid) FILTER (WHERE rel < 0), 0) AS before_paid,
           coalesce(sum(due) FILTER (WHERE rel > 0), 0) AS after_due,
           coalesce(sum(paid) FILTER (WHERE rel > 0), 0) AS after_paid
    FROM member_months
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
),
impact_table AS (
    SELECT f.program, f.grp AS "group", f.participants, f.with_support_records,
           f.before_due, f.before_paid, f.before_compliance,
           f.after_due, f.after_paid, f.after_compliance,
           round(f.after_compliance - f.before_compliance, 4) AS compliance_change,
           f.before_paying_share, f.after_paying_share,
           f.before_parents, f.after_parents
    FROM figures f
),
parts AS (
    SELECT 'table' AS part, * FROM impact_table
    UNION ALL BY NAME
    SELECT 'event_study' AS part, * FROM event_study
)
SELECT p.*
FROM parts p JOIN programs pr ON pr.code = p.program
ORDER BY p.part DESC, pr.sort_order, p."group" = 'comparison', p.rel
