-- Rows loaded with a warning, newest load first.
SELECT load_id, kind, file_name, line, record_id, rule, detail
FROM warnings ORDER BY load_id DESC, file_name, line
