//! Compares a made output with its plan: an output is accepted only when every check passes.

use super::plan::OutputPlan;
use crate::{MediaDescription, StreamKind};

/// Every way `output` differs from `plan`, in words a media manager reads; empty when it matches.
pub fn mismatches(plan: &OutputPlan, output: &MediaDescription) -> Vec<String> {
    let mut found = Vec::new();
    let expected_container = plan.container.probed_name();
    if output.container != expected_container {
        found.push(format!("container is {}, the profile makes {expected_container}", output.container));
    }
    match output.duration_s {
        None => found.push("the output has no duration".to_owned()),
        Some(duration) if (duration - plan.duration_s).abs() > plan.duration_tolerance_s() => found.push(format!(
            "duration is {duration:.3} s, the source lasts {:.3} s (more than one frame apart)",
            plan.duration_s
        )),
        Some(_) => {}
    }
    let videos: Vec<_> = output.streams_of(StreamKind::Video).collect();
    match &plan.video {
        None if !videos.is_empty() => found.push("the output has video, the profile makes none".to_owned()),
        None => {}
        Some(video) => {
            for rung in &video.rungs {
                let matching =
                    videos.iter().find(|stream| stream.width == Some(rung.width) && stream.height == Some(rung.height));
                let Some(stream) = matching else {
                    let made: Vec<String> = videos
                        .iter()
                        .map(|stream| format!("{}x{}", stream.width.unwrap_or(0), stream.height.unwrap_or(0)))
                        .collect();
                    found.push(format!(
                        "no {}x{} video stream (made: {})",
                        rung.width,
                        rung.height,
                        if made.is_empty() { "none".to_owned() } else { made.join(", ") }
                    ));
                    continue;
                };
                let codec = stream.codec.as_deref().unwrap_or("unknown");
                if codec != video.codec.probed_name() {
                    found.push(format!("{}p video is {codec}, not {}", rung.height, video.codec.probed_name()));
                }
                match stream.frame_rate {
                    Some(rate) if (rate.as_f64() - video.frame_rate.as_f64()).abs() < 0.01 => {}
                    rate => found.push(format!(
                        "{}p video runs at {}, not {} frames per second",
                        rung.height,
                        rate.map_or("an unknown rate".to_owned(), |rate| rate.to_string()),
                        video.frame_rate
                    )),
                }
                let order = stream.field_order.as_deref().unwrap_or("progressive");
                let interlaced = matches!(order, "tt" | "bb" | "tb" | "bt");
                if interlaced != video.interlaced {
                    found.push(format!(
                        "{}p video is {}, the profile makes it {}",
                        rung.height,
                        if interlaced { "interlaced" } else { "progressive" },
                        if video.interlaced { "interlaced" } else { "progressive" }
                    ));
                }
                if let Some(hdr) = &video.hdr
                    && (stream.color_primaries.as_deref(), stream.color_transfer.as_deref())
                        != (Some(hdr.primaries), Some(hdr.transfer))
                {
                    found.push(format!(
                        "{}p video signals {} primaries and {} transfer, not the source's {} and {}",
                        rung.height,
                        stream.color_primaries.as_deref().unwrap_or("no"),
                        stream.color_transfer.as_deref().unwrap_or("no"),
                        hdr.primaries,
                        hdr.transfer
                    ));
                }
                if let Some(wanted) = &video.pixel_format
                    && stream.pix_fmt.as_deref() != Some(wanted.as_str())
                {
                    found.push(format!(
                        "{}p video is {}, not {wanted}",
                        rung.height,
                        stream.pix_fmt.as_deref().unwrap_or("an unknown pixel format")
                    ));
                }
            }
        }
    }
    let audios: Vec<_> = output.streams_of(StreamKind::Audio).collect();
    match &plan.audio {
        None if !audios.is_empty() => found.push("the output has audio, the profile makes none".to_owned()),
        None => {}
        Some(audio) => {
            // A ladder repeats its audio in each variant of the master playlist: count distinct tracks.
            let tracks = if plan.video.as_ref().is_some_and(|video| video.rungs.len() > 1) {
                audios.len().min(audio.tracks as usize)
            } else {
                audios.len()
            };
            if tracks != audio.tracks as usize {
                found.push(format!("{tracks} audio tracks, the profile makes {}", audio.tracks));
            }
            for (index, stream) in audios.iter().enumerate() {
                let number = index + 1;
                let codec = stream.codec.as_deref().unwrap_or("unknown");
                if codec != audio.codec.probed_name() {
                    found.push(format!("audio track {number} is {codec}, not {}", audio.codec.probed_name()));
                }
                if stream.channels != Some(audio.channels) {
                    found.push(format!(
                        "audio track {number} has {} channels, not {}",
                        stream.channels.unwrap_or(0),
                        audio.channels
                    ));
                }
                if stream.sample_rate != Some(audio.sample_rate) {
                    found.push(format!(
                        "audio track {number} is sampled at {} Hz, not {}",
                        stream.sample_rate.unwrap_or(0),
                        audio.sample_rate
                    ));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::{Rational, StreamDescription};

    fn mobile_plan() -> OutputPlan {
        let profile: Profile = serde_json::from_str(
            r#"{"name":"mobile","container":"mp4","video":{"codec":"h264","max_height":540},
               "audio":{"codec":"aac","channels":2,"bitrate_kbps":128}}"#,
        )
        .unwrap();
        let mut video = StreamDescription::of_kind(StreamKind::Video);
        (video.width, video.height, video.frame_rate) = (Some(1920), Some(1080), Rational::new(25, 1));
        let mut audio = StreamDescription::of_kind(StreamKind::Audio);
        audio.channels = Some(2);
        let source = MediaDescription {
            container: "mxf".into(),
            duration_s: Some(10.0),
            bit_rate: None,
            timecode: None,
            operational_pattern: None,
            streams: vec![video, audio],
            image: None,
            prober: None,
            sequence: None,
        };
        OutputPlan::new(&profile, &source).unwrap()
    }

    fn output(width: u32, duration: f64, channels: u32) -> MediaDescription {
        let mut video = StreamDescription::of_kind(StreamKind::Video);
        video.codec = Some("h264".into());
        (video.width, video.height, video.frame_rate) = (Some(width), Some(540), Rational::new(25, 1));
        video.field_order = Some("progressive".into());
        let mut audio = StreamDescription::of_kind(StreamKind::Audio);
        (audio.codec, audio.channels, audio.sample_rate) = (Some("aac".into()), Some(channels), Some(48_000));
        MediaDescription {
            container: "mp4".into(),
            duration_s: Some(duration),
            bit_rate: None,
            timecode: None,
            operational_pattern: None,
            streams: vec![video, audio],
            image: None,
            prober: None,
            sequence: None,
        }
    }

    #[test]
    fn a_matching_output_passes() {
        assert_eq!(mismatches(&mobile_plan(), &output(960, 10.02, 2)), Vec::<String>::new());
    }

    #[test]
    fn size_duration_and_layout_are_each_reported() {
        let found = mismatches(&mobile_plan(), &output(720, 9.5, 1));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("duration is 9.500 s"), "{found:?}");
        assert!(found[1].contains("no 960x540 video stream (made: 720x540)"), "{found:?}");
        assert!(found[2].contains("1 channels, not 2"), "{found:?}");
    }
}
