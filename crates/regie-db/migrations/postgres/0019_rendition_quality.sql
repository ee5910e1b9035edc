-- What a rendition is worth and what it cost: the PSNR and SSIM of each video rung against the
-- source (JSON: [{"width", "height", "psnr", "ssim"}], NULL when not measured) and the seconds
-- its encode took.
ALTER TABLE renditions ADD COLUMN quality TEXT;
ALTER TABLE renditions ADD COLUMN encode_s DOUBLE PRECISION;
