-- The load history, newest first.
SELECT load_id, started_at, finished_at, outcome, files, rows_read, rows_loaded,
       rows_rejected, rows_warned
FROM loads ORDER BY load_id DESC
