-- Pre-aggregate for the cohort completion chart (queries/cohort_completion.sql), so that a page
-- call sums a few thousand rows instead of joining every enrollment to participant_boroughs.
-- warehouse/build.py runs it after participant_boroughs on the participants in scope
-- (m_enrollments, m_boroughs: all of them, or those a load touched) and adds (new - old) to
-- table enrollment_cohorts, so it always matches the facts.
--
-- Why this is exact: the chart's window is whole months and its filters a program list and a
-- borough list; an enrollment's stages (graduated within 365 / 730 days, graduated, still
-- active) follow it to the latest data whatever the window, so they are a property of the
-- enrollment, and its program, borough (its own, else the participant's; NULL: unknown) and
-- enrollment month are fixed. tests/test_metrics_equivalence.py checks the query against the
-- fact-level SQL.
--
-- Table:
--   enrollment_cohorts   program, borough, month (year * 12 + month - 1 of enrolled_on),
--                        enrolled, graduated_1y, graduated_2y, graduated, still_active.
CREATE OR REPLACE TEMP TABLE c_enrollment_cohorts AS
SELECT e.program, coalesce(e.borough, pb.borough) AS borough,
       year(e.enrolled_on) * 12 + month(e.enrolled_on) - 1 AS month,
       count(*)::BIGINT AS enrolled,
       count(*) FILTER (WHERE e.outcome = 'graduated'
                        AND e.exited_on <= e.enrolled_on + 365)::BIGINT AS graduated_1y,
       count(*) FILTER (WHERE e.outcome = 'graduated'
                        AND e.exited_on <= e.enrolled_on + 730)::BIGINT AS graduated_2y,
       count(*) FILTER (WHERE e.outcome = 'graduated')::BIGINT AS graduated,
       count(*) FILTER (WHERE e.exited_on IS NULL)::BIGINT AS still_active
FROM m_enrollments e LEFT JOIN m_boroughs pb USING (pid)
GROUP BY ALL;
