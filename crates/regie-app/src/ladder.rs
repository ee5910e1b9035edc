//! Choosing a ladder: the renditions of one asset made with several profiles, side by side in
//! bits, encoding time and measured quality per rung (`regie ladder compare`).

use serde::Serialize;

use regie_core::StreamKind;
use regie_core::quality::RungQuality;
use regie_db::RenditionRecord;

use crate::named_toml::Lookup;
use crate::profiles::load_profile;
use crate::{AppError, Regie};

/// An asset's renditions compared, in the order the profiles were given.
#[derive(Debug, Clone, Serialize)]
pub struct LadderComparison {
    pub asset_id: String,
    pub house_id: String,
    /// The source's duration: bit rates are bits over it.
    pub duration_s: Option<f64>,
    pub profiles: Vec<LadderFigures>,
}

/// One profile's rendition in figures.
#[derive(Debug, Clone, Serialize)]
pub struct LadderFigures {
    pub profile: String,
    /// The rendition exists and its quality was measured; otherwise every figure is absent.
    pub measured: bool,
    pub codec: Option<String>,
    /// Bytes of every file of the rendition (audio and playlists included).
    pub size: u64,
    /// Bits per second of the whole rendition over the source's duration.
    pub bit_rate: Option<u64>,
    /// Seconds the encode took on the machine that made it.
    pub encode_s: Option<f64>,
    /// The source's duration over the encode time (2.0: twice as fast as real time).
    pub speed: Option<f64>,
    pub mean_psnr: Option<f64>,
    pub mean_ssim: Option<f64>,
    pub rungs: Vec<RungFigures>,
}

/// One video rung: its size, its own bits (a ladder's segments of that rung; the whole file for
/// a single-file rendition) and its quality against the source.
#[derive(Debug, Clone, Serialize)]
pub struct RungFigures {
    pub width: u32,
    pub height: u32,
    pub bytes: Option<u64>,
    pub bit_rate: Option<u64>,
    pub psnr: f64,
    pub ssim: f64,
}

impl Regie {
    /// The renditions `profiles` made of the asset, in figures (profiles without a measured
    /// rendition are listed unmeasured: see [`LadderComparison::unmeasured`]).
    pub async fn compare_ladders(&self, reference: &str, profiles: &[String]) -> Result<LadderComparison, AppError> {
        let asset = self.asset(reference).await?;
        let duration_s = asset
            .files
            .iter()
            .find(|file| file.role == "original")
            .and_then(|file| file.media.as_ref())
            .and_then(|media| media.duration_s)
            .filter(|duration| *duration > 0.0);
        let mut compared = Vec::with_capacity(profiles.len());
        for given in profiles {
            let name = load_profile(given, &self.settings.data_dir, Lookup::ByNameOrPath)?.profile.name;
            let rendition = asset.renditions.iter().find(|rendition| rendition.profile == name);
            compared.push(match rendition {
                Some(rendition) if !rendition.quality.is_empty() => figures(rendition, duration_s),
                _ => unmeasured(name),
            });
        }
        Ok(LadderComparison {
            asset_id: asset.id.to_string(),
            house_id: asset.house_id,
            duration_s,
            profiles: compared,
        })
    }
}

impl Regie {
    /// Queues a transcode for each of `profiles` whose rendition of the asset is missing or has
    /// no measured quality (one made before quality was measured, or whose job failed, is made
    /// again); the profile names and their jobs.
    pub async fn queue_unmeasured_ladders(
        &self,
        reference: &str,
        profiles: &[String],
    ) -> Result<Vec<(String, regie_db::Enqueued)>, AppError> {
        let comparison = self.compare_ladders(reference, profiles).await?;
        let unmeasured = comparison.unmeasured();
        let mut queued = Vec::new();
        for given in profiles {
            let name = load_profile(given, &self.settings.data_dir, Lookup::ByNameOrPath)?.profile.name;
            if !unmeasured.contains(&name.as_str()) || queued.iter().any(|(queued_name, _)| *queued_name == name) {
                continue;
            }
            let mut enqueued = self.queue_transcode(reference, given, 0, Lookup::ByNameOrPath).await?;
            match enqueued.state {
                _ if enqueued.created => {}
                regie_db::JobState::Failed | regie_db::JobState::Cancelled => {
                    self.retry_job(&enqueued.job_id).await?;
                    enqueued.state = regie_db::JobState::Queued;
                }
                // Made, but before quality was measured (or with measurement off): made again.
                regie_db::JobState::Succeeded => {
                    enqueued = self.queue_transcode_again(reference, given, Lookup::ByNameOrPath).await?;
                }
                regie_db::JobState::Queued | regie_db::JobState::Running => {}
            }
            queued.push((name, enqueued));
        }
        Ok(queued)
    }
}

impl LadderComparison {
    /// Profiles whose rendition is missing or was made before quality was measured.
    pub fn unmeasured(&self) -> Vec<&str> {
        self.profiles.iter().filter(|figures| !figures.measured).map(|figures| figures.profile.as_str()).collect()
    }
}

fn unmeasured(profile: String) -> LadderFigures {
    LadderFigures {
        profile,
        measured: false,
        codec: None,
        size: 0,
        bit_rate: None,
        encode_s: None,
        speed: None,
        mean_psnr: None,
        mean_ssim: None,
        rungs: Vec::new(),
    }
}

fn figures(rendition: &RenditionRecord, duration_s: Option<f64>) -> LadderFigures {
    let rate = |bytes: u64| duration_s.map(|duration| (bytes as f64 * 8.0 / duration).round() as u64);
    let single_file = rendition.files.len() == 1;
    let rungs: Vec<RungFigures> = rendition
        .quality
        .iter()
        .enumerate()
        .map(|(index, rung)| {
            let bytes = if single_file { Some(rendition.size) } else { rung_bytes(rendition, index) };
            rung_figures(rung, bytes, bytes.and_then(rate))
        })
        .collect();
    let mean = |value: fn(&RungFigures) -> f64| rungs.iter().map(value).sum::<f64>() / rungs.len() as f64;
    let codec = rendition
        .media
        .as_ref()
        .and_then(|media| media.streams_of(StreamKind::Video).next())
        .and_then(|stream| stream.codec.clone())
        .or_else(|| rendition.rungs.first().and_then(|stream| stream.codec.clone()));
    LadderFigures {
        profile: rendition.profile.clone(),
        measured: true,
        codec,
        size: rendition.size,
        bit_rate: rate(rendition.size),
        encode_s: rendition.encode_s,
        speed: rendition.encode_s.zip(duration_s).map(|(encode, duration)| duration / encode.max(1e-6)),
        mean_psnr: Some(mean(|rung| rung.psnr)),
        mean_ssim: Some(mean(|rung| rung.ssim)),
        rungs,
    }
}

fn rung_figures(rung: &RungQuality, bytes: Option<u64>, bit_rate: Option<u64>) -> RungFigures {
    RungFigures {
        width: rung.width,
        height: rung.height,
        bytes,
        bit_rate,
        psnr: rung.quality.psnr,
        ssim: rung.quality.ssim,
    }
}

/// The bytes of a ladder's rung `index`: its initialisation segment and media segments
/// (`init-N.m4s`, `chunk-N-*.m4s`, as the CMAF packager names them).
fn rung_bytes(rendition: &RenditionRecord, index: usize) -> Option<u64> {
    let (init, chunk) = (format!("init-{index}.m4s"), format!("chunk-{index}-"));
    let mut files = rendition.files.iter().filter(|file| file.path == init || file.path.starts_with(&chunk)).peekable();
    files.peek()?;
    Some(files.map(|file| file.size).sum())
}
