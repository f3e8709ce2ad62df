-- Participants served per program and borough in the window: the participants_served metric of
-- program_metrics.sql (distinct participants whose enrollment span overlaps the window) with the
-- borough filter set to each borough in turn. The borough is the enrollment's own, else the
-- participant's (filtered.sql); enrollments with no known borough are left out. A participant
-- enrolled from two boroughs counts in each. tests/test_dashboard_callbacks.py checks this
-- against wh.metrics() with each borough filter.
SELECT e.filter_borough AS borough, e.program,
       count(DISTINCT e.participant_key) AS participants_served
FROM f_enrollments e JOIN windows w
  ON e.enrolled_on <= w.win_end AND coalesce(e.exited_on, DATE '9999-12-31') >= w.win_start
WHERE e.filter_borough IS NOT NULL AND NOT $by_year
GROUP BY ALL
ORDER BY borough, program
