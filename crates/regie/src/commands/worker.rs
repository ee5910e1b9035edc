//! `regie worker [--concurrency N] [--until-idle] [--json]`: runs jobs, one line per finished job;
//! Ctrl-C stops taking new jobs and lets the running ones finish.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use regie_app::Regie;
use regie_app::jobs::{JobEnd, WorkerObserver, WorkerOptions};
use std::collections::HashMap;
use std::sync::Mutex;

use super::success;

pub async fn run(regie: &Regie, concurrency: Option<usize>, until_idle: bool, json: bool) -> Result<ExitCode> {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping: running jobs finish, no new job is taken (Ctrl-C again to abort)");
            let _ = stop.send(true);
            let _ = tokio::signal::ctrl_c().await;
            std::process::exit(130);
        }
    });
    let observer = Arc::new(Lines { json, bars: MultiProgress::new(), running: Mutex::new(HashMap::new()) });
    let options = WorkerOptions { concurrency: concurrency.unwrap_or(regie.job_concurrency()), until_idle };
    let report = regie.run_worker(options, Arc::clone(&observer) as Arc<dyn WorkerObserver>, shutdown).await;
    regie.close().await;
    let report = report?;
    if !json {
        println!(
            "{} succeeded, {} failed, {} to be retried, {} cancelled",
            report.succeeded, report.failed, report.retried, report.cancelled
        );
    }
    let code = if report.failed > 0 { crate::exit::FAILURE } else { crate::exit::SUCCESS };
    Ok(if code == crate::exit::SUCCESS { success() } else { ExitCode::from(code) })
}

/// What `regie worker` shows, for commands that run jobs themselves.
pub(super) fn observer(json: bool) -> Arc<dyn WorkerObserver> {
    Arc::new(Lines { json, bars: MultiProgress::new(), running: Mutex::new(HashMap::new()) })
}

/// Prints each finished job, with a progress bar per running job on a terminal.
struct Lines {
    json: bool,
    bars: MultiProgress,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl WorkerObserver for Lines {
    fn started(&self, job: &regie_app::jobs::ClaimedJob) {
        if self.json {
            return;
        }
        let bar = self.bars.add(ProgressBar::new(100));
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos:>3}% ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("{} {}", &job.id[job.id.len().saturating_sub(8)..], job.kind));
        self.running.lock().expect("bars lock").insert(job.id.clone(), bar);
    }

    fn progress(&self, job_id: &str, progress: regie_app::jobs::RunProgress) {
        if let Some(bar) = self.running.lock().expect("bars lock").get(job_id) {
            bar.set_position(progress.percent.round() as u64);
        }
    }

    fn finished(&self, end: &JobEnd) {
        if let Some(bar) = self.running.lock().expect("bars lock").remove(&end.job_id) {
            bar.finish_and_clear();
        }
        if self.json {
            if let Ok(line) = serde_json::to_string(end) {
                println!("{line}");
            }
            return;
        }
        let error = end.error.as_deref().map(|error| format!(": {error}")).unwrap_or_default();
        let retry = end.retry_in_seconds.map(|seconds| format!(" (retry in {seconds} s)")).unwrap_or_default();
        let _ = self.bars.println(format!(
            "job {} {} {}{retry}{error}",
            end.job_id,
            end.kind,
            if end.lease_lost { "lost its lease" } else { end.state.as_str() },
        ));
    }
}
