-- The months (core/periods.py indexes) in which enrollments of $program began: metric_additive's
-- new enrollments (models/program_metrics_model.sql), all boroughs. Unfiltered, so cached once
-- per warehouse version (charts/lives.py: whether any enrollment can lie outside the program's
-- life at all).
SELECT DISTINCT month FROM metric_additive
WHERE program = $program AND new_enrollments > 0
ORDER BY month
