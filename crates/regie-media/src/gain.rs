//! Applying a loudness correction: one ffmpeg pass that copies the picture and every other
//! stream as they are, and re-encodes each audio stream with a gain (and, when the corrected
//! signal would pass the true-peak ceiling, a limiter) in the codec it had.

use std::ffi::OsString;
use std::path::Path;

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, file_argument};

/// How to correct the audio of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct GainPlan {
    pub gain_db: f64,
    /// A peak ceiling in dBFS for a limiter after the gain, when one is needed.
    pub limit_dbfs: Option<f64>,
    /// The encoder for the corrected audio (`pcm_s24le`, `aac`...).
    pub audio_encoder: String,
    /// ffmpeg's muxer name for the output container.
    pub muxer: Option<String>,
}

/// The encoder that writes audio back in the codec it came in.
pub fn encoder_for(codec: &str) -> &str {
    match codec {
        "opus" => "libopus",
        "vorbis" => "libvorbis",
        "mp3" => "libmp3lame",
        other => other,
    }
}

pub(crate) fn gain_arguments(input: &Path, output: &Path, plan: &GainPlan) -> Vec<OsString> {
    let source = file_argument(input);
    let target = file_argument(output);
    let mut filter = format!("volume={:.3}dB", plan.gain_db);
    if let Some(limit) = plan.limit_dbfs {
        let linear = 10f64.powf(limit / 20.0);
        filter.push_str(&format!(",alimiter=limit={linear:.6}:level=false:attack=1:release=50"));
    }
    let mut arguments: Vec<OsString> =
        vec!["-nostdin", "-hide_banner", "-v", "error", "-y", "-i"].into_iter().map(OsString::from).collect();
    arguments.push(source);
    for argument in ["-map", "0", "-c", "copy", "-filter:a", &filter, "-c:a", &plan.audio_encoder, "-map_metadata", "0"]
    {
        arguments.push(OsString::from(argument));
    }
    if let Some(muxer) = &plan.muxer {
        arguments.push(OsString::from("-f"));
        arguments.push(OsString::from(muxer));
    }
    arguments.push(target);
    arguments
}

impl ToolRunner {
    /// Writes `output` as `input` with its audio corrected by `plan`.
    pub async fn apply_gain(&self, input: &Path, output: &Path, plan: &GainPlan) -> Result<(), MediaError> {
        let result = self.run(FFMPEG, gain_arguments(input, output, plan), input).await?;
        if !result.success {
            return Err(MediaError::Unreadable { tool: FFMPEG.program, path: input.to_owned(), stderr: result.stderr });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gain_pass_copies_pictures_and_re_encodes_audio_in_its_codec() {
        let plan = GainPlan {
            gain_db: -7.0,
            limit_dbfs: Some(-1.5),
            audio_encoder: "pcm_s24le".into(),
            muxer: Some("wav".into()),
        };
        let arguments: Vec<String> = gain_arguments(Path::new("in.wav"), Path::new("out.tmp"), &plan)
            .iter()
            .map(|argument| argument.to_string_lossy().into_owned())
            .collect();
        let joined = arguments.join(" ");
        assert!(joined.contains("-map 0 -c copy -filter:a volume=-7.000dB,alimiter=limit=0.841395"), "{joined}");
        assert!(joined.contains("-c:a pcm_s24le"));
        assert!(joined.ends_with("-f wav file:out.tmp"));
        assert_eq!(encoder_for("opus"), "libopus");
    }
}
