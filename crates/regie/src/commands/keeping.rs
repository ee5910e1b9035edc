//! `regie storage ...` and `regie fixity run|repair`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;
use regie_app::keeping::{FixityReport, FixityRequest, LocationInfo, LocationSettings};
use regie_core::keeping::Tier;

use super::{audit_cli, cli_actor, human_size, print_json, success};
use crate::cli::{FixityCommand, HoldsCommand, StorageCommand, TrashCommand};

pub async fn storage(regie: &Regie, command: StorageCommand) -> Result<ExitCode> {
    match command {
        StorageCommand::Add { name, url, tier, endpoint, region, access_key_env, secret_key_env, json } => {
            let tier: Tier = tier.parse()?;
            let settings = LocationSettings { endpoint, region, access_key_env, secret_key_env };
            let added = regie.add_location(&name, &url, tier, settings).await?;
            audit_cli(regie, "storage.add", None, format!("storage location {name} at {} ({tier})", added.url)).await?;
            if json {
                print_json(&added)?;
            } else {
                println!("storage location {name} added: {} ({tier})", added.url);
                println!("name it in a [[copies]] rule of regie.toml, then `regie storage replicate`");
            }
        }
        StorageCommand::List { json } => {
            let list = regie.list_locations().await?;
            if json {
                print_json(&list)?;
            } else {
                for location in &list {
                    println!("{}", location_line(location));
                }
            }
        }
        StorageCommand::Show { name, json } => {
            let location = regie.location_info(&name).await?;
            if json {
                print_json(&location)?;
            } else {
                println!("{}", location_line(&location));
            }
        }
        StorageCommand::Remove { name, json } => {
            regie.remove_location(&name).await?;
            audit_cli(regie, "storage.remove", None, format!("storage location {name}")).await?;
            if json {
                print_json(&serde_json::json!({ "removed": name }))?;
            } else {
                println!("storage location {name} removed");
            }
        }
        StorageCommand::Status { json } => {
            let status = regie.storage_status().await?;
            if json {
                print_json(&status)?;
            } else {
                for location in &status.locations {
                    println!("{}", location_line(location));
                }
                for tier in &status.tiers {
                    println!("tier {:<9} {:>8} copies  {}", tier.tier.as_str(), tier.copies, human_size(tier.bytes));
                }
                println!("{} assets, {} below their copy count", status.assets, status.assets_below_copy_count);
                for asset in &status.below_copy_count {
                    let blobs: Vec<String> = asset
                        .blobs
                        .iter()
                        .map(|blob| format!("{} {} good of {}", blob.role, blob.good_copies, asset.copies_required))
                        .collect();
                    println!("  {} ({}): {}", asset.house_id, asset.collection, blobs.join(", "));
                }
                if status.assets_below_copy_count > 0 {
                    println!("make the missing copies with `regie storage replicate`");
                }
            }
        }
        StorageCommand::Replicate { asset, now, json } => {
            if now {
                let ids = match &asset {
                    Some(asset) => vec![asset.clone()],
                    None => {
                        regie.storage_status().await?.below_copy_count.into_iter().map(|asset| asset.asset_id).collect()
                    }
                };
                let mut reports = Vec::new();
                for id in ids {
                    let id = regie.resolve_asset(&id).await?.to_string();
                    reports.push(regie.replicate_asset(&id, &cli_actor()).await?);
                }
                let failed = reports.iter().any(|report| report.copies.iter().any(|copy| copy.error.is_some()));
                if json {
                    print_json(&reports)?;
                } else {
                    for report in &reports {
                        for copy in &report.copies {
                            match &copy.error {
                                Some(error) => {
                                    println!("{} {} to {}: failed: {error}", report.house_id, copy.role, copy.to)
                                }
                                None => println!(
                                    "{} {} to {}: {} ({})",
                                    report.house_id,
                                    copy.role,
                                    copy.to,
                                    copy.outcome,
                                    human_size(copy.size)
                                ),
                            }
                        }
                    }
                }
                if failed {
                    return Ok(ExitCode::from(crate::exit::FAILURE));
                }
            } else {
                let jobs = regie.queue_replication(asset.as_deref()).await?;
                if json {
                    print_json(&serde_json::json!({ "jobs": jobs }))?;
                } else {
                    println!("{} replication jobs queued; `regie worker` runs them", jobs.len());
                }
            }
        }
    }
    Ok(success())
}

pub async fn fixity(regie: &Regie, command: FixityCommand) -> Result<ExitCode> {
    // A run fails when it found any bad copy (even one it repaired); a repair when any is left.
    let (report, json, failed) = match command {
        FixityCommand::Run { location, asset, md5, bytes_per_second, no_repair, json } => {
            let request = FixityRequest {
                location,
                asset,
                md5,
                bytes_per_second,
                repair: !no_repair,
                actor: cli_actor(),
                ..FixityRequest::default()
            };
            // A spinner on a terminal (indicatif hides it otherwise): copies, bytes, rate.
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} {bytes} read, {binary_bytes_per_sec}")
                    .expect("the template is valid"),
            );
            let (copies, bad) = (std::sync::atomic::AtomicU64::new(0), std::sync::atomic::AtomicU64::new(0));
            let report = regie
                .run_fixity_with(&request, &|checked| {
                    use std::sync::atomic::Ordering::Relaxed;
                    copies.fetch_add(1, Relaxed);
                    if !checked.state.is_ok() {
                        bad.fetch_add(1, Relaxed);
                    }
                    bar.inc(checked.size);
                    bar.set_message(format!("{} copies checked, {} bad", copies.load(Relaxed), bad.load(Relaxed)));
                })
                .await;
            bar.finish_and_clear();
            let report = report?;
            let failed = report.bad > 0;
            (report, json, failed)
        }
        FixityCommand::Repair { location, asset, json } => {
            let request = FixityRequest { location, asset, actor: cli_actor(), ..FixityRequest::default() };
            let report = regie.repair_copies(&request).await?;
            let failed = report.unrepaired > 0;
            (report, json, failed)
        }
    };
    if json {
        print_json(&report)?;
    } else {
        print_fixity(&report);
    }
    Ok(if failed { ExitCode::from(crate::exit::FAILURE) } else { success() })
}

fn print_fixity(report: &FixityReport) {
    for copy in report.checked.iter().filter(|copy| !copy.state.is_ok()) {
        println!(
            "{} {} in {}: {} ({})",
            copy.house_id,
            copy.blake3,
            copy.location,
            copy.state.as_str(),
            copy.detail.clone().unwrap_or_default()
        );
        if let Some(repair) = &copy.repair {
            let verb = if copy.repaired == Some(true) { "repaired" } else { "NOT repaired" };
            println!("  {verb}: {repair}");
        }
    }
    println!(
        "{} copies checked, {} read in {:.1} s ({}/s): {} bad, {} repaired, {} not repaired",
        report.copies_checked,
        human_size(report.bytes_read),
        report.seconds,
        human_size(report.bytes_per_second as u64),
        report.bad,
        report.repaired,
        report.unrepaired
    );
}

fn location_line(location: &LocationInfo) -> String {
    format!(
        "{:<12} {:<9} {:>8} copies {:>10}{}  {}",
        location.name,
        location.tier.as_str(),
        location.copies,
        human_size(location.bytes),
        if location.bad_copies > 0 { format!(" ({} bad)", location.bad_copies) } else { String::new() },
        location.url
    )
}

pub async fn footprint(regie: &Regie, json: bool) -> Result<ExitCode> {
    let footprint = regie.footprint().await?;
    if json {
        print_json(&footprint)?;
        return Ok(success());
    }
    println!("storage (every copy), per tier:");
    for tier in &footprint.tiers {
        println!(
            "  {:<9} {:>8} copies {:>10}  {:>9.2} kWh/year  {:>8.2} kg CO2e/year",
            tier.tier.as_str(),
            tier.copies,
            human_size(tier.bytes),
            tier.kwh_per_year,
            tier.kg_co2e_per_year
        );
    }
    println!("per location:");
    for place in &footprint.locations {
        println!(
            "  {:<12} {:<9} {:>8} copies {:>10}",
            place.name,
            place.tier.as_str(),
            place.copies,
            human_size(place.bytes)
        );
    }
    println!("per collection (content once / with its copies):");
    for collection in &footprint.collections {
        println!(
            "  {:<24} {:>6} assets {:>10} / {}",
            collection.collection,
            collection.assets,
            human_size(collection.bytes),
            human_size(collection.stored_bytes)
        );
    }
    let saved = &footprint.deduplication;
    println!(
        "deduplication saved {} ({} duplicate paths, {} files sharing content)",
        human_size(saved.bytes_saved),
        saved.duplicate_paths,
        saved.shared_files
    );
    println!("compute (each job's last run):");
    for kind in &footprint.compute {
        println!(
            "  {:<12} {:>6} jobs {:>10.1} s  {:>8.4} kWh  {:>8.4} kg CO2e",
            kind.kind, kind.jobs, kind.seconds, kind.kwh, kind.kg_co2e
        );
    }
    println!(
        "estimate: storage {:.2} kWh/year ({:.2} kg CO2e/year), compute so far {:.4} kWh ({:.4} kg CO2e)",
        footprint.storage_kwh_per_year,
        footprint.storage_kg_co2e_per_year,
        footprint.compute_kwh,
        footprint.compute_kg_co2e
    );
    let factors = &footprint.factors;
    println!("factors ([footprint] in regie.toml replaces them):");
    for (name, value) in [
        ("online_wh_per_tb_month", factors.online_wh_per_tb_month),
        ("nearline_wh_per_tb_month", factors.nearline_wh_per_tb_month),
        ("archive_wh_per_tb_month", factors.archive_wh_per_tb_month),
        ("worker_watts", factors.worker_watts),
        ("grid_g_co2e_per_kwh", factors.grid_g_co2e_per_kwh),
    ] {
        println!("  {name} = {value}: {}", factors.sources.get(name).map(String::as_str).unwrap_or("-"));
    }
    Ok(success())
}

pub async fn trash(regie: &Regie, command: TrashCommand) -> Result<ExitCode> {
    match command {
        TrashCommand::List { json } => {
            let trash = regie.trash().await?;
            if json {
                print_json(&trash)?;
            } else if trash.is_empty() {
                println!("the trash is empty");
            } else {
                for asset in &trash {
                    println!(
                        "{} {} ({}) trashed {} by {}: {}",
                        asset.house_id,
                        asset.name,
                        asset.collection,
                        asset.trashed_at,
                        asset.trashed_by.as_deref().unwrap_or("-"),
                        asset.reason.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        TrashCommand::Restore { asset, json } => {
            let id = regie.restore_from_trash(&asset, &cli_actor()).await?;
            if json {
                print_json(&serde_json::json!({ "restored": id.to_string() }))?;
            } else {
                println!("{asset} restored");
            }
        }
    }
    Ok(success())
}

pub async fn holds(regie: &Regie, command: HoldsCommand) -> Result<ExitCode> {
    match command {
        HoldsCommand::Add { asset, reason, json } => {
            let hold = regie.add_hold(&asset, &reason, &cli_actor()).await?;
            if json {
                print_json(&hold)?;
            } else {
                println!("hold {} on {}: {}", hold.id, hold.house_id, hold.reason);
            }
        }
        HoldsCommand::Remove { asset, hold, json } => {
            let released = regie.release_holds(&asset, hold.as_deref(), &cli_actor()).await?;
            if json {
                print_json(&serde_json::json!({ "released": released }))?;
            } else {
                println!("{released} hold(s) on {asset} released");
            }
        }
        HoldsCommand::List { asset, all, json } => {
            let holds = regie.holds(asset.as_deref(), all).await?;
            if json {
                print_json(&holds)?;
            } else {
                for hold in &holds {
                    let state = match &hold.released_at {
                        Some(at) => format!("released {at}"),
                        None => "active".to_owned(),
                    };
                    println!(
                        "{} {} {} by {} ({state}): {}",
                        hold.id, hold.house_id, hold.created_at, hold.created_by, hold.reason
                    );
                }
            }
        }
    }
    Ok(success())
}

pub async fn purge(regie: &Regie, dry_run: bool, json: bool) -> Result<ExitCode> {
    let report = regie.purge(dry_run, &cli_actor()).await?;
    if json {
        print_json(&report)?;
        return Ok(success());
    }
    let verb = if dry_run { "would" } else { "did" };
    for asset in &report.trashed {
        println!("{} {} ({}): moved to the trash by {}", asset.house_id, asset.asset_id, asset.collection, asset.rule);
    }
    for asset in &report.purged {
        println!(
            "{} purged{}: {}",
            asset.house_id,
            if dry_run { " (dry run)" } else { "" },
            human_size(asset.bytes_freed)
        );
    }
    for moved in &report.tier_moves {
        match &moved.error {
            Some(error) => println!("{} original not moved to {}: {error}", moved.house_id, moved.tier),
            None => println!(
                "{} original {} to {} ({}), leaving {}",
                moved.house_id,
                if dry_run { "would move" } else { "moved" },
                moved.to.as_deref().unwrap_or("-"),
                moved.tier,
                moved.removed_from.join(", ")
            ),
        }
    }
    for expired in &report.expired_restores {
        println!("restored copy of {} in {} expired: {}", expired.blake3, expired.location, human_size(expired.size));
    }
    for held in &report.held {
        println!("{} kept: held ({})", held.house_id, held.reason);
    }
    println!(
        "{} {} to the trash, {} purge {} assets, freeing {} ({:.6} TB, about {:.2} kWh and {:.2} kg CO2e a year)",
        report.trashed.len(),
        if dry_run { "would go" } else { "went" },
        verb,
        report.purged.len(),
        human_size(report.bytes_freed),
        report.terabytes_freed,
        report.kwh_per_year_saved,
        report.kg_co2e_per_year_saved
    );
    Ok(success())
}

pub async fn delete_asset(regie: &Regie, reference: &str, reason: Option<&str>, json: bool) -> Result<ExitCode> {
    let id = regie.trash_asset(reference, &cli_actor(), None, reason).await?;
    if json {
        print_json(&serde_json::json!({ "trashed": id.to_string() }))?;
    } else {
        println!("{reference} moved to the trash; `regie trash restore {reference}` brings it back until it is purged");
    }
    Ok(success())
}

pub async fn restore(regie: &Regie, asset: &str, ttl: Option<&str>, json: bool) -> Result<ExitCode> {
    let ttl = ttl.map(regie_core::keeping::parse_interval).transpose()?;
    let report = regie.restore_original(asset, ttl, &cli_actor()).await?;
    if json {
        print_json(&report)?;
    } else if report.already_there {
        println!("{}'s original is already in the primary store", report.house_id);
    } else {
        println!(
            "{}'s original restored from {} ({}), until {}",
            report.house_id,
            report.from,
            human_size(report.size),
            report.expires_at.as_deref().unwrap_or("removed by hand")
        );
    }
    Ok(success())
}
