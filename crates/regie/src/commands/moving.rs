//! `regie move --to-database URL [--to-store URL] [--json]`: this installation into PostgreSQL
//! (and its blobs into S3), resumable; a progress bar over blobs, then over each table's rows.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use regie_app::{MoveObserver, MoveTarget, Regie};

use super::{audit_cli, human_size, print_json};
use crate::exit;

struct Bars {
    bar: ProgressBar,
}

impl MoveObserver for Bars {
    fn blobs(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_prefix("blobs");
    }
    fn blob_done(&self, _bytes: u64) {
        self.bar.inc(1);
    }
    fn table(&self, table: &str, rows: u64) {
        self.bar.set_length(rows);
        self.bar.set_position(0);
        self.bar.set_prefix(table.to_owned());
    }
    fn rows_done(&self, rows: u64) {
        self.bar.inc(rows);
    }
}

pub async fn run(regie: &Regie, to_database: String, to_store: Option<String>, json: bool) -> Result<ExitCode> {
    let target = MoveTarget { database_url: to_database, store_url: to_store };
    let detail = format!(
        "to {} and {}",
        regie_app::redact_url(&target.database_url),
        target.store_url.as_deref().unwrap_or("the same store")
    );
    audit_cli(regie, "move", None, detail).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} ETA {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let observer = Arc::new(Bars { bar: bar.clone() });
    let report = regie.move_to(&target, observer).await;
    bar.finish_and_clear();
    regie.close().await;
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "blobs: {} copied ({}), {} already there, {} failed",
            report.blobs_copied,
            human_size(report.bytes_copied),
            report.blobs_already_there,
            report.blobs_failed.len()
        );
        for failed in &report.blobs_failed {
            println!("  not copied: {failed}");
        }
        for (table, rows) in &report.rows {
            println!("{table:>18}: {rows} rows");
        }
        if report.blobs_failed.is_empty() {
            println!(
                "moved in {:.1} s; run regie with --database {} {}to use it",
                report.elapsed_s,
                report.database,
                report.store.as_ref().map(|store| format!("--store {store} ")).unwrap_or_default()
            );
        } else {
            println!("no row was moved: restore the blobs above from a copy, then run regie move again");
        }
    }
    Ok(ExitCode::from(if report.blobs_failed.is_empty() { exit::SUCCESS } else { exit::FAILURE }))
}
