//! The facts a policy is checked against: the media description regrouped by stream type, plus
//! measured values under their own keys (`loudness`...). Field paths resolve here.

use serde_json::{Map, Value, json};

use crate::MediaDescription;

/// Builds `{container, duration_s, bit_rate, timecode, video: [..], audio: [..], subtitle: [..],
/// data: [..]}` from a description; measurements are added by the caller as top-level keys.
pub fn facts(media: &MediaDescription) -> Value {
    let mut facts = Map::new();
    facts.insert("container".to_owned(), json!(media.container));
    facts.insert("duration_s".to_owned(), json!(media.duration_s));
    facts.insert("bit_rate".to_owned(), json!(media.bit_rate));
    facts.insert("timecode".to_owned(), json!(media.timecode));
    facts.insert("operational_pattern".to_owned(), json!(media.operational_pattern));
    for kind in ["video", "audio", "subtitle", "data"] {
        let streams: Vec<Value> = media
            .streams
            .iter()
            .filter_map(|stream| {
                let mut value = serde_json::to_value(stream).ok()?;
                // A number beside the exact rational, so rules can say `video.frame_rate_value <= 60`.
                value["frame_rate_value"] = json!(stream.frame_rate.map(|rate| rate.as_f64()));
                Some(value)
            })
            .filter(|stream| stream["type"] == kind)
            .collect();
        facts.insert(kind.to_owned(), Value::Array(streams));
    }
    let timecode_tracks = media.streams.iter().filter(|stream| stream.codec.as_deref() == Some("tmcd")).count();
    let timecodes = if timecode_tracks > 0 { timecode_tracks } else { usize::from(media.timecode.is_some()) };
    facts.insert("timecode_count".to_owned(), json!(timecodes));
    facts.insert("audio_channels".to_owned(), json!(media.audio_channel_count()));
    facts.insert("image".to_owned(), json!(media.image));
    Value::Object(facts)
}

/// A rendition's facts, under `rendition`: its `profile`, its `quality` (the worst rung's PSNR
/// and SSIM: a minimum holds when it holds for every rung; absent when not measured) and its
/// `rungs` (each one's `width`, `height`, `psnr` and `ssim`).
pub fn rendition_facts(profile: &str, rungs: &[crate::quality::RungQuality]) -> Value {
    json!({"profile": profile, "quality": crate::quality::worst(rungs), "rungs": rungs})
}

/// What a field path finds: one value, every value of a `[*]` path, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    One(Value),
    Many(Vec<Value>),
    Missing,
}

/// Resolves `video.codec` (first video stream), `audio[*].sample_rate` (every audio stream),
/// `audio[2].channels`, `audio.count` (number of audio streams), `loudness.integrated`.
pub fn resolve(facts: &Value, path: &str) -> Resolved {
    let mut current = vec![facts.clone()];
    let mut many = false;
    for segment in path.split('.') {
        let (key, index) = match segment.split_once('[') {
            Some((key, rest)) => (key, Some(rest.trim_end_matches(']'))),
            None => (segment, None),
        };
        let mut next = Vec::new();
        for value in current {
            let child = if key.is_empty() { value } else { step(&value, key) };
            match index {
                None => next.push(child),
                Some("*") => {
                    many = true;
                    next.extend(child.as_array().cloned().unwrap_or_default());
                }
                Some(number) => {
                    next.push(number.parse::<usize>().ok().and_then(|at| child.get(at).cloned()).unwrap_or(Value::Null))
                }
            }
        }
        current = next;
    }
    match (many, current.as_slice()) {
        (true, _) => Resolved::Many(current),
        (false, [Value::Null]) | (false, []) => Resolved::Missing,
        (false, [value]) => Resolved::One(value.clone()),
        (false, _) => Resolved::Many(current),
    }
}

/// One key applied to a value: on a list of streams, `count` is its length and any other key
/// reads the first stream.
fn step(value: &Value, key: &str) -> Value {
    match value {
        Value::Array(items) if key == "count" => json!(items.len()),
        Value::Array(items) => items.first().map(|first| step(first, key)).unwrap_or(Value::Null),
        Value::Object(map) => map.get(key).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "container": "mxf",
            "video": [{"codec": "mpeg2video", "height": 1080}],
            "audio": [{"sample_rate": 48000, "channels": 1}, {"sample_rate": 44100, "channels": 1}],
            "loudness": {"integrated": -23.1}
        })
    }

    #[test]
    fn paths_resolve_to_first_every_nth_and_count() {
        let facts = sample();
        assert_eq!(resolve(&facts, "video.codec"), Resolved::One(json!("mpeg2video")));
        assert_eq!(resolve(&facts, "audio.count"), Resolved::One(json!(2)));
        assert_eq!(resolve(&facts, "audio[*].sample_rate"), Resolved::Many(vec![json!(48000), json!(44100)]));
        assert_eq!(resolve(&facts, "audio[1].sample_rate"), Resolved::One(json!(44100)));
        assert_eq!(resolve(&facts, "loudness.integrated"), Resolved::One(json!(-23.1)));
        assert_eq!(resolve(&facts, "video.width"), Resolved::Missing);
        assert_eq!(resolve(&facts, "subtitle.count"), Resolved::Missing);
    }
}
