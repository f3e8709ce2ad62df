-- Impact on child support, faster: the same parameters and result as THE definition,
-- queries/impact.sql (read it to know what a figure means), summed from the cells of
-- models/impact_members.sql: each candidate entry is a member for the windows with
-- prev_month < $from_month <= entry_month <= $to_month. Warehouse.impact runs it when N
-- ($months) is at most the months the cells keep around entry (impact_cell_months in meta);
-- tests/test_impact_fast.py checks both on random records.
WITH members AS (
    SELECT *
    FROM impact_member_cells
    WHERE prev_month < $from_month AND entry_month BETWEEN $from_month AND $to_month
      AND (len($programs) = 0 OR list_contains($programs, program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))
),
member_months AS (
    SELECT program, grp, rel, parents, due, paid
    FROM impact_month_cells
    WHERE prev_month < $from_month AND entry_month BETWEEN $from_month AND $to_month
      AND rel BETWEEN -$months AND $months
      AND (len($programs) = 0 OR list_contains($programs, program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))
),
groups AS (
    SELECT prog.program, g.grp,
           coalesce(sum(m.n), 0)::BIGINT AS participants,
           coalesce(sum(m.n) FILTER (WHERE m.before_rel >= -$months
                                     OR m.after_rel <= $months), 0)::BIGINT
               AS with_support_records,
           coalesce(sum(m.n) FILTER (WHERE m.before_rel >= -$months), 0)::BIGINT
               AS before_parents,
           coalesce(sum(m.n) FILTER (WHERE m.after_rel <= $months), 0)::BIGINT AS after_parents,
           coalesce(sum(m.n) FILTER (WHERE m.pay_before_rel >= -$months), 0)::BIGINT
               AS before_paying,
           coalesce(sum(m.n) FILTER (WHERE m.pay_after_rel <= $months), 0)::BIGINT
               AS after_paying
    FROM (SELECT DISTINCT program FROM members) prog
    CROSS JOIN (VALUES ('enrolled', 0), ('comparison', 1)) g(grp, grp_order)
    LEFT JOIN members m ON m.program = prog.program AND m.grp = g.grp
    GROUP BY ALL
),
event_study AS (
    SELECT program, grp AS "group", rel, sum(parents)::BIGINT AS parents,
           sum(due)::DECIMAL(18, 2) AS due, sum(paid)::DECIMAL(18, 2) AS paid,
           round(sum(paid) / nullif(sum(due), 0), 4)::DOUBLE AS compliance
    FROM member_months
    GROUP BY program, grp, rel
),
-- include: queries/_impact_tail.sql
