//! The invisible mark of a screener: the picture's brightness rises and falls by about a grey
//! level, as the sum of three slow sine waves whose frequencies (from 24 between 2 and 8.9 Hz)
//! are the recipient's code. The picture's mean brightness survives what leaks do to a copy:
//! re-encoding (encoders keep a frame's mean, and code fades with weighted prediction), rescaling
//! (a mean does not depend on the size) and trimming (a trim moves the waves' phase, not their
//! frequencies, and only their strength is read). Each recipient of one programme gets a code
//! sharing at most one frequency with any other's, so two codes never look alike.
//!
//! Reading a mark: the mean brightness of every picture, 25 a second; slow changes (scenes, fades)
//! removed; the strength of each code frequency against the noise at the frequencies between them.

use serde::Serialize;

/// The code frequencies, in Hz: 2.0, 2.3, ... 8.9 (below 12.5 Hz, so 25 frames a second hold
/// them; midpoints between them measure the noise).
pub const MARK_FREQUENCIES: usize = 24;
const LOWEST_HZ: f64 = 2.0;
const SPACING_HZ: f64 = 0.3;
/// Frequencies per code.
pub const TONES: usize = 3;
/// Each tone's amplitude, in grey levels of 8-bit video (`eq` brightness 1/256 is one level).
pub const TONE_LEVELS: f64 = 1.0;
/// A change of mean brightness from one picture to the next larger than this (in grey levels)
/// is a cut or a flash, not the mark (whose steps are one or two levels).
const JUMP_LEVELS: f64 = 4.0;
/// Pictures per second the brightness is read at.
pub const READ_RATE: f64 = 25.0;
/// The shortest clip a mark is read from, in seconds.
pub const MIN_SECONDS: f64 = 8.0;
/// A code is found when each of its tones stands this far above the noise (amplitude ratio) ...
pub const MIN_TONE_RATIO: f64 = 3.0;
/// ... and the three together this far (sum of squared ratios).
pub const MIN_STRENGTH: f64 = 30.0;

/// The frequency of code frequency `index`, in Hz.
pub fn frequency(index: usize) -> f64 {
    LOWEST_HZ + SPACING_HZ * index as f64
}

/// The codes: triples of frequencies of which no two share more than one frequency, in the
/// order they are handed out (lexicographic, greedy).
pub fn codes() -> &'static [[u8; TONES]] {
    static CODES: std::sync::OnceLock<Vec<[u8; TONES]>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let mut codes: Vec<[u8; TONES]> = Vec::new();
        let n = MARK_FREQUENCIES as u8;
        for a in 0..n {
            for b in a + 1..n {
                for c in b + 1..n {
                    let candidate = [a, b, c];
                    let overlap = |code: &[u8; TONES]| candidate.iter().filter(|tone| code.contains(tone)).count();
                    if codes.iter().all(|code| overlap(code) <= 1) {
                        codes.push(candidate);
                    }
                }
            }
        }
        codes
    })
}

/// One recipient's mark on one programme: the `ordinal`-th screener of the asset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InvisibleMark {
    pub ordinal: u32,
    pub frequencies_hz: [f64; TONES],
}

impl InvisibleMark {
    /// The mark of the asset's `ordinal`-th screener (codes are reused after the last, in order).
    pub fn for_ordinal(ordinal: u32) -> Self {
        let all = codes();
        let code = all[ordinal as usize % all.len()];
        Self { ordinal, frequencies_hz: code.map(|index| frequency(usize::from(index))) }
    }

    /// The `eq` brightness expression (of the frame time `t`) that writes the mark.
    pub fn brightness_expression(&self) -> String {
        let tones: Vec<String> = self.frequencies_hz.iter().map(|hz| format!("sin(2*PI*{hz:.3}*t)")).collect();
        format!("{:.6}*({})", TONE_LEVELS / 256.0, tones.join("+"))
    }
}

/// The strength of every code frequency in a clip's brightness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkSpectrum {
    pub seconds: f64,
    /// Per code frequency: its amplitude over the noise around it.
    pub ratios: Vec<f64>,
}

/// How well one mark matches a clip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MarkMatch {
    /// Sum of the tones' squared ratios (about 3 to 6 in a clip without this mark).
    pub strength: f64,
    /// The weakest tone's ratio.
    pub weakest: f64,
    pub found: bool,
}

impl MarkSpectrum {
    /// Reads the spectrum from each picture's mean brightness, `READ_RATE` pictures a second;
    /// `None` when the clip is shorter than `MIN_SECONDS`.
    pub fn read(means: &[f64]) -> Option<Self> {
        let seconds = means.len() as f64 / READ_RATE;
        if seconds < MIN_SECONDS {
            return None;
        }
        let detail = high_passed(means);
        let ratios = (0..MARK_FREQUENCIES)
            .map(|index| {
                let hz = frequency(index);
                let noise: Vec<f64> = (-3..3)
                    .map(|step| hz + SPACING_HZ * (f64::from(step) + 0.5))
                    .filter(|&between| between > 1.0 && between < READ_RATE / 2.0 - 0.5)
                    .map(|between| amplitude(&detail, between))
                    .collect();
                let noise = median(noise).max(1e-9);
                amplitude(&detail, hz) / noise
            })
            .collect();
        Some(Self { seconds, ratios })
    }

    /// How strongly `mark` is in the clip.
    pub fn match_of(&self, mark: &InvisibleMark) -> MarkMatch {
        let indices = mark.frequencies_hz.map(|hz| ((hz - LOWEST_HZ) / SPACING_HZ).round() as usize);
        let ratios = indices.map(|index| self.ratios.get(index).copied().unwrap_or(0.0));
        let strength = ratios.iter().map(|ratio| ratio * ratio).sum();
        let weakest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        MarkMatch { strength, weakest, found: weakest >= MIN_TONE_RATIO && strength >= MIN_STRENGTH }
    }
}

/// A leaked clip found in the original it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Where the clip starts in the original, in pictures (`READ_RATE` a second).
    pub lag: usize,
    /// How well the clip's brightness follows the original's there (0 to 1).
    pub correlation: f64,
    /// The clip's brightness less the original's, fitted: the mark and the leak's coding noise.
    pub residual: Vec<f64>,
}

/// The clip's brightness correlates at least this well with the original's where it is found.
pub const MIN_ALIGNMENT: f64 = 0.5;

/// Finds `clip` in `original` (both read at `READ_RATE`): the lag where their slow brightness
/// changes correlate best. The original's brightness there, fitted to the clip's (a gain and an
/// offset: a leak may be brighter or flatter), is subtracted, leaving the mark without the
/// picture's own changes. `None` when the clip is not found (a flat picture has nothing to
/// align on; the mark is then read from the clip alone).
pub fn residual(clip: &[f64], original: &[f64]) -> Option<Alignment> {
    if clip.len() < (MIN_SECONDS * READ_RATE) as usize || original.len() < clip.len() {
        return None;
    }
    let (fast_clip, fast_original) = (fast_changes(clip), fast_changes(original));
    let clip_energy: f64 = fast_clip.iter().map(|value| value * value).sum();
    if clip_energy <= 1e-9 {
        return None;
    }
    let mut best = (0usize, f64::MIN);
    for lag in 0..=original.len() - clip.len() {
        let window = &fast_original[lag..lag + clip.len()];
        let energy: f64 = window.iter().map(|value| value * value).sum();
        if energy <= 1e-9 {
            continue;
        }
        let product: f64 = fast_clip.iter().zip(window).map(|(a, b)| a * b).sum();
        let correlation = product / (clip_energy * energy).sqrt();
        if correlation > best.1 {
            best = (lag, correlation);
        }
    }
    let (coarse, correlation) = best;
    if correlation < MIN_ALIGNMENT {
        return None;
    }
    // The slow band places the clip within a few pictures; the picture's full detail (the mark
    // is noise to it) places it exactly, within half a second of there.
    let (detail_clip, detail_original) = (detail(clip), detail(original));
    let reach = READ_RATE as usize / 2;
    let mut lag = coarse;
    let mut closest = f64::MIN;
    for candidate in coarse.saturating_sub(reach)..=(coarse + reach).min(original.len() - clip.len()) {
        let window = &detail_original[candidate..candidate + clip.len()];
        let energy: f64 = window.iter().map(|value| value * value).sum();
        let product: f64 = detail_clip.iter().zip(window).map(|(a, b)| a * b).sum();
        let score = if energy > 1e-9 { product / energy.sqrt() } else { f64::MIN };
        if score > closest {
            (lag, closest) = (candidate, score);
        }
    }
    let window = &original[lag..lag + clip.len()];
    let count = clip.len() as f64;
    let (mean_clip, mean_window) = (clip.iter().sum::<f64>() / count, window.iter().sum::<f64>() / count);
    let covariance: f64 = clip.iter().zip(window).map(|(a, b)| (a - mean_clip) * (b - mean_window)).sum();
    let variance: f64 = window.iter().map(|b| (b - mean_window) * (b - mean_window)).sum();
    let gain = if variance > 1e-9 { covariance / variance } else { 1.0 };
    let residual = clip.iter().zip(window).map(|(a, b)| a - mean_clip - gain * (b - mean_window)).collect();
    Some(Alignment { lag, correlation, residual })
}

/// What aligning looks at: the brightness's changes between a quarter of a hertz and one hertz
/// (a one-second average less a four-second one), below the mark's tones, which would otherwise
/// hide a picture whose brightness barely moves.
fn fast_changes(means: &[f64]) -> Vec<f64> {
    let (short, long) = (moving_average(means, READ_RATE as usize / 2), moving_average(means, 2 * READ_RATE as usize));
    short.iter().zip(long).map(|(short, long)| short - long).collect()
}

/// The brightness less its four-second average: everything the picture does, the mark included.
fn detail(means: &[f64]) -> Vec<f64> {
    means.iter().zip(moving_average(means, 2 * READ_RATE as usize)).map(|(value, slow)| value - slow).collect()
}

/// The centred moving average over `half` pictures each side.
fn moving_average(means: &[f64], half: usize) -> Vec<f64> {
    let mut prefix = Vec::with_capacity(means.len() + 1);
    prefix.push(0.0);
    for value in means {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + value);
    }
    (0..means.len())
        .map(|index| {
            let (start, end) = (index.saturating_sub(half), (index + half + 1).min(means.len()));
            (prefix[end] - prefix[start]) / (end - start) as f64
        })
        .collect()
}

/// The brightness less its slow changes (a centred moving average over half a second). Around a
/// jump (a cut, a flash) the average cannot follow: those half seconds are left out (zero), and
/// what else stands out is clipped to six robust deviations, so that neither floods the spectrum.
fn high_passed(means: &[f64]) -> Vec<f64> {
    let half = (READ_RATE / 4.0).round() as usize;
    let mut prefix = Vec::with_capacity(means.len() + 1);
    prefix.push(0.0);
    for value in means {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + value);
    }
    let mut detail: Vec<f64> = (0..means.len())
        .map(|index| {
            let (start, end) = (index.saturating_sub(half), (index + half + 1).min(means.len()));
            means[index] - (prefix[end] - prefix[start]) / (end - start) as f64
        })
        .collect();
    let steps: Vec<f64> = means.windows(2).map(|pair| (pair[1] - pair[0]).abs()).collect();
    let jump = (median(steps.clone()) * 1.4826 * 8.0).max(JUMP_LEVELS);
    for (index, _) in steps.iter().enumerate().filter(|(_, step)| **step > jump) {
        let (start, end) = ((index + 1).saturating_sub(half + 1), (index + half + 2).min(detail.len()));
        detail[start..end].fill(0.0);
    }
    let deviation = median(detail.iter().map(|value| value.abs()).collect()) * 1.4826;
    let limit = (deviation * 6.0).max(1e-6);
    detail.into_iter().map(|value| value.clamp(-limit, limit)).collect()
}

/// The amplitude of `hz` in `samples` (read at `READ_RATE`), through a Hann window.
fn amplitude(samples: &[f64], hz: f64) -> f64 {
    let count = samples.len() as f64;
    let step = std::f64::consts::TAU * hz / READ_RATE;
    let (mut real, mut imaginary) = (0.0, 0.0);
    for (index, value) in samples.iter().enumerate() {
        let at = index as f64;
        let window = 0.5 - 0.5 * (std::f64::consts::TAU * at / count).cos();
        real += value * window * (step * at).cos();
        imaginary += value * window * (step * at).sin();
    }
    (real * real + imaginary * imaginary).sqrt() / count
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brightness of a clip: slow scene changes, a cut, noise, and the mark's tones starting at
    /// `from` seconds (a trim). A picture's mean follows `eq`'s brightness smoothly: its pixels'
    /// values round differently.
    fn clip(mark: Option<&InvisibleMark>, seconds: f64, from: f64, seed: u64) -> Vec<f64> {
        let mut state = seed;
        let mut noise = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / f64::from(1u32 << 31)) - 0.5
        };
        (0..(seconds * READ_RATE) as usize)
            .map(|index| {
                let t = from + index as f64 / READ_RATE;
                let scene = 110.0 + 20.0 * (t * 0.3).sin() + if t > from + seconds / 2.0 { 30.0 } else { 0.0 };
                let tones: f64 = mark.map_or(0.0, |mark| {
                    mark.frequencies_hz.iter().map(|hz| (std::f64::consts::TAU * hz * t).sin()).sum::<f64>()
                });
                scene + tones * TONE_LEVELS + noise() * 1.5
            })
            .collect()
    }

    #[test]
    fn codes_share_at_most_one_frequency_and_stay_below_the_read_rate_s_half() {
        let all = codes();
        assert!(all.len() >= 60, "{} codes", all.len());
        for (index, code) in all.iter().enumerate() {
            for other in &all[index + 1..] {
                assert!(code.iter().filter(|tone| other.contains(tone)).count() <= 1);
            }
        }
        assert!(frequency(MARK_FREQUENCIES - 1) < READ_RATE / 2.0 - 1.0);
        assert_eq!(InvisibleMark::for_ordinal(0).frequencies_hz, [2.0, 2.3, 2.6]);
        assert_eq!(
            InvisibleMark::for_ordinal(all.len() as u32),
            InvisibleMark { ordinal: all.len() as u32, ..InvisibleMark::for_ordinal(0) }
        );
        let expression = InvisibleMark::for_ordinal(0).brightness_expression();
        assert_eq!(expression, "0.003906*(sin(2*PI*2.000*t)+sin(2*PI*2.300*t)+sin(2*PI*2.600*t))");
    }

    #[test]
    fn a_mark_is_read_from_a_trimmed_clip_and_no_other_recipient_s_is() {
        let marks: Vec<InvisibleMark> = (0..20).map(InvisibleMark::for_ordinal).collect();
        for (index, mark) in marks.iter().enumerate() {
            let spectrum = MarkSpectrum::read(&clip(Some(mark), 20.0, 3.7 + index as f64, index as u64)).unwrap();
            for (other_index, other) in marks.iter().enumerate() {
                let matched = spectrum.match_of(other);
                assert_eq!(matched.found, other_index == index, "mark {index} read as {other_index}: {matched:?}");
            }
        }
        let unmarked = MarkSpectrum::read(&clip(None, 20.0, 0.0, 99)).unwrap();
        assert!(marks.iter().all(|mark| !unmarked.match_of(mark).found));
    }

    #[test]
    fn a_clip_found_in_its_original_gives_the_mark_without_the_picture_s_changes() {
        // An original with busy brightness (cuts every 2 s, flicker); the leak: 12 s of it from
        // 7.4 s in, darker and flatter, with a weak mark and coding noise.
        let mut state = 7u64;
        let mut noise = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / f64::from(1u32 << 31)) - 0.5
        };
        let original: Vec<f64> = (0..(40.0 * READ_RATE) as usize)
            .map(|index| {
                let t = index as f64 / READ_RATE;
                90.0 + 40.0 * ((t / 2.0).floor() * 1.7).sin() + 6.0 * (t * 17.0).sin() * (t * 0.9).cos() + noise() * 8.0
            })
            .collect();
        let mark = InvisibleMark::for_ordinal(5);
        let start = (7.4 * READ_RATE) as usize;
        let clip: Vec<f64> = original[start..start + (12.0 * READ_RATE) as usize]
            .iter()
            .enumerate()
            .map(|(index, value)| {
                let t = index as f64 / READ_RATE;
                let tones: f64 = mark.frequencies_hz.iter().map(|hz| (std::f64::consts::TAU * hz * t).sin()).sum();
                0.8 * value + 10.0 + 0.5 * tones + noise() * 0.5
            })
            .collect();
        let aligned = residual(&clip, &original).unwrap();
        assert_eq!(aligned.lag, start);
        assert!(aligned.correlation > 0.9, "{}", aligned.correlation);
        let with_original = MarkSpectrum::read(&aligned.residual).unwrap().match_of(&mark);
        let alone = MarkSpectrum::read(&clip).unwrap().match_of(&mark);
        assert!(with_original.found, "{with_original:?}");
        assert!(with_original.weakest > alone.weakest * 2.0, "{with_original:?} against {alone:?}");
        // A flat original has nothing to align on.
        assert_eq!(residual(&clip, &[100.0; 1000]), None);
    }

    #[test]
    fn a_clip_too_short_is_not_read() {
        assert_eq!(MarkSpectrum::read(&[100.0; 150]), None);
    }
}
