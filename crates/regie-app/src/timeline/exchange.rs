//! Segments out to editing tools and players (CMX 3600 EDL, OpenTimelineIO, WebVTT chapters,
//! CSV), and markers in from EDL and CSV: an import is checked line by line and written whole
//! or not at all.

use regie_core::timeline::csv_marks::{export_csv, import_csv};
use regie_core::timeline::edl::{EdlSource, export_edl, import_edl};
use regie_core::timeline::otio::{OtioSource, export_otio};
use regie_core::timeline::vtt::export_chapters;
use regie_core::timeline::{LineError, Mark, Segment, SegmentKind};
use regie_db::NewSegment;

use super::{Actor, segment_of};
use crate::{AppError, Regie};

/// The exchange formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeFormat {
    Edl,
    Otio,
    Vtt,
    Csv,
}

impl ExchangeFormat {
    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "edl" | "cmx3600" => Ok(Self::Edl),
            "otio" | "opentimelineio" => Ok(Self::Otio),
            "vtt" | "webvtt" => Ok(Self::Vtt),
            "csv" => Ok(Self::Csv),
            other => Err(AppError::Invalid(format!("unknown format {other:?}: use edl, otio, vtt or csv"))),
        }
    }

    /// The format a file name's extension says.
    pub fn of_file_name(name: &str) -> Option<Self> {
        let extension = name.rsplit_once('.')?.1;
        Self::parse(extension).ok()
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Edl => "edl",
            Self::Otio => "otio",
            Self::Vtt => "vtt",
            Self::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Edl => "text/plain; charset=utf-8",
            Self::Otio => "application/json",
            Self::Vtt => "text/vtt; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The most kinds an export may name.
const MAX_KINDS: usize = 32;

/// The largest file an import reads.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;

impl Regie {
    /// The asset's segments (of `kinds`, or all; WebVTT takes the chapters when no kind is named)
    /// in `format`.
    pub async fn export_segments(
        &self,
        reference: &str,
        format: ExchangeFormat,
        kinds: &[String],
    ) -> Result<String, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        if kinds.len() > MAX_KINDS {
            return Err(AppError::Invalid(format!("name at most {MAX_KINDS} kinds")));
        }
        let wanted: Vec<String> = match (kinds.is_empty(), format) {
            (true, ExchangeFormat::Vtt) => vec!["chapter".to_owned()],
            _ => kinds.iter().map(|kind| SegmentKind::parse(kind).map(String::from)).collect::<Result<_, _>>()?,
        };
        let record = self.db.get_asset(asset_id).await?;
        let clock = self.clock_of_record(&record);
        let segments: Vec<Segment> = self
            .db
            .segments_of(asset_id, None)
            .await?
            .into_iter()
            .filter(|row| wanted.is_empty() || wanted.contains(&row.kind))
            .map(|row| segment_of(row, &clock))
            .collect::<Result<_, _>>()?;
        let marks: Vec<Mark> = segments.iter().map(Segment::mark).collect();
        Ok(match format {
            ExchangeFormat::Edl => {
                export_edl(&EdlSource { title: &record.house_id, clip_name: &record.name, clock }, &marks)
            }
            ExchangeFormat::Otio => {
                let target_url = if record.source_path.starts_with('/') {
                    format!("file://{}", record.source_path)
                } else {
                    record.source_path.clone()
                };
                let source = OtioSource {
                    name: &record.house_id,
                    asset_id: &asset_id.to_string(),
                    target_url: &target_url,
                    clock,
                };
                export_otio(&source, &marks)
            }
            ExchangeFormat::Vtt => export_chapters(&marks, &clock),
            ExchangeFormat::Csv => export_csv(&segments),
        })
    }

    /// Reads markers from an EDL or a CSV file's text and adds them all, or none when any line
    /// is wrong (the error names every wrong line).
    pub async fn import_segments(
        &self,
        reference: &str,
        format: ExchangeFormat,
        text: &str,
        actor: &Actor,
    ) -> Result<Vec<Segment>, AppError> {
        if text.len() > MAX_IMPORT_BYTES {
            return Err(AppError::Invalid(format!("an import is at most {MAX_IMPORT_BYTES} bytes")));
        }
        let asset_id = self.db.resolve_asset(reference).await?;
        let clock = self.clock_of(asset_id).await?;
        let read = match format {
            ExchangeFormat::Edl => import_edl(text, &clock),
            ExchangeFormat::Csv => import_csv(text, &clock),
            other => {
                return Err(AppError::Invalid(format!(
                    "markers are imported from edl or csv, not {}",
                    other.extension()
                )));
            }
        };
        let marks = read.map_err(|errors| AppError::Invalid(describe(&errors)))?;
        if marks.is_empty() {
            return Err(AppError::Invalid("the file holds no marker".to_owned()));
        }
        let count = marks.len();
        let new: Vec<NewSegment> = marks
            .into_iter()
            .map(|mark| NewSegment {
                mark,
                author: Some(actor.name.clone()),
                origin: "import".to_owned(),
                parent_id: None,
                keyframe: None,
            })
            .collect();
        let ids = self.db.add_segments(asset_id, &new).await?;
        self.audit(actor.entry("segment.import", asset_id, format!("{count} segments from {}", format.extension())))
            .await?;
        self.follow_changes_quietly().await;
        let mut added = Vec::with_capacity(ids.len());
        for id in ids {
            added.push(segment_of(self.db.segment(asset_id, &id).await?, &clock)?);
        }
        Ok(added)
    }
}

/// Every wrong line, at most 50 of them, in one message.
fn describe(errors: &[LineError]) -> String {
    let shown: Vec<String> = errors.iter().take(50).map(LineError::to_string).collect();
    let more = errors.len().saturating_sub(50);
    let tail = if more > 0 { format!("; and {more} more") } else { String::new() };
    format!("nothing imported, {} wrong line(s): {}{tail}", errors.len(), shown.join("; "))
}
