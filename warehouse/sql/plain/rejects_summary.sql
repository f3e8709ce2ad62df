-- Rejected rows counted by load, file and reason (the first rule each row broke).
SELECT load_id, kind, file_name, reason, count(*) AS rows_rejected
FROM rejects
GROUP BY ALL
ORDER BY load_id DESC, rows_rejected DESC, file_name, reason
