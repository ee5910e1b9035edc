//! `regie migrate` and `regie doctor`: running a catalogue, not using it.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::{print_json, success};
use crate::config::LoadedConfig;
use crate::exit;

#[derive(Serialize)]
struct Migrated {
    backend: &'static str,
    database: String,
    schema_version: i64,
    applied: Vec<String>,
}

/// `regie migrate [--json]`: opening the catalogue applies what is missing.
pub async fn migrate(config: &LoadedConfig, json: bool) -> Result<ExitCode> {
    let settings = config.settings()?;
    let database = match &settings.database_url {
        Some(url) => regie_app::redact_url(url),
        None => settings.data_dir.join("catalogue.sqlite").display().to_string(),
    };
    let regie = regie_app::Regie::open(settings).await?;
    let state = regie.schema_state().await;
    let backend = regie.backend().as_str();
    regie.close().await;
    let state = state?;
    let report = Migrated { backend, database, schema_version: state.version, applied: state.applied };
    if json {
        print_json(&report)?;
    } else {
        println!("{} catalogue at {}: schema version {}", report.backend, report.database, report.schema_version);
        for migration in &report.applied {
            println!("  applied {migration}");
        }
    }
    Ok(success())
}

/// `regie doctor [--json]`: every check in words; exit 1 when one fails.
pub async fn doctor(config: &LoadedConfig, json: bool) -> Result<ExitCode> {
    let report = regie_app::doctor(&config.settings()?).await;
    if json {
        print_json(&report)?;
    } else {
        for check in &report.checks {
            println!("{} {:<12} {}", if check.ok { "ok  " } else { "FAIL" }, check.name, check.message);
        }
    }
    Ok(ExitCode::from(if report.healthy { exit::SUCCESS } else { exit::FAILURE }))
}
