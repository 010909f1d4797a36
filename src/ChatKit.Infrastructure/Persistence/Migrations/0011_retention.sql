-- Retention (RETENTION_DAYS): the sweep finds idle sessions oldest first, across users.
CREATE INDEX ix_sessions_updated ON sessions (updated_at) WHERE run_claim_id IS NULL;
