-- A session's run claim is its active run: its id is the run id, and a reloaded page asks what to reattach to.
ALTER TABLE sessions ADD COLUMN run_started_at timestamptz NULL;
ALTER TABLE sessions ADD COLUMN run_background boolean NOT NULL DEFAULT false;
