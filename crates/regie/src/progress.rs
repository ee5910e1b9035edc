//! The ingest progress bar (files, bytes, rate, ETA) on a terminal, and the per-file lines.
//! indicatif hides the bar by itself when stderr is not a terminal.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use regie_app::ingest::{FileOutcome, IngestObserver, IngestStatus};

pub struct IngestProgress {
    bar: ProgressBar,
    json: bool,
    files_total: AtomicU64,
    files_done: AtomicU64,
}

impl IngestProgress {
    pub fn new(json: bool) -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        Self { bar, json, files_total: AtomicU64::new(0), files_done: AtomicU64::new(0) }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn show_counts(&self) {
        let done = self.files_done.load(Ordering::Relaxed);
        let total = self.files_total.load(Ordering::Relaxed);
        self.bar.set_message(format!("{done}/{total} files"));
    }
}

impl IngestObserver for IngestProgress {
    fn planned(&self, files: u64, bytes: u64) {
        self.files_total.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.show_counts();
    }

    fn bytes_copied(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn file_done(&self, outcome: &FileOutcome) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.show_counts();
        if self.json {
            let line = serde_json::to_string(outcome).expect("outcomes serialise");
            self.bar.suspend(|| println!("{line}"));
            return;
        }
        let line = match outcome.status {
            IngestStatus::Ingested => {
                let findings = match outcome.findings.len() {
                    0 => String::new(),
                    count => format!(" ({count} finding{})", if count == 1 { "" } else { "s" }),
                };
                format!("ingested   {}  {}{findings}", outcome.house_id.as_deref().unwrap_or("-"), outcome.path)
            }
            IngestStatus::Duplicate => {
                format!(
                    "duplicate  {}  of asset {}",
                    outcome.path,
                    outcome.asset_id.map(|id| id.to_string()).unwrap_or_default()
                )
            }
            IngestStatus::Held => format!("held       {}: already catalogued elsewhere", outcome.path),
            IngestStatus::Failed => {
                format!("failed     {}: {}", outcome.path, outcome.error.as_deref().unwrap_or("unknown error"))
            }
        };
        self.bar.suspend(|| println!("{line}"));
    }

    fn skipped(&self, path: &Path, reason: &str) {
        self.bar.suspend(|| eprintln!("skipped {}: {reason}", path.display()));
    }
}
