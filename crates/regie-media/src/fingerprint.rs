//! Perceptual fingerprints of a file's pictures: one ffmpeg pass samples the main video once a
//! second (a still once), and hands each sample on a pipe as three 32 x 32 grey pictures side by
//! side (the whole picture, 85 % and 70 % centre crops); `regie-core::fingerprint` hashes them.

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};

use regie_core::fingerprint::{CROPS, FrameHash, HASH_SIDE, perceptual_hash};

use crate::runner::{FFMPEG, file_argument};
use crate::{MediaError, ToolRunner};

/// At most this many samples per file (a day at one a second).
pub const MAX_FINGERPRINT_SAMPLES: usize = 86_400;
const PICTURE_BYTES: usize = HASH_SIDE * HASH_SIDE;
const SAMPLE_BYTES: usize = PICTURE_BYTES * CROPS.len();

/// The ffmpeg arguments: `still` files give their one picture, videos one a second.
pub fn fingerprint_arguments(source: &Path, still: bool) -> Vec<OsString> {
    let side = HASH_SIDE;
    let shrink = format!("scale={side}:{side}:flags=area,format=gray");
    let graph = format!(
        "{}split=3[a][b][c];[a]{shrink}[w];[b]crop=iw*0.85:ih*0.85,{shrink}[m];[c]crop=iw*0.70:ih*0.70,{shrink}[n];\
         [w][m][n]hstack=inputs=3",
        if still { "" } else { "fps=1," }
    );
    let mut arguments: Vec<OsString> = ["-nostdin", "-v", "error", "-i"].map(OsString::from).to_vec();
    arguments.push(file_argument(source));
    arguments.extend(["-map", "0:v:0", "-an", "-sn", "-vf", &graph].map(OsString::from));
    arguments.extend(["-frames:v".into(), MAX_FINGERPRINT_SAMPLES.to_string().into()]);
    arguments.extend(["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"].map(OsString::from));
    arguments
}

/// The hashes of the samples on `chunks` (three pictures side by side per sample, one a second).
fn hashes_of(chunks: &Receiver<Vec<u8>>) -> Vec<FrameHash> {
    let mut hashes = Vec::new();
    let mut carry: Vec<u8> = Vec::with_capacity(SAMPLE_BYTES * 2);
    let mut sample = 0u64;
    for chunk in chunks.iter() {
        carry.extend_from_slice(&chunk);
        let whole = carry.len() / SAMPLE_BYTES * SAMPLE_BYTES;
        for bytes in carry[..whole].chunks_exact(SAMPLE_BYTES) {
            hashes.extend(sample_hashes(bytes, sample * 1000));
            sample += 1;
        }
        carry.drain(..whole);
    }
    hashes
}

/// The hashes of one sample: each framing's picture is a third of every row.
pub fn sample_hashes(bytes: &[u8], t_ms: u64) -> Vec<FrameHash> {
    let row = HASH_SIDE * CROPS.len();
    CROPS
        .iter()
        .enumerate()
        .filter_map(|(index, &crop)| {
            let picture: Vec<u8> = (0..HASH_SIDE)
                .flat_map(|y| bytes[y * row + index * HASH_SIDE..y * row + (index + 1) * HASH_SIDE].iter().copied())
                .collect();
            perceptual_hash(&picture).map(|hash| FrameHash { t_ms, crop, hash })
        })
        .collect()
}

impl ToolRunner {
    /// The fingerprints of the main picture of `source`; `still` for an image file.
    pub async fn fingerprint(&self, source: &Path, still: bool) -> Result<Vec<FrameHash>, MediaError> {
        let (sender, receiver) = sync_channel::<Vec<u8>>(16);
        let reader = std::thread::spawn(move || hashes_of(&receiver));
        let output = self.run_streaming(FFMPEG, fingerprint_arguments(source, still), source, sender).await;
        let hashes =
            reader.join().map_err(|_| MediaError::Parse { reason: "the fingerprint reader stopped".to_owned() })?;
        let output = output?;
        if !output.success {
            return Err(MediaError::Unreadable {
                tool: FFMPEG.program,
                path: source.to_owned(),
                stderr: output.stderr,
            });
        }
        Ok(hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_third_of_a_sample_is_its_own_framing() {
        let row = HASH_SIDE * 3;
        let mut bytes = vec![0u8; SAMPLE_BYTES];
        for y in 0..HASH_SIDE {
            for x in 0..row {
                // The whole picture a gradient, the 85 % crop flat, the 70 % crop another gradient.
                bytes[y * row + x] = match x / HASH_SIDE {
                    0 => (x * 7 + y * 3 + (x * y) % 11 * 5) as u8,
                    1 => 40,
                    _ => (y * 8 + (x * 5 + y) % 13 * 4) as u8,
                };
            }
        }
        let hashes = sample_hashes(&bytes, 3000);
        let crops: Vec<u8> = hashes.iter().map(|hash| hash.crop).collect();
        assert_eq!(crops, [100, 70], "the flat framing has no hash");
        assert!(hashes.iter().all(|hash| hash.t_ms == 3000));
        assert_ne!(hashes[0].hash, hashes[1].hash);
    }
}
