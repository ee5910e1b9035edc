//! `regie groups add|list|add-member|remove-member` and `regie grants add|list|remove`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::{GrantRecord, Regie};

use super::{audit_cli, print_json, success};

pub async fn add_group(regie: &Regie, name: &str, json: bool) -> Result<ExitCode> {
    regie.add_group(name).await?;
    audit_cli(regie, "group.add", None, format!("group {name}")).await?;
    if json {
        print_json(&serde_json::json!({ "group": name }))?;
    } else {
        println!("group {name} added: add members with `regie groups add-member {name} USER`");
    }
    Ok(success())
}

pub async fn list_groups(regie: &Regie, json: bool) -> Result<ExitCode> {
    let groups = regie.groups().await?;
    if json {
        print_json(&groups)?;
    } else if groups.is_empty() {
        println!("no groups: add one with `regie groups add NAME`");
    } else {
        for group in &groups {
            println!("{:<24} {}", group.name, group.members.join(", "));
        }
    }
    Ok(success())
}

pub async fn set_member(regie: &Regie, group: &str, user: &str, member: bool, json: bool) -> Result<ExitCode> {
    let changed = regie.set_group_member(group, user, member).await?;
    let action = if member { "group.member-add" } else { "group.member-remove" };
    if changed {
        audit_cli(regie, action, None, format!("user {user}, group {group}")).await?;
    }
    if json {
        print_json(&serde_json::json!({ "group": group, "user": user, "member": member, "changed": changed }))?;
    } else {
        let verb = if member { "is in" } else { "is not in" };
        println!("{user} {verb} {group}{}", if changed { "" } else { " (already)" });
    }
    Ok(success())
}

pub async fn add_grant(regie: &Regie, collection: &str, to: &str, role: &str, json: bool) -> Result<ExitCode> {
    let grant = regie.grant(collection, to, role).await?;
    audit_cli(regie, "grant.add", None, grant_text(&grant)).await?;
    if json {
        print_json(&grant)?;
    } else {
        println!("{}  {}", grant.id, grant_text(&grant));
    }
    Ok(success())
}

pub async fn list_grants(regie: &Regie, json: bool) -> Result<ExitCode> {
    let grants = regie.grants().await?;
    if json {
        print_json(&grants)?;
    } else if grants.is_empty() {
        println!(
            "no grants: only admins see anything; grant with `regie grants add --collection C --to user:NAME --role viewer`"
        );
    } else {
        grants.iter().for_each(|grant| println!("{}  {}", grant.id, grant_text(grant)));
    }
    Ok(success())
}

pub async fn remove_grant(regie: &Regie, id: &str, json: bool) -> Result<ExitCode> {
    let grant = regie.revoke_grant(id).await?;
    audit_cli(regie, "grant.remove", None, grant_text(&grant)).await?;
    if json {
        print_json(&grant)?;
    } else {
        println!("removed: {}", grant_text(&grant));
    }
    Ok(success())
}

fn grant_text(grant: &GrantRecord) -> String {
    format!("{} {} is {} on {}", grant.principal_kind, grant.principal, grant.role, grant.collection)
}
