-- Keys of protected packages: one per encrypted rendition, kept only sealed (AES-256-GCM under
-- the installation's master key, bound to its id), and served by /api/v1/keys/{id} to those who
-- may read the asset.
CREATE TABLE content_keys (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    rendition TEXT NOT NULL,
    job_id TEXT,
    scheme TEXT NOT NULL,
    sealed TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX content_keys_by_asset ON content_keys (asset_id, rendition);
