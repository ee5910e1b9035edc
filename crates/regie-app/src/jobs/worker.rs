//! The worker loop: claim jobs up to the concurrency, renew their leases while they run, stop a
//! job's process when it is cancelled or its lease is lost, and record how each run ended.
//! Runs standalone (`regie worker`) and, later, inside `regie serve`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regie_db::{ClaimedJob, Heartbeat, JobState};
use regie_media::{RunProgress, ToolRunner};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::failure::JobFailure;
use super::queue::Completion;
use super::{PREVIEWS, TRANSCODE, VERIFY, deliver, event, previews, rule_action, transcode, verify};
use crate::{AppError, Regie};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub concurrency: usize,
    /// Exit once no job is queued or running anywhere.
    pub until_idle: bool,
}

/// What the front end is told while the worker runs.
pub trait WorkerObserver: Send + Sync {
    fn started(&self, _job: &ClaimedJob) {}
    fn progress(&self, _job_id: &str, _progress: RunProgress) {}
    fn finished(&self, _end: &JobEnd) {}
}

/// How one run of a job ended.
#[derive(Debug, Clone, Serialize)]
pub struct JobEnd {
    pub job_id: String,
    pub kind: String,
    pub asset_id: Option<String>,
    pub attempt: u32,
    /// `succeeded`, `failed`, `cancelled`, or `queued` when it will be retried.
    pub state: JobState,
    pub error: Option<String>,
    pub retry_in_seconds: Option<u64>,
    /// The lease ran out while the job ran and another worker took it: this run's work was dropped.
    pub lease_lost: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkerReport {
    pub succeeded: u64,
    pub failed: u64,
    pub retried: u64,
    pub cancelled: u64,
}

/// What a job hands back when it has made and stored its outputs.
pub(crate) struct Completed {
    pub outputs: regie_db::JobOutputs,
    pub result: serde_json::Value,
}

/// Everything a running job may use.
pub(crate) struct JobContext {
    pub regie: Regie,
    pub job: ClaimedJob,
    /// Emptied before the run and removed after it: outputs are made here, then stored.
    pub work_dir: PathBuf,
    pub cancel: watch::Receiver<bool>,
    /// The name this worker holds the lease under.
    pub worker: String,
    pub progress: Arc<dyn Fn(RunProgress) + Send + Sync>,
    /// Starts ffmpeg for jobs (one permit per concurrent job).
    pub runner: ToolRunner,
}

impl Regie {
    /// Runs jobs until `shutdown` turns true (running jobs then finish) or, with `until_idle`,
    /// until nothing is left to do.
    pub async fn run_worker(
        &self,
        options: WorkerOptions,
        observer: Arc<dyn WorkerObserver>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<WorkerReport, AppError> {
        let concurrency = options.concurrency.max(1);
        let name = worker_name();
        let runner = ToolRunner::new(concurrency, Duration::from_secs(24 * 3600));
        let mut report = WorkerReport::default();
        let mut running: JoinSet<JobEnd> = JoinSet::new();
        // The current minute counts: a schedule due now runs now (its key keeps it to once).
        let mut schedules_checked = crate::workflow::minute_of(chrono::Utc::now()) - chrono::Duration::minutes(1);
        loop {
            if *shutdown.borrow() {
                break;
            }
            if !self.queue.is_remote() {
                let minute = schedules_checked;
                schedules_checked = self.fire_schedules(schedules_checked).await;
                if schedules_checked > minute
                    && let Err(error) = self.queue_fixity_schedules().await
                {
                    tracing::warn!(%error, "cannot queue the fixity schedules");
                }
                if schedules_checked > minute
                    && let Err(error) = self.checkpoint_if_due().await
                {
                    tracing::warn!(%error, "cannot write the audit checkpoint");
                }
            }
            // Jobs queued or running anywhere, as of the last claim that found nothing due.
            let mut live_when_idle = None;
            while running.len() < concurrency {
                let (job, live) = self.queue.claim(&name, self.settings.jobs.lease).await?;
                let Some(job) = job else {
                    live_when_idle = Some(live);
                    break;
                };
                observer.started(&job);
                let (regie, observer, name, runner) =
                    (self.clone(), Arc::clone(&observer), name.clone(), runner.clone());
                running.spawn(async move { regie.run_one(job, &name, runner, observer).await });
            }
            if running.is_empty() && options.until_idle && live_when_idle == Some(0) {
                break;
            }
            tokio::select! {
                Some(done) = running.join_next(), if !running.is_empty() => tally(&mut report, done),
                () = tokio::time::sleep(self.settings.jobs.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        while let Some(done) = running.join_next().await {
            tally(&mut report, done);
        }
        Ok(report)
    }

    async fn run_one(
        &self,
        job: ClaimedJob,
        worker: &str,
        runner: ToolRunner,
        observer: Arc<dyn WorkerObserver>,
    ) -> JobEnd {
        let (cancel_sender, cancel) = watch::channel(false);
        let latest: Arc<Mutex<Option<RunProgress>>> = Arc::new(Mutex::new(None));
        let stop_reason: Arc<Mutex<Option<Heartbeat>>> = Arc::new(Mutex::new(None));
        let heartbeat = tokio::spawn(heartbeat_loop(
            self.clone(),
            job.id.clone(),
            worker.to_owned(),
            Arc::clone(&latest),
            Arc::clone(&stop_reason),
            cancel_sender,
        ));
        let work_dir = self.settings.data_dir.join("work").join(&job.id);
        let progress: Arc<dyn Fn(RunProgress) + Send + Sync> = {
            let (latest, observer, id) = (Arc::clone(&latest), Arc::clone(&observer), job.id.clone());
            Arc::new(move |progress| {
                *latest.lock().expect("progress lock") = Some(progress);
                observer.progress(&id, progress);
            })
        };
        let context = JobContext {
            regie: self.clone(),
            job: job.clone(),
            work_dir: work_dir.clone(),
            cancel,
            worker: worker.to_owned(),
            progress,
            runner,
        };
        // The shared lock keeps gc from removing blobs stored by this job before its row is written.
        let lock = self.shared_lock().await;
        let outcome = match lock {
            // The body runs only in a ready work folder (issue 12: `and` ran both).
            Ok(_) => match context.prepare().await {
                Ok(()) => context.execute().await,
                Err(failure) => Err(failure),
            },
            Err(error) => Err(JobFailure::from(error)),
        };
        let reason = *stop_reason.lock().expect("stop reason lock");
        // The outputs are in the store by now: free the space first (a full disk must not keep
        // the database from recording the failure).
        let _ = tokio::fs::remove_dir_all(&work_dir).await;
        let end = self.record_end(&job, worker, outcome, reason).await;
        heartbeat.abort();
        observer.finished(&end);
        end
    }

    async fn record_end(
        &self,
        job: &ClaimedJob,
        worker: &str,
        outcome: Result<Completed, JobFailure>,
        reason: Option<Heartbeat>,
    ) -> JobEnd {
        let mut end = JobEnd {
            job_id: job.id.clone(),
            kind: job.kind.clone(),
            asset_id: job.asset_id.map(|id| id.to_string()),
            attempt: job.attempt,
            state: JobState::Running,
            error: None,
            retry_in_seconds: None,
            lease_lost: false,
        };
        let worker = worker.to_owned();
        let recorded = match outcome {
            Ok(Completed { outputs, result }) => {
                match self.queue.complete(&job.id, Completion::Succeeded { worker, outputs, result }).await {
                    Ok(answer) if answer.recorded => Ok(JobState::Succeeded),
                    Ok(_) => {
                        end.lease_lost = true;
                        Ok(JobState::Running)
                    }
                    Err(error) => Err(error),
                }
            }
            Err(JobFailure::Stopped) if reason == Some(Heartbeat::CancelRequested) => {
                self.queue.complete(&job.id, Completion::Cancelled { worker }).await.map(|_| JobState::Cancelled)
            }
            Err(JobFailure::Stopped) => {
                end.lease_lost = true;
                Ok(JobState::Running)
            }
            Err(JobFailure::Error { message, retryable }) => {
                let backoff = self.settings.jobs.retry_backoff * 2u32.saturating_pow(job.attempt.saturating_sub(1));
                end.error = Some(message.clone());
                let failed = Completion::Failed { worker, error: message, retryable, backoff_s: backoff.as_secs() };
                self.queue.complete(&job.id, failed).await.map(|answer| {
                    let outcome = answer
                        .failure
                        .unwrap_or(regie_db::FailureOutcome { state: JobState::Failed, retry_in_seconds: None });
                    end.retry_in_seconds = outcome.retry_in_seconds;
                    outcome.state
                })
            }
        };
        if matches!(recorded, Ok(JobState::Succeeded))
            && let Some(asset_id) = job.asset_id
            && ![crate::workflow::EVENT, crate::workflow::RULE_ACTION].contains(&job.kind.as_str())
        {
            let mut event = crate::workflow::simple_event(
                regie_core::rules::EventKind::JobSucceeded,
                asset_id,
                format!("job-succeeded:{}", job.id),
            );
            event.job_kind = Some(job.kind.clone());
            event.profile = job.payload["profile"].as_str().map(str::to_owned);
            self.raise(event).await;
        }
        match recorded {
            Ok(state) => end.state = state,
            Err(error) => {
                // The lease will run out and another worker will take the job again.
                tracing::error!(job = %job.id, %error, "cannot record how a job ended");
                end.error = Some(error.to_string());
            }
        }
        end
    }
}

impl JobContext {
    /// Starts from an empty work folder (a killed run may have left one behind).
    async fn prepare(&self) -> Result<(), JobFailure> {
        let _ = tokio::fs::remove_dir_all(&self.work_dir).await;
        tokio::fs::create_dir_all(&self.work_dir)
            .await
            .map_err(|source| AppError::DataFolder { path: self.work_dir.clone(), source })?;
        Ok(())
    }

    async fn execute(&self) -> Result<Completed, JobFailure> {
        match self.job.kind.as_str() {
            PREVIEWS => previews::run(self).await,
            TRANSCODE => transcode::run(self).await,
            VERIFY => verify::run(self).await,
            crate::delivery::DELIVER => deliver::run(self).await,
            crate::workflow::EVENT => event::run_event(self).await,
            crate::workflow::RULE_ACTION => rule_action::run(self).await,
            crate::keeping::REPLICATE => super::keeping::replicate(self).await,
            crate::keeping::FIXITY => super::keeping::fixity(self).await,
            crate::timeline::SHOTS => super::shots::run(self).await,
            crate::intelligence::TRANSCRIBE => super::intelligence::transcribe(self).await,
            crate::intelligence::OCR => super::intelligence::read_text(self).await,
            crate::intelligence::FINGERPRINT => super::intelligence::fingerprint(self).await,
            crate::intelligence::EMBED => super::intelligence::embed(self).await,
            other => Err(JobFailure::permanent(format!("this worker does not know jobs of kind {other:?}"))),
        }
    }
}

/// Renews the lease every third of it with the latest progress; on cancellation or a lost
/// lease, raises the cancel flag that stops the job's process.
async fn heartbeat_loop(
    regie: Regie,
    job_id: String,
    worker: String,
    latest: Arc<Mutex<Option<RunProgress>>>,
    stop_reason: Arc<Mutex<Option<Heartbeat>>>,
    cancel: watch::Sender<bool>,
) {
    let lease = regie.settings.jobs.lease;
    let every = (lease / 3).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let progress = *latest.lock().expect("progress lock");
        let beat = regie
            .queue
            .heartbeat(
                &job_id,
                &worker,
                lease,
                progress.map(|progress| progress.percent),
                progress.and_then(|progress| progress.eta_seconds),
            )
            .await;
        match beat {
            Ok(Heartbeat::Continue) => {}
            Ok(stop) => {
                *stop_reason.lock().expect("stop reason lock") = Some(stop);
                let _ = cancel.send(true);
                return;
            }
            Err(error) => tracing::warn!(job = %job_id, %error, "cannot renew a lease; trying again"),
        }
    }
}

fn tally(report: &mut WorkerReport, done: Result<JobEnd, tokio::task::JoinError>) {
    match done.map(|end| end.state) {
        Ok(JobState::Succeeded) => report.succeeded += 1,
        Ok(JobState::Queued) => report.retried += 1,
        Ok(JobState::Cancelled) => report.cancelled += 1,
        Ok(JobState::Running) => {}
        Ok(JobState::Failed) | Err(_) => report.failed += 1,
    }
}

/// `host:pid:random`, unique per worker process, readable in `jobs show`.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "localhost".to_owned());
    let random = uuid::Uuid::now_v7().simple().to_string();
    format!("{}:{}:{}", host.trim(), std::process::id(), &random[random.len() - 6..])
}
