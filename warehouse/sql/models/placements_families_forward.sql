-- The Families Forward placements with what the /families-forward page's queries need
-- (queries/ff_*.sql), so that a page call scans this slice (about 0.2% of the facts at scale
-- 100) instead of joining the placements to participant_boroughs and the enrollments.
-- warehouse/build.py runs it after participant_boroughs on the participants in scope
-- (m_placements, m_enrollments, m_boroughs: all of them, or those a load touched) and replaces
-- their rows of table ff_placements, so it always matches the facts.
--
-- Table:
--   ff_placements   one row per placement in FAMILIES_FORWARD: participant_key, program,
--                   placed_on, sector, hourly_wage (as recorded), borough (the participant's
--                   from participant_boroughs, NULL when unknown: the borough of filtered.sql's
--                   f_placements with the participant lookup on), and days_since_enrollment:
--                   placed_on minus the participant's latest Families Forward enrolled_on on
--                   or before placed_on (NULL when there is none).
CREATE OR REPLACE TEMP TABLE c_ff_placements AS
WITH ff AS (
    SELECT placement_id, participant_key, program, placed_on, sector, hourly_wage
    FROM m_placements
    WHERE program = 'FAMILIES_FORWARD'
),
gaps AS (
    SELECT p.placement_id, min(p.placed_on - e.enrolled_on) AS days
    FROM ff p JOIN m_enrollments e
      ON e.participant_key = p.participant_key AND e.program = p.program
     AND e.enrolled_on <= p.placed_on
    GROUP BY ALL
)
SELECT p.participant_key, p.program, p.placed_on, p.sector, p.hourly_wage,
       pb.borough, g.days AS days_since_enrollment
FROM ff p
LEFT JOIN m_boroughs pb USING (participant_key)
LEFT JOIN gaps g USING (placement_id);
