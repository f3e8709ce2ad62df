-- Staging for every query: the facts narrowed by the global filters, and the reporting windows.
-- Parameters: $from_date, $to_date (DATE), $by_year (BOOLEAN), $programs, $boroughs (VARCHAR[],
-- empty = all). Query files under queries/ continue this WITH clause.
--
-- Borough: a record's own borough where it has one (enrollments, referrals); otherwise the
-- participant's borough, taken from their most recent enrollment, else most recent referral.
WITH participant_borough AS (
    -- Enrollments outrank referrals; within each, the most recent wins.
    SELECT participant_key, arg_max(borough, {'rank': rank, 'seen_on': seen_on}) AS borough
    FROM (
        SELECT participant_key, borough, enrolled_on AS seen_on, 1 AS rank
        FROM enrollments WHERE borough IS NOT NULL
        UNION ALL
        SELECT participant_key, borough, referred_on, 0
        FROM referrals WHERE borough IS NOT NULL
    )
    GROUP BY participant_key
),
f_enrollments AS (
    SELECT e.*, coalesce(e.borough, pb.borough) AS filter_borough
    FROM enrollments e LEFT JOIN participant_borough pb USING (participant_key)
    WHERE (len($programs) = 0 OR list_contains($programs, e.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(e.borough, pb.borough)))
),
f_referrals AS (
    SELECT r.*, coalesce(r.borough, pb.borough) AS filter_borough
    FROM referrals r LEFT JOIN participant_borough pb USING (participant_key)
    WHERE (len($programs) = 0 OR list_contains($programs, r.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(r.borough, pb.borough)))
),
f_arrears AS (
    SELECT a.*, pb.borough AS filter_borough
    FROM arrears_reductions a LEFT JOIN participant_borough pb USING (participant_key)
    WHERE (len($programs) = 0 OR list_contains($programs, a.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, pb.borough))
),
f_placements AS (
    SELECT p.*, pb.borough AS filter_borough
    FROM placements p LEFT JOIN participant_borough pb USING (participant_key)
    WHERE (len($programs) = 0 OR list_contains($programs, p.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, pb.borough))
),
-- One window for the whole range (year 0, so joins on year need no NULL handling), or one per
-- calendar year under $by_year.
windows AS (
    SELECT 0 AS year, $from_date::DATE AS win_start, $to_date::DATE AS win_end
    WHERE NOT $by_year
    UNION ALL
    SELECT y::INTEGER, make_date(y::INTEGER, 1, 1), make_date(y::INTEGER, 12, 31)
    FROM range(year($from_date::DATE), year($to_date::DATE) + 1) AS t(y)
    WHERE $by_year
)
