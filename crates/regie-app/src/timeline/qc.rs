//! QC detections (black, silence, freeze) as segments, replacing what the last check found.

use regie_core::timeline::{Mark, SegmentKind, SourceClock};
use regie_db::NewSegment;
use regie_media::{Detections, Segment as Detected};

/// The segments of what the detectors found, on `clock`: each the frames whose display falls
/// in the detected stretch.
pub(crate) fn detection_segments(detections: &Detections, clock: &SourceClock) -> Vec<NewSegment> {
    let base = &clock.base;
    let kinds: [(&str, &[Detected]); 3] =
        [("black", &detections.black), ("silence", &detections.silence), ("freeze", &detections.freeze)];
    let mut segments = Vec::new();
    for (kind, found) in kinds {
        for stretch in found {
            let start = base.frame_at(stretch.start_s);
            let mut end = base.frame_at(stretch.end_s).max(start);
            if let Some(frames) = clock.frames {
                end = end.min(frames);
            }
            let text = format!("{kind} for {:.2} s", stretch.duration_s);
            let kind = SegmentKind::parse(kind).expect("a known kind");
            let Ok(mark) = Mark::new(kind, start.min(end), end, &text) else { continue };
            segments.push(NewSegment {
                mark,
                author: Some("qc".to_owned()),
                origin: "qc".to_owned(),
                parent_id: None,
                keyframe: None,
            });
        }
    }
    segments
}

/// The kinds a detection run writes (and so replaces).
pub(crate) const DETECTION_KINDS: &[&str] = &["black", "silence", "freeze"];
