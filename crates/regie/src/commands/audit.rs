//! `regie audit verify` and `regie audit list`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use regie_app::{AuditFilter, Regie, audit_time};

use super::{print_json, success};

pub async fn verify(regie: &Regie, checkpoints: Option<&Path>, key: Option<&str>, json: bool) -> Result<ExitCode> {
    let verification = regie.verify_audit().await?;
    let signed = match checkpoints {
        Some(folder) => Some(regie.verify_checkpoints(folder, key).await?),
        None => None,
    };
    let intact = verification.intact && signed.as_ref().is_none_or(|signed| signed.intact);
    if json {
        let mut value = serde_json::to_value(&verification)?;
        if let Some(signed) = &signed {
            value["checkpoints"] = serde_json::to_value(&signed.checkpoints)?;
            value["verifier_key"] = serde_json::Value::String(signed.verifier_key.clone());
            value["intact"] = serde_json::Value::Bool(intact);
        }
        print_json(&value)?;
    } else {
        if let Some(broken) = &verification.first_break {
            println!(
                "audit trail BROKEN at entry {} ({}): {}\n{} entries before it are intact",
                broken.seq, broken.kind, broken.message, verification.entries_checked
            );
        } else {
            println!("audit trail intact: {} entries, each linked to the one before", verification.entries_checked);
        }
        if let Some(signed) = &signed {
            if signed.checkpoints.is_empty() {
                println!("no checkpoint found in that folder");
            }
            for checkpoint in &signed.checkpoints {
                println!("checkpoint {}: {} ({})", checkpoint.file, checkpoint.state, checkpoint.message);
            }
        }
    }
    Ok(if intact { success() } else { ExitCode::from(crate::exit::FAILURE) })
}

pub async fn checkpoint(regie: &Regie, out: &[PathBuf], json: bool) -> Result<ExitCode> {
    let report = regie.audit_checkpoint(out).await?;
    super::audit_cli(
        regie,
        "audit.checkpoint",
        None,
        format!("checkpoint of {} entries: {}", report.size, report.root),
    )
    .await?;
    if json {
        print_json(&report)?;
    } else {
        println!("checkpoint of {} entries signed: {}", report.size, report.root);
        for path in &report.written {
            println!("  written to {path}");
        }
        println!("verifier key (keep a copy away from this machine): {}", report.verifier_key);
    }
    Ok(success())
}

pub struct ListArgs {
    pub user: Option<String>,
    pub asset: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: u32,
}

pub async fn list(regie: &Regie, args: ListArgs, json: bool) -> Result<ExitCode> {
    let asset_id = match &args.asset {
        Some(reference) => Some(regie.resolve_asset(reference).await?.to_string()),
        None => None,
    };
    let filter = AuditFilter {
        actor: args.user,
        asset_id,
        since: args.since.as_deref().map(audit_time).transpose()?,
        until: args.until.as_deref().map(audit_time).transpose()?,
        after: None,
        limit: args.limit.max(1),
    };
    let entries = regie.audit_entries(&filter).await?;
    if json {
        print_json(&entries)?;
        return Ok(success());
    }
    for entry in &entries {
        println!(
            "{:>6} {} {:<16} {:<20} {:<7} {:<15} {} {}",
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.outcome,
            entry.address.as_deref().unwrap_or("-"),
            entry.asset_id.as_deref().unwrap_or("-"),
            entry.detail
        );
    }
    Ok(success())
}
