//! The server's side of the lease API: remote workers (`regie worker --server URL --token T`)
//! claim, renew and complete jobs through these, with a token of the `worker` scope. A worker's
//! lease is held under `LOGIN/NAME`, so one account's workers cannot act on another's jobs; the
//! outputs a worker reports must already be in the store, with the sizes it gives.

use std::time::Duration;

use regie_core::access::{Access, Permission};
use regie_db::{AssetRecord, JobState};

use super::queue::{
    ClaimAnswer, ClaimRequest, Completion, CompletionAnswer, HeartbeatAnswer, HeartbeatRequest, LogRequest,
    complete_locally,
};
use crate::{AppError, Regie};

/// Bounds of the lease a remote worker may ask for.
const LEASE_BOUNDS_S: (u64, u64) = (5, 3600);
/// Longest job log line a worker may send.
const MAX_LOG_LINE: usize = 4000;

/// `LOGIN/NAME` after checking that the caller may work and that the name is a plain one.
fn lease_owner(access: &Access, login: &str, worker: &str) -> Result<String, AppError> {
    if !access.allows_system(Permission::Work) {
        return Err(AppError::Forbidden(
            "this needs a token with the worker scope (a media manager's or an administrator's)".to_owned(),
        ));
    }
    let plain = !worker.is_empty()
        && worker.len() <= 128
        && worker.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if !plain {
        return Err(AppError::Invalid(format!(
            "worker name {:?}: 1 to 128 letters, digits, '.', '_', ':' or '-'",
            worker.chars().take(40).collect::<String>()
        )));
    }
    Ok(format!("{login}/{worker}"))
}

fn lease_of(seconds: u64) -> Duration {
    Duration::from_secs(seconds.clamp(LEASE_BOUNDS_S.0, LEASE_BOUNDS_S.1))
}

impl Regie {
    pub async fn lease_claim(
        &self,
        access: &Access,
        login: &str,
        request: ClaimRequest,
    ) -> Result<ClaimAnswer, AppError> {
        let owner = lease_owner(access, login, &request.worker)?;
        let job = self.db.claim_job(&owner, lease_of(request.lease_s), true).await?;
        let live_jobs = if job.is_some() { 1 } else { self.db.live_jobs(true).await? };
        Ok(ClaimAnswer { job, live_jobs })
    }

    pub async fn lease_heartbeat(
        &self,
        access: &Access,
        login: &str,
        job_id: &str,
        request: HeartbeatRequest,
    ) -> Result<HeartbeatAnswer, AppError> {
        let owner = lease_owner(access, login, &request.worker)?;
        let progress = request.progress.filter(|value| value.is_finite()).map(|value| value.clamp(0.0, 100.0));
        let eta = request.eta_seconds.filter(|value| value.is_finite() && *value >= 0.0);
        let heartbeat = self.db.heartbeat_job(job_id, &owner, lease_of(request.lease_s), progress, eta).await?;
        Ok(HeartbeatAnswer { heartbeat })
    }

    pub async fn lease_complete(
        &self,
        access: &Access,
        login: &str,
        job_id: &str,
        completion: Completion,
    ) -> Result<CompletionAnswer, AppError> {
        let completion = match completion {
            Completion::Succeeded { worker, mut outputs, result } => {
                let owner = lease_owner(access, login, &worker)?;
                let job = self.held(job_id, &owner).await?;
                // The outputs belong to the job's asset, whatever the worker says.
                outputs.asset_id = job.asset_id.as_deref().map(str::parse).transpose()?;
                let mut stored: Vec<(String, u64)> =
                    outputs.files.iter().map(|file| (file.checksums.blake3.to_string(), file.checksums.size)).collect();
                if let Some(rendition) = &outputs.rendition {
                    stored.extend(rendition.files.iter().map(|file| (file.blake3.clone(), file.size)));
                }
                for (blake3, size) in stored {
                    let address = regie_core::Blake3Hex::parse(&blake3)?;
                    if self.store.size(&address).await? != Some(size) {
                        return Err(AppError::Invalid(format!(
                            "output {blake3} ({size} bytes) is not in the store: a worker stores its outputs before it completes"
                        )));
                    }
                }
                Completion::Succeeded { worker: owner, outputs, result }
            }
            Completion::Failed { worker, error, retryable, backoff_s } => {
                let owner = lease_owner(access, login, &worker)?;
                let error: String = error.chars().take(MAX_LOG_LINE).collect();
                Completion::Failed { worker: owner, error, retryable, backoff_s: backoff_s.min(86_400) }
            }
            Completion::Cancelled { worker } => Completion::Cancelled { worker: lease_owner(access, login, &worker)? },
        };
        complete_locally(&self.db, job_id, completion).await
    }

    pub async fn lease_log(
        &self,
        access: &Access,
        login: &str,
        job_id: &str,
        request: LogRequest,
    ) -> Result<(), AppError> {
        let owner = lease_owner(access, login, &request.worker)?;
        self.held(job_id, &owner).await?;
        let level = match request.level.as_str() {
            "info" | "warn" | "error" => request.level.as_str(),
            _ => "info",
        };
        let message: String = request.message.chars().take(MAX_LOG_LINE).collect();
        Ok(self.db.log_job(job_id, level, &message).await?)
    }

    /// The asset of a job this worker holds.
    pub async fn lease_asset(
        &self,
        access: &Access,
        login: &str,
        job_id: &str,
        worker: &str,
    ) -> Result<AssetRecord, AppError> {
        let owner = lease_owner(access, login, worker)?;
        let job = self.held(job_id, &owner).await?;
        let asset_id =
            job.asset_id.as_deref().ok_or_else(|| AppError::NoSuchFile(format!("job {job_id} names no asset")))?;
        Ok(self.db.get_asset(asset_id.parse()?).await?)
    }

    /// The job, when `owner` holds its lease; otherwise the lease was lost (a conflict).
    async fn held(&self, job_id: &str, owner: &str) -> Result<regie_db::JobRecord, AppError> {
        let job = self.db.get_job(job_id).await?;
        if job.state != JobState::Running || job.lease_owner.as_deref() != Some(owner) {
            return Err(AppError::Forbidden(format!(
                "job {job_id} is not held by worker {owner} (its lease was lost)"
            )));
        }
        Ok(job)
    }
}
