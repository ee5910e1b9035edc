-- A token created with another token records its parent: it dies with it (revoking a token
-- revokes the tokens it made) and never outlives it (its expiry is at most the parent's).
ALTER TABLE api_tokens ADD COLUMN parent_id TEXT REFERENCES api_tokens (id);
CREATE INDEX api_tokens_by_parent ON api_tokens (parent_id);
