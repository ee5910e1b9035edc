//! A delivery: the file to send (the original, or the rendition of a profile, made first when
//! missing), checked against the destination's policy, named by its template, with a metadata
//! sidecar and an `.md5` manifest; sent under temporary names, read back at the far end, renamed;
//! the receipt recorded with the delivery and the outcome audited.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use md5::{Digest, Md5};
use regie_core::MediaDescription;
use regie_db::{JobOutputs, ReceiptFile};
use regie_storage::LocalBlob;
use regie_transfer::Outgoing;

use super::failure::JobFailure;
use super::transcode;
use super::worker::{Completed, JobContext};
use crate::delivery::sidecar::{manifest_text, sidecar_text};
use crate::delivery::{DestinationInfo, policy_failures};
use crate::{AppError, NewAuditEntry};

/// The file being delivered and what is known of it.
struct MediaToSend {
    local: LocalBlob,
    extension: String,
    md5: String,
    size: u64,
    media: Option<MediaDescription>,
}

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
    let delivery_id = context.job.payload["delivery_id"]
        .as_str()
        .ok_or_else(|| JobFailure::permanent("the job names no delivery"))?
        .to_owned();
    if context.regie.queue.is_remote() {
        return Err(JobFailure::permanent(
            "deliveries run on workers with access to the catalogue (regie worker without --server)",
        ));
    }
    let regie = &context.regie;
    regie.db.start_delivery(&delivery_id).await?;
    let outcome = deliver(context, &delivery_id).await;
    let actor = format!("worker:{}", context.worker);
    match outcome {
        Ok((completed, files, summary)) => {
            regie.db.finish_delivery(&delivery_id, "delivered", &files, None).await?;
            audit(context, &actor, "ok", summary).await;
            Ok(completed)
        }
        Err((failure, code, refused)) => {
            let (message, final_attempt) = match &failure {
                JobFailure::Stopped => ("stopped: cancelled or the lease was lost".to_owned(), false),
                JobFailure::Error { message, retryable } => {
                    (message.clone(), !retryable || context.job.attempt >= context.job.max_attempts)
                }
            };
            let state = if refused {
                "refused"
            } else if final_attempt {
                "failed"
            } else {
                "queued"
            };
            let _ = regie.db.finish_delivery(&delivery_id, state, &[], Some((code, &message))).await;
            let outcome = if refused { "refused" } else { "failed" };
            audit(context, &actor, outcome, format!("delivery {delivery_id} {state} ({code}): {message}")).await;
            Err(failure)
        }
    }
}

type Failed = (JobFailure, &'static str, bool);

fn failed(code: &'static str) -> impl Fn(JobFailure) -> Failed {
    move |failure| (failure, code, false)
}

async fn deliver(context: &JobContext, delivery_id: &str) -> Result<(Completed, Vec<ReceiptFile>, String), Failed> {
    let regie = &context.regie;
    let delivery = regie.db.get_delivery(delivery_id).await.map_err(|error| failed("not-found")(error.into()))?;
    let info: DestinationInfo = regie
        .destination_info(&delivery.destination)
        .await
        .map_err(|error| (JobFailure::permanent(error.to_string()), "not-found", false))?;
    if let Some(note) = &delivery.deadline_note {
        context.log("warn", &format!("deadline {}: {note}", delivery.deadline.as_deref().unwrap_or("?"))).await;
    }
    let asset_id = context.job.asset_id.ok_or_else(|| failed("invalid")(JobFailure::permanent("no asset")))?;
    let asset = regie.db.get_asset(asset_id).await.map_err(|error| failed("not-found")(error.into()))?;

    // The media: the original, or the profile's rendition (made now when missing).
    let mut outputs = JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition: None };
    let profile = delivery.profile.clone();
    // A rendition's measured quality, for a policy on `rendition.quality`.
    let mut quality = Vec::new();
    let media = match &profile {
        None => {
            let original = asset
                .files
                .iter()
                .find(|file| file.role == "original")
                .ok_or_else(|| failed("invalid")(JobFailure::permanent("the asset has no original file")))?;
            let extension = extension_of(&asset.name);
            media_from_store(context, &original.blake3, extension, &original.md5, original.size, original.media.clone())
                .await?
        }
        Some(profile) => {
            let (main_file, files) = match asset.renditions.iter().find(|rendition| &rendition.profile == profile) {
                Some(rendition) => {
                    quality.clone_from(&rendition.quality);
                    (rendition.main_file.clone(), rendition.files.clone())
                }
                None => {
                    context.log("info", &format!("no {profile} rendition yet: making it first")).await;
                    let speed = preset_for_deadline(context, &delivery, &asset).await;
                    let made = transcode::run_with(context, speed).await.map_err(failed("transcode-failed"))?;
                    let rendition = made.outputs.rendition.clone().ok_or_else(|| {
                        failed("transcode-failed")(JobFailure::permanent("the transcode made no rendition"))
                    })?;
                    outputs = made.outputs;
                    quality = rendition.quality;
                    (rendition.main_file, rendition.files)
                }
            };
            let main = files.iter().find(|file| file.path == main_file).ok_or_else(|| {
                failed("invalid")(JobFailure::permanent(format!("the {profile} rendition has no main file")))
            })?;
            media_from_store(context, &main.blake3, extension_of(&main.path), &main.md5, main.size, main.media.clone())
                .await?
        }
    };

    // The destination's policy, on the file that goes.
    if let Some(policy_name) = &info.settings.policy {
        let policy = crate::load_policy(policy_name, &regie.settings.data_dir, crate::Lookup::ByName)
            .map_err(|error| failed("not-found")(error.into()))?;
        let known = match &profile {
            Some(profile) => crate::check::rendition_facts(profile, &quality),
            None => serde_json::Map::new(),
        };
        let report = crate::check::check_file_with(&regie.settings, &media.local, known, &policy)
            .await
            .map_err(|error| failed("check-failed")(error.into()))?;
        if !report.report.passed {
            let message = format!("fails policy {policy_name}: {}", policy_failures(&report.report));
            return Err((JobFailure::permanent(message), "policy-failed", true));
        }
    }

    // Names, sidecar and manifest.
    let stem = info.settings.template.render(&template_fields(&asset, profile.as_deref(), delivery_id));
    let media_name = format!("{stem}.{}", media.extension);
    let mut outgoing = vec![Outgoing { local: media.local.to_path_buf(), name: media_name.clone() }];
    let mut receipt_roles = vec![("media", media.md5.clone())];
    let write = |path: PathBuf, text: String| async move {
        tokio::fs::write(&path, &text).await.map_err(|source| {
            failed("data-folder-unusable")(AppError::DataFolder { path: path.clone(), source }.into())
        })?;
        Ok::<_, Failed>((path, hex::encode(Md5::digest(text.as_bytes()))))
    };
    let mut manifest_lines = vec![(media_name.clone(), media.md5.clone())];
    if let Some(text) =
        sidecar_text(info.settings.sidecar, &asset, &media_name, media.media.as_ref(), &media.md5, media.size)
    {
        let extension = info.settings.sidecar.extension().unwrap_or("txt");
        let name = format!("{stem}.{extension}");
        let (path, md5) = write(context.work_dir.join(format!("sidecar.{extension}")), text).await?;
        manifest_lines.push((name.clone(), md5.clone()));
        outgoing.push(Outgoing { local: path, name });
        receipt_roles.push(("sidecar", md5));
    }
    let manifest_name = format!("{stem}.md5");
    let (manifest_path, manifest_md5) =
        write(context.work_dir.join("manifest.md5"), manifest_text(&manifest_lines)).await?;
    outgoing.push(Outgoing { local: manifest_path, name: manifest_name });
    receipt_roles.push(("manifest", manifest_md5));

    // Send, read back, rename.
    let timeout = transfer_timeout(media.size, info.settings.limit_kbit_s);
    let destination = regie
        .open_destination(&info, &context.work_dir, timeout)
        .await
        .map_err(|error| (JobFailure::from(error), "invalid-destination", false))?;
    let tag = delivery_id.replace('-', "");
    let tag = &tag[tag.len().saturating_sub(12)..];
    context.log("info", &format!("sending {} files to {} ({})", outgoing.len(), info.name, info.url)).await;
    (context.progress)(regie_media::RunProgress { percent: 10.0, eta_seconds: None, speed: None });
    let started = std::time::Instant::now();
    let sent = destination.send(&context.runner, &outgoing, tag, context.job.attempt > 1).await.map_err(|error| {
        let code = error.code();
        (JobFailure::from(AppError::from(error)), code, false)
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Ok(Some(key)) = regie.pin_learnt_host_key(&info, &destination).await {
        context.log("info", &format!("host key of {} pinned on first use: {key}", info.name)).await;
    }
    let files: Vec<ReceiptFile> = sent
        .iter()
        .zip(&receipt_roles)
        .map(|(file, (role, md5))| ReceiptFile {
            path: file.path.clone(),
            size: file.size,
            md5: md5.clone(),
            cksum: file.cksum,
            verified: true,
            role: (*role).to_owned(),
            resumed_from: file.resumed_from,
        })
        .collect();
    let bytes: u64 = files.iter().map(|file| file.size).sum();
    for file in &files {
        let resumed =
            if file.resumed_from > 0 { format!(", resumed at {} bytes", file.resumed_from) } else { String::new() };
        context
            .log(
                "info",
                &format!("{}: {} bytes, md5 {}, read back and verified{resumed}", file.path, file.size, file.md5),
            )
            .await;
    }
    let summary = format!(
        "delivery {delivery_id} of {} to {}: {} files, {bytes} bytes, verified at the far end in {elapsed:.1} s",
        asset.house_id,
        info.name,
        files.len()
    );
    context.log("info", &summary).await;
    let result =
        serde_json::json!({ "delivery_id": delivery_id, "files": files, "bytes": bytes, "elapsed_s": elapsed });
    Ok((Completed { outputs, result }, files, summary))
}

/// With a deadline and a profile that names presets: the best quality whose measured speed on
/// this worker makes the deadline (or the fastest, flagged), said in the job log.
async fn preset_for_deadline(
    context: &JobContext,
    delivery: &regie_db::DeliveryRecord,
    asset: &regie_db::AssetRecord,
) -> Option<regie_core::profile::Speed> {
    let deadline = chrono::DateTime::parse_from_rfc3339(delivery.deadline.as_deref()?).ok()?;
    let profile = transcode::queued_profile(context).ok()?;
    let duration_s = asset
        .files
        .iter()
        .find(|file| file.role == "original")
        .and_then(|file| file.media.as_ref()?.duration_s)
        .unwrap_or(0.0);
    let seconds_left = (deadline.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds() as f64 / 1000.0;
    let data_dir = &context.regie.settings.data_dir;
    let speed_of = |speed: regie_core::profile::Speed| match super::speeds::measured(data_dir, &profile.name, speed) {
        Some(factor) => (factor, true),
        None => (speed.assumed_factor(), false),
    };
    let choice = regie_core::profile::choose_preset(&profile.presets, duration_s, seconds_left, speed_of)?;
    let how = if choice.measured { "measured on this worker" } else { "assumed, not yet measured here" };
    let message = if choice.fits {
        format!(
            "deadline in {seconds_left:.0} s: preset {} encodes in about {:.0} s ({how}), the best quality that makes it",
            choice.speed.as_str(),
            choice.expected_s
        )
    } else {
        format!(
            "deadline in {seconds_left:.0} s: no preset makes it; the fastest, {}, needs about {:.0} s ({how})",
            choice.speed.as_str(),
            choice.expected_s
        )
    };
    context.log(if choice.fits { "info" } else { "warn" }, &message).await;
    Some(choice.speed)
}

async fn media_from_store(
    context: &JobContext,
    blake3: &str,
    extension: String,
    md5: &str,
    size: u64,
    media: Option<MediaDescription>,
) -> Result<MediaToSend, Failed> {
    let address = regie_core::Blake3Hex::parse(blake3)
        .map_err(|error| failed("invalid")(JobFailure::permanent(error.to_string())))?;
    let local = context
        .regie
        .store
        .local_copy(&address)
        .await
        .map_err(|error| failed("blob-missing")(AppError::from(error).into()))?;
    Ok(MediaToSend { local, extension, md5: md5.to_owned(), size, media })
}

/// The extension of a file name, made safe (`mxf`, `mov`); `bin` when there is none.
fn extension_of(name: &str) -> String {
    let extension = name.rsplit_once('.').map(|(_, extension)| extension).unwrap_or("");
    let safe: String =
        extension.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_ascii_lowercase();
    if safe.is_empty() { "bin".to_owned() } else { safe }
}

fn template_fields<'a>(
    asset: &regie_db::AssetRecord,
    profile: Option<&str>,
    delivery_id: &str,
) -> BTreeMap<&'a str, String> {
    let metadata = &asset.metadata;
    BTreeMap::from([
        ("house_id", asset.house_id.clone()),
        ("title", metadata.title.clone().unwrap_or_default()),
        ("series", metadata.series.clone().unwrap_or_default()),
        ("episode", metadata.episode.clone().unwrap_or_default()),
        ("version", metadata.fields.get("version").cloned().unwrap_or_else(|| "1".to_owned())),
        ("profile", profile.unwrap_or("original").to_owned()),
        ("_profile", profile.map(|profile| format!("_{profile}")).unwrap_or_default()),
        ("asset_id", asset.id.to_string()),
        ("date", chrono::Utc::now().format("%Y%m%d").to_string()),
        ("delivery", delivery_id.to_owned()),
    ])
}

/// Room for a slow link: a megabyte a second at least (or the configured limit), never under
/// ten minutes.
fn transfer_timeout(size: u64, limit_kbit_s: Option<u32>) -> Duration {
    let bytes_per_second = limit_kbit_s.map_or(1_000_000.0, |limit| f64::from(limit.max(1)) * 125.0 / 2.0);
    Duration::from_secs_f64((size as f64 / bytes_per_second).max(600.0))
}

async fn audit(context: &JobContext, actor: &str, outcome: &str, detail: String) {
    let entry = NewAuditEntry {
        actor: actor.to_owned(),
        action: "deliver".to_owned(),
        asset_id: context.job.asset_id.map(|id| id.to_string()),
        address: None,
        outcome: outcome.to_owned(),
        detail,
    };
    if let Err(error) = context.regie.audit(entry).await {
        tracing::error!(job = %context.job.id, %error, "cannot audit a delivery");
    }
}
