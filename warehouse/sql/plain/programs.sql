-- The program dimension, in display order.
SELECT code, name, family FROM programs ORDER BY sort_order
