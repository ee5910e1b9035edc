//! Waveform peaks: ffmpeg decodes the first audio stream to 16-bit mono on a pipe, and the peaks
//! are taken in-process as the samples arrive (nothing the size of the audio is kept).

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use regie_core::derivative::waveform::{PeakBuilder, Waveform};

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, file_argument};

const SAMPLE_RATE: u32 = 48_000;

impl ToolRunner {
    /// The peaks of the first audio stream of `path`, which lasts about `duration_s`.
    pub async fn waveform(&self, path: &Path, duration_s: f64) -> Result<Waveform, MediaError> {
        let mut arguments: Vec<OsString> =
            ["-nostdin", "-hide_banner", "-v", "error", "-i"].into_iter().map(OsString::from).collect();
        arguments.push(file_argument(path));
        for argument in ["-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", "48000", "-f", "s16le", "pipe:1"] {
            arguments.push(OsString::from(argument));
        }
        let expected = (duration_s.max(0.0) * f64::from(SAMPLE_RATE)) as u64;
        let (sender, receiver) = sync_channel::<Vec<u8>>(8);
        let peaks = std::thread::spawn(move || {
            let mut builder = PeakBuilder::new(SAMPLE_RATE, expected);
            let mut carry: Option<u8> = None;
            let mut samples = Vec::new();
            for chunk in receiver {
                samples.clear();
                let mut bytes = chunk.as_slice();
                if let Some(low) = carry.take()
                    && let Some((&high, rest)) = bytes.split_first()
                {
                    samples.push(i16::from_le_bytes([low, high]));
                    bytes = rest;
                }
                let pairs = bytes.chunks_exact(2);
                carry = pairs.remainder().first().copied();
                samples.extend(pairs.map(|pair| i16::from_le_bytes([pair[0], pair[1]])));
                builder.push(&samples);
            }
            builder.finish()
        });
        let output = self.run_streaming(FFMPEG, arguments, path, sender).await;
        let waveform = peaks.join().map_err(|_| MediaError::Parse { reason: "the peak builder stopped".to_owned() })?;
        let output = output?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFMPEG.program, path: path.to_owned(), stderr: output.stderr });
        }
        Ok(waveform)
    }
}
