-- Search across a user's conversations (docs/conversation-data.md §1, ADR-026), on PostgreSQL alone.
--
-- Nothing here rewrites or scans the messages table under a lock: the two columns are nullable without a default
-- (a catalog change), the trigger fills them for every row written from now on (by any writer, any version), rows
-- written before are filled by SearchBackfill in batches, and the GIN index is built CONCURRENTLY by it afterwards
-- (which a migration's transaction could not do).

-- The index is on (user_id, search): btree_gin gives GIN the equality on text. Trusted extension: the owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The typo and short-word fallback, when the server has pg_trgm; search works without it.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available: search has no similarity fallback';
END $$;

ALTER TABLE messages ADD COLUMN user_id text NULL;
ALTER TABLE messages ADD COLUMN search tsvector NULL;

-- What a person can find of a message: the words of users and the assistant (tags by their text); tool results and
-- notes are the model's, not the user's. Old rows whose content is not an array have none.
-- The vector is one expression (a JSON path, no subquery), so PostgreSQL inlines the function where it is used: a trigger
-- calling a SQL function with a subquery planned that subquery again in every inserting statement, and halved the
-- insert rate measured with pgbench.
CREATE FUNCTION message_search_vector(role text, content jsonb) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN role IN ('user', 'assistant') AND jsonb_typeof(content) = 'array' THEN to_tsvector(jsonb_path_query_array(
            content, '$[*] ? (@.type == "input_text" || @.type == "input_tag" || @.type == "output_text").text'))
        ELSE ''::tsvector
    END
$$;

-- The same words as text, for the headline of a search hit (a page of them, never on the write path).
CREATE FUNCTION message_search_text(role text, content jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN role IN ('user', 'assistant') AND jsonb_typeof(content) = 'array' THEN coalesce(
            (SELECT string_agg(part ->> 'text', ' ')
             FROM jsonb_array_elements(content) part
             WHERE part ->> 'type' IN ('input_text', 'input_tag', 'output_text')), '')
        ELSE ''
    END
$$;

-- The vector uses the connection's default_text_search_config, which the service sets from SEARCH_LANGUAGE. A writer that
-- fills both columns itself (an import) skips the trigger; every other insert, and a change of content, fills them here.
CREATE FUNCTION messages_fill_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id IS NULL THEN
        NEW.user_id := (SELECT user_id FROM sessions WHERE id = NEW.session_id);
    END IF;
    NEW.search := message_search_vector(NEW.role, NEW.content);
    RETURN NEW;
END $$;

CREATE TRIGGER messages_search BEFORE INSERT ON messages
    FOR EACH ROW WHEN (NEW.search IS NULL OR NEW.user_id IS NULL) EXECUTE FUNCTION messages_fill_search();

CREATE TRIGGER messages_search_content BEFORE UPDATE OF content ON messages
    FOR EACH ROW WHEN (OLD.content IS DISTINCT FROM NEW.content) EXECUTE FUNCTION messages_fill_search();
