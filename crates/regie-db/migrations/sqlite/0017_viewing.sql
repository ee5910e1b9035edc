-- What people watched: a play in the player, a download, a delivery they asked for, or a rating
-- (1 to 5); recommendations and trends are computed from these.
CREATE TABLE viewing_events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    kind TEXT NOT NULL,
    rating INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX viewing_by_user ON viewing_events (user_id, at);
CREATE INDEX viewing_by_asset ON viewing_events (asset_id, at);
