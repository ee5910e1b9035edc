//! Near-duplicates: the same material re-encoded, rescaled, trimmed, recoloured, logo-burnt or
//! cropped. Each video (one sample a second) and still is fingerprinted by the `fingerprint` job
//! queued at ingest (or on demand by `regie similar`); candidates sharing a 16-bit band of a hash
//! are compared sample by sample both ways, and a new asset that matches another becomes a
//! `near-duplicate` finding naming it.

use std::path::Path;
use std::time::{Duration, Instant};

use regie_core::fingerprint::{FrameHash, Similarity, compare};
use regie_core::{AssetId, Finding, MediaDescription, Severity};
use regie_media::ToolRunner;
use serde::Serialize;

use crate::{AppError, Regie, Settings};

/// The job kind.
pub(crate) const FINGERPRINT: &str = "fingerprint";
/// Assets listed as similar score at least this (a share of samples found in the other).
pub const SIMILAR_SCORE: f64 = 0.3;
/// A new asset is flagged as a near-duplicate of another from this score.
pub const NEAR_DUPLICATE_SCORE: f64 = 0.5;
/// Candidates compared in full, from the band look-up's best.
const CANDIDATES: u32 = 20;
/// At most this many of an asset's hashes go into the band look-up.
const LOOKUP_HASHES: usize = 3_000;

/// An asset like the one asked about.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarAsset {
    pub asset_id: String,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    #[serde(flatten)]
    pub similarity: Similarity,
}

/// What `regie similar` answers.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarReport {
    pub asset_id: String,
    /// Pictures sampled from the asset (one a second, or the still).
    pub samples: usize,
    /// Whether the fingerprints were made for this answer (the asset had none yet).
    pub fingerprinted_now: bool,
    pub similar: Vec<SimilarAsset>,
    pub lookup_ms: f64,
}

/// Whether a file has pictures to fingerprint.
pub(crate) fn has_pictures_to_fingerprint(media: &MediaDescription) -> bool {
    media.main_video().is_some()
}

/// The fingerprint job of a new asset, queued once.
pub(crate) fn fingerprint_job(settings: &Settings, asset_id: AssetId) -> regie_db::NewJob {
    regie_db::NewJob {
        kind: FINGERPRINT.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({}),
        idempotency_key: Some(format!("{FINGERPRINT}:{asset_id}")),
        priority: 3,
        max_attempts: settings.jobs.max_attempts,
    }
}

impl Regie {
    /// Fingerprints `source` (the asset's original) and stores the hashes.
    pub(crate) async fn make_fingerprints(
        &self,
        asset_id: AssetId,
        source: &Path,
        media: &MediaDescription,
    ) -> Result<Vec<FrameHash>, AppError> {
        let duration = media.duration_s.unwrap_or(0.0);
        let runner = ToolRunner::new(1, Duration::from_secs_f64((duration * 4.0).max(600.0)));
        let hashes = runner.fingerprint(source, media.image.is_some()).await?;
        self.db.replace_fingerprints(asset_id, &hashes).await?;
        Ok(hashes)
    }

    /// The assets whose fingerprints match `hashes` (those of `asset_id`), best first.
    pub(crate) async fn near_copies(
        &self,
        asset_id: AssetId,
        hashes: &[FrameHash],
        minimum: f64,
    ) -> Result<Vec<SimilarAsset>, AppError> {
        // A long programme's hashes are spread down to a bounded sample for the band look-up
        // (each hash is four values in the query); the comparison then uses them all.
        let step = hashes.len().div_ceil(LOOKUP_HASHES).max(1);
        let sample: Vec<u64> = hashes.iter().step_by(step).map(|frame| frame.hash).collect();
        let candidates = self.db.fingerprint_candidates(&sample, asset_id, CANDIDATES).await?;
        let ids: Vec<AssetId> = candidates.iter().map(|(id, _)| *id).collect();
        let stored = self.db.fingerprints_of_many(&ids).await?;
        let query = hashes.to_vec();
        let compared: Vec<(AssetId, Similarity)> = tokio::task::spawn_blocking(move || {
            ids.into_iter().filter_map(|id| Some((id, compare(&query, stored.get(&id)?)?))).collect::<Vec<_>>()
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?;
        let samples = hashes.iter().filter(|frame| frame.crop == 100).count();
        let mut similar = Vec::new();
        for (id, similarity) in compared {
            // One matching second in a long programme is a coincidence (a slate, a logo).
            let enough = similarity.matched >= 2 || samples <= 1 || similarity.other_share >= minimum;
            if similarity.score < minimum || !enough {
                continue;
            }
            let record = self.db.get_asset(id).await?;
            similar.push(SimilarAsset {
                asset_id: id.to_string(),
                house_id: record.house_id,
                name: record.name,
                collection: record.collection,
                similarity,
            });
        }
        similar.sort_by(|a, b| b.similarity.score.total_cmp(&a.similarity.score).then(a.asset_id.cmp(&b.asset_id)));
        Ok(similar)
    }

    /// The assets that are the same material as `reference`, among those `access` may read (all,
    /// for the operator); an asset never fingerprinted is fingerprinted first when
    /// `fingerprint_if_missing`, else refused.
    pub async fn similar(
        &self,
        reference: &str,
        limit: usize,
        access: Option<&regie_core::access::Access>,
        fingerprint_if_missing: bool,
    ) -> Result<SimilarReport, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let (hashes, fingerprinted_now) = match self.db.fingerprints_of(asset_id).await? {
            Some(hashes) => (hashes, false),
            None if !fingerprint_if_missing => {
                return Err(AppError::Invalid(format!(
                    "asset {asset_id} has no fingerprints yet: its fingerprint job has not run (see `regie jobs list`)"
                )));
            }
            None => {
                let record = self.db.get_asset(asset_id).await?;
                let (media, blob) = self
                    .original_media(reference, &record, has_pictures_to_fingerprint, "has no pictures to compare")
                    .await?;
                (self.make_fingerprints(asset_id, blob.path(), &media).await?, true)
            }
        };
        let started = Instant::now();
        let mut similar = self.near_copies(asset_id, &hashes, SIMILAR_SCORE).await?;
        if let Some(access) = access {
            let mut readable = Vec::with_capacity(similar.len());
            for other in similar {
                if self.asset_for(access, &other.asset_id, crate::Permission::Read).await.is_ok() {
                    readable.push(other);
                }
            }
            similar = readable;
        }
        similar.truncate(limit.max(1));
        Ok(SimilarReport {
            asset_id: asset_id.to_string(),
            samples: hashes.iter().filter(|frame| frame.crop == 100).count(),
            fingerprinted_now,
            similar,
            lookup_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Fingerprints a new asset and records a `near-duplicate` finding for each asset it matches
    /// (what the `fingerprint` job does); the number of such findings.
    pub(crate) async fn fingerprint_and_flag(
        &self,
        asset_id: AssetId,
        source: &Path,
        media: &MediaDescription,
    ) -> Result<(usize, usize), AppError> {
        let hashes = self.make_fingerprints(asset_id, source, media).await?;
        let samples = hashes.iter().filter(|frame| frame.crop == 100).count();
        let matches = self.near_copies(asset_id, &hashes, NEAR_DUPLICATE_SCORE).await?;
        let findings: Vec<Finding> = matches
            .iter()
            .map(|other| {
                let offset = match other.similarity.offset_s {
                    Some(offset) if offset != 0.0 => format!(", {offset:+.0} s into it"),
                    _ => String::new(),
                };
                Finding::new(
                    "near-duplicate",
                    Severity::Warning,
                    format!(
                        "the same material as {} ({}, asset {}): {:.0} % of the pictures match{offset}",
                        other.house_id,
                        other.name,
                        other.asset_id,
                        other.similarity.score * 100.0
                    ),
                )
            })
            .collect();
        if !findings.is_empty() {
            self.db.add_findings(asset_id, &findings).await?;
            self.follow_changes_quietly().await;
        }
        Ok((samples, findings.len()))
    }
}
