-- Cohort completion: of the enrollments that began in each year of the window, how many ended
-- in graduation, and by when. One row per program and enrollment year (the cohort).
-- The unit is the enrollment (a parent who enrolled twice in a year counts twice), and each
-- cohort is followed to the latest record date in the warehouse (data_through), whatever the
-- window, like the referral funnel.
--   enrolled:             enrollments with enrolled_on in the cohort year (and the window).
--   graduated_1y / _2y:   of those, enrollments with outcome graduated whose exited_on is at
--                         most 365 / 730 days after enrolled_on.
--   graduated:            of those, all graduated enrollments (by the latest data).
--   still_active:         of those, enrollments with no exit yet.
--   followed_days:        days from the cohort's last possible enrollment (31 December) to
--                         data_through: a cohort followed for fewer than 365 (730) days has not
--                         had its full first (second) year, so its rate is not comparable.
-- $data_through is the latest record date (plain/data_through.sql): the query layer passes it,
-- computed once per warehouse version, so that this query does not scan the facts for it.
WITH completion_base AS (
    SELECT $data_through::DATE AS data_through
),
cohorts AS (
    SELECT (month // 12)::INTEGER AS year, program, enrolled, graduated_1y, graduated_2y,
           graduated, still_active
    FROM enrollment_cohorts
    WHERE month BETWEEN year($from_date::DATE) * 12 + month($from_date::DATE) - 1
                    AND year($to_date::DATE) * 12 + month($to_date::DATE) - 1
      AND (len($programs) = 0 OR list_contains($programs, program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(borough, 'Unknown')))
)
SELECT c.year, c.program,
       sum(c.enrolled)::BIGINT AS enrolled,
       sum(c.graduated_1y)::BIGINT AS graduated_1y,
       sum(c.graduated_2y)::BIGINT AS graduated_2y,
       sum(c.graduated)::BIGINT AS graduated,
       sum(c.still_active)::BIGINT AS still_active,
       (b.data_through - make_date(c.year, 12, 31))::INTEGER AS followed_days
FROM cohorts c, completion_base b
GROUP BY c.year, c.program, b.data_through
ORDER BY year, c.program
