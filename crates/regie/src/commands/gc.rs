//! `regie gc [--json]`

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;

use super::{human_size, print_json, success};

pub async fn run(regie: &Regie, json: bool) -> Result<ExitCode> {
    let report = regie.gc().await;
    if let Ok(report) = &report {
        let detail = format!("{} orphan blobs removed", report.removed_blobs.len());
        super::audit_cli(regie, "gc", None, detail).await?;
    }
    regie.close().await;
    let report = report?;
    if json {
        print_json(&report)?;
        return Ok(success());
    }
    for blob in &report.removed_blobs {
        println!("removed orphan blob {} ({})", blob.blake3, human_size(blob.size));
    }
    for temporary in &report.removed_temporaries {
        println!("removed leftover temporary {temporary}");
    }
    println!(
        "{} orphan blobs and {} temporaries removed, {} freed",
        report.removed_blobs.len(),
        report.removed_temporaries.len(),
        human_size(report.bytes_freed)
    );
    Ok(success())
}
