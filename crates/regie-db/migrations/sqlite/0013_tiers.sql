-- Tier moves and restores: the tier an asset's original was moved to by a retention rule (no copy
-- of it is made on a hotter tier after that), and copies brought back for a time (a restore).
ALTER TABLE assets ADD COLUMN original_tier TEXT;
ALTER TABLE blob_copies ADD COLUMN expires_at TEXT;
