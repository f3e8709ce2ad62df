-- The warehouse's tables. Created by every load (IF NOT EXISTS), so a new file gets them all.
-- participant_key is an HMAC-SHA256 of the raw participant_id; the raw id is never stored.
-- Fact ids carry no PRIMARY KEY index: the loader's upsert keeps them unique (tested), and an
-- index would double the cost of a large load.
-- pid: the participant's number (table metric_participants), an internal surrogate of
-- participant_key that the load assigns (warehouse/build.py, assign_pids): the models select
-- and join a load's participants by this integer instead of scanning 64-character keys.

-- The participant key -> pid map: one number per participant key, never reused.
CREATE TABLE IF NOT EXISTS metric_participants (
    participant_key VARCHAR NOT NULL,
    pid INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS programs (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    family VARCHAR NOT NULL,   -- employment | debt_reduction | other
    sort_order INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS enrollments (
    enrollment_id VARCHAR NOT NULL,  -- unique: the loader upserts by id
    participant_key VARCHAR NOT NULL,
    program VARCHAR NOT NULL,
    enrolled_on DATE NOT NULL,
    exited_on DATE,
    outcome VARCHAR NOT NULL,  -- active | graduated | exited
    borough VARCHAR,
    referral_id VARCHAR,
    load_id INTEGER NOT NULL,
    pid INTEGER          -- the participant's number (metric_participants)
);

CREATE TABLE IF NOT EXISTS referrals (
    referral_id VARCHAR NOT NULL,  -- unique: the loader upserts by id
    participant_key VARCHAR NOT NULL,
    program VARCHAR NOT NULL,
    referred_on DATE NOT NULL,
    source VARCHAR,
    borough VARCHAR,
    load_id INTEGER NOT NULL,
    pid INTEGER          -- the participant's number (metric_participants)
);

CREATE TABLE IF NOT EXISTS arrears_reductions (
    adjustment_id VARCHAR NOT NULL,  -- unique: the loader upserts by id
    participant_key VARCHAR NOT NULL,
    program VARCHAR NOT NULL,
    applied_on DATE NOT NULL,
    amount DECIMAL(14, 2) NOT NULL,   -- negative: a reversal
    dss_balance_before DECIMAL(14, 2),
    load_id INTEGER NOT NULL,
    pid INTEGER          -- the participant's number (metric_participants)
);

CREATE TABLE IF NOT EXISTS placements (
    placement_id VARCHAR NOT NULL,  -- unique: the loader upserts by id
    participant_key VARCHAR NOT NULL,
    program VARCHAR NOT NULL,
    placed_on DATE NOT NULL,
    sector VARCHAR,
    hourly_wage DECIMAL(8, 2),
    employer VARCHAR,
    load_id INTEGER NOT NULL,
    pid INTEGER          -- the participant's number (metric_participants)
);

-- One row per participant per month of their child support account (the support_months kind):
-- what current support was due and paid, for the impact measures (queries/impact*.sql).
CREATE TABLE IF NOT EXISTS support_months (
    -- The key (participant, month) as one value, for the loader's upsert: computed, not stored
    -- (it would double the table's size).
    support_month_id VARCHAR GENERATED ALWAYS AS
        (participant_key || ':' || strftime(month, '%Y-%m')) VIRTUAL,
    participant_key VARCHAR NOT NULL,
    month DATE NOT NULL,                -- the first day of the month
    current_support_due DECIMAL(14, 2) NOT NULL,   -- >= 0
    current_support_paid DECIMAL(14, 2) NOT NULL,  -- >= 0
    arrears_paid DECIMAL(14, 2),                   -- >= 0; NULL when not given
    arrears_balance DECIMAL(14, 2),                -- at the end of the month
    load_id INTEGER NOT NULL,
    pid INTEGER          -- the participant's number (metric_participants)
);

-- Targets per program (or ALL: every program together), metric and period, as the Mayor's
-- Management Report sets them. No participant: nothing to pseudonymize.
CREATE TABLE IF NOT EXISTS targets (
    target_key VARCHAR NOT NULL,  -- program|metric|period: the loader upserts by it
    program VARCHAR NOT NULL,     -- a program code or ALL
    metric VARCHAR NOT NULL,      -- a metric of warehouse/metrics.py
    period VARCHAR NOT NULL,      -- FY2024, FFY2024, 2024 or 2024-Q1
    target DECIMAL(18, 2) NOT NULL,
    direction VARCHAR NOT NULL,   -- up | down: which way is better
    note VARCHAR,
    load_id INTEGER NOT NULL
);

-- Rows that were not loaded, with where they came from and why. The raw row is kept as JSON
-- with participant_id replaced by its key.
CREATE TABLE IF NOT EXISTS rejects (
    load_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    line INTEGER NOT NULL,       -- CSV: line in the file (header is line 1); Parquet: row number
    record_id VARCHAR,
    reason VARCHAR NOT NULL,     -- the first rule the row broke
    all_reasons VARCHAR NOT NULL,
    row_json VARCHAR NOT NULL
);

-- Rows that loaded with a value set to unknown, or that break a business rule.
CREATE TABLE IF NOT EXISTS warnings (
    load_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    record_id VARCHAR,
    rule VARCHAR NOT NULL,
    detail VARCHAR
);

-- One row per committed load command.
CREATE TABLE IF NOT EXISTS loads (
    load_id INTEGER PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    outcome VARCHAR NOT NULL,
    files INTEGER NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    rows_warned BIGINT NOT NULL
);

-- One row per file of a load.
CREATE TABLE IF NOT EXISTS load_files (
    load_id INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    file_path VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,    -- valid rows: inserted + updated + unchanged
    rows_inserted BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL, -- identical copies collapsed into one
    rows_rejected BIGINT NOT NULL,
    rows_warned BIGINT NOT NULL
);

-- Facts about the warehouse itself, e.g. dataset = synthetic_demo.
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
