-- Facts about the warehouse itself (e.g. dataset = synthetic_demo).
SELECT key, value FROM meta ORDER BY key
