//! The mean brightness of every picture of a file, 25 a second whatever its rate (pictures are
//! repeated or dropped to that clock): what a screener's invisible mark is read from.

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};

use regie_core::profile::mark::READ_RATE;

use crate::runner::{FFMPEG, file_argument};
use crate::{MediaError, ToolRunner};

/// Each picture is shrunk (by area, which keeps its mean) to this many grey pixels.
const WIDTH: usize = 64;
const HEIGHT: usize = 36;
const PICTURE_BYTES: usize = WIDTH * HEIGHT;
/// At most this many pictures are read (four hours).
pub const MAX_BRIGHTNESS_PICTURES: usize = 4 * 3600 * READ_RATE as usize;

/// The ffmpeg arguments: the main video, at `READ_RATE`, shrunk, grey, raw on stdout.
pub fn brightness_arguments(source: &Path) -> Vec<OsString> {
    let graph = format!("fps={READ_RATE},scale={WIDTH}:{HEIGHT}:flags=area,format=gray");
    let mut arguments: Vec<OsString> = ["-nostdin", "-v", "error", "-i"].map(OsString::from).to_vec();
    arguments.push(file_argument(source));
    arguments.extend(["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", &graph].map(OsString::from));
    arguments.extend(["-frames:v".into(), MAX_BRIGHTNESS_PICTURES.to_string().into()]);
    arguments.extend(["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"].map(OsString::from));
    arguments
}

/// The mean of each picture on `chunks`.
fn means_of(chunks: &Receiver<Vec<u8>>) -> Vec<f64> {
    let mut means = Vec::new();
    let mut carry: Vec<u8> = Vec::with_capacity(PICTURE_BYTES * 2);
    for chunk in chunks.iter() {
        carry.extend_from_slice(&chunk);
        let whole = carry.len() / PICTURE_BYTES * PICTURE_BYTES;
        means.extend(carry[..whole].chunks_exact(PICTURE_BYTES).map(picture_mean));
        carry.drain(..whole);
    }
    means
}

fn picture_mean(picture: &[u8]) -> f64 {
    picture.iter().map(|&value| u64::from(value)).sum::<u64>() as f64 / picture.len() as f64
}

impl ToolRunner {
    /// The mean brightness (0 to 255) of each picture of `source`'s main video, `READ_RATE` a
    /// second.
    pub async fn brightness_means(&self, source: &Path) -> Result<Vec<f64>, MediaError> {
        let (sender, receiver) = sync_channel::<Vec<u8>>(16);
        let reader = std::thread::spawn(move || means_of(&receiver));
        let output = self.run_streaming(FFMPEG, brightness_arguments(source), source, sender).await;
        let means =
            reader.join().map_err(|_| MediaError::Parse { reason: "the brightness reader stopped".to_owned() })?;
        let output = output?;
        if !output.success {
            return Err(MediaError::Unreadable {
                tool: FFMPEG.program,
                path: source.to_owned(),
                stderr: output.stderr,
            });
        }
        Ok(means)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_averaged_whole_across_chunk_boundaries() {
        let (sender, receiver) = sync_channel::<Vec<u8>>(4);
        let mut bytes = vec![10u8; PICTURE_BYTES];
        bytes.extend(vec![200u8; PICTURE_BYTES]);
        bytes.extend(vec![7u8; 100]);
        sender.send(bytes[..1000].to_vec()).unwrap();
        sender.send(bytes[1000..].to_vec()).unwrap();
        drop(sender);
        assert_eq!(means_of(&receiver), [10.0, 200.0], "a partial picture at the end is not one");
    }
}
