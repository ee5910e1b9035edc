//! `regie watch [--once] [--json]`: ingests what lands in the `[[watch]]` folders once complete.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};
use regie_app::{WatchObserver, WatchOutcome};

use super::{open, success};
use crate::config::LoadedConfig;

pub async fn run(config: &LoadedConfig, once: bool, json: bool) -> Result<ExitCode> {
    let folders = config.watch_folders()?;
    if folders.is_empty() {
        bail!("no [[watch]] folder in the configuration: add one to regie.toml (path, collection, stability_s)");
    }
    let regie = open(config).await?;
    if !json {
        for folder in &folders {
            eprintln!(
                "watching {} ({}) into {}, a file is taken {} s after it stops changing",
                folder.path.display(),
                folder.name,
                folder.collection,
                folder.stability.as_secs_f64()
            );
        }
    }
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(true);
    });
    let handled = regie.watch_folders(folders, once, Arc::new(PrintOutcomes { json }), shutdown).await;
    regie.close().await;
    let handled = handled?;
    if !json {
        eprintln!("{handled} files handled");
    }
    Ok(success())
}

struct PrintOutcomes {
    json: bool,
}

impl WatchObserver for PrintOutcomes {
    fn handled(&self, outcome: &WatchOutcome) {
        if self.json {
            println!("{}", serde_json::to_string(outcome).unwrap_or_default());
            return;
        }
        let status = serde_json::to_value(outcome.status).ok().and_then(|value| value.as_str().map(str::to_owned));
        println!(
            "{} {} {}{}{}",
            outcome.watch,
            status.unwrap_or_default(),
            outcome.path,
            outcome.house_id.as_ref().map(|id| format!(" -> {id}")).unwrap_or_default(),
            outcome.error.as_ref().map(|error| format!(": {error}")).unwrap_or_default()
        );
    }
}
