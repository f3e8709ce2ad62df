-- The bit of each program and borough in the cells of models/program_metric_profiles.sql (a
-- borough NULL: records with no known borough). The query layer turns the program and borough
-- filters into these bits for queries/program_metrics.sql.
SELECT 'program' AS dimension, program AS name, bit FROM metric_programs
UNION ALL
SELECT 'borough', coalesce(borough, 'Unknown'), bit FROM metric_boroughs
