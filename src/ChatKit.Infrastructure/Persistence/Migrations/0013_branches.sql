-- Branches instead of lost history (docs/conversation-data.md §2, ADR-027). An edit or a retry no longer deletes what
-- followed: those messages are kept, inactive, and the new message or reply starts a sibling branch.
--
-- Every statement here is a catalog change on a table of any size: nullable columns, and NOT NULL columns with a constant
-- default (PostgreSQL 11+ stores the default in the catalog; no row is rewritten, the lock is held for milliseconds).
-- Existing sessions need no backfill: every message is active and selected by its default, which makes each session one
-- branch; their rows' parent_id stays NULL until the session's first edit or retry links them in order (they are linear).

-- The message this one follows in its branch (the session's id for a session's first messages); NULL on rows written
-- before branches, linked at their session's first branch operation. No foreign key: validating one would scan the table.
ALTER TABLE messages ADD COLUMN parent_id uuid NULL;

-- On the branch the session shows and the prompt holds.
ALTER TABLE messages ADD COLUMN active boolean NOT NULL DEFAULT true;

-- The sibling chosen last among those with the same parent: activating a message brings back, below it, the branch that
-- was shown when it was left.
ALTER TABLE messages ADD COLUMN selected boolean NOT NULL DEFAULT true;

-- Whether any message of the session has a sibling: a read of a session that never branched looks for none.
ALTER TABLE sessions ADD COLUMN branched boolean NOT NULL DEFAULT false;
