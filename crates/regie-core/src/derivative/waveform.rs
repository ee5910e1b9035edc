//! Waveform peaks in the JSON form of BBC's audiowaveform (read by peaks.js and similar players):
//! for every `samples_per_pixel` samples of the mono mix, the minimum and the maximum, 8 bits.

use serde::Serialize;

/// About this many points over the whole programme, never fewer samples per point than the floor.
const TARGET_POINTS: u64 = 20_000;
const MIN_SAMPLES_PER_PIXEL: u64 = 256;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waveform {
    pub version: u32,
    pub channels: u32,
    pub sample_rate: u32,
    pub samples_per_pixel: u64,
    pub bits: u32,
    pub length: u64,
    /// `min, max` pairs, -128 to 127.
    pub data: Vec<i8>,
}

/// Accumulates 16-bit mono samples into peaks.
#[derive(Debug)]
pub struct PeakBuilder {
    samples_per_pixel: u64,
    sample_rate: u32,
    in_pixel: u64,
    low: i16,
    high: i16,
    data: Vec<i8>,
}

impl PeakBuilder {
    /// A builder for about `expected_samples` samples at `sample_rate`.
    pub fn new(sample_rate: u32, expected_samples: u64) -> Self {
        let samples_per_pixel = expected_samples.div_ceil(TARGET_POINTS).max(MIN_SAMPLES_PER_PIXEL);
        Self { samples_per_pixel, sample_rate, in_pixel: 0, low: i16::MAX, high: i16::MIN, data: Vec::new() }
    }

    pub fn push(&mut self, samples: &[i16]) {
        for &sample in samples {
            self.low = self.low.min(sample);
            self.high = self.high.max(sample);
            self.in_pixel += 1;
            if self.in_pixel == self.samples_per_pixel {
                self.close_pixel();
            }
        }
    }

    fn close_pixel(&mut self) {
        self.data.push((self.low >> 8) as i8);
        self.data.push((self.high >> 8) as i8);
        (self.in_pixel, self.low, self.high) = (0, i16::MAX, i16::MIN);
    }

    pub fn finish(mut self) -> Waveform {
        if self.in_pixel > 0 {
            self.close_pixel();
        }
        Waveform {
            version: 2,
            channels: 1,
            sample_rate: self.sample_rate,
            samples_per_pixel: self.samples_per_pixel,
            bits: 8,
            length: self.data.len() as u64 / 2,
            data: self.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pixel_holds_the_extremes_of_its_samples() {
        let mut builder = PeakBuilder::new(48_000, 600);
        assert_eq!(builder.samples_per_pixel, 256);
        let mut samples = vec![0i16; 600];
        samples[10] = i16::MAX;
        samples[300] = i16::MIN;
        samples[599] = 256;
        builder.push(&samples[..100]);
        builder.push(&samples[100..]);
        let waveform = builder.finish();
        assert_eq!(waveform.length, 3);
        assert_eq!(waveform.data, vec![0, 127, -128, 0, 0, 1]);
    }

    #[test]
    fn an_hour_is_summarised_in_about_twenty_thousand_points() {
        let builder = PeakBuilder::new(48_000, 48_000 * 3600);
        assert_eq!(builder.samples_per_pixel, 8640);
    }
}
