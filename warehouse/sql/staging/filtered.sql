-- Staging for every query: the facts narrowed by the global filters, and the reporting windows.
-- Parameters: $from_date, $to_date (DATE), $by_year (BOOLEAN), $programs, $boroughs (VARCHAR[],
-- empty = all). Query files under queries/ continue this WITH clause.
--
-- Borough: a record's own borough where it has one (enrollments, referrals); otherwise the
-- participant's borough (table participant_boroughs, see models/participant_boroughs.sql).
-- $borough_lookup (BOOLEAN, set by the query layer when a borough filter or breakdown needs it)
-- turns that lookup on; without it filter_borough is only the record's own borough and the
-- join costs nothing (the false condition empties its build side). The join is by the
-- participant's number (pid, which every fact row and participant_boroughs row carries, one
-- per participant key): 4 bytes per row to hash instead of a 64-character key.
WITH f_enrollments AS (
    SELECT e.*, coalesce(e.borough, pb.borough) AS filter_borough
    FROM enrollments e LEFT JOIN participant_boroughs pb
      ON pb.pid = e.pid AND $borough_lookup
    WHERE (len($programs) = 0 OR list_contains($programs, e.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(e.borough, pb.borough, 'Unknown')))
),
f_referrals AS (
    SELECT r.*, coalesce(r.borough, pb.borough) AS filter_borough
    FROM referrals r LEFT JOIN participant_boroughs pb
      ON pb.pid = r.pid AND $borough_lookup
    WHERE (len($programs) = 0 OR list_contains($programs, r.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(r.borough, pb.borough, 'Unknown')))
),
f_arrears AS (
    SELECT a.*, pb.borough AS filter_borough
    FROM arrears_reductions a LEFT JOIN participant_boroughs pb
      ON pb.pid = a.pid AND $borough_lookup
    WHERE (len($programs) = 0 OR list_contains($programs, a.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(pb.borough, 'Unknown')))
),
f_placements AS (
    SELECT p.*, pb.borough AS filter_borough
    FROM placements p LEFT JOIN participant_boroughs pb
      ON pb.pid = p.pid AND $borough_lookup
    WHERE (len($programs) = 0 OR list_contains($programs, p.program))
      AND (len($boroughs) = 0 OR list_contains($boroughs, coalesce(pb.borough, 'Unknown')))
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
