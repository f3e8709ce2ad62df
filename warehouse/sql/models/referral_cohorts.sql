-- Pre-aggregate for the /referrals page (queries/referral_funnel.sql, queries/referral_flows.sql),
-- so that a page call sums a few thousand rows instead of joining millions of referrals,
-- enrollments and placements. warehouse/build.py runs it after participant_boroughs on the
-- referrals in scope: m_cohort_referrals (all referrals, or those a load may change: of the
-- touched participants, or named by their enrollments), with m_cohort_enrollments and
-- m_cohort_placements (the enrollments and placements they can match) and m_cohort_boroughs
-- (their participants' rows of participant_boroughs), and writes
-- c_referral_cohorts; build.py replaces the table (full) or adds new - old (incremental), so
-- it always matches the facts.
--
-- Why this is exact: reporting windows are whole calendar years and the filters are a program
-- list and a borough list. A referral's funnel stages (enrolled, graduated, placed; the
-- definitions are in queries/referral_funnel.sql) follow it to the latest data whatever the
-- window, so they are a property of the referral alone; its program, its borough (its own, else
-- the participant's from participant_boroughs, NULL when neither is known: the borough of
-- filtered.sql with the participant lookup on) and its year are fixed too. Referrals are
-- counted per (program, borough, year of referred_on, source) with how many reached each stage.
--
-- Table:
--   referral_cohorts   program, borough, year, source (as recorded, NULL kept), referred,
--                      enrolled, graduated, placed. referral_id is unique (the loader upserts
--                      by id), so each referral is counted once.
--
-- The stages, per referral, as in the query's definition:
--   matched enrollments: those naming the referral (referral_id), and those with no
--       referral_id by the same participant in the same program enrolled on or after the
--       referral date;
--   enrolled:  some matched enrollment;
--   graduated: some matched enrollment with outcome graduated;
--   placed:    a placement of the referral's participant in the referral's program on or
--              after some matched enrollment's enrolled_on, i.e. the participant's latest
--              placement in that program is on or after the earliest matched enrolled_on.
CREATE OR REPLACE TEMP TABLE c_referral_cohorts AS
WITH linked AS (
    -- Enrollments naming a referral, per referral_id named.
    SELECT referral_id, min(enrolled_on) AS first_enrolled_on,
           bool_or(outcome = 'graduated') AS graduated
    FROM m_cohort_enrollments
    WHERE referral_id IS NOT NULL
    GROUP BY referral_id
),
unlinked AS (
    -- Enrollments with no referral_id matched to referrals by participant, program and date.
    SELECT r.referral_id, min(e.enrolled_on) AS first_enrolled_on,
           bool_or(e.outcome = 'graduated') AS graduated
    FROM m_cohort_referrals r JOIN m_cohort_enrollments e
      ON coalesce(e.referral_id, '') = ''
     AND e.pid = r.pid
     AND e.program = r.program
     AND e.enrolled_on >= r.referred_on
    GROUP BY r.referral_id
),
last_placements AS (
    SELECT pid, program, max(placed_on) AS last_placed_on
    FROM m_cohort_placements
    GROUP BY ALL
),
staged AS MATERIALIZED (
    -- Materialized: read twice below.
    SELECT r.pid, r.program, r.borough, year(r.referred_on) AS year, r.source,
           l.referral_id IS NOT NULL OR u.referral_id IS NOT NULL AS enrolled,
           coalesce(l.graduated, false) OR coalesce(u.graduated, false) AS graduated,
           lp.last_placed_on >= least(l.first_enrolled_on, u.first_enrolled_on) AS placed
    FROM m_cohort_referrals r
    LEFT JOIN linked l USING (referral_id)
    LEFT JOIN unlinked u USING (referral_id)
    LEFT JOIN last_placements lp
      ON lp.pid = r.pid AND lp.program = r.program
),
resolved AS (
    -- The borough: the referral's own, else the participant's (joined only where needed).
    SELECT program, borough, year, source, enrolled, graduated, placed
    FROM staged WHERE borough IS NOT NULL
    UNION ALL
    SELECT s.program, pb.borough, s.year, s.source, s.enrolled, s.graduated, s.placed
    FROM staged s LEFT JOIN m_cohort_boroughs pb USING (pid)
    WHERE s.borough IS NULL
)
SELECT program, borough, year, source,
       count(*)::BIGINT AS referred,
       count(*) FILTER (WHERE enrolled) AS enrolled,
       count(*) FILTER (WHERE graduated) AS graduated,
       count(*) FILTER (WHERE placed) AS placed
FROM resolved
GROUP BY ALL;
