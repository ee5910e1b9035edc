//! The lease API for remote workers (`regie worker --server URL --token T`): claim a job, renew
//! its lease with progress, log, read its asset and complete it, with a token of the `worker`
//! scope. Recording and checks are the app's (`Regie::lease_*`); this speaks HTTP only.

use axum::extract::{Path, State};
use regie_app::AssetRecord;
use regie_app::jobs::{
    ClaimAnswer, ClaimRequest, Completion, CompletionAnswer, HeartbeatAnswer, HeartbeatRequest, LogRequest,
};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::SharedState;

/// Claims the most urgent due job (`job` is null when none is), under a lease the worker renews.
#[utoipa::path(post, path = "/api/v1/worker/claim", tag = "jobs", request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn claim(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> ApiResult<axum::Json<ClaimAnswer>> {
    Ok(axum::Json(state.regie.lease_claim(&who.access, &who.caller.user.name, request).await?))
}

/// Renews a lease and reports progress; answers `continue`, `cancel-requested` or `lease-lost`.
#[utoipa::path(post, path = "/api/v1/worker/jobs/{id}/heartbeat", tag = "jobs", params(("id" = String, Path)),
    request_body = serde_json::Value, responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn heartbeat(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<HeartbeatRequest>,
) -> ApiResult<axum::Json<HeartbeatAnswer>> {
    Ok(axum::Json(state.regie.lease_heartbeat(&who.access, &who.caller.user.name, &id, request).await?))
}

/// Records how a run ended: `succeeded` (its outputs already in the store), `failed` or `cancelled`.
#[utoipa::path(post, path = "/api/v1/worker/jobs/{id}/complete", tag = "jobs", params(("id" = String, Path)),
    request_body = serde_json::Value, responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn complete(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(completion): ApiJson<Completion>,
) -> ApiResult<axum::Json<CompletionAnswer>> {
    Ok(axum::Json(state.regie.lease_complete(&who.access, &who.caller.user.name, &id, completion).await?))
}

/// Adds a line to the log of a job the worker holds.
#[utoipa::path(post, path = "/api/v1/worker/jobs/{id}/log", tag = "jobs", params(("id" = String, Path)),
    request_body = serde_json::Value, responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn log(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LogRequest>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    state.regie.lease_log(&who.access, &who.caller.user.name, &id, request).await?;
    Ok(axum::Json(serde_json::json!({ "logged": true })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerName {
    pub worker: String,
}

/// The asset of a job the worker holds (its original's address and description).
#[utoipa::path(post, path = "/api/v1/worker/jobs/{id}/asset", tag = "jobs", params(("id" = String, Path)),
    request_body = serde_json::Value, responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn asset(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<WorkerName>,
) -> ApiResult<axum::Json<AssetRecord>> {
    Ok(axum::Json(state.regie.lease_asset(&who.access, &who.caller.user.name, &id, &request.worker).await?))
}
