//! `regie users add|list|disable|enable|reset` and `regie tokens create|list|revoke`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use regie_app::{Regie, UserRecord};

use super::{audit_cli, print_json, success};

/// The first line of stdin, without its line ending: passwords never appear in arguments.
fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!(
            "no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | regie users add ... --password-stdin`"
        );
    }
    Ok(password)
}

fn show_user(user: &UserRecord, json: bool) -> Result<ExitCode> {
    if json {
        print_json(user)?;
    } else {
        println!("{}", user_line(user));
    }
    Ok(success())
}

fn user_line(user: &UserRecord) -> String {
    let state = if user.disabled { "disabled" } else { "active" };
    let password = if user.has_password { "password" } else { "tokens only" };
    format!("{:<24} {:<14} {state:<9} {password}", user.name, user.role)
}

pub async fn add_user(regie: &Regie, name: &str, role: &str, password_stdin: bool, json: bool) -> Result<ExitCode> {
    let password = if password_stdin { Some(password_from_stdin()?) } else { None };
    let user = regie.add_user(name, role, password.as_deref()).await?;
    audit_cli(regie, "user.add", None, format!("user {} role {}", user.name, user.role)).await?;
    show_user(&user, json)
}

pub async fn list_users(regie: &Regie, json: bool) -> Result<ExitCode> {
    let users = regie.list_users().await?;
    if json {
        print_json(&users)?;
    } else if users.is_empty() {
        println!("no users: add the first admin with `regie users add NAME --role admin --password-stdin`");
    } else {
        users.iter().for_each(|user| println!("{}", user_line(user)));
    }
    Ok(success())
}

pub async fn set_disabled(regie: &Regie, name: &str, disabled: bool, json: bool) -> Result<ExitCode> {
    let user = regie.set_user_disabled(name, disabled).await?;
    let action = if disabled { "user.disable" } else { "user.enable" };
    audit_cli(regie, action, None, format!("user {name}")).await?;
    show_user(&user, json)
}

pub async fn reset(regie: &Regie, name: &str, json: bool) -> Result<ExitCode> {
    let password = password_from_stdin()?;
    let user = regie.reset_password(name, &password).await?;
    audit_cli(regie, "user.reset-password", None, format!("user {name}")).await?;
    show_user(&user, json)
}

pub async fn create_token(
    regie: &Regie,
    user: &str,
    label: &str,
    scopes: &[String],
    expires: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let created = regie.create_token(user, label, scopes, expires, None).await?;
    let detail = format!("token {} for {user} scopes {}", created.record.id, created.record.scopes.join(" "));
    audit_cli(regie, "token.create", None, detail).await?;
    if json {
        print_json(&created)?;
    } else {
        println!("{}", created.token);
        eprintln!(
            "token {} for {} ({}), expires {}: copy it now, it is not shown again",
            created.record.id,
            created.record.user,
            created.record.scopes.join(" "),
            created.record.expires_at.as_deref().unwrap_or("never")
        );
    }
    Ok(success())
}

pub async fn list_tokens(regie: &Regie, user: Option<&str>, json: bool) -> Result<ExitCode> {
    let tokens = regie.list_tokens(user).await?;
    if json {
        print_json(&tokens)?;
        return Ok(success());
    }
    for token in &tokens {
        let state = if token.revoked_at.is_some() { "revoked" } else { "live" };
        println!(
            "{}  {:<16} {state:<8} {:<28} expires {}  {}",
            token.id,
            token.user,
            token.scopes.join(","),
            token.expires_at.as_deref().unwrap_or("never"),
            token.label
        );
    }
    Ok(success())
}

pub async fn revoke_token(regie: &Regie, id: &str, json: bool) -> Result<ExitCode> {
    regie.revoke_token(id).await?;
    audit_cli(regie, "token.revoke", None, format!("token {id}")).await?;
    if json {
        print_json(&serde_json::json!({ "id": id, "revoked": true }))?;
    } else {
        println!("token {id} revoked");
    }
    Ok(success())
}
