-- A user's message as sent: what it quotes (ChatKit's reply-to) and the tool chosen in the composer; the model chosen
-- goes in the existing model column. Its tags are parts of the content jsonb. Nullable columns: catalog-only changes.
ALTER TABLE messages ADD COLUMN quoted_text text NULL;
ALTER TABLE messages ADD COLUMN tool_choice text NULL;
