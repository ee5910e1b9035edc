//! Jobs over the API: an admin sees the whole queue; others see the jobs of assets they may read.

use axum::extract::{Path, State};
use regie_app::jobs::JobDetails;
use regie_app::{JobRecord, Permission};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::routes::page_limit;
use crate::state::SharedState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// queued, running, succeeded, failed or cancelled.
    pub state: Option<String>,
    /// Only the jobs of this asset (needed unless the caller is an admin).
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
    let asset = match &query.asset {
        Some(reference) => Some(state.regie.asset_for(&who.access, reference, Permission::Read).await?.to_string()),
        None if who.access.is_admin() => None,
        None => return Err(ApiError::forbidden("name an asset (?asset=ID): only an admin lists the whole queue")),
    };
    Ok(axum::Json(state.regie.list_jobs(query.state.as_deref(), asset.as_deref(), page_limit(query.limit)).await?))
}

/// One job with its log.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobDetails>> {
    let details = state.regie.job_details(&id).await?;
    if !who.access.is_admin() {
        let readable = match &details.job.asset_id {
            Some(asset) => state.regie.asset_for(&who.access, asset, Permission::Read).await.is_ok(),
            None => false,
        };
        if !readable {
            return Err(ApiError::not_found(format!("no job {id}")));
        }
    }
    Ok(axum::Json(details))
}
