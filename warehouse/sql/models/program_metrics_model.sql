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
-- Per-participant tables (the compact model):
--   metric_spans      (participant_key, metric, program, borough, first_month, last_month):
--                     'served': each enrollment's months (enrolled to exited, or open);
--                     'graduated': exit month of a graduated enrollment; 'placed': placement
--                     month. A participant counts in a window iff a span overlaps it.
--   metric_arrears    (participant_key, program, borough, month, net): net adjustments.
--   metric_reversals  the rows of metric_arrears of NCPs with a negative net somewhere.
--   (pid: the participant's number in table metric_participants, to count them fast.)
-- Additive tables:
--   metric_additive   (program, borough, month): records, new_enrollments, referrals,
--                     placements, arrears_usd. Lists the groups too (records > 0).
--   metric_cells      (metric, program, borough, lo, hi, n), program '*' = all programs,
--                     borough '*' = all boroughs: for one group (a program or all; a borough
--                     or all) the distinct participants of a window [a, b] are
--                     sum(n) over the cells with lo <= b and hi >= a. Why: merge each
--                     participant's spans in the group into disjoint runs (adjacent months
--                     join); the runs that overlap [a, b] are consecutive, k of them, with k-1
--                     gaps between them that have both ends in reach. A run [s, e] is a cell
--                     (s, e, +1); a gap between runs ending e and starting s' a cell (s', e, -1)
--                     (it counts iff both its runs overlap): k - (k - 1) = 1, or 0 when k = 0.
--                     'reduced' (NCPs with a positive net) uses the months with a positive net
--                     of the NCPs with no negative (program, month) net: for them a window's
--                     net is > 0 iff such a month lies in it. NCPs with a reversal are summed
--                     at query time from metric_reversals, as the definition does.
-- Cost is linear in the records: each span is in 4 groups.
CREATE OR REPLACE TEMP TABLE c_enr AS
SELECT e.participant_key, e.program, coalesce(e.borough, pb.borough) AS borough,
       year(e.enrolled_on) * 12 + month(e.enrolled_on) - 1 AS first_month,
       coalesce(year(e.exited_on) * 12 + month(e.exited_on) - 1, 1000000000) AS last_month,
       e.outcome = 'graduated' AND e.exited_on IS NOT NULL AS graduated
FROM m_enrollments e LEFT JOIN m_boroughs pb USING (participant_key);

CREATE OR REPLACE TEMP TABLE c_plc AS
SELECT p.participant_key, p.program, pb.borough,
       year(p.placed_on) * 12 + month(p.placed_on) - 1 AS month
FROM m_placements p LEFT JOIN m_boroughs pb USING (participant_key);

CREATE OR REPLACE TEMP TABLE c_arrears AS
SELECT a.participant_key, i.pid, a.program, pb.borough,
       year(a.applied_on) * 12 + month(a.applied_on) - 1 AS month,
       sum(a.amount) AS net, count(*) AS records
FROM m_arrears a LEFT JOIN m_boroughs pb USING (participant_key)
JOIN m_pids i USING (participant_key)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE c_reversals AS
SELECT participant_key, pid, program, borough, month, net FROM c_arrears
WHERE participant_key IN (SELECT participant_key FROM c_arrears WHERE net < 0);

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
    FROM m_referrals r LEFT JOIN m_boroughs pb USING (participant_key)
    UNION ALL
    SELECT program, borough, month, 1, 0, 0, 1, 0 FROM c_plc
    UNION ALL
    SELECT program, borough, month, records, 0, 0, 0, net FROM c_arrears
)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE c_spans AS
SELECT DISTINCT s.participant_key, i.pid, s.metric, s.program, s.borough, s.first_month,
       s.last_month
FROM (
    SELECT participant_key, 'served' AS metric, program, borough, first_month, last_month
    FROM c_enr
    UNION ALL
    SELECT participant_key, 'graduated', program, borough, last_month, last_month
    FROM c_enr WHERE graduated
    UNION ALL
    SELECT participant_key, 'placed', program, borough, month, month FROM c_plc
) s JOIN m_pids i USING (participant_key);

-- The spans the cells count: metric_spans, and the 'reduced' months of NCPs with no reversal.
CREATE OR REPLACE TEMP TABLE c_points AS
SELECT participant_key, metric, program, borough, first_month, last_month FROM c_spans
UNION ALL
SELECT participant_key, 'reduced', program, borough, month, month
FROM c_arrears a
WHERE net > 0 AND NOT EXISTS (SELECT 1 FROM c_reversals v
                              WHERE v.participant_key = a.participant_key);

-- Participants with more than one span of a metric; the others have one run in every group.
CREATE OR REPLACE TEMP TABLE c_multi AS
SELECT metric, participant_key FROM c_points GROUP BY ALL HAVING count(*) > 1;

CREATE OR REPLACE TEMP TABLE c_cells AS
WITH grouped AS (
    -- each span in its four groups: its program or all ('*'), its borough or all ('*')
    SELECT metric, participant_key, first_month, last_month,
           unnest([program, program, '*', '*']) AS program,
           unnest([borough, '*', borough, '*']) AS borough
    FROM c_points p SEMI JOIN c_multi m USING (metric, participant_key)
),
ordered AS (
    SELECT *, max(last_month) OVER (PARTITION BY metric, participant_key, program, borough
                                    ORDER BY first_month, last_month
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM grouped
),
islands AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR first_month > reach + 1 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY metric, participant_key, program, borough
                        ORDER BY first_month, last_month ROWS UNBOUNDED PRECEDING) AS island
    FROM ordered
),
runs AS (
    SELECT metric, participant_key, program, borough, min(first_month) AS s,
           max(last_month) AS e
    FROM islands GROUP BY metric, participant_key, program, borough, island
),
gaps AS (
    SELECT metric, program, borough, e AS hi,
           lead(s) OVER (PARTITION BY metric, participant_key, program, borough ORDER BY s)
               AS lo
    FROM runs
)
SELECT metric, program, borough, lo, hi, sum(n)::BIGINT AS n FROM (
    SELECT metric, unnest([program, program, '*', '*']) AS program,
           unnest([borough, '*', borough, '*']) AS borough,
           first_month AS lo, last_month AS hi, 1 AS n
    FROM c_points p ANTI JOIN c_multi m USING (metric, participant_key)
    UNION ALL
    SELECT metric, program, borough, s, e, 1 FROM runs
    UNION ALL
    SELECT metric, program, borough, lo, hi, -1 FROM gaps WHERE lo IS NOT NULL
)
GROUP BY ALL;
