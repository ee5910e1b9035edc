//! `regie destinations ...`, `regie deliver`, `regie deliveries list|show|verify`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::delivery::{Delivery, DeliveryRequest, DestinationInfo, DestinationSettings};
use regie_app::{AppError, Lookup, Regie};
use regie_core::destination::{NameTemplate, SidecarForm};

use super::{audit_cli, cli_actor, human_size, print_json, success};
use crate::cli::{DeliveriesCommand, DestinationAddArgs, DestinationsCommand};

pub async fn destinations(regie: &Regie, command: DestinationsCommand) -> Result<ExitCode> {
    match command {
        DestinationsCommand::Add(arguments) => {
            let DestinationAddArgs {
                name,
                url,
                territories,
                platforms,
                sidecar,
                template,
                profile,
                policy,
                identity,
                host_key,
                limit_kbps,
                endpoint,
                region,
                access_key_env,
                secret_key_env,
                json,
            } = *arguments;
            let settings = DestinationSettings {
                territories,
                platforms,
                sidecar: SidecarForm::parse(&sidecar)?,
                template: NameTemplate::parse(&template)?,
                profile,
                policy,
                identity,
                host_key,
                limit_kbit_s: limit_kbps,
                endpoint,
                region,
                access_key_env,
                secret_key_env,
            };
            let added = regie.add_destination(&name, &url, settings).await?;
            audit_cli(regie, "destination.add", None, format!("destination {name} at {}", added.url)).await?;
            if json {
                print_json(&added)?;
            } else {
                println!("destination {name} added: {}", added.url);
                if added.settings.territories.is_empty() || added.settings.platforms.is_empty() {
                    eprintln!(
                        "note: {name} declares no territory or platform, so deliveries to it are not checked against rights; add --territory and --platform"
                    );
                }
                println!("check it with `regie destinations test {name}`");
            }
        }
        DestinationsCommand::List { json } => {
            let list = regie.list_destinations().await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no destinations: add one with `regie destinations add NAME --url URL`");
            } else {
                for destination in &list {
                    println!("{}", destination_line(destination));
                }
            }
        }
        DestinationsCommand::Show { name, json } => {
            let destination = regie.destination_info(&name).await?;
            if json {
                print_json(&destination)?;
            } else {
                println!("{}", destination_line(&destination));
                println!("{}", serde_json::to_string_pretty(&destination.settings)?);
            }
        }
        DestinationsCommand::Test { name, json } => {
            let report = regie.test_destination(&name).await?;
            audit_cli(
                regie,
                "destination.test",
                None,
                format!("destination {name}: probe written, read back, removed"),
            )
            .await?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "{name}: wrote {} ({} bytes) in {} ms, read it back in {} ms, removed it",
                    report.probe_path, report.bytes, report.write_ms, report.read_back_ms
                );
                if let Some(key) = &report.host_key_pinned {
                    println!("host key pinned: {key}");
                }
            }
        }
        DestinationsCommand::Remove { name, json } => {
            regie.remove_destination(&name).await?;
            audit_cli(regie, "destination.remove", None, format!("destination {name}")).await?;
            if json {
                print_json(&serde_json::json!({ "removed": name }))?;
            } else {
                println!("destination {name} removed (its deliveries stay on record)");
            }
        }
    }
    Ok(success())
}

fn destination_line(destination: &DestinationInfo) -> String {
    let settings = &destination.settings;
    let mut line = format!("{:<20} {}", destination.name, destination.url);
    if !settings.territories.is_empty() || !settings.platforms.is_empty() {
        line.push_str(&format!("  [{} / {}]", settings.territories.join(" "), settings.platforms.join(" ")));
    }
    line
}

pub async fn deliver(
    regie: &Regie,
    asset: String,
    to: String,
    profile: Option<String>,
    deadline: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    let request = DeliveryRequest { asset, destination: to, profile, deadline, actor: cli_actor(), address: None };
    match regie.deliver(&request, Lookup::ByNameOrPath).await {
        Ok(delivery) => {
            if let Some(note) = &delivery.deadline_note {
                eprintln!("warning: delivery {} {note}", delivery.id);
            }
            if json {
                print_json(&delivery)?;
            } else {
                println!(
                    "delivery {} queued to {} (job {}); `regie worker` sends it, `regie deliveries show {}` tells how it went",
                    delivery.id,
                    delivery.destination,
                    delivery.job_id.as_deref().unwrap_or("-"),
                    &delivery.id[..13.min(delivery.id.len())]
                );
            }
            Ok(success())
        }
        Err(error @ (AppError::RightsDenied { .. } | AppError::DeliveryPolicyFailed { .. })) => {
            let id = match &error {
                AppError::RightsDenied { delivery, .. } | AppError::DeliveryPolicyFailed { delivery, .. } => {
                    delivery.clone()
                }
                _ => unreachable!(),
            };
            if json {
                let mut value = serde_json::to_value(regie.delivery(&id).await?)?;
                value["code"] = error.code().into();
                print_json(&value)?;
            }
            eprintln!("error: {error} (code {})", error.code());
            Ok(ExitCode::from(crate::exit::exit_code(error.kind())))
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn deliveries(regie: &Regie, command: DeliveriesCommand) -> Result<ExitCode> {
    match command {
        DeliveriesCommand::List { asset, state, limit, json } => {
            let list = regie.list_deliveries(asset.as_deref(), state.as_deref(), limit).await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no deliveries");
            } else {
                for delivery in &list {
                    println!("{}", delivery_line(delivery));
                }
            }
            Ok(success())
        }
        DeliveriesCommand::Show { id, json } => {
            let delivery = regie.delivery(&id).await?;
            print_delivery(&delivery, json)?;
            Ok(success())
        }
        DeliveriesCommand::Verify { id, json } => {
            let delivery = regie.recheck_delivery(&id, &cli_actor()).await?;
            print_delivery(&delivery, json)?;
            Ok(if delivery.state == "delivered" { success() } else { ExitCode::from(crate::exit::FAILURE) })
        }
    }
}

fn print_delivery(delivery: &Delivery, json: bool) -> Result<()> {
    if json {
        return print_json(delivery);
    }
    println!("{}", delivery_line(delivery));
    if let Some(deadline) = &delivery.deadline {
        println!(
            "  deadline    {deadline}{}",
            delivery.deadline_note.as_deref().map(|note| format!(" ({note})")).unwrap_or_default()
        );
    }
    if let Some(job) = &delivery.job_id {
        println!("  job         {job}");
    }
    if let Some(error) = &delivery.error {
        println!("  error       {error} ({})", delivery.error_code.as_deref().unwrap_or("-"));
    }
    for file in &delivery.files {
        println!(
            "  {:<8} {}  {}  md5 {}  {}",
            file.role,
            file.path,
            human_size(file.size),
            file.md5,
            if file.verified { "verified" } else { "NOT VERIFIED" }
        );
    }
    Ok(())
}

fn delivery_line(delivery: &Delivery) -> String {
    format!(
        "{}  {:<9}  {} -> {}  {}  {}",
        &delivery.id[..13.min(delivery.id.len())],
        delivery.state,
        delivery.asset_id,
        delivery.destination,
        delivery.profile.as_deref().unwrap_or("original"),
        delivery.delivered_at.as_deref().unwrap_or(&delivery.created_at)
    )
}
