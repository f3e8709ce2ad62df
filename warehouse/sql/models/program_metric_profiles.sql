-- Pre-aggregates for queries/program_metrics.sql, so that a metric call reads a few thousand
-- rows instead of millions of facts. Runs after participant_boroughs.sql (models run in
-- filename order) and is rebuilt by every load, so it always matches the facts.
--
-- Why this is exact: reporting windows are whole calendar years, so every metric only needs
-- to know, per record, WHICH YEARS it touches, and the borough of a record is fixed (its own
-- borough, else the participant's, NULL when neither is known; queries turn NULL into
-- 'Unknown'). Years are bits of a HUGEINT mask: bit i = year (metric_years.base_year + i).
--
-- Tables:
--   metric_years            one row: base_year of the masks (first year any record falls in).
--   metric_totals           additive metrics per (program, borough, year): new enrollments (by
--                           enrolled year), referrals, placements, arrears dollars (exact
--                           DECIMAL). A row exists for every (program, borough) with a record,
--                           which is also the program listing rule.
--   metric_profile_counts   distinct-participant metrics, compressed: participants with the
--   metric_profile_entries  same "profile" (the set of (program, borough, years) entries of one
--                           metric) are one profile with a count n. A participant counts in a
--                           group (programs x boroughs) and window iff an entry of their profile
--                           lies in the group and hits the window, so distinct counts over any
--                           program/borough selection are sums of n over hitting profiles.
--                           metric 'served':    years an enrollment span overlaps; open spans
--                                               carry open_from (served every year from then).
--                           metric 'graduated': exit years of graduated enrollments.
--                           metric 'placed':    placement years.
--                           metric 'reduced':   years with a positive net arrears reduction,
--                                               for participants with no negative (program,
--                                               year) net: then a net over any window and any
--                                               set of programs is > 0 iff some positive
--                                               (program, year) lies in it.
--   metric_arrears_mixed    the other participants (a net reversal in some year): their net per
--                           (program, year), summed exactly at query time.
CREATE OR REPLACE TEMP TABLE metric_span AS
SELECT min(y) AS base_year, max(y) AS last_year FROM (
    SELECT year(enrolled_on) AS y FROM enrollments
    UNION ALL SELECT year(exited_on) FROM enrollments
    UNION ALL SELECT year(referred_on) FROM referrals
    UNION ALL SELECT year(applied_on) FROM arrears_reductions
    UNION ALL SELECT year(placed_on) FROM placements
);

CREATE OR REPLACE TABLE metric_years AS
SELECT coalesce(base_year, 2000) AS base_year,
       -- 126 bits per mask (bits 126-127 would overflow the shifts that build masks).
       CASE WHEN last_year - base_year > 125
            THEN error('program metric masks hold 126 years; the data spans '
                       || base_year || '-' || last_year)
       END AS span_check
FROM metric_span;

-- Every fact with its year and its borough (own, else the participant's; NULL if neither).
CREATE OR REPLACE TEMP TABLE metric_enr AS
SELECT e.participant_key, e.program, coalesce(e.borough, pb.borough) AS borough,
       year(e.enrolled_on) AS y0, year(e.exited_on) AS y1, e.outcome
FROM enrollments e LEFT JOIN participant_boroughs pb USING (participant_key);

CREATE OR REPLACE TABLE metric_totals AS
WITH facts AS (
    SELECT program, borough, y0 AS year, 1 AS enr, 0 AS ref, 0 AS plc, 0::DECIMAL(14, 2) AS usd
    FROM metric_enr
    UNION ALL
    SELECT r.program, coalesce(r.borough, pb.borough), year(r.referred_on), 0, 1, 0, 0
    FROM referrals r LEFT JOIN participant_boroughs pb USING (participant_key)
    UNION ALL
    SELECT p.program, pb.borough, year(p.placed_on), 0, 0, 1, 0
    FROM placements p LEFT JOIN participant_boroughs pb USING (participant_key)
    UNION ALL
    SELECT a.program, pb.borough, year(a.applied_on), 0, 0, 0, a.amount
    FROM arrears_reductions a LEFT JOIN participant_boroughs pb USING (participant_key)
)
SELECT program, borough, year, sum(enr) AS new_enrollments, sum(ref) AS referrals,
       sum(plc) AS placements, sum(usd) AS arrears_usd
FROM facts GROUP BY ALL;

-- Net arrears per (participant, program, year); borough is the participant's.
CREATE OR REPLACE TEMP TABLE metric_arr AS
SELECT a.participant_key, a.program, pb.borough, year(a.applied_on) AS year, sum(a.amount) AS net
FROM arrears_reductions a LEFT JOIN participant_boroughs pb USING (participant_key)
GROUP BY ALL;

CREATE OR REPLACE TABLE metric_arrears_mixed AS
SELECT program, borough, year, participant_key, net FROM metric_arr
WHERE participant_key IN (SELECT participant_key FROM metric_arr WHERE net < 0);

-- One row per (metric, participant, program, borough): the years as a mask, open_from for
-- open enrollments.
CREATE OR REPLACE TEMP TABLE metric_entries AS
WITH b AS (SELECT base_year FROM metric_years),
years AS (
    SELECT 'served' AS metric, participant_key, program, borough, y0,
           coalesce(y1, y0 - 1) AS y1,          -- open: no closed years, see open_from
           CASE WHEN y1 IS NULL THEN y0 END AS open_from
    FROM metric_enr
    UNION ALL
    SELECT 'graduated', participant_key, program, borough, y1, y1, NULL
    FROM metric_enr WHERE outcome = 'graduated' AND y1 IS NOT NULL
    UNION ALL
    SELECT 'placed', p.participant_key, p.program, pb.borough, year(p.placed_on),
           year(p.placed_on), NULL
    FROM placements p LEFT JOIN participant_boroughs pb USING (participant_key)
    UNION ALL
    SELECT 'reduced', participant_key, program, borough, year, year, NULL
    FROM metric_arr
    WHERE net > 0 AND participant_key NOT IN (SELECT participant_key FROM metric_arrears_mixed)
)
SELECT metric, participant_key, program, borough,
       -- bits y0..y1 (none when y1 < y0)
       bit_or(CASE WHEN y1 >= y0
                   THEN ((1::HUGEINT << (y1 - y0 + 1)) - 1) << (y0 - b.base_year)
                   ELSE 0::HUGEINT END) AS mask,
       min(open_from) AS open_from
FROM years, b
GROUP BY ALL;

-- A participant's profile: their sorted entries of one metric. Most participants have one
-- entry, which is then the profile; only the others need the (slow) per-participant lists.
CREATE OR REPLACE TEMP TABLE metric_multi AS
SELECT metric, participant_key FROM metric_entries GROUP BY ALL HAVING count(*) > 1;

CREATE OR REPLACE TEMP TABLE metric_profiles AS
WITH singles AS (
    SELECT metric, [{'program': program, 'borough': borough, 'mask': mask,
                     'open_from': open_from}] AS profile, count(*) AS n
    FROM metric_entries e ANTI JOIN metric_multi m USING (metric, participant_key)
    GROUP BY metric, program, borough, mask, open_from
),
multis AS (
    SELECT metric, profile, count(*) AS n
    FROM (
        SELECT metric, participant_key,
               list({'program': program, 'borough': borough, 'mask': mask,
                     'open_from': open_from} ORDER BY program, borough) AS profile
        FROM metric_entries e SEMI JOIN metric_multi m USING (metric, participant_key)
        GROUP BY metric, participant_key
    )
    GROUP BY metric, profile
)
SELECT metric, profile, n, row_number() OVER (ORDER BY metric, profile) AS profile_id
FROM (SELECT * FROM singles UNION ALL SELECT * FROM multis);

CREATE OR REPLACE TABLE metric_profile_counts AS
SELECT metric, profile_id, n FROM metric_profiles;

CREATE OR REPLACE TABLE metric_profile_entries AS
SELECT metric, profile_id, unnest(profile, recursive := true)
FROM metric_profiles;

DROP TABLE metric_span;
DROP TABLE metric_enr;
DROP TABLE metric_arr;
DROP TABLE metric_entries;
DROP TABLE metric_multi;
DROP TABLE metric_profiles;
