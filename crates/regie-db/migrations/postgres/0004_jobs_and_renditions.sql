-- Durable jobs: claimed under a lease that a live worker renews, so the work of a dead worker is
-- picked up again. Timestamps are RFC 3339 UTC with milliseconds, so they compare as text.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    asset_id TEXT REFERENCES assets (id),
    payload TEXT NOT NULL DEFAULT '{}',
    idempotency_key TEXT UNIQUE,
    state TEXT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 3,
    run_after TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires_at TEXT,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    progress DOUBLE PRECISION,
    eta_seconds DOUBLE PRECISION,
    error TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX jobs_ready ON jobs (state, priority, run_after, id);
CREATE INDEX jobs_by_asset ON jobs (asset_id);

CREATE TABLE job_log (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    logged_at TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX job_log_by_job ON job_log (job_id, id);

-- Renditions: the outputs of a transcoding profile, one or many files (a ladder's playlists and
-- segments), each stored by content like every other file.
CREATE TABLE renditions (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    profile TEXT NOT NULL,
    job_id TEXT REFERENCES jobs (id),
    main_file TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (asset_id, profile)
);

CREATE TABLE rendition_files (
    rendition_id TEXT NOT NULL REFERENCES renditions (id),
    path TEXT NOT NULL,
    blake3 TEXT NOT NULL,
    md5 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media TEXT,
    PRIMARY KEY (rendition_id, path)
);
CREATE INDEX rendition_files_by_blake3 ON rendition_files (blake3);
