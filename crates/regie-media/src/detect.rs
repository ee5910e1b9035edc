//! Black, silence and freeze detection with ffmpeg's own filters (`blackdetect`,
//! `silencedetect`, `freezedetect`) in one decoding pass; their reports on stderr are parsed by
//! a pure function into time ranges.

use std::ffi::OsString;
use std::path::Path;

use serde::Serialize;

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, file_argument};

/// A stretch of time, in seconds from the start of the file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Segment {
    pub start_s: f64,
    pub end_s: f64,
    pub duration_s: f64,
}

/// Every detected segment, by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Detections {
    pub black: Vec<Segment>,
    pub silence: Vec<Segment>,
    pub freeze: Vec<Segment>,
}

/// Detection thresholds; the defaults follow common broadcast QC practice.
#[derive(Debug, Clone, Copy)]
pub struct DetectionSettings {
    /// Shortest black stretch reported, seconds.
    pub black_min_s: f64,
    /// Luma below this share of the range counts as black (blackdetect `pix_th`).
    pub black_pixel_threshold: f64,
    pub silence_min_s: f64,
    /// Below this level counts as silence, dBFS.
    pub silence_threshold_db: f64,
    pub freeze_min_s: f64,
}

impl Default for DetectionSettings {
    fn default() -> Self {
        Self {
            black_min_s: 1.0,
            black_pixel_threshold: 0.10,
            silence_min_s: 1.0,
            silence_threshold_db: -60.0,
            freeze_min_s: 2.0,
        }
    }
}

/// ffmpeg arguments running the detectors on the first video and first audio stream.
pub(crate) fn detection_arguments(
    path: &Path,
    video: bool,
    audio: bool,
    settings: &DetectionSettings,
) -> Vec<OsString> {
    let input = file_argument(path);
    let mut arguments: Vec<OsString> =
        ["-nostdin", "-hide_banner", "-nostats", "-v", "info", "-i"].into_iter().map(OsString::from).collect();
    arguments.push(input);
    let mut push = |words: &[&str]| arguments.extend(words.iter().map(OsString::from));
    if video {
        let filters = format!(
            "blackdetect=d={}:pix_th={},freezedetect=n=-60dB:d={}",
            settings.black_min_s, settings.black_pixel_threshold, settings.freeze_min_s
        );
        push(&["-map", "0:v:0", "-filter:v", &filters]);
    }
    if audio {
        let filters = format!("silencedetect=n={}dB:d={}", settings.silence_threshold_db, settings.silence_min_s);
        push(&["-map", "0:a:0", "-filter:a", &filters]);
    }
    push(&["-f", "null", "-"]);
    arguments
}

/// Reads the detectors' lines from ffmpeg's stderr. A segment still open at the end of the file
/// (ffmpeg prints its start only) is closed at `duration_s`.
pub fn parse_detections(stderr: &str, duration_s: Option<f64>) -> Detections {
    let mut detections = Detections::default();
    let mut silence_start = None;
    let mut freeze_start = None;
    for line in stderr.lines() {
        if line.contains("[blackdetect") {
            let start = value_after(line, "black_start:");
            let end = value_after(line, "black_end:");
            if let (Some(start_s), Some(end_s)) = (start, end) {
                detections.black.push(Segment { start_s, end_s, duration_s: end_s - start_s });
            }
        } else if line.contains("[silencedetect") {
            if let Some(start) = value_after(line, "silence_start:") {
                silence_start = Some(start);
            } else if let Some(end_s) = value_after(line, "silence_end:")
                && let Some(start_s) = silence_start.take()
            {
                detections.silence.push(Segment { start_s, end_s, duration_s: end_s - start_s });
            }
        } else if line.contains("[freezedetect") {
            if let Some(start) = value_after(line, "freeze_start:") {
                freeze_start = Some(start);
            } else if let Some(end_s) = value_after(line, "freeze_end:")
                && let Some(start_s) = freeze_start.take()
            {
                detections.freeze.push(Segment { start_s, end_s, duration_s: end_s - start_s });
            }
        }
    }
    if let Some(end_s) = duration_s {
        for (open, list) in [(silence_start, &mut detections.silence), (freeze_start, &mut detections.freeze)] {
            if let Some(start_s) = open.filter(|start| *start < end_s) {
                list.push(Segment { start_s, end_s, duration_s: end_s - start_s });
            }
        }
    }
    detections
}

fn value_after(line: &str, key: &str) -> Option<f64> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split_whitespace().next()?.trim_end_matches('|').parse().ok()
}

impl ToolRunner {
    /// Runs the detectors over the whole file (a full decode).
    pub async fn detect_segments(
        &self,
        path: &Path,
        video: bool,
        audio: bool,
        duration_s: Option<f64>,
        settings: &DetectionSettings,
    ) -> Result<Detections, MediaError> {
        if !video && !audio {
            return Ok(Detections::default());
        }
        let output = self.run(FFMPEG, detection_arguments(path, video, audio, settings), path).await?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFMPEG.program, path: path.to_owned(), stderr: output.stderr });
        }
        Ok(parse_detections(&output.stderr_full, duration_s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as ffmpeg 5.1 prints them.
    const STDERR: &str = "\
[blackdetect @ 0x55d0c8a3e5c0] black_start:3 black_end:5 black_duration:2
[silencedetect @ 0x55d0c8a41c00] silence_start: 2.000021
[silencedetect @ 0x55d0c8a41c00] silence_end: 5 | silence_duration: 2.999979
[freezedetect @ 0x55d0c8a3f900] lavfi.freezedetect.freeze_start: 6
[freezedetect @ 0x55d0c8a3f900] lavfi.freezedetect.freeze_duration: 2
[freezedetect @ 0x55d0c8a3f900] lavfi.freezedetect.freeze_end: 8
[silencedetect @ 0x55d0c8a41c00] silence_start: 9.5
";

    #[test]
    fn detector_lines_become_segments() {
        let detections = parse_detections(STDERR, Some(10.0));
        assert_eq!(detections.black, [Segment { start_s: 3.0, end_s: 5.0, duration_s: 2.0 }]);
        assert_eq!(detections.silence.len(), 2);
        assert!((detections.silence[0].start_s - 2.0).abs() < 1e-3);
        assert_eq!(detections.silence[1], Segment { start_s: 9.5, end_s: 10.0, duration_s: 0.5 }, "closed at the end");
        assert_eq!(detections.freeze, [Segment { start_s: 6.0, end_s: 8.0, duration_s: 2.0 }]);
    }

    #[test]
    fn detection_runs_only_the_filters_that_apply() {
        let settings = DetectionSettings::default();
        let audio_only: Vec<String> = detection_arguments(Path::new("a.wav"), false, true, &settings)
            .iter()
            .map(|argument| argument.to_string_lossy().into_owned())
            .collect();
        assert!(audio_only.iter().any(|argument| argument.starts_with("silencedetect=n=-60dB")));
        assert!(!audio_only.iter().any(|argument| argument.contains("blackdetect")));
    }
}
