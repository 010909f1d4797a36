-- One row per model call: what it cost, in tokens and (when the upstream said) dollars.
CREATE TABLE usage (
    id                uuid          PRIMARY KEY,
    user_id           text          NOT NULL,
    session_id        uuid          NOT NULL,
    run_id            uuid          NOT NULL,
    model             text          NOT NULL,
    prompt_tokens     integer       NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens integer       NOT NULL CHECK (completion_tokens >= 0),
    total_tokens      integer       NOT NULL CHECK (total_tokens >= 0),
    cost_usd          numeric(14,8) NULL,
    estimated         boolean       NOT NULL,
    created_at        timestamptz   NOT NULL
);

-- A user's usage by day (the budget check and GET /usage); a session's total; the day's cost for everyone.
CREATE INDEX ix_usage_user_created ON usage (user_id, created_at);
CREATE INDEX ix_usage_session ON usage (session_id);
CREATE INDEX ix_usage_created ON usage (created_at);

-- What a run in flight may still spend, counted against its user's daily budget until its usage is recorded.
ALTER TABLE sessions ADD COLUMN run_reserved_tokens integer NOT NULL DEFAULT 0;
