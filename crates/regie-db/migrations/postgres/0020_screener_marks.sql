-- Screeners' invisible marks: each recipient of a programme's screeners gets the next code of the
-- asset (its ordinal picks the frequencies), the same one for every copy made for them, so that
-- `regie watermark detect` can say whose copy a leaked file is.
CREATE TABLE screener_marks (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    recipient TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, recipient),
    UNIQUE (asset_id, ordinal)
);
