-- Identity providers (ADR-024): a user id from a token's claim may be up to 200 characters (Entra's and Auth0's ids fit
-- in 128, but a configured AUTH_USER_CLAIM may hold a longer one). Widening a CHECK: the new constraint is added NOT
-- VALID, a catalog change that scans nothing; it is enforced for every row written from now on, and every existing row
-- already satisfies the narrower check it replaces, so validating it would scan the table under a lock for nothing.
ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_check,
    ADD CONSTRAINT sessions_user_id_check CHECK (char_length(user_id) BETWEEN 1 AND 200) NOT VALID;
ALTER TABLE tasks DROP CONSTRAINT tasks_user_id_check,
    ADD CONSTRAINT tasks_user_id_check CHECK (char_length(user_id) BETWEEN 1 AND 200) NOT VALID;
