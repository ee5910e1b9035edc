//! `regie check-names PATH... [--json]`: exit code 1 when any name breaks the house rule.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::print_json;
use crate::config::LoadedConfig;
use crate::exit;

pub fn run(config: &LoadedConfig, paths: &[PathBuf], json: bool) -> Result<ExitCode> {
    let settings = config.settings()?;
    let checks = regie_app::check_names(&settings.naming_rule, paths);
    if json {
        print_json(&checks)?;
    } else {
        for check in &checks {
            if check.ok {
                println!("ok    {}", check.path);
            } else {
                println!("bad   {}", check.path);
                for problem in &check.problems {
                    println!("      {}: {}", problem.field, problem.message);
                }
            }
        }
        let bad = checks.iter().filter(|check| !check.ok).count();
        eprintln!("{} checked, {bad} not conforming to {}", checks.len(), config.raw.naming.pattern);
    }
    let all_ok = checks.iter().all(|check| check.ok);
    Ok(ExitCode::from(if all_ok { exit::SUCCESS } else { exit::FAILURE }))
}
