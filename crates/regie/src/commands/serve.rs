//! `regie serve [--listen ADDR] [--workers N]`: the HTTP API with a job worker inside; Ctrl-C or
//! SIGTERM stops accepting connections, lets requests and running jobs finish, then exits.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use regie_app::jobs::{JobEnd, WorkerObserver};
use tokio::net::TcpListener;

use super::{open, success};
use crate::config::LoadedConfig;

pub async fn run(
    config: &LoadedConfig,
    listen: Option<String>,
    workers: Option<usize>,
    json: bool,
) -> Result<ExitCode> {
    let regie = open(config).await?;
    let address = listen.unwrap_or_else(|| config.raw.server.listen.clone());
    let listener = TcpListener::bind(&address).await.with_context(|| {
        format!("cannot listen on {address}: is another server using it? choose another with --listen")
    })?;
    let bound = listener.local_addr()?;
    if json {
        println!("{}", serde_json::json!({ "listening": format!("http://{bound}") }));
    } else {
        println!("listening on http://{bound}");
    }
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("stopping: requests in flight and running jobs finish (Ctrl-C again to abort)");
        let _ = stop.send(true);
        wait_for_signal().await;
        std::process::exit(130);
    });
    let workers = workers.unwrap_or(config.raw.server.workers);
    let folders = config.watch_folders()?;
    if !folders.is_empty() {
        let (regie, shutdown) = (regie.clone(), shutdown.clone());
        tokio::spawn(async move {
            if let Err(error) = regie.watch_folders(folders, false, Arc::new(LogWatch), shutdown).await {
                tracing::error!(%error, "the watch folders stopped");
            }
        });
    }
    regie_server::serve(regie, listener, config.server_options(), workers, Arc::new(LogJobs), shutdown).await;
    Ok(success())
}

async fn wait_for_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Files taken from watch folders inside the server are reported in the log.
struct LogWatch;

impl regie_app::WatchObserver for LogWatch {
    fn handled(&self, outcome: &regie_app::WatchOutcome) {
        tracing::info!(watch = %outcome.watch, path = %outcome.path, status = ?outcome.status, "watch folder");
    }
}

/// Jobs run inside the server are reported in the log.
struct LogJobs;

impl WorkerObserver for LogJobs {
    fn finished(&self, end: &JobEnd) {
        tracing::info!(job = %end.job_id, kind = %end.kind, state = ?end.state, error = ?end.error, "job finished");
    }
}
