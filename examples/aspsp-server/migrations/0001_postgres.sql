-- One row per SET per client: the transmitter's storage-neutral record.
-- Times are milliseconds since the Unix epoch.
CREATE TABLE set_records (
    seq         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- delivery order
    client_id   TEXT    NOT NULL,                  -- the TPP (aud)
    jti         TEXT    NOT NULL,
    token       TEXT    NOT NULL,                  -- the signed SET, compact JWS
    state       TEXT    NOT NULL,                  -- pending / delivered / acked / failed / dead
    attempts    BIGINT  NOT NULL DEFAULT 0,        -- deliveries so far
    visible_at  BIGINT  NOT NULL,                  -- deliverable again from this time
    enqueued_at BIGINT  NOT NULL,
    expires_at  BIGINT,                            -- dropped after this time (NULL: never)
    last_error  TEXT,                              -- setErrs err code, or why it was dead-lettered
    last_error_description TEXT,
    UNIQUE (client_id, jti)
);
CREATE INDEX set_records_poll ON set_records (client_id, state, seq);
