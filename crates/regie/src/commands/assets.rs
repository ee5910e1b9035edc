//! `regie assets list|show|tag|untag`

use std::process::ExitCode;

use anyhow::Result;
use regie_app::{AssetRecord, Regie};
use regie_core::CollectionPath;

use super::probe::describe;
use super::{human_size, print_json, success};

pub async fn list(regie: &Regie, collection: Option<String>, tag: Option<String>, json: bool) -> Result<ExitCode> {
    let collection: Option<CollectionPath> = collection.as_deref().map(str::parse).transpose()?;
    let tag = tag.map(|tag| tag.trim().to_lowercase());
    let assets = regie.list_assets(collection.as_ref(), tag.as_deref()).await?;
    if json {
        print_json(&assets)?;
        return Ok(success());
    }
    if assets.is_empty() {
        eprintln!("no assets yet: add some with `regie ingest PATH`");
        return Ok(success());
    }
    println!("{:<28} {:<10} {:>10} {:>8}  {:<20} NAME", "HOUSE ID", "FORMAT", "SIZE", "FINDINGS", "COLLECTION");
    for asset in &assets {
        println!(
            "{:<28} {:<10} {:>10} {:>8}  {:<20} {}",
            asset.house_id,
            asset.format,
            human_size(asset.size),
            asset.finding_count,
            asset.collection,
            asset.name
        );
    }
    Ok(success())
}

pub async fn show(regie: &Regie, reference: &str, json: bool) -> Result<ExitCode> {
    let asset = regie.asset(reference).await?;
    if json {
        print_json(&asset)?;
    } else {
        print!("{}", render(&asset));
    }
    Ok(success())
}

pub async fn tag(regie: &Regie, reference: &str, tags: &[String], json: bool, adding: bool) -> Result<ExitCode> {
    let asset =
        if adding { regie.tag_asset(reference, tags).await? } else { regie.untag_asset(reference, tags).await? };
    let action = if adding { "asset.tag" } else { "asset.untag" };
    super::audit_cli(regie, action, Some(asset.id.to_string()), tags.join(", ")).await?;
    if json {
        print_json(&asset)?;
    } else {
        println!(
            "{}: tags {}",
            asset.house_id,
            if asset.tags.is_empty() { "(none)".to_owned() } else { asset.tags.join(", ") }
        );
    }
    Ok(success())
}

pub async fn edit(
    regie: &Regie,
    reference: &str,
    mut change: regie_core::metadata_change::MetadataChange,
    fields: &[String],
    json: bool,
) -> Result<ExitCode> {
    if !fields.is_empty() {
        let mut map = std::collections::BTreeMap::new();
        for field in fields {
            let (name, value) = field
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--field {field}: write NAME=VALUE (an empty VALUE removes it)"))?;
            map.insert(name.trim().to_owned(), value.to_owned());
        }
        change.fields = Some(map);
    }
    let asset = regie.edit_metadata(reference, &change).await?;
    let detail = format!("fields {}", change.touched().join(" "));
    super::audit_cli(regie, "asset.metadata", Some(asset.id.to_string()), detail).await?;
    if json {
        print_json(&asset)?;
    } else {
        println!("{}: metadata updated ({})", asset.house_id, change.touched().join(", "));
    }
    Ok(success())
}

fn render(asset: &AssetRecord) -> String {
    let mut text = format!(
        "{}  {}\nid         {}\ncollection {}\nsource     {}\ningested   {}\n",
        asset.house_id, asset.name, asset.id, asset.collection, asset.source_path, asset.created_at
    );
    if !asset.tags.is_empty() {
        text += &format!("tags       {}\n", asset.tags.join(", "));
    }
    let metadata = serde_json::to_value(&asset.metadata).unwrap_or_default();
    if let Some(fields) = metadata.as_object().filter(|fields| !fields.is_empty()) {
        text += "metadata\n";
        for (key, value) in fields {
            let value = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
            text += &format!("  {key:<14} {value}\n");
        }
    }
    for verdict in &asset.verdicts {
        let outcome = if verdict.passed { "passes" } else { "FAILS" };
        text += &format!(
            "policy     {outcome} {} ({} errors, {} warnings)\n",
            verdict.policy, verdict.errors, verdict.warnings
        );
    }
    if !asset.findings.is_empty() {
        text += "findings\n";
        for finding in &asset.findings {
            text += &format!("  {:<7} {:<22} {}\n", finding.severity.as_str(), finding.code, finding.message);
        }
    }
    for file in &asset.files {
        text += &format!(
            "file {} ({}, {})\n  md5    {}\n  blake3 {}\n",
            file.role,
            file.format,
            human_size(file.size),
            file.md5,
            file.blake3
        );
        if let Some(sha256) = &file.sha256 {
            text += &format!("  sha256 {sha256}\n");
        }
        if let Some(media) = &file.media {
            for line in describe(media).lines() {
                text += &format!("  {line}\n");
            }
        }
    }
    for rendition in &asset.renditions {
        text += &format!(
            "rendition {} ({}, {} files, {})\n",
            rendition.profile,
            rendition.main_file,
            rendition.file_count,
            human_size(rendition.size)
        );
    }
    for subtitles in &asset.subtitles {
        let language = subtitles.language.as_deref().unwrap_or("language unknown");
        text += &format!("subtitles  {} ({language}, {} cues)\n", subtitles.source, subtitles.cues);
    }
    for duplicate in &asset.duplicates {
        text += &format!("duplicate  {duplicate}\n");
    }
    text
}
