-- Perceptual fingerprints: a 64-bit DCT hash per sampled picture (one a second) and framing (100,
-- 85 and 70 % centre crops), stored as a signed 64-bit integer, with its four 16-bit bands indexed
-- so that near copies are found without reading every hash (multi-index hashing); each band's
-- index carries the asset, so the look-up never reads the table.
CREATE TABLE fingerprints (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    t_ms BIGINT NOT NULL,
    crop INTEGER NOT NULL,
    hash BIGINT NOT NULL,
    band0 INTEGER NOT NULL,
    band1 INTEGER NOT NULL,
    band2 INTEGER NOT NULL,
    band3 INTEGER NOT NULL,
    PRIMARY KEY (asset_id, t_ms, crop)
);
CREATE INDEX fingerprints_band0 ON fingerprints (band0, asset_id);
CREATE INDEX fingerprints_band1 ON fingerprints (band1, asset_id);
CREATE INDEX fingerprints_band2 ON fingerprints (band2, asset_id);
CREATE INDEX fingerprints_band3 ON fingerprints (band3, asset_id);

-- Which assets were fingerprinted, and when (a file of flat pictures has none to store).
CREATE TABLE fingerprint_runs (
    asset_id TEXT PRIMARY KEY REFERENCES assets (id),
    samples BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
