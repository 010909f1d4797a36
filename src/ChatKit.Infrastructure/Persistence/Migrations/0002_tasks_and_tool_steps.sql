-- The assistant's tools act on a user's tasks. Ownership is a column every query filters on.
CREATE TABLE tasks (
    id          uuid        PRIMARY KEY,
    user_id     text        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 128),
    title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    completed   boolean     NOT NULL DEFAULT false,
    priority    text        NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    tags        text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- "My tasks, newest first" and its keyset paging; the cap's count uses it too.
CREATE INDEX ix_tasks_user_created ON tasks (user_id, created_at DESC, id DESC);

-- A tool message answers one call of the assistant message before it.
ALTER TABLE messages ADD COLUMN tool_call_id text NULL;
ALTER TABLE messages ADD CONSTRAINT ck_messages_tool_call_id CHECK ((role = 'tool') = (tool_call_id IS NOT NULL));
