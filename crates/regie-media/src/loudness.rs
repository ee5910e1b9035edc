//! Loudness per ITU-R BS.1770-4 / EBU Tech 3341-3342: ffmpeg decodes the first audio stream to
//! 32-bit float PCM at 48 kHz on a pipe, and the ebur128 crate measures it in-process.

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};

use ebur128::{EbuR128, Mode};
use serde::Serialize;

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, file_argument};

/// The measured loudness of a programme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Loudness {
    /// Integrated (programme) loudness, LUFS, with BS.1770 gating.
    pub integrated: Option<f64>,
    /// Loudness range, LU (EBU Tech 3342).
    pub range: Option<f64>,
    /// Maximum true peak over all channels, dBTP.
    pub true_peak: Option<f64>,
    /// Highest momentary (400 ms) loudness, LUFS.
    pub momentary_max: Option<f64>,
    /// Highest short-term (3 s) loudness, LUFS.
    pub short_term_max: Option<f64>,
}

const SAMPLE_RATE: u32 = 48_000;
/// Momentary and short-term values are read every 100 ms, as EBU Tech 3341 meters update.
const BLOCK_FRAMES: usize = SAMPLE_RATE as usize / 10;

/// ffmpeg arguments that decode the first audio stream of `path` to f32le on stdout.
pub(crate) fn decode_arguments(path: &Path) -> Vec<OsString> {
    let input = file_argument(path);
    let mut arguments: Vec<OsString> =
        ["-nostdin", "-hide_banner", "-v", "error", "-i"].into_iter().map(OsString::from).collect();
    arguments.push(input);
    for argument in ["-map", "0:a:0", "-vn", "-sn", "-dn", "-ar", "48000", "-c:a", "pcm_f32le", "-f", "f32le", "pipe:1"]
    {
        arguments.push(OsString::from(argument));
    }
    arguments
}

impl ToolRunner {
    /// Measures the loudness of the first audio stream of `path`, which has `channels` channels.
    pub async fn measure_loudness(&self, path: &Path, channels: u32) -> Result<Loudness, MediaError> {
        let (sender, receiver) = sync_channel::<Vec<u8>>(8);
        let channels = channels.max(1);
        let meter = std::thread::spawn(move || measure_stream(&receiver, channels));
        let output = self.run_streaming(FFMPEG, decode_arguments(path), path, sender).await;
        let measured =
            meter.join().map_err(|_| MediaError::Parse { reason: "the loudness meter stopped".to_owned() })?;
        let output = output?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFMPEG.program, path: path.to_owned(), stderr: output.stderr });
        }
        measured
    }
}

/// Feeds interleaved f32 PCM chunks into a BS.1770 meter and reads the results.
pub(crate) fn measure_stream(chunks: &Receiver<Vec<u8>>, channels: u32) -> Result<Loudness, MediaError> {
    let meter_error = |error: ebur128::Error| MediaError::Parse { reason: format!("loudness meter: {error}") };
    let mode = Mode::I | Mode::LRA | Mode::TRUE_PEAK | Mode::M | Mode::S;
    let mut meter = EbuR128::new(channels, SAMPLE_RATE, mode).map_err(meter_error)?;
    let block_len = BLOCK_FRAMES * channels as usize;
    let mut pending: Vec<f32> = Vec::with_capacity(block_len * 2);
    let mut carry: Vec<u8> = Vec::new();
    let mut momentary_max = f64::NEG_INFINITY;
    let mut short_term_max = f64::NEG_INFINITY;
    let mut blocks_fed = 0usize;
    for chunk in chunks.iter() {
        carry.extend_from_slice(&chunk);
        let whole = carry.len() / 4 * 4;
        pending.extend(
            carry[..whole].chunks_exact(4).map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        );
        carry.drain(..whole);
        let mut offset = 0;
        while pending.len() - offset >= block_len {
            meter.add_frames_f32(&pending[offset..offset + block_len]).map_err(meter_error)?;
            offset += block_len;
            blocks_fed += 1;
            if blocks_fed >= 4 {
                momentary_max = momentary_max.max(meter.loudness_momentary().map_err(meter_error)?);
            }
            if blocks_fed >= 30 {
                short_term_max = short_term_max.max(meter.loudness_shortterm().map_err(meter_error)?);
            }
        }
        pending.drain(..offset);
    }
    let remainder = pending.len() / channels as usize * channels as usize;
    if remainder > 0 {
        meter.add_frames_f32(&pending[..remainder]).map_err(meter_error)?;
    }
    let true_peak = (0..channels)
        .map(|channel| meter.true_peak(channel))
        .collect::<Result<Vec<f64>, _>>()
        .map_err(meter_error)?
        .into_iter()
        .fold(0.0f64, f64::max);
    let finite = |value: f64| value.is_finite().then_some(value);
    Ok(Loudness {
        integrated: meter.loudness_global().ok().and_then(finite),
        range: meter.loudness_range().ok().and_then(finite),
        true_peak: finite(20.0 * true_peak.log10()),
        momentary_max: finite(momentary_max),
        short_term_max: finite(short_term_max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EBU Tech 3341 case 1: a stereo 1 kHz sine at -23 dBFS measures -23.0 LUFS.
    #[test]
    fn a_minus_23_dbfs_stereo_sine_measures_minus_23_lufs() {
        let amplitude = 10f64.powf(-23.0 / 20.0);
        let (sender, receiver) = sync_channel(4);
        let producer = std::thread::spawn(move || {
            for second in 0..20u32 {
                let mut bytes = Vec::with_capacity(48_000 * 8);
                for frame in 0..48_000u32 {
                    let time = f64::from(second * 48_000 + frame) / 48_000.0;
                    let sample = (amplitude * (2.0 * std::f64::consts::PI * 1000.0 * time).sin()) as f32;
                    bytes.extend_from_slice(&sample.to_le_bytes());
                    bytes.extend_from_slice(&sample.to_le_bytes());
                }
                sender.send(bytes).unwrap();
            }
        });
        let loudness = measure_stream(&receiver, 2).unwrap();
        producer.join().unwrap();
        assert!((loudness.integrated.unwrap() + 23.0).abs() < 0.1, "{loudness:?}");
        assert!(loudness.range.unwrap() < 0.5);
        assert!((loudness.true_peak.unwrap() + 23.0).abs() < 0.3, "{loudness:?}");
        assert!((loudness.momentary_max.unwrap() + 23.0).abs() < 0.1);
        assert!((loudness.short_term_max.unwrap() + 23.0).abs() < 0.1);
    }

    #[test]
    fn decoding_reads_the_first_audio_stream_as_float_pcm() {
        let arguments: Vec<String> = decode_arguments(Path::new("-x.wav"))
            .iter()
            .map(|argument| argument.to_string_lossy().into_owned())
            .collect();
        assert!(arguments.contains(&"file:-x.wav".to_owned()));
        assert!(arguments.windows(2).any(|pair| pair == ["-map", "0:a:0"]));
        assert_eq!(arguments.last().unwrap(), "pipe:1");
    }
}
