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
, completion_base AS (
    SELECT max(d) AS data_through FROM (
        SELECT max(enrolled_on) AS d FROM enrollments
        UNION ALL SELECT max(exited_on) FROM enrollments
        UNION ALL SELECT max(referred_on) FROM referrals
        UNION ALL SELECT max(applied_on) FROM arrears_reductions
        UNION ALL SELECT max(placed_on) FROM placements
    )
)
SELECT year(e.enrolled_on)::INTEGER AS year, e.program,
       count(*)::BIGINT AS enrolled,
       count(*) FILTER (WHERE e.outcome = 'graduated'
                        AND e.exited_on <= e.enrolled_on + 365)::BIGINT AS graduated_1y,
       count(*) FILTER (WHERE e.outcome = 'graduated'
                        AND e.exited_on <= e.enrolled_on + 730)::BIGINT AS graduated_2y,
       count(*) FILTER (WHERE e.outcome = 'graduated')::BIGINT AS graduated,
       count(*) FILTER (WHERE e.exited_on IS NULL)::BIGINT AS still_active,
       (b.data_through - make_date(year(e.enrolled_on)::INTEGER, 12, 31))::INTEGER
           AS followed_days
FROM f_enrollments e, completion_base b
WHERE e.enrolled_on BETWEEN $from_date AND $to_date
GROUP BY year(e.enrolled_on), e.program, b.data_through
ORDER BY year, e.program
