-- Enrollments outside their program's life (docs/metrics.md, "Programs have lives"): the
-- enrollments of $program that the participants_served of the window counts (span enrolled_on
-- to exited_on, or still open, overlaps the window; the program and borough filters applied
-- as the definition applies them) but whose enrolled_on falls before $life_start or after
-- $life_end (DATE; NULL: no bound). The definition counts them (a record loaded with a
-- warning is a record); pages and reports say how many. Only a participant with such an
-- enrollment can count, so the spans are those participants' (CTE outside_pids), by their
-- number (pid: 4 bytes to hash and group, not a 64-character key). One row:
--   enrollments_outside          such enrollments
--   participants_only_outside    parents served in the window only through such enrollments
--                                (what participants_served would lose without them)
--   first_outside, last_outside  their earliest and latest enrolled_on (NULL when none)
, life AS (
    SELECT coalesce($life_start::DATE, DATE '-infinity') AS first_day,
           coalesce($life_end::DATE, DATE 'infinity') AS last_day
),
outside_pids AS (
    SELECT DISTINCT e.pid FROM enrollments e, life
    WHERE e.program = $program AND e.enrolled_on NOT BETWEEN life.first_day AND life.last_day
),
spans AS (
    SELECT e.pid, e.enrolled_on,
           e.enrolled_on NOT BETWEEN life.first_day AND life.last_day AS outside
    FROM f_enrollments e
    CROSS JOIN life
    JOIN windows w
      ON e.enrolled_on <= w.win_end AND coalesce(e.exited_on, DATE 'infinity') >= w.win_start
    WHERE e.program = $program AND NOT $by_year AND e.pid IN (SELECT pid FROM outside_pids)
),
per_participant AS (
    SELECT pid, bool_and(outside) AS only_outside FROM spans GROUP BY ALL
)
SELECT count(*) FILTER (WHERE outside) AS enrollments_outside,
       (SELECT count(*) FROM per_participant WHERE only_outside) AS participants_only_outside,
       min(enrolled_on) FILTER (WHERE outside) AS first_outside,
       max(enrolled_on) FILTER (WHERE outside) AS last_outside
FROM spans
