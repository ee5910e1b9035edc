//! Jobs over the API: an admin sees the whole queue; others see the jobs of assets they may read.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use regie_app::jobs::JobDetails;
use regie_app::{AppError, JobRecord, Lookup, Permission};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::page_limit;
use crate::state::SharedState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// queued, running, succeeded, failed or cancelled.
    pub state: Option<String>,
    /// Only the jobs of this asset (without it: the whole queue for an admin, the recent jobs of
    /// readable assets for others).
    pub asset: Option<String>,
    pub limit: Option<u32>,
}

/// Jobs, newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<JobQuery>,
) -> ApiResult<axum::Json<Vec<JobRecord>>> {
    let limit = page_limit(query.limit);
    let asset = match &query.asset {
        Some(reference) => Some(state.regie.asset_for(&who.access, reference, Permission::Read).await?.to_string()),
        None if who.access.is_admin() => None,
        // Others see the recent jobs of the assets they may read.
        None => return Ok(axum::Json(state.regie.recent_jobs_as(&who.access, query.state.as_deref(), limit).await?)),
    };
    let mut jobs = state.regie.list_jobs(query.state.as_deref(), asset.as_deref(), limit).await?;
    for job in &mut jobs {
        job.error = job.error.take().map(|error| state.regie.redact_paths(&who.access, &error));
    }
    Ok(axum::Json(jobs))
}

/// One job with its log.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobDetails>> {
    Ok(axum::Json(state.regie.job_details_as(&who.access, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscodeRequest {
    /// The name of a built-in profile (web-ladder, broadcast-xdcamhd50, prores-hq, mobile-540p,
    /// audio-bwf, proxy) or of one in DATA/profiles/; never a path.
    pub profile: String,
    /// Higher runs first; editors may ask for -1000 to 0, media managers up to 100, admins 1000.
    #[serde(default)]
    pub priority: i64,
    /// Each rung's bit rate chosen for this programme from trial encodes (`PROFILE-per-title`).
    #[serde(default)]
    pub per_title: bool,
    /// The SSIM per title aims at (from 0.5, below 1; 0.97 by default).
    pub target_ssim: Option<f64>,
    /// For a profile with `[watermark]` (a screener): whom the copy is for; their notice is burnt
    /// in and their invisible mark written (`PROFILE-RECIPIENT`).
    pub recipient: Option<String>,
}

/// Queues a transcode of an asset to a profile (ingest permission on its collection).
#[utoipa::path(post, path = "/api/v1/assets/{id}/transcode", tag = "jobs", params(("id" = String, Path)),
    request_body = TranscodeRequest,
    responses((status = 202, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transcode(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TranscodeRequest>,
) -> ApiResult<(StatusCode, axum::Json<regie_app::Enqueued>)> {
    let asset_id = state.regie.asset_for(&who.access, &id, Permission::Ingest).await?.to_string();
    who.access.role.check_job_priority(request.priority).map_err(AppError::from)?;
    let choices = regie_app::jobs::TranscodeRequest {
        per_title: request
            .per_title
            .then(|| request.target_ssim.unwrap_or(regie_core::profile::per_title::DEFAULT_TARGET_SSIM)),
        recipient: request.recipient.clone(),
    };
    let enqueued = state
        .regie
        .queue_transcode_with(&asset_id, &request.profile, request.priority, Lookup::ByName, &choices)
        .await?;
    let mut detail = format!("job {} profile {}", enqueued.job_id, request.profile);
    if let Some(recipient) = &request.recipient {
        detail.push_str(&format!(" for recipient {recipient:?}"));
    }
    state.audit_by(&who, "transcode.queue", Some(asset_id), "ok", detail).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(enqueued)))
}

/// Cancels a job (ingest permission on its asset; any job for an admin).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobRecord>> {
    let (job_id, asset) = job_asset(&state, &who, &id).await?;
    let job = state.regie.cancel_job(&job_id).await?;
    state.audit_by(&who, "job.cancel", asset, "ok", format!("job {}", job.id)).await?;
    Ok(axum::Json(job))
}

/// Queues a failed or cancelled job again.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobRecord>> {
    let (job_id, asset) = job_asset(&state, &who, &id).await?;
    let job = state.regie.retry_job(&job_id).await?;
    state.audit_by(&who, "job.retry", asset, "ok", format!("job {}", job.id)).await?;
    Ok(axum::Json(job))
}

/// The full id and the asset of a job the caller may change (ingest on the asset); 404 when
/// they may not see it.
async fn job_asset(state: &SharedState, who: &Authenticated, id: &str) -> ApiResult<(String, Option<String>)> {
    let job = state.regie.job_details_as(&who.access, id).await?.job;
    if who.access.is_admin() {
        return Ok((job.id, job.asset_id));
    }
    let Some(asset) = job.asset_id else { return Err(ApiError::not_found(format!("no job {id}"))) };
    state.regie.asset_for(&who.access, &asset, Permission::Ingest).await?;
    Ok((job.id, Some(asset)))
}
