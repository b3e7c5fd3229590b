-- The sweep looks for delivered SETs visible again (out of attempts): without this
-- index that is a scan of the whole table every sweep interval.
CREATE INDEX IF NOT EXISTS set_records_state_visible ON set_records (state, visible_at);
