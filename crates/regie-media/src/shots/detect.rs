//! Shot boundaries from frame features, pure. Hard cuts: the change between two frames stands out
//! against the changes around it (an adaptive threshold, as PySceneDetect's AdaptiveDetector).
//! Dissolves: the frames around a point are even mixes of the frames well before and well after
//! it (the classic linearity test), at one of several widths, with no cut in between. Fades: a
//! run of dark, flat frames with the brightness ramping down before it or up after it.

use serde::Serialize;

use super::features::{FrameFeatures, histogram_distance, mix_distance, picture_distance};

/// The detector's thresholds.
#[derive(Debug, Clone, Copy)]
pub struct ShotSettings {
    /// The least change (histogram plus picture distance, 0 to 2) a cut may have.
    pub cut_floor: f32,
    /// How many times the surrounding changes a cut must be.
    pub cut_ratio: f32,
    /// The least histogram distance across a gradual transition.
    pub gradual_floor: f32,
    /// How close to an even mix the frames inside a dissolve must be, as a share of the change.
    pub mix_tolerance: f32,
    /// Two boundaries are at least this many frames apart.
    pub min_shot_frames: usize,
}

impl Default for ShotSettings {
    fn default() -> Self {
        Self { cut_floor: 0.22, cut_ratio: 3.0, gradual_floor: 0.30, mix_tolerance: 0.30, min_shot_frames: 6 }
    }
}

/// A boundary between two shots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Transition {
    /// The new shot starts at `frame`.
    Cut { frame: usize },
    /// A dissolve or fade over `start..end` (`end` is the first frame after it).
    Gradual { start: usize, end: usize },
}

impl Transition {
    /// Where the new shot is taken to begin: the cut, or the middle of the transition.
    pub fn boundary(&self) -> usize {
        match *self {
            Self::Cut { frame } => frame,
            Self::Gradual { start, end } => (start + end) / 2,
        }
    }
}

/// The change from frame `i - 1` to frame `i`.
fn change(frames: &[FrameFeatures], i: usize) -> f32 {
    histogram_distance(&frames[i - 1], &frames[i]) + picture_distance(&frames[i - 1], &frames[i])
}

/// Every transition in `frames`, in order.
pub fn detect_transitions(frames: &[FrameFeatures], settings: &ShotSettings) -> Vec<Transition> {
    let fades = detect_fades(frames);
    let dissolves = detect_dissolves(frames, settings);
    // Near black, small changes of brightness move whole histograms, and the frames of a short
    // dissolve change a lot each: no cut inside a fade or a dissolve.
    let mut cuts = detect_cuts(frames, settings);
    cuts.retain(|&cut| !fades.iter().chain(&dissolves).any(|&(start, end)| cut >= start && cut <= end));
    let mut transitions: Vec<Transition> = cuts.iter().map(|&frame| Transition::Cut { frame }).collect();
    let near_cut = |start: usize, end: usize| cuts.iter().any(|&cut| cut + 2 > start && cut < end + 2);
    for (start, end) in fades.into_iter().chain(dissolves) {
        let overlaps = transitions.iter().any(|transition| match *transition {
            Transition::Gradual { start: other_start, end: other_end } => start < other_end && other_start < end,
            Transition::Cut { .. } => false,
        });
        if !overlaps && !near_cut(start, end) {
            transitions.push(Transition::Gradual { start, end });
        }
    }
    transitions.sort_by_key(Transition::boundary);
    transitions
}

/// Frames where a new shot starts with a hard cut.
fn detect_cuts(frames: &[FrameFeatures], settings: &ShotSettings) -> Vec<usize> {
    let n = frames.len();
    if n < 2 {
        return Vec::new();
    }
    let changes: Vec<f32> = (0..n).map(|i| if i == 0 { 0.0 } else { change(frames, i) }).collect();
    let mut cuts: Vec<usize> = Vec::new();
    for i in 1..n {
        let value = changes[i];
        if value < settings.cut_floor {
            continue;
        }
        let (low, high) = (i.saturating_sub(12).max(1), (i + 12).min(n - 1));
        let neighbours: Vec<f32> = (low..=high).filter(|&j| j + 1 < i || j > i + 1).map(|j| changes[j]).collect();
        let baseline = if neighbours.is_empty() {
            0.0
        } else {
            // The mean of the quieter two thirds: another cut nearby does not raise the bar.
            let mut sorted = neighbours.clone();
            sorted.sort_by(f32::total_cmp);
            let kept = &sorted[..(sorted.len() * 2).div_ceil(3)];
            kept.iter().sum::<f32>() / kept.len() as f32
        };
        let local_peak = (i.saturating_sub(2).max(1)..=(i + 2).min(n - 1)).all(|j| j == i || changes[j] < value);
        // Fast motion changes many frames in a row; a cut changes one.
        let beside = changes[i - 1].max(if i + 1 < n { changes[i + 1] } else { 0.0 });
        if local_peak && value >= settings.cut_ratio * baseline + 0.05 && value >= 2.0 * beside {
            if let Some(&last) = cuts.last()
                && i - last < settings.min_shot_frames
            {
                if changes[last] < value {
                    cuts.pop();
                } else {
                    continue;
                }
            }
            cuts.push(i);
        }
    }
    cuts
}

/// Dark, flat frames: black or nearly.
fn is_dark(frame: &FrameFeatures) -> bool {
    frame.luma < 24.0 && frame.contrast < 12.0
}

/// Fades through black: a dark run with brightness ramping down before it and up after it.
fn detect_fades(frames: &[FrameFeatures]) -> Vec<(usize, usize)> {
    let n = frames.len();
    let mut fades = Vec::new();
    let mut i = 0;
    while i < n {
        if !is_dark(&frames[i]) {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < n && is_dark(&frames[i]) {
            i += 1;
        }
        let run_end = i;
        if run_start == 0 || run_end >= n || run_end - run_start > 50 {
            continue;
        }
        // Back from the run while the frames get brighter going back (a fade out), at most 2 s.
        let mut left = run_start;
        while left > 0 && run_start - left < 50 && frames[left - 1].luma > frames[left].luma + 0.5 {
            left -= 1;
        }
        let mut right = run_end;
        while right < n && right - run_end < 50 && frames[right].luma > frames[right - 1].luma + 0.5 {
            right += 1;
        }
        let ramp_down = run_start - left;
        let ramp_up = right - run_end;
        let fell = frames[left].luma - frames[run_start].luma;
        let rose = frames[right.min(n - 1)].luma - frames[run_end - 1].luma;
        if (ramp_down >= 3 && fell > 20.0) || (ramp_up >= 3 && rose > 20.0) {
            fades.push((left, right));
        }
    }
    fades
}

/// Dissolves: stretches whose frames are even mixes of the frames on either side.
fn detect_dissolves(frames: &[FrameFeatures], settings: &ShotSettings) -> Vec<(usize, usize)> {
    const WIDTHS: [usize; 4] = [5, 8, 12, 16];
    let n = frames.len();
    let mut found: Vec<(usize, usize, f32)> = Vec::new();
    for center in WIDTHS[0]..n.saturating_sub(WIDTHS[0]) {
        let mut best: Option<(usize, f32)> = None;
        for width in WIDTHS {
            // A cut inside the window fails the mix test: its middle frame is one side or the other.
            let (Some(first), last) = (center.checked_sub(width), center + width) else { continue };
            if last >= n {
                continue;
            }
            let (a, b) = (&frames[first], &frames[last]);
            let across = histogram_distance(a, b);
            let picture = picture_distance(a, b);
            if across < settings.gradual_floor || picture < 0.06 {
                continue;
            }
            let tolerance = settings.mix_tolerance * picture;
            let quarter = width / 2;
            let mixes = [
                (center, 0.5),
                (center - quarter, 0.5 - quarter as f32 / (2 * width) as f32),
                (center + quarter, 0.5 + quarter as f32 / (2 * width) as f32),
            ];
            if mixes.iter().all(|&(at, share)| mix_distance(a, &frames[at], b, share) <= tolerance)
                && best.is_none_or(|(_, score)| across > score)
            {
                best = Some((width, across));
            }
        }
        if let Some((width, score)) = best {
            found.push((center - width, center + width, score));
        }
    }
    // Overlapping findings are one transition: the centre of the run, the best width.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    let mut group: Vec<(usize, usize, f32)> = Vec::new();
    let flush = |group: &mut Vec<(usize, usize, f32)>, merged: &mut Vec<(usize, usize)>| {
        if group.len() >= 2 {
            let centre = (group[0].0 + group[0].1 + group[group.len() - 1].0 + group[group.len() - 1].1) / 4;
            let half = group.iter().map(|(start, end, _)| (end - start) / 2).min().unwrap_or(1);
            merged.push((centre.saturating_sub(half), centre + half));
        }
        group.clear();
    };
    for finding in found {
        if let Some(last) = group.last()
            && finding.0 > last.0 + 2
        {
            flush(&mut group, &mut merged);
        }
        group.push(finding);
    }
    flush(&mut group, &mut merged);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shots::features::{ANALYSIS_HEIGHT, ANALYSIS_WIDTH, FRAME_BYTES};

    /// A frame of a pattern that moves a little each frame (a "shot" of `seed`).
    fn frame(seed: u8, t: usize) -> Vec<u8> {
        let mut rgb = vec![0u8; FRAME_BYTES];
        for y in 0..ANALYSIS_HEIGHT {
            for x in 0..ANALYSIS_WIDTH {
                let at = (y * ANALYSIS_WIDTH + x) * 3;
                let wave = ((x + t / 4) as u32 * u32::from(seed) + y as u32 * 7) % 256;
                rgb[at] = (wave as u8).wrapping_add(seed.wrapping_mul(40));
                rgb[at + 1] = seed.wrapping_mul(70).wrapping_add((y * 5) as u8);
                rgb[at + 2] = ((255 - wave) as u8 / 2).wrapping_add(seed.wrapping_mul(20));
            }
        }
        rgb
    }

    fn mix(a: &[u8], b: &[u8], share: f32) -> Vec<u8> {
        a.iter().zip(b).map(|(x, y)| (f32::from(*x) * (1.0 - share) + f32::from(*y) * share).round() as u8).collect()
    }

    #[test]
    fn a_cut_a_dissolve_and_a_fade_are_found_where_they_are() {
        let mut rgb: Vec<Vec<u8>> = Vec::new();
        rgb.extend((0..40).map(|t| frame(1, t)));
        rgb.extend((0..40).map(|t| frame(3, t))); // cut at 40
        let dissolve_start = rgb.len(); // 80
        for t in 0..20 {
            rgb.push(mix(&frame(3, 40 + t), &frame(5, t), (t as f32 + 0.5) / 20.0));
        }
        rgb.extend((20..60).map(|t| frame(5, t)));
        let fade_start = rgb.len(); // 140
        for t in 0..10 {
            rgb.push(mix(&frame(5, 60 + t), &vec![0u8; FRAME_BYTES], (t as f32 + 1.0) / 10.0));
        }
        for t in 0..10 {
            rgb.push(mix(&vec![0u8; FRAME_BYTES], &frame(7, t), (t as f32) / 10.0));
        }
        rgb.extend((10..50).map(|t| frame(7, t)));
        let features: Vec<FrameFeatures> = rgb.iter().map(|frame| FrameFeatures::of_rgb(frame)).collect();
        let found = detect_transitions(&features, &ShotSettings::default());
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], Transition::Cut { frame: 40 });
        let Transition::Gradual { start, end } = found[1] else { panic!("{found:?}") };
        assert!(start < dissolve_start + 20 && end > dissolve_start, "dissolve at {start}..{end}");
        let Transition::Gradual { start, end } = found[2] else { panic!("{found:?}") };
        assert!(start < fade_start + 20 && end > fade_start, "fade at {start}..{end}");
    }

    /// Tuning aid: `SHOTS_FILE=edit.mp4 cargo test -p regie-media --lib shots_of_a_file -- --ignored`
    /// prints the transitions found in a file as JSON.
    #[test]
    #[ignore]
    fn shots_of_a_file() {
        let path = std::path::PathBuf::from(std::env::var("SHOTS_FILE").expect("SHOTS_FILE"));
        let work = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let runner = crate::ToolRunner::new(1, std::time::Duration::from_secs(3600));
        let analysis = runtime.block_on(runner.detect_shots(&path, work.path(), &ShotSettings::default())).unwrap();
        println!("{}", serde_json::json!({"frames": analysis.frames, "transitions": analysis.transitions}));
    }
}
