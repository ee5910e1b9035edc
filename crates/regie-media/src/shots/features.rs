//! What the detector keeps of each decoded frame: a colour histogram and a small RGB picture.

/// The width and height of the frames ffmpeg hands over for analysis.
pub const ANALYSIS_WIDTH: usize = 64;
pub const ANALYSIS_HEIGHT: usize = 36;
/// Bytes of one analysis frame (RGB24).
pub const FRAME_BYTES: usize = ANALYSIS_WIDTH * ANALYSIS_HEIGHT * 3;

/// The kept picture: the analysis frame halved in each direction.
pub const THUMB_WIDTH: usize = ANALYSIS_WIDTH / 2;
pub const THUMB_HEIGHT: usize = ANALYSIS_HEIGHT / 2;
const THUMB_BYTES: usize = THUMB_WIDTH * THUMB_HEIGHT * 3;

/// Histogram bins: 8 of luma, 4 of each colour difference.
pub const BINS: usize = 8 * 4 * 4;

/// One frame's features.
#[derive(Debug, Clone)]
pub struct FrameFeatures {
    /// Pixel counts per YUV bin.
    pub histogram: [u16; BINS],
    /// 32x18 RGB.
    pub thumb: [u8; THUMB_BYTES],
    /// Mean luma, 0 to 255.
    pub luma: f32,
    /// Standard deviation of luma.
    pub contrast: f32,
}

impl FrameFeatures {
    /// The features of one RGB24 frame of `ANALYSIS_WIDTH` x `ANALYSIS_HEIGHT`.
    pub fn of_rgb(frame: &[u8]) -> Self {
        let mut histogram = [0u16; BINS];
        let (mut sum, mut squares) = (0.0f64, 0.0f64);
        for pixel in frame.chunks_exact(3) {
            let (r, g, b) = (f32::from(pixel[0]), f32::from(pixel[1]), f32::from(pixel[2]));
            let y = 0.299 * r + 0.587 * g + 0.114 * b;
            let u = (b - y) * 0.564 + 128.0;
            let v = (r - y) * 0.713 + 128.0;
            let bin = bucket(y, 8) * 16 + bucket(u, 4) * 4 + bucket(v, 4);
            histogram[bin] = histogram[bin].saturating_add(1);
            sum += f64::from(y);
            squares += f64::from(y) * f64::from(y);
        }
        let count = (frame.len() / 3).max(1) as f64;
        let mean = sum / count;
        let mut thumb = [0u8; THUMB_BYTES];
        for row in 0..THUMB_HEIGHT {
            for column in 0..THUMB_WIDTH {
                for channel in 0..3 {
                    let at = |dy: usize, dx: usize| {
                        u16::from(frame[((row * 2 + dy) * ANALYSIS_WIDTH + column * 2 + dx) * 3 + channel])
                    };
                    let average = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1) + 2) / 4;
                    thumb[(row * THUMB_WIDTH + column) * 3 + channel] = average as u8;
                }
            }
        }
        Self { histogram, thumb, luma: mean as f32, contrast: ((squares / count - mean * mean).max(0.0)).sqrt() as f32 }
    }
}

fn bucket(value: f32, bins: usize) -> usize {
    ((value.clamp(0.0, 255.0) / 256.0) * bins as f32) as usize
}

/// Half the L1 distance of two histograms, as a share of the pixels: 0 (same) to 1 (disjoint).
pub fn histogram_distance(left: &FrameFeatures, right: &FrameFeatures) -> f32 {
    let total: u32 = left.histogram.iter().map(|count| u32::from(*count)).sum::<u32>().max(1);
    let different: u32 = left.histogram.iter().zip(&right.histogram).map(|(a, b)| u32::from(a.abs_diff(*b))).sum();
    different as f32 / (2.0 * total as f32)
}

/// The mean absolute difference of two pictures, 0 to 1.
pub fn picture_distance(left: &FrameFeatures, right: &FrameFeatures) -> f32 {
    let sum: u32 = left.thumb.iter().zip(&right.thumb).map(|(a, b)| u32::from(a.abs_diff(*b))).sum();
    sum as f32 / (255.0 * THUMB_BYTES as f32)
}

/// How far `middle` is from the even mix of `first` and `last`, 0 to 1: small inside a dissolve.
pub fn mix_distance(first: &FrameFeatures, middle: &FrameFeatures, last: &FrameFeatures, share: f32) -> f32 {
    let sum: f32 = first
        .thumb
        .iter()
        .zip(&middle.thumb)
        .zip(&last.thumb)
        .map(|((a, m), b)| (f32::from(*a) * (1.0 - share) + f32::from(*b) * share - f32::from(*m)).abs())
        .sum();
    sum / (255.0 * THUMB_BYTES as f32)
}
