//! Jobs: the long work done for assets (previews at ingest, transcodes on demand), queued in the
//! catalogue and run by workers that may crash: see `regie_db::jobs` for the queue's guarantees.

mod deliver;
mod event;
mod failure;
mod intelligence;
mod keeping;
mod lease;
mod outputs;
mod per_title;
mod previews;
mod protect;
pub(crate) mod queue;
mod rule_action;
mod sequence_input;
mod shots;
mod speeds;
mod transcode;
mod verify;
mod worker;

use regie_core::AssetId;
use regie_core::access::Access;
use regie_db::{Enqueued, JobLogLine, JobRecord, JobState, NewJob};
use serde::Serialize;

pub(crate) use event::event_job;
pub use queue::{
    ClaimAnswer, ClaimRequest, Completion, CompletionAnswer, HeartbeatAnswer, HeartbeatRequest, LogRequest,
};
pub use regie_db::ClaimedJob;
pub use regie_media::RunProgress;
pub use worker::{JobEnd, WorkerObserver, WorkerOptions, WorkerReport};

use crate::named_toml::Lookup;
use crate::profiles::load_profile;
use crate::{AppError, Regie, Settings};

/// The kinds of job a worker knows.
pub(crate) const PREVIEWS: &str = "previews";
pub(crate) const TRANSCODE: &str = "transcode";
/// Re-reads an asset's stored files and compares them with their BLAKE3 (fixity).
pub(crate) const VERIFY: &str = "verify";

/// Previews run before transcodes: people are waiting to look at what just arrived.
const PREVIEWS_PRIORITY: i64 = 10;

/// The previews job of a new asset, queued in the transaction that records it.
pub(crate) fn previews_job(settings: &Settings, asset_id: AssetId) -> NewJob {
    NewJob {
        kind: PREVIEWS.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({}),
        idempotency_key: Some(format!("{PREVIEWS}:{asset_id}")),
        priority: PREVIEWS_PRIORITY,
        max_attempts: settings.jobs.max_attempts,
    }
}

/// One job with its log, as `jobs show` presents it.
#[derive(Debug, Clone, Serialize)]
pub struct JobDetails {
    #[serde(flatten)]
    pub job: JobRecord,
    pub log: Vec<JobLogLine>,
}

/// What a transcode is asked for beyond its profile.
#[derive(Debug, Clone, Default)]
pub struct TranscodeRequest {
    /// Choose each rung's bit rate from trial encodes, for this target SSIM.
    pub per_title: Option<f64>,
    /// The recipient of a screener (a profile with `[watermark]`).
    pub recipient: Option<String>,
}

impl Regie {
    /// Jobs one worker runs at once, as configured.
    pub fn job_concurrency(&self) -> usize {
        self.settings.jobs.worker_concurrency
    }

    /// Queues `profile` for an asset; the same asset and profile are queued once (the existing
    /// job is returned; retry it with `jobs retry` when it failed).
    /// `lookup` says whether `profile` may name a file (the operator on the CLI) or only a
    /// built-in or house profile (anyone over the API).
    pub async fn queue_transcode(
        &self,
        reference: &str,
        profile: &str,
        priority: i64,
        lookup: Lookup,
    ) -> Result<Enqueued, AppError> {
        self.queue_transcode_with(reference, profile, priority, lookup, &TranscodeRequest::default()).await
    }

    /// [`Regie::queue_transcode`] with the choices beyond the profile: per title (each rung's bit
    /// rate chosen from trial encodes; the rendition is `PROFILE-per-title`) and the recipient
    /// of a screener (its notice burnt in; the rendition is `PROFILE-RECIPIENT`).
    pub async fn queue_transcode_with(
        &self,
        reference: &str,
        profile: &str,
        priority: i64,
        lookup: Lookup,
        request: &TranscodeRequest,
    ) -> Result<Enqueued, AppError> {
        self.queue_transcode_keyed(reference, profile, priority, lookup, request, None).await
    }

    /// Queues the transcode once more even when it was made before (a rendition made before its
    /// quality was measured): the job's key takes `again`, a fresh suffix.
    pub async fn queue_transcode_again(
        &self,
        reference: &str,
        profile: &str,
        lookup: Lookup,
    ) -> Result<Enqueued, AppError> {
        let again = uuid::Uuid::now_v7().to_string();
        self.queue_transcode_keyed(reference, profile, 0, lookup, &TranscodeRequest::default(), Some(&again)).await
    }

    async fn queue_transcode_keyed(
        &self,
        reference: &str,
        profile: &str,
        priority: i64,
        lookup: Lookup,
        request: &TranscodeRequest,
        again: Option<&str>,
    ) -> Result<Enqueued, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let loaded = load_profile(profile, &self.settings.data_dir, lookup)?;
        let name = loaded.profile.name.clone();
        let mut payload = serde_json::json!({ "profile": name, "profile_toml": loaded.text });
        let mut key = format!("{TRANSCODE}:{asset_id}:{name}");
        if let Some(target_ssim) = request.per_title {
            if !(0.5..1.0).contains(&target_ssim) {
                return Err(regie_core::CoreError::invalid(
                    "target SSIM",
                    target_ssim.to_string(),
                    "give a value from 0.5 to below 1 (0.97 is close to transparent)",
                )
                .into());
            }
            if let Some(reason) = regie_core::profile::per_title::unsuitable(&loaded.profile) {
                return Err(AppError::Invalid(reason));
            }
            payload["per_title"] = serde_json::json!({ "target_ssim": target_ssim });
            key.push_str(":per-title");
        }
        match (&request.recipient, loaded.profile.watermark.is_some()) {
            (Some(recipient), true) => {
                regie_core::profile::watermark::check_recipient(recipient)?;
                payload["recipient"] = serde_json::json!(recipient);
                key.push_str(&format!(":recipient:{recipient}"));
            }
            (None, true) => {
                return Err(AppError::Invalid(format!(
                    "profile {name} makes a screener for one recipient: give --recipient NAME"
                )));
            }
            (Some(_), false) => {
                return Err(AppError::Invalid(format!(
                    "profile {name} has no [watermark]: a recipient is given only to a screener profile (such as screener)"
                )));
            }
            (None, false) => {}
        }
        if let Some(again) = again {
            key.push_str(&format!(":again-{again}"));
        }
        let job = NewJob {
            kind: TRANSCODE.to_owned(),
            asset_id: Some(asset_id),
            payload,
            idempotency_key: Some(key),
            priority,
            max_attempts: self.settings.jobs.max_attempts,
        };
        Ok(self.db.enqueue_job(&job).await?)
    }

    /// Queues the previews of an asset (assets ingested before previews existed, or by hand).
    pub async fn queue_previews(&self, reference: &str) -> Result<Enqueued, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        Ok(self.db.enqueue_job(&previews_job(&self.settings, asset_id)).await?)
    }

    pub async fn list_jobs(
        &self,
        state: Option<&str>,
        asset: Option<&str>,
        limit: u32,
    ) -> Result<Vec<JobRecord>, AppError> {
        let state = state
            .map(|text| {
                JobState::parse(text).ok_or_else(|| {
                    regie_core::CoreError::invalid(
                        "job state",
                        text,
                        "use queued, running, succeeded, failed or cancelled",
                    )
                })
            })
            .transpose()?;
        let asset_id = match asset {
            Some(reference) => Some(self.db.resolve_asset(reference).await?),
            None => None,
        };
        Ok(self.db.list_jobs(state, asset_id, limit).await?)
    }

    /// The most recent jobs of assets `access` may read (looked for among the latest jobs, at most
    /// 2,000 back), errors without server paths for others than administrators.
    pub async fn recent_jobs_as(
        &self,
        access: &Access,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<JobRecord>, AppError> {
        let recent = self.list_jobs(state, None, limit.saturating_mul(5).clamp(100, 2_000)).await?;
        let mut visible = Vec::new();
        for mut job in recent {
            let Some(asset) = &job.asset_id else { continue };
            if self.asset_for(access, asset, regie_core::access::Permission::Read).await.is_ok() {
                job.error = job.error.map(|error| self.redact_paths(access, &error));
                visible.push(job);
                if visible.len() == limit as usize {
                    break;
                }
            }
        }
        Ok(visible)
    }

    /// A job by id or id prefix as `access` sees it: prefixes are resolved among the jobs of
    /// assets the caller may read only (others are "not found", never counted as ambiguous), and
    /// server paths in its log are shown to administrators only.
    pub async fn job_details_as(&self, access: &Access, reference: &str) -> Result<JobDetails, AppError> {
        if access.is_admin() {
            return self.job_details(reference).await;
        }
        let mut visible = Vec::new();
        for (id, asset_id) in self.db.job_candidates(reference, 200).await? {
            let readable = match &asset_id {
                Some(asset) => self.asset_for(access, asset, regie_core::access::Permission::Read).await.is_ok(),
                None => false,
            };
            if readable {
                visible.push(id);
            }
        }
        let id = match visible.as_slice() {
            [id] => id.clone(),
            [] => return Err(regie_db::DbError::JobNotFound(reference.to_owned()).into()),
            _ if visible.iter().any(|id| id == reference.trim()) => reference.trim().to_owned(),
            _ => return Err(regie_db::DbError::JobAmbiguous(reference.to_owned()).into()),
        };
        let details = self.job_details(&id).await?;
        Ok(self.redact_job(access, details))
    }

    pub async fn job_details(&self, reference: &str) -> Result<JobDetails, AppError> {
        let id = self.db.resolve_job(reference).await?;
        Ok(JobDetails { job: self.db.get_job(&id).await?, log: self.db.job_log(&id).await? })
    }

    /// Cancels a job; a running one stops at its worker's next heartbeat.
    pub async fn cancel_job(&self, reference: &str) -> Result<JobRecord, AppError> {
        let id = self.db.resolve_job(reference).await?;
        self.db.cancel_job(&id).await?;
        Ok(self.db.get_job(&id).await?)
    }

    pub async fn retry_job(&self, reference: &str) -> Result<JobRecord, AppError> {
        let id = self.db.resolve_job(reference).await?;
        self.db.retry_job(&id).await?;
        Ok(self.db.get_job(&id).await?)
    }
}
