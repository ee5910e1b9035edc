//! Subtitle sidecars: `clip.srt`, `clip.vtt`, `clip.fr.srt`, `clip.en-GB.vtt` beside
//! `clip.mxf`. The language comes from the name when it says; an unreadable file is a finding.

use std::path::{Path, PathBuf};

use regie_core::subtitle::{SubtitleTrack, parse_subtitles};
use regie_core::{Finding, Severity};

use super::{extension_of, read_text};

pub(crate) const SUBTITLE_EXTENSIONS: [&str; 2] = ["srt", "vtt"];

/// The subtitle files among `folder_files` that belong to `media`, read; problems as findings.
pub(crate) fn subtitles_for(media: &Path, folder_files: &[PathBuf], findings: &mut Vec<Finding>) -> Vec<SubtitleTrack> {
    let Some(stem) = media.file_stem().and_then(|stem| stem.to_str()) else { return Vec::new() };
    let media_extension = extension_of(media).unwrap_or_default();
    let mut tracks = Vec::new();
    for path in folder_files {
        let Some(language) = belongs_to(path, stem, &media_extension) else { continue };
        let read = read_text(path).and_then(|text| parse_subtitles(&text));
        match read {
            Ok(cues) => tracks.push(SubtitleTrack {
                language,
                source: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
                cues,
            }),
            Err(reason) => findings.push(Finding::new(
                "subtitles-unreadable",
                Severity::Warning,
                format!("cannot read subtitles {}: {reason}", path.display()),
            )),
        }
    }
    tracks
}

/// `Some(language)` when `path` is a subtitle file of the media named `stem.media_extension`.
fn belongs_to(path: &Path, stem: &str, media_extension: &str) -> Option<Option<String>> {
    let extension = extension_of(path)?;
    if !SUBTITLE_EXTENSIONS.contains(&extension.as_str()) {
        return None;
    }
    let name = path.file_stem()?.to_str()?;
    if name == stem {
        return Some(None);
    }
    let middle = name.strip_prefix(stem)?.strip_prefix('.')?;
    if middle.eq_ignore_ascii_case(media_extension) {
        return Some(None);
    }
    let (language, region) = middle.split_once(['-', '_']).unwrap_or((middle, ""));
    let is_language = (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && region.chars().all(|c| c.is_ascii_alphanumeric());
    is_language.then(|| Some(language.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtitle_files_are_matched_by_name_with_their_language() {
        let of = |name: &str| belongs_to(Path::new(name), "clip", "mxf");
        assert_eq!(of("/in/clip.srt"), Some(None));
        assert_eq!(of("/in/clip.mxf.vtt"), Some(None));
        assert_eq!(of("/in/clip.fr.srt"), Some(Some("fr".into())));
        assert_eq!(of("/in/clip.en-GB.vtt"), Some(Some("en".into())));
        assert_eq!(of("/in/clip2.srt"), None, "another clip's");
        assert_eq!(of("/in/clip.director-cut.srt"), None);
        assert_eq!(of("/in/clip.json"), None);
    }
}
