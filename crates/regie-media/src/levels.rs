//! Video levels against EBU R 103: the luma of every frame must stay within 5-246 (8-bit) or
//! 20-984 (10-bit), excursions over at most 1 % of the picture being tolerated. ffmpeg decodes the
//! first video stream to planar YUV 4:4:4 (the luma plane untouched, no range conversion) and the
//! luma plane of each frame is counted here.

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};

use serde::Serialize;

use crate::MediaError;
use crate::runner::{FFMPEG, ToolRunner, file_argument};

/// Share of the picture allowed outside the range before a frame counts as out of range.
pub const TOLERATED_AREA: f64 = 0.01;

/// What the luma of a programme did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    pub bit_depth: u32,
    pub frames: u64,
    /// Frames with more than 1 % of their pixels outside the legal range.
    pub out_of_range_frames: u64,
    /// The largest share of one frame outside the range, in percent.
    pub worst_area_pct: f64,
    /// Time of the first out-of-range frame, seconds.
    pub first_out_of_range_s: Option<f64>,
    pub luma_min: u32,
    pub luma_max: u32,
    pub legal_min: u32,
    pub legal_max: u32,
}

/// The EBU R 103 luma range for a bit depth.
pub fn legal_range(bit_depth: u32) -> (u32, u32) {
    if bit_depth > 8 { (20, 984) } else { (5, 246) }
}

pub(crate) fn levels_arguments(path: &Path, wide: bool) -> Vec<OsString> {
    let input = file_argument(path);
    let mut arguments: Vec<OsString> =
        ["-nostdin", "-hide_banner", "-v", "error", "-i"].into_iter().map(OsString::from).collect();
    arguments.push(input);
    let pixel_format = if wide { "yuv444p10le" } else { "yuv444p" };
    for argument in ["-map", "0:v:0", "-an", "-sn", "-dn", "-pix_fmt", pixel_format, "-f", "rawvideo", "pipe:1"] {
        arguments.push(OsString::from(argument));
    }
    arguments
}

impl ToolRunner {
    /// Measures the luma levels of every frame of the first video stream.
    pub async fn measure_levels(
        &self,
        path: &Path,
        width: u32,
        height: u32,
        bit_depth: u32,
        frame_rate: f64,
    ) -> Result<Levels, MediaError> {
        let wide = bit_depth > 8;
        let (sender, receiver) = sync_channel::<Vec<u8>>(8);
        let shape = FrameShape { width: width as usize, height: height as usize, wide, frame_rate };
        let counter = std::thread::spawn(move || count_levels(&receiver, shape));
        let output = self.run_streaming(FFMPEG, levels_arguments(path, wide), path, sender).await;
        let levels =
            counter.join().map_err(|_| MediaError::Parse { reason: "the levels counter stopped".to_owned() })?;
        let output = output?;
        if !output.success {
            return Err(MediaError::Unreadable { tool: FFMPEG.program, path: path.to_owned(), stderr: output.stderr });
        }
        Ok(levels)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameShape {
    pub width: usize,
    pub height: usize,
    pub wide: bool,
    pub frame_rate: f64,
}

/// Counts luma excursions frame by frame in a stream of planar YUV 4:4:4 frames.
pub(crate) fn count_levels(chunks: &Receiver<Vec<u8>>, shape: FrameShape) -> Levels {
    let bytes_per_sample = if shape.wide { 2 } else { 1 };
    let pixels = shape.width * shape.height;
    let frame_len = pixels * bytes_per_sample * 3;
    let (legal_min, legal_max) = legal_range(if shape.wide { 10 } else { 8 });
    let mut levels = Levels {
        bit_depth: if shape.wide { 10 } else { 8 },
        frames: 0,
        out_of_range_frames: 0,
        worst_area_pct: 0.0,
        first_out_of_range_s: None,
        luma_min: u32::MAX,
        luma_max: 0,
        legal_min,
        legal_max,
    };
    let mut pending: Vec<u8> = Vec::new();
    for chunk in chunks.iter() {
        pending.extend_from_slice(&chunk);
        let mut offset = 0;
        while frame_len > 0 && pending.len() - offset >= frame_len {
            let luma = &pending[offset..offset + pixels * bytes_per_sample];
            let (outside, minimum, maximum) = scan_luma(luma, shape.wide, legal_min, legal_max);
            let share = outside as f64 / pixels as f64;
            levels.luma_min = levels.luma_min.min(minimum);
            levels.luma_max = levels.luma_max.max(maximum);
            levels.worst_area_pct = levels.worst_area_pct.max(share * 100.0);
            if share > TOLERATED_AREA {
                levels.out_of_range_frames += 1;
                if levels.first_out_of_range_s.is_none() && shape.frame_rate > 0.0 {
                    levels.first_out_of_range_s = Some(levels.frames as f64 / shape.frame_rate);
                }
            }
            levels.frames += 1;
            offset += frame_len;
        }
        pending.drain(..offset);
    }
    if levels.frames == 0 {
        levels.luma_min = 0;
    }
    levels
}

/// Pixels outside `[legal_min, legal_max]`, and the extremes, of one luma plane.
fn scan_luma(luma: &[u8], wide: bool, legal_min: u32, legal_max: u32) -> (usize, u32, u32) {
    let mut outside = 0;
    let mut minimum = u32::MAX;
    let mut maximum = 0;
    let mut visit = |value: u32| {
        minimum = minimum.min(value);
        maximum = maximum.max(value);
        outside += usize::from(value < legal_min || value > legal_max);
    };
    if wide {
        luma.chunks_exact(2).for_each(|pair| visit(u32::from(u16::from_le_bytes([pair[0], pair[1]]))));
    } else {
        luma.iter().for_each(|&value| visit(u32::from(value)));
    }
    (outside, minimum, maximum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(values: &[u8], width: usize, height: usize) -> Levels {
        let (sender, receiver) = sync_channel(16);
        for &value in values {
            let mut frame = vec![value; width * height];
            frame.extend(vec![128u8; 2 * width * height]);
            sender.send(frame).unwrap();
        }
        drop(sender);
        count_levels(&receiver, FrameShape { width, height, wide: false, frame_rate: 25.0 })
    }

    #[test]
    fn legal_frames_pass_and_white_clipping_is_found_with_its_time() {
        let levels = frames(&[16, 235, 128, 255, 255], 8, 8);
        assert_eq!(levels.frames, 5);
        assert_eq!(levels.out_of_range_frames, 2);
        assert_eq!(levels.first_out_of_range_s, Some(3.0 / 25.0));
        assert_eq!((levels.luma_min, levels.luma_max), (16, 255));
        assert_eq!(levels.worst_area_pct, 100.0);
    }

    #[test]
    fn small_excursions_are_tolerated() {
        let (sender, receiver) = sync_channel(4);
        let mut frame = vec![100u8; 100 * 100];
        frame[..100].fill(250); // exactly 1 % of the picture
        frame.extend(vec![128u8; 2 * 100 * 100]);
        sender.send(frame).unwrap();
        drop(sender);
        let levels = count_levels(&receiver, FrameShape { width: 100, height: 100, wide: false, frame_rate: 25.0 });
        assert_eq!(levels.out_of_range_frames, 0);
        assert!((levels.worst_area_pct - 1.0).abs() < 1e-9);
    }

    #[test]
    fn ten_bit_ranges_follow_r103() {
        assert_eq!(legal_range(10), (20, 984));
        assert_eq!(legal_range(8), (5, 246));
        let (outside, minimum, maximum) = scan_luma(&[10, 0, 0xE8, 0x03, 100, 0], true, 20, 984);
        assert_eq!((outside, minimum, maximum), (2, 10, 1000));
    }
}
