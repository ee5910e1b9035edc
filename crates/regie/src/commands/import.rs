//! `regie import-metadata FILE.jsonl|FILE.csv [--json]`: records without media, with a progress
//! bar over the file's bytes; refused records are listed with their line and the exit code is 1.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use regie_app::Regie;

use super::{audit_cli, print_json, success};

pub async fn run(regie: &Regie, file: &Path, json: bool) -> Result<ExitCode> {
    let size = std::fs::metadata(file).map(|metadata| metadata.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    let shown = bar.clone();
    let report = regie.import_metadata(file, &move |bytes| shown.set_position(bytes)).await;
    bar.finish_and_clear();
    let report = report?;
    audit_cli(
        regie,
        "import-metadata",
        None,
        format!("{}: {} created, {} updated, {} refused", report.file, report.created, report.updated, report.refused),
    )
    .await?;
    if json {
        print_json(&report)?;
    } else {
        for refusal in &report.refusals {
            eprintln!("line {}: {}", refusal.line, refusal.reason);
        }
        if report.refused > report.refusals.len() as u64 {
            eprintln!("... and {} more refused", report.refused - report.refusals.len() as u64);
        }
        println!(
            "{} records: {} created, {} updated, {} refused; {} indexed in {:.1} s",
            report.records, report.created, report.updated, report.refused, report.indexed, report.elapsed_s
        );
    }
    if report.refused > 0 {
        return Ok(ExitCode::from(crate::exit::FAILURE));
    }
    Ok(success())
}
