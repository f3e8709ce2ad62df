-- The first and last calendar year any record falls in: the default reporting window.
SELECT min(y) AS first_year, max(y) AS last_year FROM (
    SELECT year(enrolled_on) AS y FROM enrollments
    UNION ALL SELECT year(exited_on) FROM enrollments
    UNION ALL SELECT year(referred_on) FROM referrals
    UNION ALL SELECT year(applied_on) FROM arrears_reductions
    UNION ALL SELECT year(placed_on) FROM placements
)
