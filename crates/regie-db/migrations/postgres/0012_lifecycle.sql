-- Lifecycle: the trash (hidden, restorable until purged), legal holds that beat every rule and
-- delete, and purges that leave the asset's row as a tombstone (the audit trail keeps what it held).
ALTER TABLE assets ADD COLUMN trashed_at TEXT;
ALTER TABLE assets ADD COLUMN trashed_by TEXT;
ALTER TABLE assets ADD COLUMN trash_reason TEXT;
-- set when a purge starts removing the bytes (a killed purge resumes), then when it is done
ALTER TABLE assets ADD COLUMN purge_started_at TEXT;
ALTER TABLE assets ADD COLUMN purged_at TEXT;
CREATE INDEX assets_by_trash ON assets (trashed_at);

CREATE TABLE holds (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    released_at TEXT,
    released_by TEXT
);
CREATE INDEX holds_by_asset ON holds (asset_id, released_at);
