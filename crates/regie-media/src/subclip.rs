//! Extracts of a range of frames: stream-copied when the range starts and ends on keyframes, or
//! re-encoded (in the source's codecs, or by a profile's arguments) with frame-accurate seeking;
//! the extract's timecode track starts at the in-point's timecode.

use std::ffi::OsString;
use std::path::Path;

use crate::MediaError;
use crate::runner::{FFMPEG, FFPROBE, ToolRunner, file_argument};

/// The range to extract, in the source's time.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    /// Where the first frame of the range starts, seconds from the start of the file.
    pub start_s: f64,
    /// The range's length, seconds.
    pub duration_s: f64,
    /// Its length in frames (none for sound only).
    pub frames: Option<u64>,
    /// The timecode the extract starts at (the in-point's), for containers with a timecode track.
    pub timecode: Option<String>,
}

/// How the extract is made.
#[derive(Debug, Clone, PartialEq)]
pub enum CutMode {
    /// Packets copied: only when the range starts on a keyframe.
    Copy,
    /// Decoded and encoded again with these codec options (`-c:v libx264 -crf 16 ...`).
    Encode(Vec<String>),
}

/// Seconds before the in-point an encoding seek aims at: a thousandth of a second, less than any
/// frame, so the in-point's frame is the first kept. A copy seeks to the keyframe's exact time:
/// a packet even a microsecond before the seek point is flagged to be dropped by the muxer's
/// edit list, and the extract would show the frame after it first.
const SEEK_MARGIN_S: f64 = 0.001;

/// ffmpeg's arguments for the extract of `cut` from `source` into `output` (`-f FORMAT` given
/// when the output's name does not say).
pub fn cut_arguments(source: &Path, output: &Path, cut: &Cut, mode: &CutMode, format: Option<&str>) -> Vec<OsString> {
    let start = match mode {
        CutMode::Copy => cut.start_s,
        CutMode::Encode(_) => (cut.start_s - SEEK_MARGIN_S).max(0.0),
    };
    let mut arguments: Vec<OsString> = Vec::new();
    let mut push = |text: &str| arguments.push(OsString::from(text));
    for word in ["-y", "-v", "warning", "-nostdin", "-ss", &format!("{start:.6}"), "-i"] {
        push(word);
    }
    arguments.push(file_argument(source));
    let mut push = |text: &str| arguments.push(OsString::from(text));
    for word in ["-map", "0:v:0?", "-map", "0:a?", "-dn", "-sn", "-map_metadata", "-1", "-map_chapters", "-1"] {
        push(word);
    }
    push("-t");
    push(&format!("{:.6}", cut.duration_s));
    if let Some(frames) = cut.frames {
        push("-frames:v");
        push(&frames.to_string());
    }
    match mode {
        CutMode::Copy => {
            for word in ["-c", "copy"] {
                push(word);
            }
        }
        CutMode::Encode(options) => {
            for option in options {
                push(option);
            }
        }
    }
    if let Some(timecode) = &cut.timecode {
        push("-timecode");
        push(timecode);
    }
    if let Some(format) = format {
        push("-f");
        push(format);
    }
    arguments.push(file_argument(output));
    arguments
}

/// The frames (counted from the file's first, at `rate` = num/den) that start on a keyframe of
/// the first video stream between `from_s` and `to_s`.
pub fn parse_keyframe_frames(json: &str, rate: (u64, u64)) -> Vec<u64> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else { return Vec::new() };
    let start = value["streams"][0]["start_time"].as_str().and_then(|text| text.parse::<f64>().ok()).unwrap_or(0.0);
    let mut frames: Vec<u64> = value["packets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|packet| packet["flags"].as_str().is_some_and(|flags| flags.contains('K')))
        .filter_map(|packet| packet["pts_time"].as_str()?.parse::<f64>().ok())
        .map(|time| ((time - start).max(0.0) * rate.0 as f64 / rate.1 as f64).round() as u64)
        .collect();
    frames.sort_unstable();
    frames.dedup();
    frames
}

impl ToolRunner {
    /// The keyframes of the first video stream around `from_s..to_s`, as frame numbers.
    pub async fn keyframe_frames(
        &self,
        path: &Path,
        from_s: f64,
        to_s: f64,
        rate: (u64, u64),
    ) -> Result<Vec<u64>, MediaError> {
        let mut arguments: Vec<OsString> = [
            "-hide_banner",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-read_intervals",
            &format!("{:.6}%{:.6}", (from_s - 1.0).max(0.0), to_s + 1.0),
            "-show_entries",
            "stream=start_time:packet=pts_time,flags",
            "-of",
            "json",
            "-i",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        arguments.push(file_argument(path));
        let output = self.run(FFPROBE, arguments, path).await?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFPROBE.program, path: path.to_owned(), stderr: output.stderr });
        }
        Ok(parse_keyframe_frames(&String::from_utf8_lossy(&output.stdout), rate))
    }

    /// Runs an extract made by `cut_arguments`.
    pub async fn cut(&self, source: &Path, arguments: Vec<OsString>) -> Result<(), MediaError> {
        let result = self.run(FFMPEG, arguments, source).await?;
        if !result.success {
            return Err(MediaError::Failed { tool: FFMPEG.program, path: source.to_owned(), stderr: result.stderr });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(arguments: &[OsString]) -> String {
        arguments.iter().map(|argument| argument.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_copy_seeks_just_past_the_keyframe_and_an_encode_just_before_the_frame() {
        let cut = Cut { start_s: 2.2, duration_s: 1.8, frames: Some(45), timecode: Some("10:00:02:05".into()) };
        let copy = joined(&cut_arguments(Path::new("in.mov"), Path::new("out.mov"), &cut, &CutMode::Copy, None));
        assert!(copy.contains("-ss 2.200000 -i file:in.mov"), "{copy}");
        assert!(copy.contains("-t 1.800000 -frames:v 45 -c copy"), "{copy}");
        assert!(copy.ends_with("-timecode 10:00:02:05 file:out.mov"), "{copy}");
        let encode = CutMode::Encode(vec!["-c:v".into(), "libx264".into()]);
        let encoded = joined(&cut_arguments(Path::new("in.mov"), Path::new("out.tmp"), &cut, &encode, Some("mov")));
        assert!(encoded.contains("-ss 2.199000 -i"), "{encoded}");
        assert!(encoded.ends_with("-c:v libx264 -timecode 10:00:02:05 -f mov file:out.tmp"), "{encoded}");
    }

    #[test]
    fn keyframes_become_frame_numbers_from_the_stream_start() {
        let json = r#"{"packets":[{"pts_time":"1.400000","flags":"K__"},{"pts_time":"1.440000","flags":"___"},
            {"pts_time":"2.400000","flags":"K__"}],"streams":[{"start_time":"0.400000"}]}"#;
        assert_eq!(parse_keyframe_frames(json, (25, 1)), [25, 50]);
    }
}
