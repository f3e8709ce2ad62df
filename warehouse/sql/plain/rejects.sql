-- Rejected rows, newest load first (the raw participant id was never stored).
SELECT load_id, kind, file_name, line, record_id, reason, all_reasons, row_json
FROM rejects ORDER BY load_id DESC, file_name, line
