-- Every file of every load, newest load first.
SELECT load_id, file_name, kind, file_sha256, bytes, rows_read, rows_loaded, rows_inserted,
       rows_updated, rows_unchanged, rows_duplicate, rows_rejected, rows_warned
FROM load_files ORDER BY load_id DESC, file_name
