-- Durable runs (ADR-023). Which instance holds a session's run claim: a survivor takes over only lapsed claims, and a
-- restarted instance recovers the ones it held before it died. Nullable: a catalog-only change.
ALTER TABLE sessions ADD COLUMN run_owner text NULL;

-- The survivors' scan: claims still set whose time has passed.
CREATE INDEX ix_sessions_run_claims ON sessions (run_claimed_until) WHERE run_claim_id IS NOT NULL;

-- Without a shared event log (no Redis), the text a running reply has streamed so far, written at most every
-- RUN_CHECKPOINT_SECONDS, so a restart stores what clients saw; deleted when the run's last write releases its claim.
CREATE TABLE run_checkpoints (
    run_id     uuid        PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    item_id    uuid        NOT NULL,
    text       text        NOT NULL,
    updated_at timestamptz NOT NULL
);

-- A cancel that reached a run whose instance did not answer it: the survivor that takes the run over ends it instead of
-- going on. Reset by every new claim. A constant default: catalog-only.
ALTER TABLE sessions ADD COLUMN run_cancel_requested boolean NOT NULL DEFAULT false;

-- Idempotency-Key: a user's key, the hash of the request it came with, and what that request became (its run, or its
-- answer), so a retried send attaches to the first instead of starting a second turn.
CREATE TABLE idempotency_keys (
    user_id      text        NOT NULL CHECK (char_length(user_id) <= 255),
    key          text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    request_hash bytea       NOT NULL,
    run_id       uuid        NULL,
    status       integer     NULL,
    body         text        NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- The sweep of expired keys, oldest first.
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);

-- Tools that act once: a task change made by a tool call records the call in the same transaction, keyed by its id. A
-- survivor continuing a dead instance's turn reads these back for the calls of its last stored step that have no
-- result, instead of running them again.
CREATE TABLE tool_effects (
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    call_id    text        NOT NULL CHECK (char_length(call_id) <= 200),
    task_id    uuid        NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, call_id)
);
