//! `regie check PATH|ASSET --policy NAME [--json]`: exit code 1 when an error-severity rule fails.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use regie_app::CheckReport;
use regie_core::Severity;

use super::{open, print_json};
use crate::config::LoadedConfig;
use crate::exit;

pub async fn run(config: &LoadedConfig, target: &str, policy_name: &str, json: bool) -> Result<ExitCode> {
    let settings = config.settings()?;
    let policy = regie_app::load_policy(policy_name, &settings.data_dir)?;
    let report = if Path::new(target).exists() {
        regie_app::check_file(&settings, Path::new(target), &policy).await?
    } else {
        let regie = open(config).await?;
        let report = regie.check_asset(target, &policy).await;
        regie.close().await;
        report?
    };
    if json {
        print_json(&report)?;
    } else {
        print!("{}", render(&report));
    }
    Ok(ExitCode::from(if report.report.passed { exit::SUCCESS } else { exit::FAILURE }))
}

fn render(check: &CheckReport) -> String {
    let report = &check.report;
    let verdict = if report.passed { "PASS" } else { "FAIL" };
    let mut text = format!("{verdict}  {} against {} ({})\n", check.path, report.policy, report.source);
    for rule in &report.rules {
        let mark = match (rule.passed, rule.severity) {
            (true, _) => "ok  ",
            (false, Severity::Error) => "FAIL",
            (false, Severity::Warning) => "warn",
            (false, Severity::Info) => "info",
        };
        let measured = match &rule.measured {
            serde_json::Value::Null => "nothing".to_owned(),
            serde_json::Value::Number(number) if number.is_f64() => {
                format!("{:.2}", number.as_f64().unwrap_or_default())
            }
            other => other.to_string(),
        };
        text += &format!("  {mark} {:<30} {}: measured {measured}, expected {}\n", rule.id, rule.check, rule.expected);
    }
    if let Some(detections) = &check.detections {
        for (kind, segments) in
            [("black", &detections.black), ("silence", &detections.silence), ("freeze", &detections.freeze)]
        {
            for segment in segments {
                text += &format!(
                    "  {kind:<7} {:>9.3} s to {:>9.3} s ({:.3} s)\n",
                    segment.start_s, segment.end_s, segment.duration_s
                );
            }
        }
    }
    text += &format!("{} error(s), {} warning(s)\n", report.errors, report.warnings);
    text
}
