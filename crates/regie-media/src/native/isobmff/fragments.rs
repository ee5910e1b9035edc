//! Fragmented MP4: the track defaults in `mvex`/`trex` and, for every `moof`, each track
//! fragment's sample count and durations (`tfhd`, `trun`), summed per track.

use std::collections::HashMap;
use std::io::{Read, Seek};

use super::boxes::{BoxHeader, Broken, Fields, MOST_BOXES, body, walk};

/// The largest `trun` read (a fragment of 100,000 samples with four fields each is 1.6 MB).
const LARGEST_TRUN: u64 = 4 * 1024 * 1024;
/// Tracks followed in fragments.
const MOST_TRACKS: usize = 256;

#[derive(Debug, Default)]
pub(super) struct FragmentTotals {
    default_durations: HashMap<u32, u32>,
    /// Per track: samples and their summed duration.
    totals: HashMap<u32, (u64, u64)>,
}

impl FragmentTotals {
    pub fn read_defaults<F: Read + Seek>(&mut self, file: &mut F, mvex: &BoxHeader) -> Result<(), String> {
        walk(file, mvex.body_start, mvex.end, MOST_BOXES, |file, child| {
            if &child.kind == b"trex" {
                let bytes = body(file, &child, 64).ok_or(Broken::Cut)?;
                let mut fields = Fields::new(&bytes);
                fields.skip(4).ok_or(Broken::Cut)?;
                let track = fields.u32().ok_or(Broken::Cut)?;
                fields.skip(4).ok_or(Broken::Cut)?;
                let duration = fields.u32().ok_or(Broken::Cut)?;
                if self.default_durations.len() < MOST_TRACKS {
                    self.default_durations.insert(track, duration);
                }
            }
            Ok(true)
        })
        .map_err(|broken| format!("its movie extends box is damaged ({broken:?})"))
    }

    /// Adds the samples of one `moof`.
    pub fn add<F: Read + Seek>(&mut self, file: &mut F, moof: &BoxHeader) -> Result<(), String> {
        let mut problem = None;
        walk(file, moof.body_start, moof.end, MOST_BOXES, |file, traf| {
            if &traf.kind == b"traf"
                && let Err(reason) = self.add_track_fragment(file, &traf)
            {
                problem = Some(reason);
                return Ok(false);
            }
            Ok(true)
        })
        .map_err(|broken| format!("a fragment is damaged ({broken:?})"))?;
        problem.map_or(Ok(()), Err)
    }

    fn add_track_fragment<F: Read + Seek>(&mut self, file: &mut F, traf: &BoxHeader) -> Result<(), String> {
        let mut track: Option<u32> = None;
        let mut default_duration: Option<u32> = None;
        let mut runs: Vec<BoxHeader> = Vec::new();
        walk(file, traf.body_start, traf.end, MOST_BOXES, |file, child| {
            match &child.kind {
                b"tfhd" => {
                    let bytes = body(file, &child, 64).ok_or(Broken::Cut)?;
                    let mut fields = Fields::new(&bytes);
                    let flags = fields.u32().ok_or(Broken::Cut)? & 0x00FF_FFFF;
                    track = Some(fields.u32().ok_or(Broken::Cut)?);
                    if flags & 0x01 != 0 {
                        fields.skip(8).ok_or(Broken::Cut)?;
                    }
                    if flags & 0x02 != 0 {
                        fields.skip(4).ok_or(Broken::Cut)?;
                    }
                    if flags & 0x08 != 0 {
                        default_duration = Some(fields.u32().ok_or(Broken::Cut)?);
                    }
                }
                b"trun" => runs.push(child),
                _ => {}
            }
            Ok(true)
        })
        .map_err(|broken| format!("a track fragment is damaged ({broken:?})"))?;
        let track = track.ok_or("a track fragment without its header")?;
        let default_duration = default_duration.or_else(|| self.default_durations.get(&track).copied());
        let (mut samples, mut duration) = (0u64, 0u64);
        for run in runs {
            let bytes = body(file, &run, LARGEST_TRUN).ok_or("a track run too large or cut short")?;
            let (run_samples, run_duration) =
                sum_run(&bytes, default_duration).ok_or("a track run it does not read")?;
            samples = samples.saturating_add(run_samples);
            duration = duration.saturating_add(run_duration);
        }
        if !self.totals.contains_key(&track) && self.totals.len() >= MOST_TRACKS {
            return Err("too many fragmented tracks".to_owned());
        }
        let total = self.totals.entry(track).or_default();
        *total = (total.0.saturating_add(samples), total.1.saturating_add(duration));
        Ok(())
    }

    /// The samples and summed duration a track has in fragments.
    pub fn totals(&self, track: u32) -> (u64, u64) {
        self.totals.get(&track).copied().unwrap_or_default()
    }
}

/// The sample count and summed duration of a `trun` body.
fn sum_run(bytes: &[u8], default_duration: Option<u32>) -> Option<(u64, u64)> {
    let mut fields = Fields::new(bytes);
    let flags = fields.u32()? & 0x00FF_FFFF;
    let count = u64::from(fields.u32()?);
    if flags & 0x001 != 0 {
        fields.skip(4)?;
    }
    if flags & 0x004 != 0 {
        fields.skip(4)?;
    }
    let per_sample = [0x100, 0x200, 0x400, 0x800].iter().filter(|flag| flags & **flag != 0).count() * 4;
    if flags & 0x100 == 0 {
        return Some((count, count.saturating_mul(u64::from(default_duration?))));
    }
    if (fields.rest().len() as u64) < count.saturating_mul(per_sample as u64) {
        return None;
    }
    let duration = fields
        .rest()
        .chunks_exact(per_sample)
        .take(count as usize)
        .map(|sample| u64::from(u32::from_be_bytes(sample[0..4].try_into().expect("4 bytes"))));
    Some((count, duration.sum()))
}
