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

-- Trends, kept incrementally: per asset and half-life (1 hour, 24 hours, 7 days), the log of
-- Σ exp(λ tᵢ) over its views (tᵢ in seconds from 2020-01-01): one update per view, and ordering by
-- a column is ordering by that window's decayed popularity now.
CREATE TABLE asset_trends (
    asset_id TEXT PRIMARY KEY REFERENCES assets (id),
    log_1h DOUBLE PRECISION NOT NULL,
    log_24h DOUBLE PRECISION NOT NULL,
    log_7d DOUBLE PRECISION NOT NULL,
    views BIGINT NOT NULL,
    last_view_at TEXT NOT NULL
);
CREATE INDEX trends_by_1h ON asset_trends (log_1h);
CREATE INDEX trends_by_24h ON asset_trends (log_24h);
CREATE INDEX trends_by_7d ON asset_trends (log_7d);
