-- The models behind queries/program_metrics.sql (an optimization of the definition,
-- definitions/program_metrics.sql). warehouse/build.py runs this file on a SCOPE of
-- participants: m_enrollments, m_referrals, m_placements, m_arrears (and m_boroughs, their
-- participant_boroughs rows) hold the facts of every participant (full build) or only of those
-- a load touched (incremental build), and it
-- writes their contributions to temp tables c_*; build.py replaces those participants' rows of
-- the per-participant tables and adds (new - old) to the additive tables.
--
-- Months are integers (year * 12 + month - 1, as core/periods.py); an open enrollment ends in
-- month 1,000,000,000. Windows are whole months, so a record only needs its month(s).
-- A record's borough is the definition's: its own, else its participant's; NULL: unknown.
--
-- Per-participant tables, of the participants the general path (queries/program_metrics.sql)
-- counts at query time:
--   metric_mixed_spans (pid, metric, program, borough, first_month, last_month) of the
--                     participants whose spans of a metric lie in several (program, borough)
--                     groups: 'served': each enrollment's months (enrolled to exited, or
--                     open); 'graduated': exit month of a graduated enrollment; 'placed':
--                     placement month. A participant counts in a window iff a span overlaps it.
--   metric_mixed_arrears (pid, program, borough, month, net): net adjustments per month of
--                     the NCPs with rows in several groups, or with a reversal in too many
--                     months (below).
--   metric_reversals  the same rows of the NCPs with a reversal (a negative (program, month)
--                     net) in more than getvariable('reversal_cell_months') distinct months:
--                     the only NCPs the cells path (queries/program_metrics_cells.sql) sums at
--                     query time.
--   (pid: the participant's number in table metric_participants, which every fact row
--   carries: every join, group and window here is by this integer, not the 64-character
--   participant_key, so a full build hashes and sorts 4 bytes per row.)
-- Additive tables:
--   metric_additive   (program, borough, month): records, new_enrollments, referrals,
--                     placements, arrears_usd. Lists the groups too (records > 0).
--   metric_cells      (metric, program, borough, lo, hi, n), program '*' = all programs,
--                     'family:<family>' = the programs of one family together (table
--                     programs: what the dashboard's family totals select), borough '*' = all
--                     boroughs: for one group (a program, a family or all; a borough or all)
--                     the distinct participants of a window [a, b] are
--                     sum(n) over the cells with lo <= b and hi >= a. Why: merge each
--                     participant's spans in the group into disjoint runs (adjacent months
--                     join); the runs that overlap [a, b] are consecutive, k of them, with k-1
--                     gaps between them that have both ends in reach. A run [s, e] is a cell
--                     (s, e, +1); a gap between runs ending e and starting s' a cell (s', e, -1)
--                     (it counts iff both its runs overlap): k - (k - 1) = 1, or 0 when k = 0.
--                     'reduced' (NCPs with a positive net) uses the months with a positive net
--                     of the NCPs with no negative (program, month) net: for them a window's
--                     net is > 0 iff such a month lies in it. An NCP with a reversal, in a
--                     group, has months m_1 < ... < m_k with nets x_1..x_k; a window holds the
--                     months i..j of them, and counts the NCP iff P(i, j) = [x_i+..+x_j > 0].
--                     The cells (lo = m_j, hi = m_i, g(i, j)) with g(i, j) = P(i, j)
--                     - P(i+1, j) - P(i, j-1) + P(i+1, j-1) (P = 0 on empty ranges) count
--                     exactly the g(i', j') with i <= i' <= j' <= j, whose sum is P(i, j)
--                     (inclusion-exclusion); a window with none of the months counts none.
--                     That is up to k(k+1)/2 pairs, so NCPs with more than
--                     getvariable('reversal_cell_months') months (set by warehouse/build.py)
--                     stay in metric_reversals and are summed at query time, as the
--                     definition does.
--   metric_simple_cells the same cells, each in its own (program, borough) group only, of the
--                     participants whose records of the metric all lie in one group (for
--                     'reduced': every row of the NCP): such a participant counts in a row of
--                     the general path iff their group is in the row's selection, so any
--                     selection of programs and boroughs sums these cells exactly; the others
--                     are the per-participant tables above.
-- Cost is linear in the records: each span is in 6 groups (program, family, all x borough,
-- all); a reversal NCP's k <= cap months in
-- a group give at most k(k+1)/2 pairs, (cap + 1)/2 per month: a bounded number per record.
-- Each program's family group in metric_cells.
CREATE OR REPLACE TEMP TABLE c_families AS
SELECT code AS program, 'family:' || family AS family FROM programs;

CREATE OR REPLACE TEMP TABLE c_enr AS
SELECT e.pid, e.program, coalesce(e.borough, pb.borough) AS borough,
       year(e.enrolled_on) * 12 + month(e.enrolled_on) - 1 AS first_month,
       coalesce(year(e.exited_on) * 12 + month(e.exited_on) - 1, 1000000000) AS last_month,
       e.outcome = 'graduated' AND e.exited_on IS NOT NULL AS graduated
FROM m_enrollments e LEFT JOIN m_boroughs pb USING (pid);

CREATE OR REPLACE TEMP TABLE c_plc AS
SELECT p.pid, p.program, pb.borough,
       year(p.placed_on) * 12 + month(p.placed_on) - 1 AS month
FROM m_placements p LEFT JOIN m_boroughs pb USING (pid);

CREATE OR REPLACE TEMP TABLE c_arrears AS
SELECT a.pid, a.program, pb.borough,
       year(a.applied_on) * 12 + month(a.applied_on) - 1 AS month,
       sum(a.amount) AS net, count(*) AS records
FROM m_arrears a LEFT JOIN m_boroughs pb USING (pid)
GROUP BY ALL;

-- Each NCP: whether all their rows are in one (program, borough) group ('simple'), whether
-- they have a reversal (a negative (program, month) net), and their number of months.
CREATE OR REPLACE TEMP TABLE c_ncps AS
SELECT pid,
       min(program) = max(program)
           AND min(coalesce(borough, '~')) = max(coalesce(borough, '~')) AS simple,
       min(net) < 0 AS reversal, count(DISTINCT month) AS months,
       reversal AND months > getvariable('reversal_cell_months') AS too_many_months
FROM c_arrears
GROUP BY pid;

-- NCPs with a reversal in too many months for cells: summed at query time by the cells path.
CREATE OR REPLACE TEMP TABLE c_reversals AS
SELECT pid, program, borough, month, net FROM c_arrears
SEMI JOIN (SELECT pid FROM c_ncps WHERE too_many_months) r USING (pid);

-- NCPs the general path sums at query time: those of several groups, and those above.
CREATE OR REPLACE TEMP TABLE c_mixed_arrears AS
SELECT pid, program, borough, month, net FROM c_arrears
SEMI JOIN (SELECT pid FROM c_ncps WHERE NOT simple OR too_many_months) r
  USING (pid);

-- The 'reduced' cells of the other NCPs with a reversal (see the header: P and g), in their
-- own group when simple, else in each of their six groups.
CREATE OR REPLACE TEMP TABLE c_reversal_cells AS
WITH nets AS (
    -- each NCP's net per group and month
    SELECT pid, simple, program, borough, month, sum(net) AS net
    FROM (SELECT pid, r.simple, month, net,
                 unnest(CASE WHEN r.simple THEN [program]
                             ELSE [program, program, f.family, f.family, '*', '*'] END)
                     AS program,
                 unnest(CASE WHEN r.simple THEN [borough]
                             ELSE [borough, '*', borough, '*', borough, '*'] END)
                     AS borough
          FROM c_arrears a
          JOIN (SELECT pid, simple FROM c_ncps
                WHERE reversal AND NOT too_many_months) r USING (pid)
          LEFT JOIN c_families f USING (program))
    GROUP BY ALL
),
numbered AS (
    SELECT *, row_number() OVER g AS i, sum(net) OVER (g ROWS UNBOUNDED PRECEDING) AS upto,
           lag(month) OVER g AS prev_month, lead(month) OVER g AS next_month
    FROM nets
    WINDOW g AS (PARTITION BY pid, program, borough ORDER BY month)
),
positive AS (
    -- the ranges i..j (months a.month..b.month) with a positive net: P(i, j) = 1
    SELECT a.simple, a.program, a.borough, a.month AS m_i, a.prev_month AS m_i_before,
           b.month AS m_j, b.next_month AS m_j_after
    FROM numbered a JOIN numbered b
      ON b.pid = a.pid AND b.program = a.program
     AND b.borough IS NOT DISTINCT FROM a.borough AND b.i >= a.i
    WHERE b.upto - a.upto + a.net > 0
)
-- P(i, j) adds to g(i, j), g(i-1, j), g(i, j+1), g(i-1, j+1) with signs +, -, -, +.
SELECT 'reduced' AS metric, simple, program, borough, lo, hi, sum(n)::BIGINT AS n FROM (
    SELECT simple, program, borough, m_j AS lo, m_i AS hi, 1 AS n FROM positive
    UNION ALL
    SELECT simple, program, borough, m_j, m_i_before, -1 FROM positive
    WHERE m_i_before IS NOT NULL
    UNION ALL
    SELECT simple, program, borough, m_j_after, m_i, -1 FROM positive
    WHERE m_j_after IS NOT NULL
    UNION ALL
    SELECT simple, program, borough, m_j_after, m_i_before, 1 FROM positive
    WHERE m_i_before IS NOT NULL AND m_j_after IS NOT NULL
)
GROUP BY ALL HAVING sum(n) <> 0;

CREATE OR REPLACE TEMP TABLE c_additive AS
SELECT program, borough, month, sum(records)::BIGINT AS records,
       sum(enr)::BIGINT AS new_enrollments, sum(ref)::BIGINT AS referrals,
       sum(plc)::BIGINT AS placements, sum(usd)::DECIMAL(38, 2) AS arrears_usd
FROM (
    SELECT program, borough, first_month AS month, 1 AS records, 1 AS enr, 0 AS ref, 0 AS plc,
           0::DECIMAL(38, 2) AS usd
    FROM c_enr
    UNION ALL
    SELECT r.program, coalesce(r.borough, pb.borough),
           year(r.referred_on) * 12 + month(r.referred_on) - 1, 1, 0, 1, 0, 0
    FROM m_referrals r LEFT JOIN m_boroughs pb USING (pid)
    UNION ALL
    SELECT program, borough, month, 1, 0, 0, 1, 0 FROM c_plc
    UNION ALL
    SELECT program, borough, month, records, 0, 0, 0, net FROM c_arrears
)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE c_spans AS
SELECT DISTINCT s.pid, s.metric, s.program, s.borough, s.first_month,
       s.last_month
FROM (
    SELECT pid, 'served' AS metric, program, borough, first_month, last_month
    FROM c_enr
    UNION ALL
    SELECT pid, 'graduated', program, borough, last_month, last_month
    FROM c_enr WHERE graduated
    UNION ALL
    SELECT pid, 'placed', program, borough, month, month FROM c_plc
) s;

-- The spans the cells count: metric_spans, and the 'reduced' months of NCPs with no reversal
-- (mixed_ncp: an NCP with rows in several groups).
CREATE OR REPLACE TEMP TABLE c_points AS
SELECT pid, metric, program, borough, first_month, last_month, false AS mixed_ncp
FROM c_spans
UNION ALL
SELECT pid, 'reduced', program, borough, month, month, NOT n.simple
FROM c_arrears a JOIN c_ncps n USING (pid)
WHERE a.net > 0 AND NOT n.reversal;

-- Per participant and metric: how many spans, and whether all of them are in one (program,
-- borough) group ('simple').
CREATE OR REPLACE TEMP TABLE c_point_class AS
SELECT metric, pid, count(*) AS spans,
       min(program) = max(program) AND min(coalesce(borough, '~')) = max(coalesce(borough, '~'))
           AND NOT bool_or(mixed_ncp) AS simple
FROM c_points GROUP BY ALL;

-- The spans the general path counts at query time: those of participants of several groups.
CREATE OR REPLACE TEMP TABLE c_mixed_spans AS
SELECT s.* FROM c_spans s
SEMI JOIN (SELECT metric, pid FROM c_point_class WHERE NOT simple) m
  USING (metric, pid);

-- The cells. A simple participant's runs are merged once, in their own group, and the cells
-- go to its six groups and to metric_simple_cells (fine); the others' to their six groups.
CREATE OR REPLACE TEMP TABLE c_cell_rows AS
WITH grouped AS (
    -- each span of a participant with several: in its own group (simple), or in its six
    -- groups: its program, its program's family or all ('*'), its borough or all ('*')
    SELECT metric, pid, c.simple, first_month, last_month,
           unnest(CASE WHEN c.simple THEN [program]
                       ELSE [program, program, f.family, f.family, '*', '*'] END) AS program,
           unnest(CASE WHEN c.simple THEN [borough]
                       ELSE [borough, '*', borough, '*', borough, '*'] END) AS borough
    FROM c_points p JOIN c_point_class c USING (metric, pid)
    LEFT JOIN c_families f USING (program)
    WHERE c.spans > 1
),
ordered AS (
    SELECT *, max(last_month) OVER (PARTITION BY metric, pid, program, borough
                                    ORDER BY first_month, last_month
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM grouped
),
islands AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR first_month > reach + 1 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY metric, pid, program, borough
                        ORDER BY first_month, last_month ROWS UNBOUNDED PRECEDING) AS island
    FROM ordered
),
runs AS (
    SELECT metric, pid, simple, program, borough, min(first_month) AS s,
           max(last_month) AS e
    FROM islands GROUP BY metric, pid, simple, program, borough, island
),
gaps AS (
    SELECT metric, simple, program, borough, e AS hi,
           lead(s) OVER (PARTITION BY metric, pid, program, borough ORDER BY s)
               AS lo
    FROM runs
),
raw AS (
    -- (expand: a single span of a participant of several groups goes to its six groups)
    SELECT metric, c.simple, NOT c.simple AS expand, program, borough, first_month AS lo,
           last_month AS hi, 1 AS n
    FROM c_points p JOIN c_point_class c USING (metric, pid)
    WHERE c.spans = 1
    UNION ALL
    SELECT metric, simple, false, program, borough, s, e, 1 FROM runs
    UNION ALL
    SELECT metric, simple, false, program, borough, lo, hi, -1 FROM gaps WHERE lo IS NOT NULL
    UNION ALL
    SELECT metric, simple, false, program, borough, lo, hi, n FROM c_reversal_cells
)
SELECT metric, program, borough, lo, hi, fine, sum(n)::BIGINT AS n FROM (
    SELECT metric, lo, hi, n,
           unnest(CASE WHEN simple THEN [program, program, f.family, f.family, '*', '*', program]
                       WHEN expand THEN [program, program, f.family, f.family, '*', '*']
                       ELSE [program] END) AS program,
           unnest(CASE WHEN simple THEN [borough, '*', borough, '*', borough, '*', borough]
                       WHEN expand THEN [borough, '*', borough, '*', borough, '*']
                       ELSE [borough] END) AS borough,
           unnest(CASE WHEN simple THEN [false, false, false, false, false, false, true]
                       WHEN expand THEN [false, false, false, false, false, false]
                       ELSE [false] END) AS fine
    FROM raw LEFT JOIN c_families f USING (program)  -- (expanded rows: no family, none needed)
)
GROUP BY ALL HAVING sum(n) <> 0;  -- a reversal cell can cancel a gap

CREATE OR REPLACE TEMP TABLE c_cells AS
SELECT metric, program, borough, lo, hi, n FROM c_cell_rows WHERE NOT fine;

CREATE OR REPLACE TEMP TABLE c_simple_cells AS
SELECT metric, program, borough, lo, hi, n FROM c_cell_rows WHERE fine;
