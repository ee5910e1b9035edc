//! OpenTimelineIO JSON (`.otio`): a timeline with one clip, the asset's original, carrying the
//! segments as markers in the source's own time (its start timecode is the clip's start), so an
//! editor opens the markers where the source timecode says.

use serde_json::{Value, json};

use super::{Mark, SourceClock};

fn time(value: u64, rate: f64) -> Value {
    json!({"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value as f64})
}

fn range(start: u64, duration: u64, rate: f64) -> Value {
    json!({"OTIO_SCHEMA": "TimeRange.1", "start_time": time(start, rate), "duration": time(duration, rate)})
}

/// What the timeline is about.
pub struct OtioSource<'a> {
    pub name: &'a str,
    pub asset_id: &'a str,
    /// Where the original can be fetched (the API's download address).
    pub target_url: &'a str,
    pub clock: SourceClock,
}

/// Writes `marks` as an OTIO timeline.
pub fn export_otio(source: &OtioSource, marks: &[Mark]) -> String {
    let base = &source.clock.base;
    let rate = base.rate.as_f64();
    let frames = source.clock.frames.unwrap_or_else(|| marks.iter().map(|mark| mark.end_frame).max().unwrap_or(0));
    let markers: Vec<Value> = marks
        .iter()
        .map(|mark| {
            json!({
                "OTIO_SCHEMA": "Marker.2",
                "name": mark.text,
                "color": mark.kind.colour(),
                "comment": "",
                "marked_range": range(base.start + mark.start_frame, mark.end_frame - mark.start_frame, rate),
                "metadata": {"regie": {"kind": mark.kind.as_str(), "start_frame": mark.start_frame, "end_frame": mark.end_frame}},
            })
        })
        .collect();
    let clip = json!({
        "OTIO_SCHEMA": "Clip.2",
        "name": source.name,
        "source_range": range(base.start, frames, rate),
        "media_references": {"DEFAULT_MEDIA": {
            "OTIO_SCHEMA": "ExternalReference.1",
            "name": source.name,
            "target_url": source.target_url,
            "available_range": range(base.start, frames, rate),
            "available_image_bounds": null,
            "metadata": {"regie": {"asset_id": source.asset_id}},
        }},
        "active_media_reference_key": "DEFAULT_MEDIA",
        "markers": markers,
        "effects": [],
        "enabled": true,
        "metadata": {"regie": {"asset_id": source.asset_id, "start_timecode": base.timecode_of(0), "drop_frame": base.drop_frame}},
    });
    let timeline = json!({
        "OTIO_SCHEMA": "Timeline.1",
        "name": source.name,
        "global_start_time": time(base.start, rate),
        "metadata": {},
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "name": "tracks",
            "source_range": null,
            "effects": [],
            "markers": [],
            "enabled": true,
            "metadata": {},
            "children": [{
                "OTIO_SCHEMA": "Track.1",
                "name": "V1",
                "kind": "Video",
                "source_range": null,
                "effects": [],
                "markers": [],
                "enabled": true,
                "metadata": {},
                "children": [clip],
            }],
        },
    });
    serde_json::to_string_pretty(&timeline).expect("JSON of plain values")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timecode::TimeBase;
    use crate::timeline::SegmentKind;

    #[test]
    fn markers_sit_on_the_source_timecode() {
        let clock =
            SourceClock { base: TimeBase::new("25".parse().unwrap(), Some("10:00:00:00")).unwrap(), frames: Some(750) };
        let mark = Mark::new(SegmentKind::parse("chapter").unwrap(), 55, 105, "Goal").unwrap();
        let text = export_otio(&OtioSource { name: "match", asset_id: "a1", target_url: "file:///x", clock }, &[mark]);
        let timeline: Value = serde_json::from_str(&text).unwrap();
        let clip = &timeline["tracks"]["children"][0]["children"][0];
        assert_eq!(clip["source_range"]["start_time"]["value"], 900_000.0);
        assert_eq!(clip["source_range"]["duration"]["value"], 750.0);
        let marker = &clip["markers"][0];
        assert_eq!(marker["marked_range"]["start_time"]["value"], 900_055.0);
        assert_eq!(marker["marked_range"]["duration"]["value"], 50.0);
        assert_eq!((marker["name"].as_str(), marker["color"].as_str()), (Some("Goal"), Some("BLUE")));
    }
}
