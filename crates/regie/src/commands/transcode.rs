//! `regie transcode ASSET --profile NAME [--per-title [--target-ssim S]]` and `regie previews ASSET`: queue the work.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::{Enqueued, Regie};

use super::{print_json, success};

pub async fn run(
    regie: &Regie,
    asset: &str,
    profile: &str,
    request: &regie_app::jobs::TranscodeRequest,
    priority: i64,
    json: bool,
) -> Result<ExitCode> {
    regie_core::access::Role::Admin.check_job_priority(priority)?;
    let enqueued = regie.queue_transcode_with(asset, profile, priority, regie_app::Lookup::ByNameOrPath, request).await;
    if let Ok(enqueued) = &enqueued {
        let mut detail = format!("job {} profile {profile}", enqueued.job_id);
        if let Some(recipient) = &request.recipient {
            detail.push_str(&format!(" recipient {recipient:?}"));
        }
        super::audit_cli(regie, "transcode.queue", Some(regie.resolve_asset(asset).await?.to_string()), detail).await?;
    }
    regie.close().await;
    report(&enqueued?, &format!("transcode to {profile}"), json)
}

pub async fn previews(regie: &Regie, asset: &str, json: bool) -> Result<ExitCode> {
    let enqueued = regie.queue_previews(asset).await;
    if let Ok(enqueued) = &enqueued {
        let detail = format!("job {}", enqueued.job_id);
        super::audit_cli(regie, "previews.queue", Some(regie.resolve_asset(asset).await?.to_string()), detail).await?;
    }
    regie.close().await;
    report(&enqueued?, "previews", json)
}

fn report(enqueued: &Enqueued, what: &str, json: bool) -> Result<ExitCode> {
    if json {
        print_json(enqueued)?;
    } else if enqueued.created {
        println!("{what} queued as job {}; run `regie worker` to process it", enqueued.job_id);
    } else {
        println!(
            "{what} was already queued as job {} ({}); `regie jobs retry {}` runs it again",
            enqueued.job_id,
            enqueued.state.as_str(),
            enqueued.job_id
        );
    }
    Ok(success())
}
