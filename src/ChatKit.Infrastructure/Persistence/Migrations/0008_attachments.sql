-- Attachments (docs/decisions/ADR-022): the record, then the bytes in bytea chunks of at most 256 KiB, each its own
-- row, so an upload streams in with COPY and a download streams out a chunk at a time. The bytes go with their record
-- (ON DELETE CASCADE), the record with its message or session: deleting either removes the bytes in the same statement.
CREATE TABLE attachments (
    id         uuid        PRIMARY KEY,
    user_id    text        NOT NULL CHECK (char_length(user_id) <= 255),
    name       text        NOT NULL CHECK (char_length(name) <= 255),
    mime_type  text        NOT NULL CHECK (char_length(mime_type) <= 127),
    size       bigint      NOT NULL CHECK (size >= 0),
    uploaded   boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    -- Set when a user message takes it (its thread and its place among the message's attachments).
    session_id uuid        NULL REFERENCES sessions (id) ON DELETE CASCADE,
    message_id uuid        NULL REFERENCES messages (id) ON DELETE CASCADE,
    position   smallint    NULL
);

-- A user's storage (the per-user cap sums it); a message's attachments; the sweep's pending ones, oldest first.
CREATE INDEX ix_attachments_user ON attachments (user_id);
CREATE INDEX ix_attachments_message ON attachments (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX ix_attachments_unattached ON attachments (created_at) WHERE message_id IS NULL;

CREATE TABLE attachment_chunks (
    attachment_id uuid    NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           integer NOT NULL,
    data          bytea   NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

-- Images and PDFs are compressed already: store the chunks out of line without trying to compress them again.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- How many attachments a user message took, so a read of messages looks attachments up only for those that have some.
-- A constant default: catalog-only, no rewrite of the messages table.
ALTER TABLE messages ADD COLUMN attachment_count smallint NOT NULL DEFAULT 0;
