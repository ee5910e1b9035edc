//! `regie check PATH|ASSET --policy NAME [--rendition PROFILE] [--json]`: exit code 1 when an
//! error-severity rule fails.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use regie_app::CheckReport;
use regie_core::Severity;

use super::{open, print_json};
use crate::config::LoadedConfig;
use crate::exit;

pub async fn run(
    config: &LoadedConfig,
    target: &str,
    policy_name: &str,
    rendition: Option<&str>,
    json: bool,
    html: Option<&Path>,
) -> Result<ExitCode> {
    let settings = config.settings()?;
    let policy = regie_app::load_policy(policy_name, &settings.data_dir, regie_app::Lookup::ByNameOrPath)?;
    let report = if let Some(profile) = rendition {
        let regie = open(config).await?;
        let report = regie.check_rendition(target, profile, &policy).await;
        regie.close().await;
        report?
    } else if Path::new(target).exists() {
        regie_app::check_file(&settings, Path::new(target), &policy).await?
    } else {
        let regie = open(config).await?;
        let report = regie.check_asset(target, &policy).await;
        regie.close().await;
        report?
    };
    if let Some(html_path) = html {
        std::fs::write(html_path, render_html(&report))
            .with_context(|| format!("cannot write {}", html_path.display()))?;
    }
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

/// A self-contained HTML page of the report, for people who do not read JSON.
fn render_html(check: &CheckReport) -> String {
    let report = &check.report;
    let escape =
        |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let verdict = if report.passed { "PASS" } else { "FAIL" };
    let mut rows = String::new();
    for rule in &report.rules {
        let state = match (rule.passed, rule.severity) {
            (true, _) => "ok",
            (false, Severity::Error) => "FAIL",
            (false, Severity::Warning) => "warning",
            (false, Severity::Info) => "info",
        };
        rows += &format!(
            "<tr class=\"{state}\"><td>{state}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
            escape(&rule.id),
            escape(rule.severity.as_str()),
            escape(&rule.check),
            escape(&rule.measured.to_string()),
            escape(&rule.expected)
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{verdict} {policy}: {path}</title>\n\
         <style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}\
         tr.FAIL{{background:#fdd}}tr.warning{{background:#ffd}}</style></head><body>\n\
         <h1>{verdict}: {path}</h1><p>Policy <b>{policy}</b> ({source}): {errors} error(s), {warnings} warning(s).</p>\n\
         <table><tr><th>result</th><th>rule</th><th>severity</th><th>check</th><th>measured</th><th>expected</th></tr>\n{rows}</table></body></html>\n",
        path = escape(&check.path),
        policy = escape(&report.policy),
        source = escape(&report.source),
        errors = report.errors,
        warnings = report.warnings,
    )
}
