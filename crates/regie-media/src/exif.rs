//! EXIF facts of still images (orientation, capture date), read in-process with kamadak-exif.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use exif::{In, Tag, Value};
use regie_core::ImageInfo;

/// Adds what the EXIF block says to `image`; an image without EXIF is left as it is.
pub(crate) fn add_exif(path: &Path, image: &mut ImageInfo) {
    let Ok(file) = File::open(path) else { return };
    let Ok(exif) = exif::Reader::new().read_from_container(&mut BufReader::new(file)) else {
        return;
    };
    image.orientation = exif
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|value| u16::try_from(value).ok())
        .filter(|value| (1..=8).contains(value));
    image.capture_date = [Tag::DateTimeOriginal, Tag::DateTimeDigitized, Tag::DateTime]
        .into_iter()
        .find_map(|tag| exif.get_field(tag, In::PRIMARY))
        .and_then(|field| match &field.value {
            Value::Ascii(values) => values.first().and_then(|bytes| exif_date_to_iso(bytes)),
            _ => None,
        });
}

/// `2026:11:22 10:30:00` becomes `2026-11-22T10:30:00`.
fn exif_date_to_iso(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?.trim_end_matches('\0').trim();
    let (date, time) = text.split_once(' ')?;
    let date = date.replace(':', "-");
    let well_formed = date.len() == 10 && time.len() == 8 && !date.starts_with("0000");
    well_formed.then(|| format!("{date}T{time}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_dates_become_iso() {
        assert_eq!(exif_date_to_iso(b"2026:11:22 10:30:00").as_deref(), Some("2026-11-22T10:30:00"));
        assert_eq!(exif_date_to_iso(b"0000:00:00 00:00:00"), None);
        assert_eq!(exif_date_to_iso(b"garbage"), None);
    }
}
