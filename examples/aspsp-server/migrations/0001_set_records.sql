-- One row per queued SET: the transmitter's SetRecord (setpoll_core::transmitter).
-- Acknowledged SETs are deleted. Times are milliseconds since the Unix epoch.
-- The same DDL runs on SQLite and PostgreSQL (sqlx's migrator). IF NOT EXISTS: databases
-- made before the migrator (by the server's own runner) already hold the table.
CREATE TABLE IF NOT EXISTS set_records (
    client_id   TEXT   NOT NULL,   -- the TPP (the SET's aud)
    seq         BIGINT NOT NULL,   -- FIFO position in the client's queue (assigned by the core)
    jti         TEXT   NOT NULL,
    token       TEXT   NOT NULL,   -- the signed SET, compact JWS, delivered byte for byte
    state       TEXT   NOT NULL,   -- pending / delivered / dead_letter
    attempts    BIGINT NOT NULL,   -- deliveries so far
    visible_at  BIGINT NOT NULL,   -- deliverable (again) from this time
    enqueued_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,   -- awaiting: dropped after, dead letter: purged after
    last_error  TEXT,              -- the last failure (SetFailure as JSON), if any
    PRIMARY KEY (client_id, jti),
    UNIQUE (client_id, seq)
);
CREATE INDEX IF NOT EXISTS set_records_expiry ON set_records (expires_at);
