-- Time-coded metadata: segments of an asset in exact frames of its original (shots, markers,
-- chapters, QC detections, review comments and their replies, subclips), and the history of its
-- approval in review (the newest row is the current state).
CREATE TABLE segments (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    kind TEXT NOT NULL,
    -- frames from the file's first frame (0); end_frame is the out-point (the frame after)
    start_frame BIGINT NOT NULL,
    end_frame BIGINT NOT NULL,
    text TEXT NOT NULL,
    author TEXT,
    -- user, qc, shots or import
    origin TEXT NOT NULL,
    parent_id TEXT REFERENCES segments (id),
    resolved_at TEXT,
    resolved_by TEXT,
    -- a shot's representative keyframe: the BLAKE3 of a JPEG in the store
    keyframe TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX segments_by_asset ON segments (asset_id, start_frame);
CREATE INDEX segments_by_parent ON segments (parent_id);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX approvals_by_asset ON approvals (asset_id, created_at);
