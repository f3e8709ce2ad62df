-- The latest date any record carries (enrollment, exit, referral, arrears adjustment or
-- placement): what the data runs through, as opposed to when it was loaded (table loads).
SELECT max(d) AS data_through FROM (
    SELECT max(enrolled_on) AS d FROM enrollments
    UNION ALL SELECT max(exited_on) FROM enrollments
    UNION ALL SELECT max(referred_on) FROM referrals
    UNION ALL SELECT max(applied_on) FROM arrears_reductions
    UNION ALL SELECT max(placed_on) FROM placements
)
