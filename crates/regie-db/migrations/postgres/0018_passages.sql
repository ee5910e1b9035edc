-- Semantic search: each asset's description and stretches of its transcript, with the vector the
-- embedding engine gave each (384 values in 8 bits and a scale, base64), and the SHA-256 of the
-- text it was made from, so unchanged passages are not embedded again. Rows are replaced per asset.
CREATE TABLE passages (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    start_ms BIGINT,
    end_ms BIGINT,
    text_sha256 TEXT NOT NULL,
    vector TEXT NOT NULL,
    model TEXT NOT NULL,
    embedded_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, position)
);

-- One row, counting the writes to `passages`: a process keeps the vectors in memory while the
-- count it read them at is still current.
CREATE TABLE passage_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
