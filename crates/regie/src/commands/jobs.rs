//! `regie jobs list|show|cancel|retry [--json]`

use std::process::ExitCode;

use anyhow::Result;
use regie_app::{JobRecord, Regie};

use super::{print_json, success};

pub async fn list(regie: &Regie, state: Option<&str>, asset: Option<&str>, limit: u32, json: bool) -> Result<ExitCode> {
    let jobs = regie.list_jobs(state, asset, limit).await?;
    if json {
        print_json(&jobs)?;
        return Ok(success());
    }
    if jobs.is_empty() {
        println!("no jobs");
    }
    for job in &jobs {
        println!("{}", summary_line(job));
    }
    Ok(success())
}

pub async fn show(regie: &Regie, reference: &str, json: bool) -> Result<ExitCode> {
    let details = regie.job_details(reference).await?;
    if json {
        print_json(&details)?;
        return Ok(success());
    }
    let job = &details.job;
    println!("{}", summary_line(job));
    println!("  attempts    {} of {}", job.attempts, job.max_attempts);
    println!("  created     {}", job.created_at);
    if let Some(started) = &job.started_at {
        println!("  started     {started}");
    }
    if let Some(finished) = &job.finished_at {
        println!("  finished    {finished}");
    }
    if let Some(owner) = &job.lease_owner {
        println!("  worker      {owner} (lease until {})", job.lease_expires_at.as_deref().unwrap_or("?"));
    }
    if let Some(error) = &job.error {
        println!("  error       {error}");
    }
    if let Some(result) = &job.result {
        println!("  result      {result}");
    }
    println!("  log");
    for line in &details.log {
        println!("    {} {:5} {}", line.at, line.level, line.message);
    }
    Ok(success())
}

pub async fn cancel(regie: &Regie, reference: &str, json: bool) -> Result<ExitCode> {
    let job = regie.cancel_job(reference).await?;
    super::audit_cli(regie, "job.cancel", job.asset_id.clone(), format!("job {}", job.id)).await?;
    if json {
        print_json(&job)?;
    } else if job.state == regie_app::JobState::Running {
        println!("job {} is stopping (its worker kills the process at its next heartbeat)", job.id);
    } else {
        println!("job {} cancelled", job.id);
    }
    Ok(success())
}

pub async fn retry(regie: &Regie, reference: &str, json: bool) -> Result<ExitCode> {
    let job = regie.retry_job(reference).await?;
    super::audit_cli(regie, "job.retry", job.asset_id.clone(), format!("job {}", job.id)).await?;
    if json {
        print_json(&job)?;
    } else {
        println!("job {} queued again; run `regie worker` to process it", job.id);
    }
    Ok(success())
}

fn summary_line(job: &JobRecord) -> String {
    let progress = match (job.state, job.progress) {
        (regie_app::JobState::Running, Some(percent)) => {
            let eta = job.eta_seconds.map(|seconds| format!(", ETA {seconds:.0} s")).unwrap_or_default();
            format!(" {percent:.0}%{eta}")
        }
        _ => String::new(),
    };
    let what = match job.payload.get("profile").and_then(|profile| profile.as_str()) {
        Some(profile) => format!("{} {profile}", job.kind),
        None => job.kind.clone(),
    };
    let error = job.error.as_deref().map(|error| format!(": {error}")).unwrap_or_default();
    format!(
        "{}  {:9}{progress}  {what}  asset {}{error}",
        job.id,
        job.state.as_str(),
        job.asset_id.as_deref().unwrap_or("-")
    )
}
