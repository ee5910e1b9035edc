//! Time-coded metadata: segments of an asset (shots, markers, chapters, QC detections, review
//! comments, subclips) in exact frames, and their exchange with editing tools (CMX 3600 EDL,
//! OpenTimelineIO, WebVTT chapters, CSV).

pub mod csv_marks;
pub mod edl;
pub mod otio;
pub mod segment;
pub mod vtt;

pub use segment::{ApprovalState, Mark, Segment, SegmentKind};

use crate::CoreError;
use crate::timecode::TimeBase;

/// An asset's clock: its time base and, when known, how many frames it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceClock {
    pub base: TimeBase,
    pub frames: Option<u64>,
}

impl SourceClock {
    /// The clock of a file: its main picture's frame rate (or `fallback`, for sound and stills,
    /// whose timecode counts at the house rate), its start timecode, and its length in frames.
    pub fn of_media(media: Option<&crate::MediaDescription>, fallback: crate::Rational) -> Self {
        let rate = media.and_then(|media| media.main_video()).and_then(|video| video.frame_rate).unwrap_or(fallback);
        let start = media.and_then(|media| media.timecode.as_deref());
        let base = TimeBase::new(rate, start)
            .or_else(|_| TimeBase::new(rate, None))
            .expect("a time base without a start timecode always builds");
        let frames = media.and_then(|media| media.duration_s).map(|seconds| {
            let exact = seconds * rate.num as f64 / rate.den as f64;
            (exact + 0.5).floor().max(0.0) as u64
        });
        Self { base, frames }
    }

    /// The frame that `timecode` labels on this source: refused before the first frame or after
    /// the last (an out-point may be the frame just after the last).
    pub fn frame_of(&self, timecode: &str) -> Result<u64, CoreError> {
        let frame = self.base.frame_of(timecode)?;
        if let Some(frames) = self.frames
            && frame > frames
        {
            return Err(CoreError::invalid(
                "timecode",
                timecode,
                format!("it is after the end of the source, {}", self.base.timecode_of(frames)),
            ));
        }
        Ok(frame)
    }

    /// The last instant of the source as an out-point (the frame after the last).
    pub fn end_frame(&self) -> Option<u64> {
        self.frames
    }
}

/// A problem with one line of an imported file, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}
