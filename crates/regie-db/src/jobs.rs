//! The durable job queue. A worker claims a job under a lease (BEGIN IMMEDIATE on SQLite; the
//! claim is one `UPDATE` so PostgreSQL can do it with `FOR UPDATE SKIP LOCKED`), renews the lease
//! with heartbeats that also carry progress, and finishes the job in the same transaction that
//! records its outputs. A job whose lease ran out is claimed again by the next worker.

use std::time::Duration;

use crate::sql::{Row, Tx, query, query_scalar};
use chrono::{SecondsFormat, Utc};
use regie_core::AssetId;
use serde::Serialize;
use uuid::Uuid;

use crate::assets::now;
use crate::error::QueryContext;
use crate::outputs::{JobOutputs, record_outputs};
use crate::{Database, DbError};

/// Where a job stands. `queued` and `running` are live; the other three are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
}

/// A job to queue. With an idempotency key, queuing the same work twice returns the first job.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub asset_id: Option<AssetId>,
    pub payload: serde_json::Value,
    pub idempotency_key: Option<String>,
    /// Higher runs first.
    pub priority: i64,
    pub max_attempts: u32,
}

/// The answer to queuing: the job, and whether this call created it.
#[derive(Debug, Clone, Serialize)]
pub struct Enqueued {
    pub job_id: String,
    pub created: bool,
    pub state: JobState,
}

/// One job as `jobs list` and `jobs show` present it.
#[derive(Debug, Clone, Serialize)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub asset_id: Option<String>,
    pub payload: serde_json::Value,
    pub idempotency_key: Option<String>,
    pub state: JobState,
    pub priority: i64,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_after: String,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<String>,
    pub cancel_requested: bool,
    /// 0 to 100 while running.
    pub progress: Option<f64>,
    pub eta_seconds: Option<f64>,
    pub error: Option<String>,
    pub result: Option<serde_json::Value>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// One line of a job's log.
#[derive(Debug, Clone, Serialize)]
pub struct JobLogLine {
    pub at: String,
    pub level: String,
    pub message: String,
}

/// A job a worker now holds.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub asset_id: Option<AssetId>,
    pub payload: serde_json::Value,
    /// 1 on the first run.
    pub attempt: u32,
    pub max_attempts: u32,
}

/// What a heartbeat learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Heartbeat {
    /// Keep going; the lease is renewed.
    Continue,
    /// Someone asked for the job to be cancelled.
    CancelRequested,
    /// The lease is no longer this worker's (it expired and another worker took the job, or the
    /// job was finished elsewhere): stop and discard the work.
    LeaseLost,
}

/// How a failed run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FailureOutcome {
    pub state: JobState,
    /// When the job will run again, for a retried failure.
    pub retry_in_seconds: Option<u64>,
}

fn timestamp_in(delay: Duration) -> String {
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    (Utc::now() + delay).to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Database {
    /// Queues a job, or returns the job already queued under the same idempotency key.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<Enqueued, DbError> {
        let mut transaction = self.begin_write().await?;
        let enqueued = enqueue_in(&mut transaction, job).await?;
        transaction.commit().await.during("committing a job")?;
        Ok(enqueued)
    }

    /// Claims the most urgent job that is due, or one whose worker's lease ran out. Jobs of a dead
    /// worker that were asked to cancel, or that used up their attempts, are closed on the way.
    /// With `media_only` (a render-farm node that reaches the catalogue only through a server),
    /// only the jobs that need nothing but the media are claimed: previews, transcodes, fixity.
    pub async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
        media_only: bool,
    ) -> Result<Option<ClaimedJob>, DbError> {
        let mut transaction = self.begin_write().await?;
        let now = now();
        loop {
            // On PostgreSQL the row is locked for this claim and skipped by every other claimer,
            // so workers take different jobs side by side (one job, one holder).
            let Some(row) = query(transaction.backend().pick(
                "SELECT id, state, lease_owner, attempts, max_attempts, cancel_requested FROM jobs
                 WHERE ((state = 'queued' AND run_after <= $1) OR (state = 'running' AND lease_expires_at < $1))
                   AND ($2 = 0 OR kind IN ('previews', 'transcode', 'verify'))
                 ORDER BY priority DESC, run_after, id LIMIT 1",
                "SELECT id, state, lease_owner, attempts, max_attempts, cancel_requested FROM jobs
                 WHERE ((state = 'queued' AND run_after <= $1) OR (state = 'running' AND lease_expires_at < $1))
                   AND ($2 = 0 OR kind IN ('previews', 'transcode', 'verify'))
                 ORDER BY priority DESC, run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED",
            ))
            .bind(&now)
            .bind(i64::from(media_only))
            .fetch_optional(&mut transaction)
            .await
            .during("looking for a job to run")?
            else {
                transaction.commit().await.during("committing a claim")?;
                return Ok(None);
            };
            let id: String = row.get("id");
            let attempts = row.get::<i64, _>("attempts");
            let max_attempts = row.get::<i64, _>("max_attempts");
            if row.get::<&str, _>("state") == "running" {
                let owner: Option<String> = row.get("lease_owner");
                let owner = owner.unwrap_or_default();
                if row.get::<i64, _>("cancel_requested") != 0 {
                    close(&mut transaction, &id, JobState::Cancelled, None, &now).await?;
                    log_in(&mut transaction, &id, "warn", &format!("worker {owner} stopped; job cancelled as asked"))
                        .await?;
                    continue;
                }
                let message = format!("the lease of worker {owner} ran out (worker stopped or killed)");
                if attempts >= max_attempts {
                    let error = format!("{message} after {attempts} attempts");
                    close(&mut transaction, &id, JobState::Failed, Some(&error), &now).await?;
                    log_in(&mut transaction, &id, "error", &error).await?;
                    continue;
                }
                log_in(&mut transaction, &id, "warn", &format!("{message}; worker {worker} takes the job over"))
                    .await?;
            }
            query(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2,
                        lease_expires_at = $3, started_at = $4, progress = 0, eta_seconds = NULL
                 WHERE id = $1",
            )
            .bind(&id)
            .bind(worker)
            .bind(timestamp_in(lease))
            .bind(&now)
            .execute(&mut transaction)
            .await
            .during("claiming a job")?;
            log_in(&mut transaction, &id, "info", &format!("attempt {} started by worker {worker}", attempts + 1))
                .await?;
            let claimed = query("SELECT id, kind, asset_id, payload, attempts, max_attempts FROM jobs WHERE id = $1")
                .bind(&id)
                .fetch_one(&mut transaction)
                .await
                .during("reading a claimed job")?;
            let claimed = claimed_from_row(&claimed)?;
            transaction.commit().await.during("committing a claim")?;
            return Ok(Some(claimed));
        }
    }

    /// Renews the lease and records progress; tells the worker whether to go on.
    pub async fn heartbeat_job(
        &self,
        job_id: &str,
        worker: &str,
        lease: Duration,
        progress: Option<f64>,
        eta_seconds: Option<f64>,
    ) -> Result<Heartbeat, DbError> {
        let mut transaction = self.begin_write().await?;
        let cancel: Option<i64> = query_scalar(
            "UPDATE jobs SET lease_expires_at = $3, progress = COALESCE($4, progress), eta_seconds = $5
             WHERE id = $1 AND lease_owner = $2 AND state = 'running'
             RETURNING cancel_requested",
        )
        .bind(job_id)
        .bind(worker)
        .bind(timestamp_in(lease))
        .bind(progress)
        .bind(eta_seconds)
        .fetch_optional(&mut transaction)
        .await
        .during("renewing a lease")?;
        transaction.commit().await.during("committing a heartbeat")?;
        Ok(match cancel {
            None => Heartbeat::LeaseLost,
            Some(0) => Heartbeat::Continue,
            Some(_) => Heartbeat::CancelRequested,
        })
    }

    /// Finishes a job and records its outputs in one transaction; false (and nothing recorded)
    /// when the lease is no longer this worker's.
    pub async fn succeed_job(
        &self,
        job_id: &str,
        worker: &str,
        outputs: &JobOutputs,
        result: &serde_json::Value,
    ) -> Result<bool, DbError> {
        let mut transaction = self.begin_write().await?;
        let now = now();
        let held = query(
            "UPDATE jobs SET state = 'succeeded', finished_at = $3, progress = 100, eta_seconds = 0,
                    lease_owner = NULL, lease_expires_at = NULL, error = NULL, result = $4
             WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
        )
        .bind(job_id)
        .bind(worker)
        .bind(&now)
        .bind(result.to_string())
        .execute(&mut transaction)
        .await
        .during("finishing a job")?
        .rows_affected()
            == 1;
        if !held {
            return Ok(false);
        }
        record_outputs(&mut transaction, Some(job_id), outputs, &now).await?;
        log_in(&mut transaction, job_id, "info", "succeeded").await?;
        transaction.commit().await.during("committing a finished job")?;
        Ok(true)
    }

    /// Records a failed run: queued again after `backoff` when it may be retried and attempts
    /// remain, failed for good otherwise.
    pub async fn fail_job(
        &self,
        job_id: &str,
        worker: &str,
        error: &str,
        retryable: bool,
        backoff: Duration,
    ) -> Result<FailureOutcome, DbError> {
        let mut transaction = self.begin_write().await?;
        let now = now();
        let row = query(
            transaction.backend().locking("SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND lease_owner = $2"),
        )
        .bind(job_id)
        .bind(worker)
        .fetch_optional(&mut transaction)
        .await
        .during("reading a failed job")?;
        let Some(row) = row else {
            return Ok(FailureOutcome { state: JobState::Running, retry_in_seconds: None });
        };
        let attempts = row.get::<i64, _>("attempts");
        let outcome = if retryable && attempts < row.get::<i64, _>("max_attempts") {
            query(
                "UPDATE jobs SET state = 'queued', run_after = $2, lease_owner = NULL, lease_expires_at = NULL,
                        error = $3, progress = NULL, eta_seconds = NULL
                 WHERE id = $1",
            )
            .bind(job_id)
            .bind(timestamp_in(backoff))
            .bind(error)
            .execute(&mut transaction)
            .await
            .during("queuing a job again")?;
            log_in(&mut transaction, job_id, "error", &format!("{error}; retrying in {} s", backoff.as_secs())).await?;
            FailureOutcome { state: JobState::Queued, retry_in_seconds: Some(backoff.as_secs()) }
        } else {
            close(&mut transaction, job_id, JobState::Failed, Some(error), &now).await?;
            log_in(&mut transaction, job_id, "error", error).await?;
            FailureOutcome { state: JobState::Failed, retry_in_seconds: None }
        };
        transaction.commit().await.during("committing a failed job")?;
        Ok(outcome)
    }

    /// Closes a job its worker stopped because cancellation was asked.
    pub async fn confirm_cancelled(&self, job_id: &str, worker: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let now = now();
        let held = query(
            transaction
                .backend()
                .locking("SELECT id FROM jobs WHERE id = $1 AND lease_owner = $2 AND state = 'running'"),
        )
        .bind(job_id)
        .bind(worker)
        .fetch_optional(&mut transaction)
        .await
        .during("reading a cancelled job")?
        .is_some();
        if held {
            close(&mut transaction, job_id, JobState::Cancelled, None, &now).await?;
            log_in(&mut transaction, job_id, "warn", "cancelled; the running process was stopped").await?;
        }
        transaction.commit().await.during("committing a cancellation")
    }

    /// Cancels a job: at once when queued, through its worker when running. Returns the state the
    /// job is in afterwards (`running` while the worker stops it).
    pub async fn cancel_job(&self, job_id: &str) -> Result<JobState, DbError> {
        let mut transaction = self.begin_write().await?;
        let state = state_of(&mut transaction, job_id).await?;
        let now = now();
        let after = match state {
            JobState::Queued => {
                close(&mut transaction, job_id, JobState::Cancelled, None, &now).await?;
                log_in(&mut transaction, job_id, "warn", "cancelled before it ran").await?;
                JobState::Cancelled
            }
            JobState::Running => {
                query("UPDATE jobs SET cancel_requested = 1 WHERE id = $1")
                    .bind(job_id)
                    .execute(&mut transaction)
                    .await
                    .during("asking a job to cancel")?;
                log_in(&mut transaction, job_id, "warn", "cancellation asked").await?;
                JobState::Running
            }
            finished => return Err(DbError::JobFinished { id: job_id.to_owned(), state: finished.as_str() }),
        };
        transaction.commit().await.during("committing a cancellation")?;
        Ok(after)
    }

    /// Queues a failed or cancelled job again, with its attempts reset.
    pub async fn retry_job(&self, job_id: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let state = state_of(&mut transaction, job_id).await?;
        if !matches!(state, JobState::Failed | JobState::Cancelled) {
            return Err(DbError::JobNotRetryable { id: job_id.to_owned(), state: state.as_str() });
        }
        query(
            "UPDATE jobs SET state = 'queued', attempts = 0, cancel_requested = 0, run_after = $2,
                    finished_at = NULL, error = NULL, progress = NULL, eta_seconds = NULL
             WHERE id = $1",
        )
        .bind(job_id)
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("queuing a job again")?;
        log_in(&mut transaction, job_id, "info", "queued again by hand").await?;
        transaction.commit().await.during("committing a retry")
    }

    /// Adds a line to a job's log.
    pub async fn log_job(&self, job_id: &str, level: &str, message: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        log_in(&mut transaction, job_id, level, message).await?;
        transaction.commit().await.during("committing a log line")
    }

    /// Finds a job by its id or a unique prefix of it.
    pub async fn resolve_job(&self, reference: &str) -> Result<String, DbError> {
        let reference = reference.trim();
        let pattern = format!("{}%", reference.replace(['%', '_'], ""));
        let ids: Vec<String> = query_scalar("SELECT id FROM jobs WHERE id = $1 OR id LIKE $2 LIMIT 2")
            .bind(reference)
            .bind(&pattern)
            .fetch_all(&self.pool)
            .await
            .during("looking up a job")?;
        match ids.as_slice() {
            [id] => Ok(id.clone()),
            [] => Err(DbError::JobNotFound(reference.to_owned())),
            _ if ids.iter().any(|id| id == reference) => Ok(reference.to_owned()),
            _ => Err(DbError::JobAmbiguous(reference.to_owned())),
        }
    }

    /// Jobs whose id is `reference` or starts with it, with their asset (at most `limit`): the
    /// caller keeps those it may see before deciding whether the prefix is ambiguous.
    pub async fn job_candidates(&self, reference: &str, limit: u32) -> Result<Vec<(String, Option<String>)>, DbError> {
        let reference = reference.trim();
        let pattern = format!("{}%", reference.replace(['%', '_'], ""));
        let rows = query("SELECT id, asset_id FROM jobs WHERE id = $1 OR id LIKE $2 ORDER BY id LIMIT $3")
            .bind(reference)
            .bind(&pattern)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .during("looking up jobs by id prefix")?;
        Ok(rows.iter().map(|row| (row.get("id"), row.get("asset_id"))).collect())
    }

    pub async fn get_job(&self, job_id: &str) -> Result<JobRecord, DbError> {
        let row = query("SELECT * FROM jobs WHERE id = $1")
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await
            .during("reading a job")?
            .ok_or_else(|| DbError::JobNotFound(job_id.to_owned()))?;
        record_from_row(&row)
    }

    pub async fn job_log(&self, job_id: &str) -> Result<Vec<JobLogLine>, DbError> {
        let rows = query("SELECT logged_at, level, message FROM job_log WHERE job_id = $1 ORDER BY id")
            .bind(job_id)
            .fetch_all(&self.pool)
            .await
            .during("reading a job log")?;
        Ok(rows
            .iter()
            .map(|row| JobLogLine { at: row.get("logged_at"), level: row.get("level"), message: row.get("message") })
            .collect())
    }

    /// The newest jobs, optionally in one state or of one asset.
    pub async fn list_jobs(
        &self,
        state: Option<JobState>,
        asset_id: Option<AssetId>,
        limit: u32,
    ) -> Result<Vec<JobRecord>, DbError> {
        let rows = query(
            "SELECT * FROM jobs WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR asset_id = $2)
             ORDER BY id DESC LIMIT $3",
        )
        .bind(state.map(JobState::as_str))
        .bind(asset_id.map(|id| id.to_string()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .during("listing jobs")?;
        rows.iter().map(record_from_row).collect()
    }

    /// How many jobs are queued or running (a worker told to stop when idle waits for these).
    pub async fn live_job_count(&self) -> Result<u64, DbError> {
        self.live_jobs(false).await
    }

    /// Queued or running jobs; with `media_only`, only those a render-farm node may claim (so
    /// such a node run `--until-idle` does not wait for deliveries or shots it never takes).
    pub async fn live_jobs(&self, media_only: bool) -> Result<u64, DbError> {
        let count: i64 = query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')
               AND ($1 = 0 OR kind IN ('previews', 'transcode', 'verify'))",
        )
        .bind(i64::from(media_only))
        .fetch_one(&self.pool)
        .await
        .during("counting live jobs")?;
        Ok(count as u64)
    }
}

/// Queues a job inside a caller's transaction (ingest queues its derivatives with the asset).
pub(crate) async fn enqueue_in(transaction: &mut Tx, job: &NewJob) -> Result<Enqueued, DbError> {
    if let Some(existing) = job_with_key(transaction, job).await? {
        return Ok(existing);
    }
    let id = Uuid::now_v7().to_string();
    let now = now();
    // Two callers may queue the same key at once (side by side on PostgreSQL): the second insert
    // does nothing and answers the first caller's job.
    let statement = query(
        "INSERT INTO jobs (id, kind, asset_id, payload, idempotency_key, state, priority, max_attempts, run_after, created_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $8)
         ON CONFLICT (idempotency_key) DO NOTHING",
    );
    let created = bind_job_row(statement, &id, job, &now)
        .execute(&mut *transaction)
        .await
        .during("queuing a job")?
        .rows_affected()
        == 1;
    if !created {
        return job_with_key(transaction, job).await?.ok_or(DbError::JobNotFound(id));
    }
    log_in(transaction, &id, "info", &format!("queued ({})", job.kind)).await?;
    Ok(Enqueued { job_id: id, created: true, state: JobState::Queued })
}

/// Queues new jobs in a few statements (a batch of new assets' work): each with its "queued" log
/// line; a job whose idempotency key is taken already is left as it is.
pub(crate) async fn enqueue_all_in(transaction: &mut Tx, jobs: &[&NewJob], now: &str) -> Result<(), DbError> {
    const COLUMNS: usize = 9;
    let mut created: Vec<(String, String)> = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(crate::sql::rows_per_statement(COLUMNS)) {
        // Placeholders only: `(?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)` for each job.
        let mut placeholders = crate::sql::Placeholders::new(transaction.backend());
        let rows: Vec<String> = (0..chunk.len())
            .map(|_| {
                let mut next = || placeholders.next_one();
                let first = [next(), next(), next(), next(), next()].join(", ");
                let rest = [next(), next(), next(), next()].join(", ");
                format!("({first}, 'queued', {rest})")
            })
            .collect();
        let sql = format!(
            "INSERT INTO jobs (id, kind, asset_id, payload, idempotency_key, state, priority, max_attempts, run_after, created_at)
             VALUES {} ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, kind",
            rows.join(", ")
        );
        let mut statement = query(sql);
        for job in chunk {
            // `run_after` and `created_at` are both `now`: the second `now` is its own value here.
            statement = bind_job_row(statement, &Uuid::now_v7().to_string(), job, now).bind(now);
        }
        let rows = statement.fetch_all(&mut *transaction).await.during("queuing jobs")?;
        created.extend(rows.iter().map(|row| (row.get("id"), row.get("kind"))));
    }
    const LOG_COLUMNS: usize = 5;
    for chunk in created.chunks(crate::sql::rows_per_statement(LOG_COLUMNS)) {
        let sql = format!(
            "INSERT INTO job_log (id, job_id, logged_at, level, message) VALUES {}",
            crate::sql::value_rows(transaction.backend(), LOG_COLUMNS, chunk.len())
        );
        let mut statement = query(sql);
        for (job_id, kind) in chunk {
            statement = statement
                .bind(Uuid::now_v7().to_string())
                .bind(job_id)
                .bind(now)
                .bind("info")
                .bind(format!("queued ({kind})"));
        }
        statement.execute(&mut *transaction).await.during("writing job log lines")?;
    }
    Ok(())
}

/// Binds the eight values of a new job's row: id, kind, asset, payload, key, priority, attempts
/// and the time it was queued.
fn bind_job_row(statement: crate::sql::Statement, id: &str, job: &NewJob, now: &str) -> crate::sql::Statement {
    statement
        .bind(id.to_owned())
        .bind(job.kind.clone())
        .bind(job.asset_id.map(|id| id.to_string()))
        .bind(job.payload.to_string())
        .bind(job.idempotency_key.clone())
        .bind(job.priority)
        .bind(i64::from(job.max_attempts.max(1)))
        .bind(now.to_owned())
}

/// The job already queued under the idempotency key of `job`, if any.
async fn job_with_key(transaction: &mut Tx, job: &NewJob) -> Result<Option<Enqueued>, DbError> {
    let Some(key) = &job.idempotency_key else { return Ok(None) };
    let existing = query("SELECT id, state FROM jobs WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(&mut *transaction)
        .await
        .during("looking up a job by key")?;
    existing
        .map(|row| Ok(Enqueued { job_id: row.get("id"), created: false, state: parse_state(row.get("state"))? }))
        .transpose()
}

async fn close(
    transaction: &mut Tx,
    job_id: &str,
    state: JobState,
    error: Option<&str>,
    now: &str,
) -> Result<(), DbError> {
    query(
        "UPDATE jobs SET state = $2, finished_at = $3, lease_owner = NULL, lease_expires_at = NULL,
                eta_seconds = NULL, error = COALESCE($4, error)
         WHERE id = $1",
    )
    .bind(job_id)
    .bind(state.as_str())
    .bind(now)
    .bind(error)
    .execute(&mut *transaction)
    .await
    .during("closing a job")?;
    Ok(())
}

async fn log_in(transaction: &mut Tx, job_id: &str, level: &str, message: &str) -> Result<(), DbError> {
    query("INSERT INTO job_log (id, job_id, logged_at, level, message) VALUES ($1, $2, $3, $4, $5)")
        .bind(Uuid::now_v7().to_string())
        .bind(job_id)
        .bind(now())
        .bind(level)
        .bind(message)
        .execute(&mut *transaction)
        .await
        .during("writing a job log line")?;
    Ok(())
}

async fn state_of(transaction: &mut Tx, job_id: &str) -> Result<JobState, DbError> {
    let state: Option<String> = query_scalar(transaction.backend().locking("SELECT state FROM jobs WHERE id = $1"))
        .bind(job_id)
        .fetch_optional(&mut *transaction)
        .await
        .during("reading a job state")?;
    parse_state(state.ok_or_else(|| DbError::JobNotFound(job_id.to_owned()))?)
}

fn parse_state(text: String) -> Result<JobState, DbError> {
    JobState::parse(&text).ok_or(DbError::Corrupt { what: "job state", reason: text })
}

fn parse_json(text: &str, what: &'static str) -> Result<serde_json::Value, DbError> {
    serde_json::from_str(text).map_err(|error| DbError::Corrupt { what, reason: error.to_string() })
}

fn claimed_from_row(row: &Row) -> Result<ClaimedJob, DbError> {
    let asset_id: Option<String> = row.get("asset_id");
    Ok(ClaimedJob {
        id: row.get("id"),
        kind: row.get("kind"),
        asset_id: asset_id
            .map(|text| text.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: text }))
            .transpose()?,
        payload: parse_json(row.get("payload"), "job payload")?,
        attempt: row.get::<i64, _>("attempts") as u32,
        max_attempts: row.get::<i64, _>("max_attempts") as u32,
    })
}

fn record_from_row(row: &Row) -> Result<JobRecord, DbError> {
    let result: Option<&str> = row.get("result");
    Ok(JobRecord {
        id: row.get("id"),
        kind: row.get("kind"),
        asset_id: row.get("asset_id"),
        payload: parse_json(row.get("payload"), "job payload")?,
        idempotency_key: row.get("idempotency_key"),
        state: parse_state(row.get("state"))?,
        priority: row.get("priority"),
        attempts: row.get::<i64, _>("attempts") as u32,
        max_attempts: row.get::<i64, _>("max_attempts") as u32,
        run_after: row.get("run_after"),
        lease_owner: row.get("lease_owner"),
        lease_expires_at: row.get("lease_expires_at"),
        cancel_requested: row.get::<i64, _>("cancel_requested") != 0,
        progress: row.get("progress"),
        eta_seconds: row.get("eta_seconds"),
        error: row.get("error"),
        result: result.map(|text| parse_json(text, "job result")).transpose()?,
        created_at: row.get("created_at"),
        started_at: row.get("started_at"),
        finished_at: row.get("finished_at"),
    })
}
