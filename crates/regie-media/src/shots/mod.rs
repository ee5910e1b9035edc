//! Shot detection: one ffmpeg pass decodes the first video stream into small RGB frames for the
//! detector (and keeps a JPEG of every fifth frame, from which each shot's keyframe is chosen);
//! `detect` finds hard cuts, dissolves and fades in the frame features.

mod detect;
mod features;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

pub use detect::{ShotSettings, Transition, detect_transitions};
pub use features::{ANALYSIS_HEIGHT, ANALYSIS_WIDTH, FRAME_BYTES, FrameFeatures};

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, file_argument};

/// A JPEG is kept of every this many frames.
pub const SAMPLE_EVERY: usize = 5;

/// What one pass over a video found.
#[derive(Debug, Clone)]
pub struct ShotAnalysis {
    /// Frames decoded.
    pub frames: usize,
    pub transitions: Vec<Transition>,
    /// JPEGs of frames 0, 5, 10...: `samples[k]` shows frame `k * SAMPLE_EVERY`.
    pub samples: Vec<PathBuf>,
}

impl ShotAnalysis {
    /// The shots as frame ranges (`end` is the first frame of the next shot).
    pub fn shots(&self) -> Vec<(usize, usize)> {
        let mut starts: Vec<usize> = vec![0];
        starts.extend(
            self.transitions.iter().map(Transition::boundary).filter(|&frame| frame > 0 && frame < self.frames),
        );
        starts.dedup();
        starts
            .iter()
            .enumerate()
            .map(|(index, &start)| (start, starts.get(index + 1).copied().unwrap_or(self.frames)))
            .collect()
    }

    /// The sample nearest the middle of `start..end` that lies inside it (none for a shot shorter
    /// than the sampling step that holds no sample).
    pub fn keyframe_of(&self, start: usize, end: usize) -> Option<&Path> {
        let middle = (start + end) / 2;
        let nearest = (middle + SAMPLE_EVERY / 2) / SAMPLE_EVERY;
        [nearest, nearest.saturating_sub(1), nearest + 1]
            .into_iter()
            .filter(|&k| (start..end).contains(&(k * SAMPLE_EVERY)))
            .find_map(|k| self.samples.get(k))
            .map(PathBuf::as_path)
    }
}

fn pass_arguments(path: &Path, work_dir: &Path) -> Vec<OsString> {
    let graph = format!(
        "[0:v:0]split=2[a][b];[a]scale={ANALYSIS_WIDTH}:{ANALYSIS_HEIGHT}:flags=area,format=rgb24[analysis];\
         [b]select='not(mod(n\\,{SAMPLE_EVERY}))',scale=-2:180[samples]"
    );
    let mut arguments: Vec<OsString> = ["-v", "error", "-nostdin", "-i"].into_iter().map(OsString::from).collect();
    arguments.push(file_argument(path));
    for word in ["-filter_complex", &graph, "-map", "[analysis]", "-f", "rawvideo", "pipe:1", "-map", "[samples]"] {
        arguments.push(word.into());
    }
    for word in ["-fps_mode", "passthrough", "-q:v", "5", "-f", "image2"] {
        arguments.push(word.into());
    }
    arguments.push(file_argument(&work_dir.join("sample-%06d.jpg")));
    arguments
}

/// Cuts the byte stream into frames and keeps each frame's features.
fn features_of(chunks: &Receiver<Vec<u8>>) -> Vec<FrameFeatures> {
    let mut frames = Vec::new();
    let mut carry: Vec<u8> = Vec::with_capacity(FRAME_BYTES * 2);
    for chunk in chunks.iter() {
        carry.extend_from_slice(&chunk);
        let whole = carry.len() / FRAME_BYTES * FRAME_BYTES;
        frames.extend(carry[..whole].chunks_exact(FRAME_BYTES).map(FrameFeatures::of_rgb));
        carry.drain(..whole);
    }
    frames
}

impl ToolRunner {
    /// Decodes the first video stream of `path` once and finds its shots; the JPEG samples are
    /// left in `work_dir`.
    pub async fn detect_shots(
        &self,
        path: &Path,
        work_dir: &Path,
        settings: &ShotSettings,
    ) -> Result<ShotAnalysis, MediaError> {
        let (sender, receiver) = sync_channel::<Vec<u8>>(16);
        let reader = std::thread::spawn(move || features_of(&receiver));
        let output = self.run_streaming(FFMPEG, pass_arguments(path, work_dir), path, sender).await;
        let frames = reader.join().map_err(|_| MediaError::Parse { reason: "the shot detector stopped".to_owned() })?;
        let output = output?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFMPEG.program, path: path.to_owned(), stderr: output.stderr });
        }
        let settings = *settings;
        let count = frames.len();
        let transitions = tokio::task::spawn_blocking(move || detect_transitions(&frames, &settings))
            .await
            .map_err(|_| MediaError::Parse { reason: "the shot detector stopped".to_owned() })?;
        let mut samples: Vec<PathBuf> = std::fs::read_dir(work_dir)
            .map_err(|source| MediaError::Spawn { tool: FFMPEG.program, source })?
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("sample-")))
            .collect();
        samples.sort();
        Ok(ShotAnalysis { frames: count, transitions, samples })
    }
}
