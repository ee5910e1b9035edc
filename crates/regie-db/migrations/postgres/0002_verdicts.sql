-- Policy verdicts: each asset checked against the policies its collection asks for at ingest.
CREATE TABLE verdicts (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    policy TEXT NOT NULL,
    passed BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    report TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE INDEX verdicts_by_asset ON verdicts (asset_id);
