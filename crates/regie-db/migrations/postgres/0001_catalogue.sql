-- The catalogue: collections, assets, their files, findings, tags, duplicates and house id counters.
-- Portable on purpose: TEXT ids and RFC 3339 timestamps, JSON kept as TEXT, BIGINT sizes,
-- so the PostgreSQL migrations can say the same thing with the same column names.

CREATE TABLE collections (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id TEXT REFERENCES collections (id),
    created_at TEXT NOT NULL
);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    house_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    collection_id TEXT NOT NULL REFERENCES collections (id),
    source_path TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX assets_by_collection ON assets (collection_id, id);

CREATE TABLE asset_files (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    role TEXT NOT NULL,
    blake3 TEXT NOT NULL,
    md5 TEXT NOT NULL,
    sha256 TEXT,
    size BIGINT NOT NULL,
    format TEXT NOT NULL,
    media TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (asset_id, role)
);
CREATE INDEX asset_files_by_blake3 ON asset_files (blake3);

CREATE TABLE duplicates (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    source_path TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    UNIQUE (asset_id, source_path)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX findings_by_asset ON findings (asset_id);

CREATE TABLE asset_tags (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (asset_id, tag)
);
CREATE INDEX asset_tags_by_tag ON asset_tags (tag);

CREATE TABLE house_id_counters (
    scope TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);
