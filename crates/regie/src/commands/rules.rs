//! `regie rules list|test`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;

use super::{print_json, success};
use crate::cli::RulesCommand;

pub async fn run(regie: &Regie, command: RulesCommand) -> Result<ExitCode> {
    match command {
        RulesCommand::List { json } => {
            let rules = regie.rules()?;
            if json {
                print_json(&rules)?;
            } else if rules.is_empty() {
                println!("no rules: a rule is a TOML file in DATA/rules/ (see docs/rules.md)");
            } else {
                for rule in &rules {
                    let actions: Vec<&str> = rule.actions.iter().map(|action| action.name()).collect();
                    let state = if rule.enabled { "" } else { " (disabled)" };
                    println!("{:<24} on {:<16} do {}{state}", rule.name, rule.on.as_str(), actions.join(", "));
                }
            }
        }
        RulesCommand::Test { rule, asset, json } => {
            let test = regie.test_rule(&rule, &asset).await?;
            if json {
                print_json(&test)?;
            } else if test.applies {
                println!("rule {} applies to {} on {}; it would:", test.rule, test.asset_id, test.event);
                for step in &test.would {
                    println!("  {step}");
                }
            } else {
                println!(
                    "rule {} does not apply to {}: {}",
                    test.rule,
                    test.asset_id,
                    test.reason.as_deref().unwrap_or("?")
                );
            }
        }
    }
    Ok(success())
}
