-- Pre-aggregates for queries/program_metrics.sql: a metric call reads the few thousand rows of
-- table metric_cells that match it, instead of millions of facts. Runs after
-- participant_boroughs.sql (models run in filename order) and is rebuilt by every load, so it
-- always matches the facts.
--
-- Why this is exact: windows are whole calendar years [a, b] (a = 1 when cumulative), so every
-- metric only needs to know, per record, WHICH YEARS it touches, and a record's borough is
-- fixed (its own, else the participant's; NULL, shown 'Unknown', when neither is known). Only
-- records of programs in table programs count (the program listing rule).
--
-- A metric row is a group of records (one program, or 'ALL' of the selected programs; one
-- borough, or all of the selected ones) in a window. metric_cells holds, for every group a
-- query can ask for, amounts that add up: a row's metrics are the sums over the cells of its
-- group that hold its window. A cell holds the windows [a, b] with a in [from_lo, from_hi] and
-- b in [to_lo, to_hi] (0 and 9999: unbounded); year_lo..year_hi are the years y whose window
-- [y, y] it holds, cumulative_lo..cumulative_hi those of [1, y].
--
-- Groups. Programs and boroughs are bits (tables metric_programs, metric_boroughs; borough
-- NULL: unknown). prog_mode is the rows a cell serves: 1 its program's own row (program); 2
-- 'ALL' without a program filter; 3 'ALL' with one program selected; 4 'ALL' with several.
-- boro_mode: 1 one borough (per borough, or one selected; borough is its name); 2 all (no
-- borough filter); 3 several selected. A cell serves a filter whose bits are S (all bits without
-- a filter) iff prog_part = prog_of & S, and likewise for boroughs: one program or borough has
-- part = of = its bit; all of them 0 = 0; for several, `of` is someone's own programs (boroughs)
-- and `part` those the filter keeps, so that exactly one of their cells matches any filter.
--
-- Amounts.
--   additive   new enrollments (by enrolled year), referrals, placements and arrears dollars
--              (exact DECIMAL) of one year y: the windows with a <= y <= b; per program and
--              borough, and summed over all programs or boroughs (several selected ones sum
--              their cells). Plus one empty cell per group with a record, holding every window:
--              it lists the group.
--   distinct   participants counted once per row and window. A participant's entries are their
--              (program, borough, years) of one metric:
--                'served':    years an enrollment span overlaps (an open span: every year from
--                             its start);
--                'graduated': exit years of graduated enrollments;
--                'placed':    placement years;
--                'reduced':   years with a positive net arrears reduction, for participants with
--                             no negative (program, year) net: then a net over any window and
--                             any set of programs is > 0 iff some positive (program, year) lies
--                             in it.
--              Participants with the same entries are one profile with a count n. For each way a
--              query can select from a profile's programs and boroughs, the selected entries'
--              years are merged: the participant counts in a window iff one of them is in it.
--              The years form runs of consecutive years; window [a, b] hits run r first iff a
--              is after the end of the run before r and at most r's end, and b >= r's start:
--              one cell per run, so that at most one cell of a selection holds each window.
--   NCPs with a reversal (a negative (program, year) net): for each way to select from their
--              programs, their net per record year; for each run of consecutive record years
--              y_i..y_j whose net is > 0, the windows that hold exactly those years (a in
--              (y_(i-1), y_i], b in [y_j, y_(j+1))).
-- Cells with the same group and windows add up.
--
-- Limits (the load is refused with a message saying so): records spanning more than 126 years
-- (years are HUGEINT bit masks while the cells are built; table metric_years); more than 62
-- programs or boroughs; participants whose programs and boroughs combine in more than 20,000,000
-- selections in all (a profile has about 2^programs x 2^boroughs of them: a few in practice).
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

-- Additive metrics per (program, borough, year).
CREATE OR REPLACE TEMP TABLE metric_year_totals AS
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
SELECT * FROM (
    SELECT program, borough, year, sum(enr) AS new_enrollments, sum(ref) AS referrals,
           sum(plc) AS placements, sum(usd) AS arrears_usd
    FROM facts GROUP BY ALL
) WHERE program IN (SELECT code FROM programs);

CREATE OR REPLACE TABLE metric_programs AS
SELECT code AS program, sort_order,
       (row_number() OVER (ORDER BY sort_order, code) - 1)::INTEGER AS bit
FROM programs;

CREATE OR REPLACE TABLE metric_boroughs AS
SELECT borough, coalesce(borough, 'Unknown') AS label,
       (row_number() OVER (ORDER BY borough NULLS LAST) - 1)::INTEGER AS bit
FROM (SELECT DISTINCT borough FROM metric_year_totals);

SELECT CASE WHEN (SELECT max(bit) FROM metric_programs) > 61
                 OR (SELECT max(bit) FROM metric_boroughs) > 61
            THEN error('program metric cells hold 62 programs and 62 boroughs') END;

-- Net arrears per (participant, program, year); borough is the participant's.
CREATE OR REPLACE TEMP TABLE metric_arr AS
SELECT a.participant_key, a.program, pb.borough, year(a.applied_on) AS year, sum(a.amount) AS net
FROM arrears_reductions a LEFT JOIN participant_boroughs pb USING (participant_key)
GROUP BY ALL;

-- NCPs with a reversal somewhere.
CREATE OR REPLACE TEMP TABLE metric_mixed AS
SELECT * FROM metric_arr
WHERE participant_key IN (SELECT participant_key FROM metric_arr WHERE net < 0)
  AND program IN (SELECT code FROM programs);

-- One row per (metric, participant, program, borough): the years as a mask, open_from for open
-- enrollments.
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
    WHERE net > 0 AND participant_key NOT IN (SELECT participant_key FROM metric_mixed)
)
SELECT metric, participant_key, program, borough,
       -- bits y0..y1 (none when y1 < y0)
       bit_or(CASE WHEN y1 >= y0
                   THEN ((1::HUGEINT << (y1 - y0 + 1)) - 1) << (y0 - b.base_year)
                   ELSE 0::HUGEINT END) AS mask,
       min(open_from) AS open_from
FROM years, b
WHERE program IN (SELECT code FROM programs)
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

-- Profile entries with the bits of their program and borough.
CREATE OR REPLACE TEMP TABLE metric_pentries AS
SELECT e.profile_id, e.metric, e.n, e.mask, e.open_from,
       1::BIGINT << p.bit AS prog_bit, 1::BIGINT << b.bit AS boro_bit
FROM (SELECT profile_id, metric, n, unnest(profile, recursive := true) FROM metric_profiles) e
JOIN metric_programs p USING (program)
JOIN metric_boroughs b ON b.borough IS NOT DISTINCT FROM e.borough;

-- Each profile's programs and boroughs (bits), and each NCP with a reversal's.
CREATE OR REPLACE TEMP TABLE metric_profile_bits AS
SELECT profile_id, metric, any_value(n) AS n, bit_or(prog_bit) AS progs,
       bit_or(boro_bit) AS boros
FROM metric_pentries GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE metric_mixed_bits AS
SELECT m.participant_key, bit_or(1::BIGINT << p.bit) AS progs,
       1::BIGINT << any_value(b.bit) AS boros
FROM metric_mixed m JOIN metric_programs p USING (program)
JOIN metric_boroughs b ON b.borough IS NOT DISTINCT FROM m.borough
GROUP BY ALL;

-- The ways a query can select from a set of bits m (someone's programs, or their boroughs):
-- each single bit (types 1, and 4 too when m has one bit), all of them (2), and each non-empty
-- part of m when m has several bits (4). sel: the bits selected; part, of: as in metric_cells.
CREATE OR REPLACE TEMP MACRO metric_selections(m) AS TABLE
WITH bits AS (
    SELECT 1::BIGINT << i AS bit, row_number() OVER (ORDER BY i) - 1 AS idx
    FROM range(0, 62) AS t(i) WHERE ((m >> i) & 1) = 1
)
SELECT CASE WHEN bit_count(m) = 1 THEN 5 ELSE 1 END AS types, bit AS part, bit AS of, bit AS sel
FROM bits
UNION ALL
SELECT 2, 0, 0, m
UNION ALL
SELECT 4, bit_or(b.bit), m, bit_or(b.bit)
FROM bits b, range(1, 1::BIGINT << bit_count(m)) AS t(j)
WHERE bit_count(m) > 1 AND ((j >> b.idx) & 1) = 1
GROUP BY j;

-- The number of selections grows as 2^(programs) x 2^(boroughs) of one participant: refuse
-- data in which that would be unreasonable (it is a few per participant in practice).
CREATE OR REPLACE TEMP MACRO metric_ways(m) AS
    bit_count(m) + 1 + CASE WHEN bit_count(m) > 1 THEN (1::BIGINT << bit_count(m)) - 1 ELSE 0 END;
SELECT CASE WHEN sum(metric_ways(progs) * metric_ways(boros)) > 20000000
            THEN error('program metric cells: participants'' records combine too many programs '
                       || 'and boroughs (' || sum(metric_ways(progs) * metric_ways(boros))
                       || ' selections; at most 20000000)') END
FROM (SELECT progs, boros FROM metric_profile_bits
      UNION ALL SELECT progs, boros FROM metric_mixed_bits);

-- Each profile's selections, with the merged years of the selected entries.
CREATE OR REPLACE TEMP TABLE metric_selected AS
SELECT s.profile_id, s.metric, s.n,
       p.types AS prog_types, p.part AS prog_part, p.of AS prog_of,
       b.types AS boro_types, b.part AS boro_part, b.of AS boro_of,
       bit_or(e.mask) AS mask, min(e.open_from) AS open_from
FROM metric_profile_bits s,
     LATERAL metric_selections(s.progs) p,
     LATERAL metric_selections(s.boros) b,
     metric_pentries e
WHERE e.profile_id = s.profile_id AND (e.prog_bit & p.sel) <> 0 AND (e.boro_bit & b.sel) <> 0
GROUP BY ALL;

-- The runs of consecutive years of each distinct (mask, open_from): the mask's years before
-- open_from, then open_from (an open run: every later year), as the windows that hit each run
-- first.
CREATE OR REPLACE TEMP TABLE metric_runs AS
WITH years_sets AS (
    SELECT DISTINCT mask, open_from FROM metric_selected
),
years AS (
    SELECT s.mask, s.open_from, y.base_year + i AS year, false AS open
    FROM years_sets s, metric_years y, range(0, 126) AS t(i)
    WHERE ((s.mask >> i::INTEGER) & 1) = 1
      AND (s.open_from IS NULL OR y.base_year + i < s.open_from)
    UNION ALL
    SELECT mask, open_from, open_from, true FROM years_sets WHERE open_from IS NOT NULL
),
runs AS (
    SELECT mask, open_from, min(year) AS run_start, max(year) AS run_end, bool_or(open) AS open
    FROM (SELECT *, year - row_number() OVER (PARTITION BY mask, open_from ORDER BY year)
                    AS island
          FROM years)
    GROUP BY mask, open_from, island
)
SELECT mask, open_from,
       coalesce(lag(run_end) OVER (PARTITION BY mask, open_from ORDER BY run_start) + 1, 0)
           AS from_lo,
       CASE WHEN open THEN 9999 ELSE run_end END AS from_hi,
       run_start AS to_lo, 9999 AS to_hi
FROM runs;

-- NCPs with a reversal: per selection of their programs (their borough is one), the net per
-- record year, then every run of consecutive record years with a positive net.
CREATE OR REPLACE TEMP TABLE metric_mixed_runs AS
WITH nets AS (
    SELECT n.participant_key, p.types AS prog_types, p.part AS prog_part, p.of AS prog_of,
           b.types AS boro_types, b.part AS boro_part, b.of AS boro_of, m.year,
           sum(m.net) AS net
    FROM metric_mixed_bits n, LATERAL metric_selections(n.progs) p,
         LATERAL metric_selections(n.boros) b,
         metric_mixed m JOIN metric_programs mp USING (program)
    WHERE m.participant_key = n.participant_key AND ((1::BIGINT << mp.bit) & p.sel) <> 0
    GROUP BY ALL
),
ordered AS (
    SELECT *, row_number() OVER s AS k, sum(net) OVER s AS cum_net,
           lag(year) OVER s AS prev_year, lead(year) OVER s AS next_year
    FROM nets
    WINDOW s AS (PARTITION BY participant_key, prog_types, prog_part, prog_of, boro_types,
                              boro_part, boro_of
                 ORDER BY year)
)
SELECT i.prog_types, i.prog_part, i.prog_of, i.boro_types, i.boro_part, i.boro_of,
       coalesce(i.prev_year + 1, 0) AS from_lo, i.year AS from_hi,
       j.year AS to_lo, coalesce(j.next_year - 1, 9999) AS to_hi
FROM ordered i JOIN ordered j
  ON i.participant_key = j.participant_key AND i.prog_types = j.prog_types
 AND i.prog_part = j.prog_part AND i.prog_of = j.prog_of AND i.boro_types = j.boro_types
 AND i.boro_part = j.boro_part AND i.boro_of = j.boro_of AND i.k <= j.k
WHERE j.cum_net - i.cum_net + i.net > 0;

CREATE OR REPLACE TABLE metric_cells AS
WITH totals AS (
    -- Per (program or all, borough or all); one program or borough serves types 1 and 4 (a
    -- part of several sums its programs or boroughs).
    SELECT CASE WHEN grouping(t.program) = 1 THEN 2 ELSE 5 END AS prog_types,
           CASE WHEN grouping(t.program) = 1 THEN 0 ELSE 1::BIGINT << any_value(p.bit) END
               AS prog_part,
           CASE WHEN grouping(t.borough) = 1 THEN 2 ELSE 5 END AS boro_types,
           CASE WHEN grouping(t.borough) = 1 THEN 0 ELSE 1::BIGINT << any_value(b.bit) END
               AS boro_part,
           t.year, grouping(t.year) = 1 AS listing,
           sum(t.new_enrollments) AS new_enrollments, sum(t.referrals) AS referrals,
           sum(t.placements) AS placements, sum(t.arrears_usd) AS arrears_usd
    FROM metric_year_totals t JOIN metric_programs p USING (program)
    JOIN metric_boroughs b ON b.borough IS NOT DISTINCT FROM t.borough
    GROUP BY GROUPING SETS ((t.year, t.program, t.borough), (t.year, t.program),
                            (t.year, t.borough), (t.year),
                            (t.program, t.borough), (t.program), (t.borough), ())
),
cells AS (
    SELECT prog_types, prog_part, prog_part AS prog_of, boro_types, boro_part,
           boro_part AS boro_of,
           -- a listing cell holds every window and adds nothing
           0 AS from_lo, CASE WHEN listing THEN 9999 ELSE year END AS from_hi,
           CASE WHEN listing THEN 0 ELSE year END AS to_lo, 9999 AS to_hi,
           CASE WHEN listing THEN 0 ELSE new_enrollments END AS new_enrollments,
           CASE WHEN listing THEN 0 ELSE referrals END AS referrals,
           CASE WHEN listing THEN 0 ELSE placements END AS placements,
           CASE WHEN listing THEN 0::DECIMAL(38, 2) ELSE arrears_usd END AS arrears_usd,
           0 AS served, 0 AS graduated, 0 AS placed, 0 AS reduced
    FROM totals
    UNION ALL
    SELECT s.prog_types, s.prog_part, s.prog_of, s.boro_types, s.boro_part, s.boro_of,
           r.from_lo, r.from_hi, r.to_lo, r.to_hi, 0, 0, 0, 0::DECIMAL(38, 2),
           CASE WHEN s.metric = 'served' THEN s.n ELSE 0 END,
           CASE WHEN s.metric = 'graduated' THEN s.n ELSE 0 END,
           CASE WHEN s.metric = 'placed' THEN s.n ELSE 0 END,
           CASE WHEN s.metric = 'reduced' THEN s.n ELSE 0 END
    FROM metric_selected s JOIN metric_runs r
      ON r.mask = s.mask AND r.open_from IS NOT DISTINCT FROM s.open_from
    UNION ALL
    SELECT prog_types, prog_part, prog_of, boro_types, boro_part, boro_of,
           from_lo, from_hi, to_lo, to_hi, 0, 0, 0, 0::DECIMAL(38, 2), 0, 0, 0, 1
    FROM metric_mixed_runs
),
summed AS (
    SELECT prog_types, prog_part, prog_of, boro_types, boro_part, boro_of,
           from_lo, from_hi, to_lo, to_hi,
           sum(new_enrollments) AS new_enrollments, sum(referrals) AS referrals,
           sum(placements) AS placements, sum(arrears_usd) AS arrears_usd,
           sum(served) AS served, sum(graduated) AS graduated, sum(placed) AS placed,
           sum(reduced) AS reduced
    FROM cells
    GROUP BY ALL
),
-- One row per mode a cell serves: prog_mode 1 the program's own row; for row 'ALL': 2 all
-- programs (no program filter), 3 one program selected, 4 several; boro_mode 1 one borough
-- (per borough, or one selected), 2 all boroughs (no borough filter), 3 several.
modes AS (
    SELECT s.*, pm.prog_mode, bm.boro_mode
    FROM summed s,
         (VALUES (1, 1), (1, 3), (2, 2), (4, 4)) AS pm(type, prog_mode),
         (VALUES (1, 1), (2, 2), (4, 3)) AS bm(type, boro_mode)
    WHERE (s.prog_types & pm.type) <> 0 AND (s.boro_types & bm.type) <> 0
)
SELECT m.boro_mode, m.prog_mode,
       CASE WHEN m.prog_mode = 1 THEN p.program ELSE 'ALL' END AS program,
       CASE WHEN m.prog_mode = 1 THEN p.sort_order ELSE 1000 END AS sort_order,
       CASE WHEN m.boro_mode = 1 THEN b.label END AS borough,
       m.prog_part, m.prog_of, m.boro_part, m.boro_of,
       m.from_lo::INTEGER AS from_lo, m.from_hi::INTEGER AS from_hi,
       m.to_lo::INTEGER AS to_lo, m.to_hi::INTEGER AS to_hi,
       -- the years y whose window [y, y] it holds, and [1, y] (10000: none)
       greatest(m.from_lo, m.to_lo)::INTEGER AS year_lo,
       least(m.from_hi, m.to_hi)::INTEGER AS year_hi,
       (CASE WHEN m.from_lo <= 1 THEN m.to_lo ELSE 10000 END)::INTEGER AS cumulative_lo,
       m.to_hi::INTEGER AS cumulative_hi,
       m.new_enrollments::BIGINT AS new_enrollments, m.referrals::BIGINT AS referrals,
       m.placements::BIGINT AS placements, m.arrears_usd::DECIMAL(38, 2) AS arrears_usd,
       m.served::BIGINT AS served, m.graduated::BIGINT AS graduated,
       m.placed::BIGINT AS placed, m.reduced::BIGINT AS reduced
FROM modes m
LEFT JOIN metric_programs p ON m.prog_part = 1::BIGINT << p.bit
LEFT JOIN metric_boroughs b ON m.boro_part = 1::BIGINT << b.bit
ORDER BY ALL;

-- Tables of older versions of this model.
DROP TABLE IF EXISTS metric_profile_counts;
DROP TABLE IF EXISTS main.metric_profile_entries;
DROP TABLE IF EXISTS metric_totals;
DROP TABLE IF EXISTS metric_arrears_mixed;
DROP TABLE metric_span;
DROP TABLE metric_enr;
DROP TABLE metric_year_totals;
DROP TABLE metric_arr;
DROP TABLE metric_mixed;
DROP TABLE metric_entries;
DROP TABLE metric_multi;
DROP TABLE metric_profiles;
DROP TABLE metric_pentries;
DROP TABLE metric_profile_bits;
DROP TABLE metric_mixed_bits;
DROP TABLE metric_selected;
DROP TABLE metric_runs;
DROP TABLE metric_mixed_runs;
DROP MACRO TABLE metric_selections;
DROP MACRO metric_ways;
