-- The targets (record kind `targets`), in program display order (ALL last), then metric and
-- the period's start (a quarter before its year's fiscal years: core/periods.py orders them).
SELECT t.program, t.metric, t.period, t.target::DOUBLE AS target, t.direction, t.note
FROM targets t
LEFT JOIN programs p ON p.code = t.program
ORDER BY coalesce(p.sort_order, 1000), t.program, t.metric, t.period
