-- Impact on child support, month by month around entry (the event study): for each program,
-- group ('enrolled', 'comparison') and month rel from -N to +N (0 = the entry month E, see
-- sql/impact_members.sql, which the query layer puts in front of this file):
--   parents     members with a support month that month;
--   due, paid   sums of current_support_due and current_support_paid over those months;
--   compliance  paid / due (NULL when due is 0), rounded to 4 places.
-- Months with no support month for anyone in the group are left out.
SELECT m.program, m.grp AS "group", m.rel,
       count(DISTINCT participant_key) AS parents,
       sum(due)::DECIMAL(18, 2) AS due, sum(paid)::DECIMAL(18, 2) AS paid,
       round(sum(paid) / nullif(sum(due), 0), 4)::DOUBLE AS compliance
FROM member_months m JOIN programs pr ON pr.code = m.program
GROUP BY m.program, m.grp, m.rel, pr.sort_order
ORDER BY pr.sort_order, CASE m.grp WHEN 'enrolled' THEN 0 ELSE 1 END, m.rel
