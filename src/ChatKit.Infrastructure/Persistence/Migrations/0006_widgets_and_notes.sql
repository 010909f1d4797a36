-- The tasks widget a listing step showed: the tasks it lists as they stand after the user's clicks (rendered from this
-- snapshot, so the stream, a reload and an action's answer show the same JSON). Goes with its step's message.
CREATE TABLE widgets (
    id         text        PRIMARY KEY CHECK (char_length(id) <= 100),
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    message_id uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    tasks      jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- A page of items reads the widgets of the tool steps on it; the foreign key's deletes find theirs.
CREATE INDEX ix_widgets_message ON widgets (message_id);

-- Notes: what the user did through a widget, in words for the model; never items, never counted. The new check is
-- added NOT VALID and validated apart, and the constant default below is catalog-only (PostgreSQL 11+): no statement
-- here rewrites the messages table.
ALTER TABLE messages DROP CONSTRAINT messages_role_check;
ALTER TABLE messages ADD CONSTRAINT messages_role_check CHECK (role IN ('user', 'assistant', 'tool', 'note')) NOT VALID;
ALTER TABLE messages VALIDATE CONSTRAINT messages_role_check;

-- A reply the user stopped: the next turn's prompt says so.
ALTER TABLE messages ADD COLUMN stopped boolean NOT NULL DEFAULT false;
