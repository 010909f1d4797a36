-- Sessions and their messages as real rows. A session's run claim (run_claim_id, run_claimed_until)
-- lets one run stream at a time across instances and lapses by itself if its instance dies.
CREATE TABLE sessions (
    id                uuid PRIMARY KEY,
    user_id           text        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 128),
    title             text        NOT NULL,
    auto_title        boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    message_count     integer     NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    run_claim_id      uuid        NULL,
    run_claimed_until timestamptz NULL
);

-- "My sessions, newest activity first" and its keyset paging.
CREATE INDEX ix_sessions_user_updated ON sessions (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    session_id        uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    role              text        NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
    content           jsonb       NOT NULL,
    tool_calls        jsonb       NULL,
    status            text        NOT NULL CHECK (status IN ('completed', 'incomplete')),
    created_at        timestamptz NOT NULL,
    model             text        NULL,
    prompt_tokens     integer     NULL,
    completion_tokens integer     NULL,
    total_tokens      integer     NULL
);

-- "A session's messages in order", both ways (history oldest first, prompt newest first).
CREATE INDEX ix_messages_session_created ON messages (session_id, created_at, id);
