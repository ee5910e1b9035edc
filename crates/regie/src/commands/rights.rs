//! `regie rights add|list|remove|import|check|expiring`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;
use regie_app::delivery::{ContractAdded, ContractRow, NewContract};

use super::{audit_cli, print_json, success};
use crate::cli::RightsCommand;

pub async fn run(regie: &Regie, command: RightsCommand) -> Result<ExitCode> {
    match command {
        RightsCommand::Add { asset, series, holder, territories, platforms, start, end, exclusive, max_runs, json } => {
            let new = NewContract { asset, series, holder, territories, platforms, start, end, exclusive, max_runs };
            let added = regie.add_contract(&new).await?;
            audit_cli(regie, "rights.add", added.contract.asset_id.clone(), contract_line(&added.contract)).await?;
            if json {
                print_json(&added)?;
            } else {
                print_added(&added);
            }
        }
        RightsCommand::List { asset, json } => {
            let contracts = regie.list_contracts(asset.as_deref()).await?;
            if json {
                print_json(&contracts)?;
            } else if contracts.is_empty() {
                println!("no contracts");
            } else {
                for contract in &contracts {
                    println!("{}", contract_line(contract));
                }
            }
        }
        RightsCommand::Remove { id, json } => {
            let id = regie.remove_contract(&id).await?;
            audit_cli(regie, "rights.remove", None, format!("contract {id}")).await?;
            if json {
                print_json(&serde_json::json!({ "removed": id }))?;
            } else {
                println!("contract {id} removed");
            }
        }
        RightsCommand::Import { file, json } => {
            let report = regie.import_contracts(&file).await?;
            for added in &report.added {
                audit_cli(regie, "rights.add", added.contract.asset_id.clone(), contract_line(&added.contract)).await?;
            }
            if json {
                print_json(&report)?;
            } else {
                for added in &report.added {
                    print_added(added);
                }
                println!("{} contracts imported", report.added.len());
            }
        }
        RightsCommand::Check { asset, territory, platform, at, json } => {
            let answer = regie.check_rights(&asset, &territory, &platform, at.as_deref()).await?;
            if json {
                print_json(&answer)?;
            } else {
                println!("{}", if answer.allowed { "allowed" } else { "not allowed" });
                for reason in &answer.reasons {
                    println!("  {reason}");
                }
            }
            return Ok(if answer.allowed { success() } else { ExitCode::from(crate::exit::FAILURE) });
        }
        RightsCommand::Partner { user, territory, platform, json } => {
            regie.set_partner_territory(&user, &territory, &platform).await?;
            let detail = format!("partner {user}: {} on {platform}", territory.to_ascii_uppercase());
            audit_cli(regie, "rights.partner", None, detail.clone()).await?;
            if json {
                print_json(
                    &serde_json::json!({ "user": user, "territory": territory.to_ascii_uppercase(), "platform": platform }),
                )?;
            } else {
                println!("{detail}: their downloads are checked against the rights");
            }
        }
        RightsCommand::Expiring { within, json } => {
            let days = parse_days(&within)?;
            let contracts = regie.contracts_expiring(days).await?;
            if json {
                print_json(&contracts)?;
            } else if contracts.is_empty() {
                println!("no window closes within {within}");
            } else {
                for contract in &contracts {
                    println!("{}", contract_line(contract));
                }
            }
        }
    }
    Ok(success())
}

fn print_added(added: &ContractAdded) {
    println!("added {}", contract_line(&added.contract));
    for conflict in &added.conflicts {
        eprintln!(
            "warning: exclusivity conflict with contract {} ({}): {}",
            conflict.contract, conflict.holder, conflict.reason
        );
    }
}

fn contract_line(contract: &ContractRow) -> String {
    let subject = match (&contract.asset_id, &contract.series) {
        (Some(asset), _) => format!("asset {asset}"),
        (None, Some(series)) => format!("series {series:?}"),
        (None, None) => "?".to_owned(),
    };
    let runs = contract.max_runs.map(|max| format!(", runs {}/{max}", contract.runs)).unwrap_or_default();
    format!(
        "{}  {}  {}  [{}] on [{}]  {} to {}{}{}",
        &contract.id[..13.min(contract.id.len())],
        contract.holder,
        subject,
        contract.territories,
        contract.platforms,
        contract.starts_on,
        contract.ends_on,
        if contract.exclusive { ", exclusive" } else { "" },
        runs
    )
}

/// `30d`, `2w`, `36h` (rounded up to whole days), or a plain number of days.
fn parse_days(text: &str) -> Result<u32> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let value: u32 =
        number.parse().map_err(|_| anyhow::anyhow!("--within {text}: write a period such as 30d, 2w or 48h"))?;
    match unit {
        "" | "d" => Ok(value),
        "w" => Ok(value * 7),
        "h" => Ok(value.div_ceil(24)),
        _ => anyhow::bail!("--within {text}: write a period such as 30d, 2w or 48h"),
    }
}
