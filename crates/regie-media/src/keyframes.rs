//! Keyframe spacing of the first video stream, read from packet flags with ffprobe (no decode):
//! what HLS and DASH packaging needs, a keyframe at every segment boundary.

use std::ffi::OsString;
use std::path::Path;

use serde::Serialize;

use crate::MediaError;
use crate::runner::{FFPROBE, ToolRunner, file_argument};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Keyframes {
    pub count: u64,
    /// The longest stretch between two keyframes, or from the last one to the end, seconds.
    pub max_interval_s: f64,
}

pub(crate) fn keyframe_arguments(path: &Path) -> Vec<OsString> {
    let input = file_argument(path);
    let mut arguments: Vec<OsString> = [
        "-hide_banner",
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "packet=pts_time,flags",
        "-of",
        "csv=p=0",
        "-i",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    arguments.push(input);
    arguments
}

/// Reads `pts_time,flags` lines; `duration_s` closes the last interval.
pub fn parse_keyframes(csv: &str, duration_s: Option<f64>) -> Keyframes {
    let mut times: Vec<f64> = csv
        .lines()
        .filter_map(|line| {
            let (time, flags) = line.split_once(',')?;
            flags.contains('K').then(|| time.trim().parse::<f64>().ok()).flatten()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mut max_interval_s = times.windows(2).map(|pair| pair[1] - pair[0]).fold(0.0, f64::max);
    if let (Some(last), Some(end)) = (times.last(), duration_s) {
        max_interval_s = max_interval_s.max(end - last);
    }
    Keyframes { count: times.len() as u64, max_interval_s }
}

impl ToolRunner {
    pub async fn measure_keyframes(&self, path: &Path, duration_s: Option<f64>) -> Result<Keyframes, MediaError> {
        let output = self.run(FFPROBE, keyframe_arguments(path), path).await?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFPROBE.program, path: path.to_owned(), stderr: output.stderr });
        }
        Ok(parse_keyframes(&String::from_utf8_lossy(&output.stdout), duration_s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_gap_between_keyframes_is_found() {
        let csv = "0.000000,K__\n0.040000,___\n2.000000,K__\n2.040000,__\n5.000000,K_\n5.5,___\n";
        let keyframes = parse_keyframes(csv, Some(6.0));
        assert_eq!(keyframes.count, 3);
        assert!((keyframes.max_interval_s - 3.0).abs() < 1e-9);
        assert!((parse_keyframes("0.0,K_\n", Some(10.0)).max_interval_s - 10.0).abs() < 1e-9);
    }
}
