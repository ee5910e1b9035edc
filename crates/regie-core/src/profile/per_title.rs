//! Per-title ladders: each rung's bit rate, and its size, chosen for this programme. A few trial
//! encodes of a sample at several bit rates, at the rung's size and at a smaller one (compared
//! with the source at the rung's size, as a player would show it), give each size a
//! quality/bit-rate curve; its upper convex hull (the trades no other mix of trials beats) is read
//! for the fewest bits that reach the target quality, and the size needing fewer bits is taken.
//! Easy pictures get fewer bits than the profile says, hard ones more.

use serde::Serialize;

use super::{Profile, RungSpec};

/// Trial bit rates, as fractions of the rung's bit rate in the profile.
pub const TRIAL_FACTORS: [f64; 5] = [0.25, 0.5, 0.75, 1.0, 1.5];
/// Trial bit rates at the smaller size (where a smaller picture can win: the cheap end).
pub const SMALLER_FACTORS: [f64; 3] = [0.25, 0.5, 0.75];
/// The smaller size tried: about three quarters of the rung's height.
pub const SMALLER_SCALE: f64 = 0.75;
/// No rung is made smaller than this.
pub const SMALLEST_HEIGHT: u32 = 144;

/// SSIM each rung should reach, at its own size, unless the caller asks for another.
pub const DEFAULT_TARGET_SSIM: f64 = 0.97;

/// One trial encode: its height, its bit rate and the quality it gave (at the rung's size).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrialPoint {
    pub height: u32,
    pub kbps: u32,
    pub ssim: f64,
}

/// What was tried for one rung and what was chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RungChoice {
    /// The profile's height for this rung.
    pub height: u32,
    /// The profile's bit rate for this rung.
    pub profile_kbps: u32,
    pub trials: Vec<TrialPoint>,
    /// The height the rung is made at: its own, or the smaller one when that needs fewer bits.
    pub chosen_height: u32,
    pub chosen_kbps: u32,
    /// The target was reached within the trials (otherwise the highest trial is taken).
    pub reached: bool,
}

/// The rungs of a profile as (height, bit rate, peak rate): its ladder's, or its single video's.
pub fn rungs_of(profile: &Profile) -> Vec<RungSpec> {
    let Some(video) = &profile.video else { return Vec::new() };
    if !video.rungs.is_empty() {
        return video.rungs.clone();
    }
    match (video.bitrate_kbps, video.max_height.or(video.height)) {
        (Some(bitrate_kbps), Some(height)) => {
            vec![RungSpec { height, bitrate_kbps, maxrate_kbps: video.maxrate_kbps, codec_profile: None }]
        }
        _ => Vec::new(),
    }
}

/// Why a profile cannot be made per title, if it cannot: it needs video bit rates to choose.
pub fn unsuitable(profile: &Profile) -> Option<String> {
    let constant_quality = profile.video.as_ref().is_some_and(|video| video.crf.is_some());
    (rungs_of(profile).is_empty() || constant_quality).then(|| {
        format!(
            "profile {} cannot be made per title: it needs video bit rates (a ladder's rungs, or [video] bitrate_kbps with max_height), not constant quality",
            profile.name
        )
    })
}

/// The upper convex hull of the points, by bit rate: the points no straight mix of two others
/// beats. Points are sorted; a point worse than a cheaper one is never on it.
pub fn upper_hull(points: &[TrialPoint]) -> Vec<TrialPoint> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|left, right| left.kbps.cmp(&right.kbps).then(left.ssim.total_cmp(&right.ssim)));
    let mut hull: Vec<TrialPoint> = Vec::new();
    for point in sorted {
        if hull.last().is_some_and(|last| point.ssim <= last.ssim) {
            continue;
        }
        while hull.len() >= 2 {
            let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            // b lies on or under the segment from a to the new point: it is not on the hull.
            let cross = (f64::from(b.kbps) - f64::from(a.kbps)) * (point.ssim - a.ssim)
                - (b.ssim - a.ssim) * (f64::from(point.kbps) - f64::from(a.kbps));
            if cross >= 0.0 {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(point);
    }
    hull
}

/// The fewest kilobits per second reaching `target` on the hull (read linearly between two of
/// its points), and whether it is reached at all; when it is not, the hull's last point.
pub fn kbps_for(hull: &[TrialPoint], target: f64) -> Option<(u32, bool)> {
    let first = hull.first()?;
    if first.ssim >= target {
        return Some((first.kbps, true));
    }
    for pair in hull.windows(2) {
        let (low, high) = (pair[0], pair[1]);
        if high.ssim >= target {
            let share = (target - low.ssim) / (high.ssim - low.ssim);
            let kbps = f64::from(low.kbps) + share * f64::from(high.kbps - low.kbps);
            return Some((kbps.ceil() as u32, true));
        }
    }
    hull.last().map(|last| (last.kbps, false))
}

/// The smaller height to try for a rung of `height` (about three quarters of it, even), when it
/// stays above the next rung down (`below`) and the smallest height; `None` otherwise. The caller
/// adjusts it down until the picture keeps the rung's exact shape.
pub fn smaller_height(height: u32, below: Option<u32>) -> Option<u32> {
    let smaller = ((f64::from(height) * SMALLER_SCALE) as u32) & !1;
    (smaller >= SMALLEST_HEIGHT && below.is_none_or(|below| smaller > below) && smaller < height).then_some(smaller)
}

/// Of the trials (at the rung's height and perhaps a smaller one), the height and bit rate
/// reaching `target` with the fewest bits, read on each height's hull, and whether any reached
/// it; when none does, the highest trial at the rung's own height.
pub fn choose(trials: &[TrialPoint], own_height: u32, target: f64) -> Option<(u32, u32, bool)> {
    let mut heights: Vec<u32> = trials.iter().map(|trial| trial.height).collect();
    heights.sort_unstable_by(|a, b| b.cmp(a));
    heights.dedup();
    let mut best: Option<(u32, u32)> = None;
    for height in &heights {
        let at: Vec<TrialPoint> = trials.iter().copied().filter(|trial| trial.height == *height).collect();
        if let Some((kbps, true)) = kbps_for(&upper_hull(&at), target)
            && best.is_none_or(|(_, fewest)| kbps < fewest)
        {
            best = Some((*height, kbps));
        }
    }
    if let Some((height, kbps)) = best {
        return Some((height, kbps, true));
    }
    let own: Vec<TrialPoint> = trials.iter().copied().filter(|trial| trial.height == own_height).collect();
    let fallback = if own.is_empty() { trials.to_vec() } else { own };
    kbps_for(&upper_hull(&fallback), target).map(|(kbps, reached)| {
        let height = fallback.iter().find(|trial| trial.kbps == kbps).map_or(own_height, |trial| trial.height);
        (height, kbps, reached)
    })
}

/// The profile with each rung's bit rate and height replaced by the chosen ones (peak rates
/// scaled in proportion).
pub fn with_chosen_bitrates(profile: &Profile, choices: &[RungChoice]) -> Profile {
    let mut chosen = profile.clone();
    let Some(video) = chosen.video.as_mut() else { return chosen };
    let scale = |rate: Option<u32>, from: u32, to: u32| {
        rate.map(|rate| (f64::from(rate) * f64::from(to) / f64::from(from.max(1))).round() as u32)
    };
    if video.rungs.is_empty() {
        if let (Some(choice), Some(from)) = (choices.first(), video.bitrate_kbps) {
            video.maxrate_kbps = scale(video.maxrate_kbps, from, choice.chosen_kbps);
            video.bufsize_kbits = scale(video.bufsize_kbits, from, choice.chosen_kbps);
            video.minrate_kbps = scale(video.minrate_kbps, from, choice.chosen_kbps);
            video.bitrate_kbps = Some(choice.chosen_kbps);
            if video.max_height.is_some() {
                video.max_height = Some(choice.chosen_height);
            }
        }
        return chosen;
    }
    for (rung, choice) in video.rungs.iter_mut().zip(choices) {
        rung.maxrate_kbps = scale(rung.maxrate_kbps, rung.bitrate_kbps, choice.chosen_kbps);
        rung.bitrate_kbps = choice.chosen_kbps;
        rung.height = choice.chosen_height;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(kbps: u32, ssim: f64) -> TrialPoint {
        TrialPoint { height: 720, kbps, ssim }
    }

    #[test]
    fn the_size_needing_fewer_bits_for_the_target_is_taken() {
        let at = |height, kbps, ssim| TrialPoint { height, kbps, ssim };
        // A soft picture: 540 lines reach 0.95 at 600 kbit/s, 720 lines need 900.
        let soft = [at(720, 500, 0.93), at(720, 1000, 0.96), at(540, 300, 0.93), at(540, 600, 0.95)];
        assert_eq!(choose(&soft, 720, 0.95), Some((540, 600, true)));
        // A detailed one: the smaller picture never reaches 0.97 however many bits it gets.
        let sharp = [at(720, 1000, 0.96), at(720, 2000, 0.98), at(540, 800, 0.94), at(540, 1500, 0.95)];
        assert_eq!(choose(&sharp, 720, 0.97), Some((720, 1500, true)));
        // Out of reach at both sizes: the rung's own size, its highest trial.
        assert_eq!(choose(&sharp, 720, 0.99), Some((720, 2000, false)));
        assert_eq!(smaller_height(1080, Some(720)), Some(810));
        assert_eq!(smaller_height(720, Some(540)), None, "it would meet the next rung");
        assert_eq!(smaller_height(360, None), Some(270));
        assert_eq!(smaller_height(180, None), None, "below the smallest");
    }

    #[test]
    fn the_hull_drops_points_beaten_by_a_mix_or_by_a_cheaper_trial() {
        let points = [point(1500, 0.990), point(500, 0.950), point(1000, 0.955), point(250, 0.900), point(2000, 0.989)];
        // 1000 kbps lies under the line from 500 to 1500; 2000 is worse than 1500.
        assert_eq!(upper_hull(&points), [point(250, 0.900), point(500, 0.950), point(1500, 0.990)]);
    }

    #[test]
    fn only_profiles_with_video_bit_rates_are_made_per_title() {
        let profile = |video: &str| -> Profile {
            serde_json::from_str(&format!(r#"{{"name": "p", "container": "mp4", "video": {video}}}"#)).unwrap()
        };
        let fixed = profile(r#"{"codec": "h264", "max_height": 720, "bitrate_kbps": 2500, "maxrate_kbps": 3000}"#);
        assert_eq!(unsuitable(&fixed), None);
        assert_eq!(rungs_of(&fixed)[0].height, 720);
        let chosen = with_chosen_bitrates(
            &fixed,
            &[RungChoice {
                height: 720,
                profile_kbps: 2500,
                trials: Vec::new(),
                chosen_height: 540,
                chosen_kbps: 1000,
                reached: true,
            }],
        );
        let video = chosen.video.unwrap();
        assert_eq!(
            (video.bitrate_kbps, video.maxrate_kbps, video.max_height),
            (Some(1000), Some(1200), Some(540)),
            "the peak follows in proportion"
        );
        for unsuited in
            [r#"{"codec": "h264", "max_height": 720, "crf": 20}"#, r#"{"codec": "h264", "bitrate_kbps": 2500}"#]
        {
            assert!(unsuitable(&profile(unsuited)).is_some_and(|reason| reason.contains("per title")), "{unsuited}");
        }
    }

    #[test]
    fn the_fewest_bits_reaching_the_target_are_read_between_hull_points() {
        let hull = [point(250, 0.900), point(500, 0.950), point(1500, 0.990)];
        assert_eq!(kbps_for(&hull, 0.97), Some((1000, true)));
        assert_eq!(kbps_for(&hull, 0.85), Some((250, true)), "easy: the cheapest trial already does");
        assert_eq!(kbps_for(&hull, 0.999), Some((1500, false)), "hard: the most tried, and said");
        assert_eq!(kbps_for(&[], 0.9), None);
    }
}
