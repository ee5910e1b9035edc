//! `regie normalize INPUT --policy NAME --output OUT [--json]`

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::print_json;
use crate::config::LoadedConfig;
use crate::exit;

pub async fn run(
    config: &LoadedConfig,
    input: &Path,
    policy_name: &str,
    output: &Path,
    json: bool,
) -> Result<ExitCode> {
    let settings = config.settings()?;
    let policy = regie_app::load_policy(policy_name, &settings.data_dir, regie_app::Lookup::ByNameOrPath)?;
    let report = regie_app::normalize_file(&settings, input, output, &policy).await?;
    if json {
        print_json(&report)?;
    } else {
        let show = |value: Option<f64>| value.map_or("-".to_owned(), |value| format!("{value:.1}"));
        let after = report.after.loudness;
        println!("{} -> {}", report.input, report.output);
        println!(
            "  target    {:.1} LUFS, true peak at most {} dBTP",
            report.target_lufs,
            show(report.true_peak_ceiling_dbtp)
        );
        println!(
            "  before    {} LUFS, true peak {} dBTP",
            show(report.before.integrated),
            show(report.before.true_peak)
        );
        println!("  gain      {:+.2} dB{}", report.gain_db, if report.limited { ", limited" } else { "" });
        println!(
            "  after     {} LUFS, true peak {} dBTP",
            show(after.and_then(|loudness| loudness.integrated)),
            show(after.and_then(|loudness| loudness.true_peak))
        );
        println!("  {} {}", if report.after.report.passed { "passes" } else { "FAILS" }, report.after.report.policy);
    }
    Ok(ExitCode::from(if report.after.report.passed { exit::SUCCESS } else { exit::FAILURE }))
}
