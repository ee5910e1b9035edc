//! An asset's subtitle tracks (files read with the media, and transcripts) listed and written
//! out as SubRip or WebVTT.

use regie_core::AssetId;
use regie_core::subtitle::{SubtitleFormat, write_subtitles};
use regie_db::StoredTrack;

use crate::{AppError, Regie};

/// A track written out.
#[derive(Debug, Clone)]
pub struct SubtitleExport {
    /// A file name for it: `ASSET.transcript.fr.vtt`.
    pub file_name: String,
    pub format: SubtitleFormat,
    pub text: String,
}

impl Regie {
    /// Every subtitle track of an asset, with its cues.
    pub async fn subtitle_tracks(&self, asset_id: AssetId) -> Result<Vec<StoredTrack>, AppError> {
        Ok(self.db.subtitle_tracks(asset_id).await?)
    }

    /// One track of an asset as a file: the one named `source`, or the only one, or the
    /// transcript when there are several.
    pub async fn export_subtitles(
        &self,
        asset_id: AssetId,
        source: Option<&str>,
        format: SubtitleFormat,
    ) -> Result<SubtitleExport, AppError> {
        let tracks = self.db.subtitle_tracks(asset_id).await?;
        let names = || tracks.iter().map(|track| track.source.as_str()).collect::<Vec<_>>().join(", ");
        let track = match source {
            Some(source) => tracks.iter().find(|track| track.source == source).ok_or_else(|| {
                let shown: String = source.chars().take(64).collect();
                AppError::NoSuchFile(format!("asset {asset_id} has no subtitle track {shown:?} (it has: {})", names()))
            })?,
            None if tracks.len() == 1 => &tracks[0],
            None => tracks.iter().find(|track| track.source == regie_db::TRANSCRIPT_SOURCE).ok_or_else(|| {
                if tracks.is_empty() {
                    AppError::NoSuchFile(format!(
                        "asset {asset_id} has no subtitles: add a .srt or .vtt beside the media, or run `regie transcribe`"
                    ))
                } else {
                    AppError::Invalid(format!("asset {asset_id} has several subtitle tracks: name one ({})", names()))
                }
            })?,
        };
        // Both parts reach a Content-Disposition header: only plain characters, bounded.
        let plain = |text: &str| -> String {
            text.chars()
                .take(64)
                .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
                .collect()
        };
        let stem = plain(track.source.rsplit_once('.').map_or(track.source.as_str(), |(stem, _)| stem));
        let language = match track.language.as_deref().map(plain) {
            Some(language) if !stem.ends_with(&language) => format!(".{language}"),
            _ => String::new(),
        };
        Ok(SubtitleExport {
            file_name: format!("{asset_id}.{stem}{language}.{}", format.extension()),
            format,
            text: write_subtitles(&track.cues, format),
        })
    }
}
