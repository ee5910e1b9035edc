//! Listing, adding, editing and removing an asset's segments; every change is audited.

use regie_core::timeline::{Mark, Segment, SegmentKind, SourceClock};
use regie_db::{NewSegment, SegmentChange};

use super::{Actor, segment_of};
use crate::{AppError, Regie};

/// A segment as a person gives it: timecodes on the source (`10:00:02:05`), or frames.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SegmentInput {
    /// Default `marker`.
    pub kind: Option<String>,
    /// The in-point on the source's timecode.
    #[serde(rename = "in", alias = "start_tc")]
    pub in_tc: Option<String>,
    /// The out-point (the frame after the range); none for a marker on one instant.
    #[serde(rename = "out", alias = "end_tc")]
    pub out_tc: Option<String>,
    /// The in-point as a frame of the file (0 is the first), instead of `in`.
    pub start_frame: Option<u64>,
    pub end_frame: Option<u64>,
    #[serde(default)]
    pub text: String,
}

/// What an edit changes; what is left out stays.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SegmentEdit {
    pub kind: Option<String>,
    #[serde(rename = "in", alias = "start_tc")]
    pub in_tc: Option<String>,
    #[serde(rename = "out", alias = "end_tc")]
    pub out_tc: Option<String>,
    pub start_frame: Option<u64>,
    pub end_frame: Option<u64>,
    pub text: Option<String>,
}

/// A frame from a timecode or a frame number, checked against the source's length.
fn frame_from(clock: &SourceClock, timecode: Option<&str>, frame: Option<u64>) -> Result<Option<u64>, AppError> {
    if let Some(timecode) = timecode.filter(|text| !text.trim().is_empty()) {
        return Ok(Some(clock.frame_of(timecode)?));
    }
    if let (Some(frame), Some(frames)) = (frame, clock.frames)
        && frame > frames
    {
        return Err(AppError::Invalid(format!("frame {frame} is after the end of the source ({frames} frames)")));
    }
    Ok(frame)
}

impl SegmentInput {
    /// The mark this input describes on `clock`.
    pub(crate) fn mark(&self, clock: &SourceClock, default_kind: &str) -> Result<Mark, AppError> {
        let kind = SegmentKind::parse(self.kind.as_deref().unwrap_or(default_kind))?;
        let start = frame_from(clock, self.in_tc.as_deref(), self.start_frame)?
            .ok_or_else(|| AppError::Invalid("give the in-point: --in TIMECODE (or a start frame)".to_owned()))?;
        let end = frame_from(clock, self.out_tc.as_deref(), self.end_frame)?.unwrap_or(start);
        Ok(Mark::new(kind, start, end, &self.text)?)
    }
}

impl Regie {
    /// An asset's segments in time order, of one kind or all.
    pub async fn segments(&self, reference: &str, kind: Option<&str>) -> Result<Vec<Segment>, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let kind = kind.map(SegmentKind::parse).transpose()?;
        let clock = self.clock_of(asset_id).await?;
        let rows = self.db.segments_of(asset_id, kind.as_ref().map(SegmentKind::as_str)).await?;
        rows.into_iter().map(|row| segment_of(row, &clock)).collect()
    }

    /// Adds a segment (a `comment` goes through `review`, which threads it).
    pub async fn add_segment(&self, reference: &str, input: &SegmentInput, actor: &Actor) -> Result<Segment, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let clock = self.clock_of(asset_id).await?;
        let mark = input.mark(&clock, "marker")?;
        let detail = format!(
            "{} {}-{} {}",
            mark.kind,
            mark.start_frame,
            mark.end_frame,
            mark.text.chars().take(200).collect::<String>()
        );
        let new = NewSegment {
            mark,
            author: Some(actor.name.clone()),
            origin: "user".to_owned(),
            parent_id: None,
            keyframe: None,
        };
        let ids = self.db.add_segments(asset_id, &[new]).await?;
        self.audit(actor.entry("segment.add", asset_id, format!("segment {}: {detail}", ids[0]))).await?;
        self.follow_changes_quietly().await;
        segment_of(self.db.segment(asset_id, &ids[0]).await?, &clock)
    }

    /// Changes a segment's kind, range or text.
    pub async fn edit_segment(
        &self,
        reference: &str,
        id: &str,
        edit: &SegmentEdit,
        actor: &Actor,
    ) -> Result<Segment, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let clock = self.clock_of(asset_id).await?;
        let current = self.db.segment(asset_id, id).await?;
        let kind = edit.kind.as_deref().map(SegmentKind::parse).transpose()?;
        let start = frame_from(&clock, edit.in_tc.as_deref(), edit.start_frame)?;
        let end = frame_from(&clock, edit.out_tc.as_deref(), edit.end_frame)?;
        let checked = Mark::new(
            kind.clone().unwrap_or(SegmentKind::parse(&current.kind)?),
            start.unwrap_or(current.start_frame),
            end.unwrap_or(current.end_frame),
            edit.text.as_deref().unwrap_or(&current.text),
        )?;
        let change = SegmentChange {
            kind: kind.map(String::from),
            start_frame: start,
            end_frame: end,
            text: edit.text.as_ref().map(|_| checked.text.clone()),
        };
        self.db.edit_segment(asset_id, &current.id, &change).await?;
        let detail = format!(
            "segment {}: {} {}-{} {}",
            current.id,
            checked.kind,
            checked.start_frame,
            checked.end_frame,
            checked.text.chars().take(200).collect::<String>()
        );
        self.audit(actor.entry("segment.edit", asset_id, detail)).await?;
        self.follow_changes_quietly().await;
        segment_of(self.db.segment(asset_id, &current.id).await?, &clock)
    }

    /// Removes a segment (and, for a comment, its replies); how many went.
    pub async fn remove_segment(&self, reference: &str, id: &str, actor: &Actor) -> Result<u64, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let current = self.db.segment(asset_id, id).await?;
        let removed = self.db.remove_segment(asset_id, &current.id).await?;
        let detail = format!(
            "segment {} ({} {}-{}), {removed} removed",
            current.id, current.kind, current.start_frame, current.end_frame
        );
        self.audit(actor.entry("segment.remove", asset_id, detail)).await?;
        self.follow_changes_quietly().await;
        Ok(removed)
    }
}
