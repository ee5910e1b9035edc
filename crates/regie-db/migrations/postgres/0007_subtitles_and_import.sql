-- Subtitle sidecars (.srt, .vtt) read at ingest: their cues as JSON, one row per file, so the
-- search index can be rebuilt with the spoken lines and their moments.
CREATE TABLE subtitles (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    language TEXT,
    source TEXT NOT NULL,
    cues TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (asset_id, source)
);
