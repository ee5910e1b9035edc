-- The change feed: one row per change to an asset that the search index shows, numbered in commit
-- order (appended under a lock held until commit), so each server node follows it and applies
-- what it has not seen yet.
CREATE TABLE asset_changes (
    seq BIGINT PRIMARY KEY,
    asset_id TEXT NOT NULL,
    at TEXT NOT NULL
);
