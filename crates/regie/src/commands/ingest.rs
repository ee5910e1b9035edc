//! `regie ingest PATH... [--collection NAME] [--tag T] [--json]`

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use regie_app::Regie;
use regie_app::ingest::IngestRequest;

use super::human_size;
use crate::cli::IngestArgs;
use crate::config::LoadedConfig;
use crate::exit;
use crate::progress::IngestProgress;

pub async fn run(config: &LoadedConfig, args: IngestArgs) -> Result<ExitCode> {
    let mut settings = config.settings()?;
    settings.sha256 |= args.sha256;
    if let Some(concurrency) = args.concurrency {
        settings.ingest_concurrency = concurrency.clamp(1, 64);
    }
    let collection = args.collection.parse()?;
    let regie = Regie::open(settings).await?;
    let progress = Arc::new(IngestProgress::new(args.json));
    let paths: Vec<String> = args.paths.iter().map(|path| path.display().to_string()).collect();
    let request = IngestRequest::new(args.paths, collection, args.tags);
    let summary = regie.ingest(request, progress.clone()).await;
    progress.finish();
    if let Ok(summary) = &summary {
        let detail = format!(
            "{} into {}: {} ingested, {} duplicate, {} failed",
            paths.join(" "),
            args.collection,
            summary.ingested,
            summary.duplicates,
            summary.failed
        );
        super::audit_cli(&regie, "ingest", None, detail).await?;
        tracing::debug!("ingest audited");
    }
    let closing = std::time::Instant::now();
    regie.close().await;
    tracing::debug!(close_ms = closing.elapsed().as_millis(), "catalogue closed");
    let summary = summary?;
    if !args.json {
        eprintln!(
            "{} ingested ({}), {} duplicate, {} failed",
            summary.ingested,
            human_size(summary.bytes),
            summary.duplicates,
            summary.failed
        );
    }
    Ok(ExitCode::from(if summary.failed == 0 { exit::SUCCESS } else { exit::FAILURE }))
}
