-- The native ChatKit protocol lists threads by creation time and stores feedback on assistant messages.
CREATE INDEX ix_sessions_user_created ON sessions (user_id, created_at DESC, id DESC);

ALTER TABLE messages ADD COLUMN feedback text NULL CHECK (feedback IN ('positive', 'negative'));
