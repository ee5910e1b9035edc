//! `check`: a file or an asset against a delivery policy. Built-in packs ship inside the binary
//! (`policies/*.toml`); a house adds its own as `DATA/policies/NAME.toml` or names a file.
//! Loudness is measured only when the policy reads it, since it costs a full decode.

use std::path::Path;

use regie_core::policy::PolicyFile;
use regie_core::policy::facts::facts;
use regie_core::policy::{Policy, PolicyReport};
use regie_core::{MediaDescription, StreamKind};
use regie_media::{DetectionSettings, Detections, Keyframes, Levels, Loudness, Prober, Segment, ToolRunner};
use serde::Serialize;

use crate::named_toml::{Lookup, find_definition, known, toml_reason};
use crate::regie::MEASURE_TIMEOUT_FACTOR;
use crate::{AppError, Regie, Settings};

/// The policy packs built into regie, by name.
pub const BUILT_IN_POLICIES: &[(&str, &str)] = &[
    ("ebu-r128", include_str!("../policies/ebu-r128.toml")),
    ("atsc-a85", include_str!("../policies/atsc-a85.toml")),
    ("netflix-audio", include_str!("../policies/netflix-audio.toml")),
    ("xdcamhd50-playout", include_str!("../policies/xdcamhd50-playout.toml")),
    ("as11-uk-dpp-hd-core", include_str!("../policies/as11-uk-dpp-hd-core.toml")),
    ("apple-hls", include_str!("../policies/apple-hls.toml")),
    ("broadcast-qc", include_str!("../policies/broadcast-qc.toml")),
    ("ebu-r103-levels", include_str!("../policies/ebu-r103-levels.toml")),
];

/// Fact names that need the black / silence / freeze detectors (a full decode).
const DETECTION_FIELDS: &[&str] =
    &["black", "silence", "freeze", "black_longest_s", "silence_longest_s", "freeze_longest_s"];

/// A file checked against one policy, with what was measured.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub path: String,
    pub media: MediaDescription,
    pub loudness: Option<Loudness>,
    pub detections: Option<Detections>,
    pub levels: Option<Levels>,
    pub keyframes: Option<Keyframes>,
    #[serde(flatten)]
    pub report: PolicyReport,
}

/// Finds a policy: a built-in pack, `DATA/policies/NAME.toml`, or (`Lookup::ByNameOrPath`) a
/// path to a TOML file.
pub fn load_policy(name: &str, data_dir: &Path, lookup: Lookup) -> Result<Policy, AppError> {
    let (text, origin) = find_definition(name, BUILT_IN_POLICIES, data_dir, "policies", "policy", lookup)?
        .ok_or_else(|| AppError::UnknownPolicy { name: name.to_owned(), known: known(BUILT_IN_POLICIES) })?;
    let file: PolicyFile = toml::from_str(&text)
        .map_err(|error| AppError::InvalidPolicy { origin: origin.clone(), reason: toml_reason(&error, &text) })?;
    Policy::from_file(file).map_err(|error| AppError::InvalidPolicy { origin, reason: error.to_string() })
}

impl Regie {
    /// The names of the built-in policy packs, then of the valid house policies in `DATA/policies/`.
    pub fn policies(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILT_IN_POLICIES.iter().map(|(name, _)| (*name).to_owned()).collect();
        let mut house: Vec<String> = std::fs::read_dir(self.settings.data_dir.join("policies"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.strip_suffix(".toml").map(str::to_owned))
            .filter(|name| !names.contains(name))
            .filter(|name| load_policy(name, &self.settings.data_dir, Lookup::ByName).is_ok())
            .collect();
        house.sort();
        names.extend(house);
        names
    }
}

/// Checks a file on disk against `policy`, without ingesting it.
pub async fn check_file(settings: &Settings, path: &Path, policy: &Policy) -> Result<CheckReport, AppError> {
    check_file_with(settings, path, serde_json::Map::new(), policy).await
}

/// [`check_file`] with facts known beforehand (a rendition's quality).
pub(crate) async fn check_file_with(
    settings: &Settings,
    path: &Path,
    known: serde_json::Map<String, serde_json::Value>,
    policy: &Policy,
) -> Result<CheckReport, AppError> {
    crate::probe::ensure_file(path)?;
    let runner = ToolRunner::new(2, settings.probe_timeout * MEASURE_TIMEOUT_FACTOR);
    let media = Prober::new(runner.clone()).describe(path, None).await?;
    check_described_with(&runner, path, path, media, known, policy).await
}

impl Regie {
    /// Checks an asset's original file against `policy`.
    pub async fn check_asset(&self, reference: &str, policy: &Policy) -> Result<CheckReport, AppError> {
        let asset = self.asset(reference).await?;
        let original = asset
            .files
            .iter()
            .find(|file| file.role == "original")
            .ok_or_else(|| AppError::Internal(format!("asset {} has no original file", asset.id)))?;
        let blake3 = regie_core::Blake3Hex::parse(&original.blake3)?;
        let blob = self.store.local_copy(&blake3).await?;
        let media = match &original.media {
            Some(media) => media.clone(),
            None => self.prober.describe(blob.path(), None).await?,
        };
        let clock = regie_core::timeline::SourceClock::of_media(Some(&media), self.settings.timeline.sound_frame_rate);
        let report = check_described(&self.measurer, blob.path(), Path::new(&asset.source_path), media, policy).await?;
        if let Some(found) = &report.detections {
            // What the detectors found replaces what an earlier check found.
            let segments = crate::timeline::detection_segments(found, &clock);
            self.db.replace_measured_segments(asset.id, "qc", crate::timeline::DETECTION_KINDS, &segments).await?;
            self.follow_changes_quietly().await;
        }
        Ok(report)
    }
}

/// Fields that are measured on the file itself (decoded), not read from its description.
const MEASURED_FIELDS: &[&str] = &["loudness", "levels", "keyframes", "black", "silence", "freeze"];

impl Regie {
    /// Checks an asset's rendition against `policy`: its main file's recorded description, and
    /// under `rendition` its profile, its quality (`rendition.quality.ssim`: the worst rung's)
    /// and each rung's (`rendition.rungs[*].ssim`).
    pub async fn check_rendition(
        &self,
        reference: &str,
        profile: &str,
        policy: &Policy,
    ) -> Result<CheckReport, AppError> {
        let asset = self.asset(reference).await?;
        let Some(rendition) = asset.renditions.iter().find(|rendition| rendition.profile == profile) else {
            let made: Vec<&str> = asset.renditions.iter().map(|rendition| rendition.profile.as_str()).collect();
            let made = if made.is_empty() { "none".to_owned() } else { made.join(", ") };
            return Err(AppError::NoSuchFile(format!(
                "asset {} has no {profile} rendition (its renditions: {made}); make it with `regie transcode {} --profile {profile}`",
                asset.house_id, asset.house_id
            )));
        };
        self.check_rendition_record(&asset.house_id, rendition, policy).await
    }

    /// Checks a stored rendition (see [`Regie::check_rendition`]).
    pub(crate) async fn check_rendition_record(
        &self,
        house_id: &str,
        rendition: &regie_db::RenditionRecord,
        policy: &Policy,
    ) -> Result<CheckReport, AppError> {
        let profile = &rendition.profile;
        let main = rendition
            .files
            .iter()
            .find(|file| file.path == rendition.main_file)
            .ok_or_else(|| AppError::Internal(format!("the {profile} rendition of {house_id} has no main file")))?;
        if rendition.files.len() > 1 && MEASURED_FIELDS.iter().any(|field| policy.reads(field)) {
            return Err(AppError::Invalid(format!(
                "policy {} measures decoded pictures or sound, which is done on one file; the {profile} rendition of {house_id} is a package of {} files: a policy on it reads its description and quality only",
                policy.name,
                rendition.files.len()
            )));
        }
        let blob = self.store.local_copy(&regie_core::Blake3Hex::parse(&main.blake3)?).await?;
        let media = match &rendition.media {
            Some(media) => media.clone(),
            None => self.prober.describe(blob.path(), None).await?,
        };
        let shown_as = format!("{house_id} rendition {profile} ({})", rendition.main_file);
        let known = rendition_facts(profile, &rendition.quality);
        check_described_with(&self.measurer, blob.path(), Path::new(&shown_as), media, known, policy).await
    }
}

/// The facts known of a rendition before it is checked: `rendition.profile`, `.quality` and
/// `.rungs`.
pub(crate) fn rendition_facts(
    profile: &str,
    quality: &[regie_core::quality::RungQuality],
) -> serde_json::Map<String, serde_json::Value> {
    let mut known = serde_json::Map::new();
    known.insert("rendition".to_owned(), regie_core::policy::facts::rendition_facts(profile, quality));
    known
}

pub(crate) async fn check_described(
    runner: &ToolRunner,
    path: &Path,
    shown_as: &Path,
    media: MediaDescription,
    policy: &Policy,
) -> Result<CheckReport, AppError> {
    check_described_with(runner, path, shown_as, media, serde_json::Map::new(), policy).await
}

/// [`check_described`] with facts known beforehand (a rendition's `rendition.quality`...).
pub(crate) async fn check_described_with(
    runner: &ToolRunner,
    path: &Path,
    shown_as: &Path,
    media: MediaDescription,
    known: serde_json::Map<String, serde_json::Value>,
    policy: &Policy,
) -> Result<CheckReport, AppError> {
    let mut facts = facts(&media);
    for (key, value) in known {
        facts[key] = value;
    }
    let mut loudness = None;
    let first_audio = media.streams_of(StreamKind::Audio).next();
    if let Some(first_audio) = first_audio.filter(|_| policy.reads("loudness")) {
        let measured = runner
            .measure_loudness(path, first_audio.channels.unwrap_or(2))
            .await
            .map_err(|error| error.about(path, shown_as))?;
        facts["loudness"] = serde_json::to_value(measured).unwrap_or_default();
        loudness = Some(measured);
    }
    let mut detections = None;
    if DETECTION_FIELDS.iter().any(|field| policy.reads(field)) {
        let video = media.main_video().is_some() && media.image.is_none();
        let audio = first_audio.is_some();
        let found = runner
            .detect_segments(path, video, audio, media.duration_s, &DetectionSettings::default())
            .await
            .map_err(|error| error.about(path, shown_as))?;
        for (name, segments) in [("black", &found.black), ("silence", &found.silence), ("freeze", &found.freeze)] {
            facts[name] = serde_json::to_value(segments).unwrap_or_default();
            facts[format!("{name}_longest_s")] = serde_json::json!(longest(segments));
        }
        detections = Some(found);
    }
    let mut levels = None;
    let picture = media.main_video().filter(|_| media.image.is_none() && policy.reads("levels"));
    if let Some(picture) = picture {
        let (Some(width), Some(height)) = (picture.width, picture.height) else {
            return Err(AppError::Internal(format!("{} has a video stream without a size", shown_as.display())));
        };
        let frame_rate = picture.frame_rate.map_or(25.0, |rate| rate.as_f64());
        let measured = runner
            .measure_levels(path, width, height, picture.bit_depth.unwrap_or(8), frame_rate)
            .await
            .map_err(|error| error.about(path, shown_as))?;
        facts["levels"] = serde_json::to_value(measured).unwrap_or_default();
        levels = Some(measured);
    }
    let mut keyframes = None;
    if media.main_video().is_some() && media.image.is_none() && policy.reads("keyframes") {
        let measured =
            runner.measure_keyframes(path, media.duration_s).await.map_err(|error| error.about(path, shown_as))?;
        facts["keyframes"] = serde_json::to_value(measured).unwrap_or_default();
        keyframes = Some(measured);
    }
    let report = policy.evaluate(&facts);
    Ok(CheckReport { path: shown_as.display().to_string(), media, loudness, detections, levels, keyframes, report })
}

fn longest(segments: &[Segment]) -> f64 {
    segments.iter().map(|segment| segment.duration_s).fold(0.0, f64::max)
}
