-- Keeping: the storage locations besides the primary store, and where every copy of every blob
-- is, with what the last fixity check found.
CREATE TABLE storage_locations (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- online, nearline, archive
    tier TEXT NOT NULL,
    -- JSON: endpoint, region, names of the variables holding the keys (never the keys)
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE blob_copies (
    blake3 TEXT NOT NULL,
    -- 'primary' or a storage location's name
    location TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- ok, mismatch, missing, unreadable: what the last check (or the copy that made it) found
    state TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    checked_at TEXT,
    -- where a bad copy was moved aside, in words
    quarantined_to TEXT,
    PRIMARY KEY (blake3, location)
);
CREATE INDEX blob_copies_by_location ON blob_copies (location, checked_at);

-- Every blob the catalogue refers to is in the primary store today.
INSERT INTO blob_copies (blake3, location, size, state, stored_at)
SELECT blake3, 'primary', MAX(size), 'ok', MIN(created_at) FROM (
    SELECT blake3, size, created_at FROM asset_files
    UNION ALL
    SELECT rendition_files.blake3, rendition_files.size, renditions.created_at
    FROM rendition_files JOIN renditions ON renditions.id = rendition_files.rendition_id
) AS referenced
GROUP BY blake3;
