//! Liveness, readiness and metrics: unauthenticated, for load balancers and Prometheus.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::disk_guard::LOW_DISK_BYTES;
use crate::error::{ApiError, ApiResult};
use crate::state::SharedState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The catalogue and the blob store answer, the data folder's disk has room, and every audit
/// entry was written.
/// A full disk or lost audit entries answer 503 with code `degraded` (reads still work).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "ready"), (status = 503, description = "the catalogue or the store does not answer, or degraded")))]
pub async fn readyz(State(state): State<SharedState>) -> ApiResult<&'static str> {
    state.regie.live_jobs().await.map_err(|error| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", format!("the catalogue does not answer: {error}"))
    })?;
    state.regie.check_store().await.map_err(|error| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", format!("the blob store does not answer: {error}"))
    })?;
    let free = state.regie.free_bytes()?;
    let mut problems = Vec::new();
    if free < LOW_DISK_BYTES {
        problems.push(format!("the data folder's disk is full ({free} bytes free): writes are refused"));
    }
    if let Some(lost) = state.recent_audit_failures() {
        problems.push(format!("{lost} audit entries of reads could not be written lately (see the log)"));
    }
    if !problems.is_empty() {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "degraded", problems.join("; ")));
    }
    Ok("ready\n")
}

/// Prometheus metrics in the text format.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "metrics")))]
pub async fn metrics(State(state): State<SharedState>) -> impl IntoResponse {
    if let Ok(live) = state.regie.live_jobs().await {
        state.metrics.set_live_jobs(live);
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics.render())
}
