-- Each participant's borough, for the borough filter of records that carry none (arrears
-- reductions, placements) or whose own borough is empty: the most recent enrollment's borough,
-- else the most recent referral's. warehouse/build.py runs it inside the load's transaction on
-- the participants in scope (views m_enrollments, m_referrals: all of them, or those the load
-- touched) and puts their rows in table participant_boroughs, so it always matches the facts.
-- It keeps pid (the participant's number) too: a load replaces the rows of its participants by it.
CREATE OR REPLACE TEMP TABLE c_participant_boroughs AS
SELECT any_value(participant_key) AS participant_key, pid,  -- one key per pid
       -- Enrollments outrank referrals; within each, the latest wins; two boroughs on the same
       -- day go to the one last in alphabetical order, so every build of the same facts agrees.
       arg_max(borough, {'rank': rank, 'seen_on': seen_on, 'borough': borough}) AS borough
FROM (
    SELECT participant_key, pid, borough, enrolled_on AS seen_on, 1 AS rank
    FROM m_enrollments WHERE borough IS NOT NULL
    UNION ALL
    SELECT participant_key, pid, borough, referred_on, 0
    FROM m_referrals WHERE borough IS NOT NULL
)
GROUP BY pid;  -- the integer: a full build hashes 4 bytes per row
