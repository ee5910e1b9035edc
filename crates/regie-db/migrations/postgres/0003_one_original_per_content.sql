-- The same content is catalogued once: at most one original file per BLAKE3, so two processes
-- ingesting the same bytes at the same moment cannot both create an asset.
CREATE UNIQUE INDEX asset_files_one_original_per_content ON asset_files (blake3) WHERE role = 'original';
