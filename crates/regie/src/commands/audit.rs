//! `regie audit verify` and `regie audit list`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::{AuditFilter, Regie, audit_time};

use super::{print_json, success};

pub async fn verify(regie: &Regie, json: bool) -> Result<ExitCode> {
    let verification = regie.verify_audit().await?;
    if json {
        print_json(&verification)?;
    } else if let Some(broken) = &verification.first_break {
        println!(
            "audit trail BROKEN at entry {} ({}): {}\n{} entries before it are intact",
            broken.seq, broken.kind, broken.message, verification.entries_checked
        );
    } else {
        println!("audit trail intact: {} entries, each linked to the one before", verification.entries_checked);
    }
    Ok(if verification.intact { success() } else { ExitCode::from(crate::exit::FAILURE) })
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
