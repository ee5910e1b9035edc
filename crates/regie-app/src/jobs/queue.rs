//! Where a worker gets its jobs: the catalogue itself, or the lease API of a `regie serve`
//! (`regie worker --server URL --token T`), so a render farm of hundreds of workers does not hold
//! hundreds of database connections. Both speak the same operations; the remote one names the
//! server in its errors, which are retried (unavailable).

use std::time::Duration;

use regie_core::AssetId;
use regie_db::{AssetRecord, ClaimedJob, Database, FailureOutcome, Heartbeat, JobOutputs};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// Every request to the server is bounded by this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub(crate) enum JobQueue {
    Local(Database),
    Remote(RemoteQueue),
}

/// The lease API of a server, with a worker-scoped token.
#[derive(Debug, Clone)]
pub(crate) struct RemoteQueue {
    base: String,
    token: String,
    client: reqwest::Client,
}

/// `POST /api/v1/worker/claim`
#[derive(Debug, Serialize, Deserialize)]
pub struct ClaimRequest {
    pub worker: String,
    pub lease_s: u64,
}

/// The answer to a claim: the job (none when nothing is due) and how many are queued or running.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClaimAnswer {
    pub job: Option<ClaimedJob>,
    pub live_jobs: u64,
}

/// `POST /api/v1/worker/jobs/{id}/heartbeat`
#[derive(Debug, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    pub worker: String,
    pub lease_s: u64,
    pub progress: Option<f64>,
    pub eta_seconds: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HeartbeatAnswer {
    pub heartbeat: Heartbeat,
}

/// `POST /api/v1/worker/jobs/{id}/complete`: how a run ended.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Completion {
    /// The outputs are in the store; recorded only while the worker still holds the lease.
    Succeeded {
        worker: String,
        outputs: JobOutputs,
        result: serde_json::Value,
    },
    Failed {
        worker: String,
        error: String,
        retryable: bool,
        backoff_s: u64,
    },
    Cancelled {
        worker: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CompletionAnswer {
    /// `succeeded`: whether it was recorded (false: the lease was lost); `failed`: what follows.
    pub recorded: bool,
    pub failure: Option<FailureOutcome>,
}

/// `POST /api/v1/worker/jobs/{id}/log`
#[derive(Debug, Serialize, Deserialize)]
pub struct LogRequest {
    pub worker: String,
    pub level: String,
    pub message: String,
}

impl RemoteQueue {
    pub(crate) fn new(server: &str, token: &str) -> Result<Self, AppError> {
        let base = server.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(AppError::Invalid(format!("{server} is not a server address: give http(s)://HOST:PORT")));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| AppError::Internal(error.to_string()))?;
        Ok(Self { base, token: token.to_owned(), client })
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &impl Serialize,
        step: &'static str,
    ) -> Result<T, AppError> {
        let unreachable = |message: String| AppError::Remote { server: self.base.clone(), step, message };
        let answer = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|error| unreachable(error.to_string()))?;
        let status = answer.status();
        if !status.is_success() {
            let text = answer.text().await.unwrap_or_default();
            let message = format!("{status}: {}", text.chars().take(500).collect::<String>());
            return Err(if status.is_server_error() {
                unreachable(message)
            } else {
                AppError::Refused { server: self.base.clone(), step, message }
            });
        }
        answer.json().await.map_err(|error| unreachable(error.to_string()))
    }
}

impl JobQueue {
    /// True for a render-farm node that reaches the catalogue only through a server.
    pub(crate) fn is_remote(&self) -> bool {
        matches!(self, Self::Remote(_))
    }

    pub(crate) async fn claim(&self, worker: &str, lease: Duration) -> Result<(Option<ClaimedJob>, u64), AppError> {
        match self {
            Self::Local(db) => {
                let job = db.claim_job(worker, lease, false).await?;
                let live = if job.is_none() { db.live_job_count().await? } else { 1 };
                Ok((job, live))
            }
            Self::Remote(remote) => {
                let request = ClaimRequest { worker: worker.to_owned(), lease_s: lease.as_secs().max(1) };
                let answer: ClaimAnswer = remote.call("/api/v1/worker/claim", &request, "claiming a job").await?;
                Ok((answer.job, answer.live_jobs))
            }
        }
    }

    pub(crate) async fn heartbeat(
        &self,
        job_id: &str,
        worker: &str,
        lease: Duration,
        progress: Option<f64>,
        eta_seconds: Option<f64>,
    ) -> Result<Heartbeat, AppError> {
        match self {
            Self::Local(db) => Ok(db.heartbeat_job(job_id, worker, lease, progress, eta_seconds).await?),
            Self::Remote(remote) => {
                let request = HeartbeatRequest {
                    worker: worker.to_owned(),
                    lease_s: lease.as_secs().max(1),
                    progress,
                    eta_seconds,
                };
                let path = format!("/api/v1/worker/jobs/{job_id}/heartbeat");
                let answer: HeartbeatAnswer = remote.call(&path, &request, "renewing a lease").await?;
                Ok(answer.heartbeat)
            }
        }
    }

    pub(crate) async fn complete(&self, job_id: &str, completion: Completion) -> Result<CompletionAnswer, AppError> {
        match self {
            Self::Local(db) => complete_locally(db, job_id, completion).await,
            Self::Remote(remote) => {
                let path = format!("/api/v1/worker/jobs/{job_id}/complete");
                remote.call(&path, &completion, "recording how a job ended").await
            }
        }
    }

    pub(crate) async fn log(&self, job_id: &str, worker: &str, level: &str, message: &str) -> Result<(), AppError> {
        match self {
            Self::Local(db) => Ok(db.log_job(job_id, level, message).await?),
            Self::Remote(remote) => {
                let request =
                    LogRequest { worker: worker.to_owned(), level: level.to_owned(), message: message.to_owned() };
                let path = format!("/api/v1/worker/jobs/{job_id}/log");
                let _: serde_json::Value = remote.call(&path, &request, "logging").await?;
                Ok(())
            }
        }
    }

    /// The asset a held job works on.
    pub(crate) async fn asset(&self, job_id: &str, worker: &str, asset_id: AssetId) -> Result<AssetRecord, AppError> {
        match self {
            Self::Local(db) => Ok(db.get_asset(asset_id).await?),
            Self::Remote(remote) => {
                let path = format!("/api/v1/worker/jobs/{job_id}/asset");
                remote.call(&path, &serde_json::json!({ "worker": worker }), "reading a job's asset").await
            }
        }
    }
}

/// Records how a run ended in the catalogue: the server's side of `complete`, and a local
/// worker's.
pub(crate) async fn complete_locally(
    db: &Database,
    job_id: &str,
    completion: Completion,
) -> Result<CompletionAnswer, AppError> {
    Ok(match completion {
        Completion::Succeeded { worker, outputs, result } => {
            CompletionAnswer { recorded: db.succeed_job(job_id, &worker, &outputs, &result).await?, failure: None }
        }
        Completion::Failed { worker, error, retryable, backoff_s } => {
            let outcome = db.fail_job(job_id, &worker, &error, retryable, Duration::from_secs(backoff_s)).await?;
            CompletionAnswer { recorded: true, failure: Some(outcome) }
        }
        Completion::Cancelled { worker } => {
            db.confirm_cancelled(job_id, &worker).await?;
            CompletionAnswer { recorded: true, failure: None }
        }
    })
}
