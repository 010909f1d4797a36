-- Search finds words written between angle brackets (issue #31, item 8). PostgreSQL's parser takes "<script>…</script>"
-- for markup and skips what is inside it, so a message "<script>kiwiX</script>" had no word "kiwix" to find. The vector
-- now reads the text with < and > as spaces; what is shown (message_search_text, the headline) keeps them as written.
-- Still one inlinable expression: the strings are replaced in the JSON text of the parts, which < and > cannot break.
CREATE OR REPLACE FUNCTION message_search_vector(role text, content jsonb) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN role IN ('user', 'assistant') AND jsonb_typeof(content) = 'array' THEN to_tsvector(translate(jsonb_path_query_array(
            content, '$[*] ? (@.type == "input_text" || @.type == "input_tag" || @.type == "output_text").text')::text, '<>', '  ')::jsonb)
        ELSE ''::tsvector
    END
$$;

-- The rows already written with angle brackets get their vector again (a scan of the table, no table lock: rows without
-- "<" are only read).
UPDATE messages SET search = message_search_vector(role, content)
WHERE search IS NOT NULL AND role IN ('user', 'assistant') AND content::text LIKE '%<%';
