-- Machine-made subtitles: a transcript of the speech is kept like a subtitle file, marked with
-- the origin that made it (sidecar files are 'sidecar'), the engine, and how sure the engine was
-- of the language it detected.
ALTER TABLE subtitles ADD COLUMN origin TEXT NOT NULL DEFAULT 'sidecar';
ALTER TABLE subtitles ADD COLUMN engine TEXT;
ALTER TABLE subtitles ADD COLUMN language_probability DOUBLE PRECISION;
