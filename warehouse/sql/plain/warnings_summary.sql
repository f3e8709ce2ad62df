-- Rows loaded with a warning, counted by rule (over every load).
SELECT rule, kind, count(*) AS rows_warned, count(DISTINCT file_name) AS files,
       max(load_id) AS latest_load_id
FROM warnings
GROUP BY ALL
ORDER BY rows_warned DESC, rule, kind
