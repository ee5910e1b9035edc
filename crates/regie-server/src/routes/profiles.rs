//! The transcoding profiles and delivery policies a caller may ask for, by name.

use axum::extract::State;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::SharedState;

/// The built-in profiles and the house's own (`DATA/profiles/`), with their descriptions.
#[utoipa::path(get, path = "/api/v1/profiles", tag = "jobs",
    responses((status = 200, body = serde_json::Value), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    _who: Authenticated,
) -> ApiResult<axum::Json<Vec<regie_app::ProfileSummary>>> {
    Ok(axum::Json(state.regie.profiles()))
}

/// The built-in policy packs and the house's own (`DATA/policies/`), by name.
#[utoipa::path(get, path = "/api/v1/policies", tag = "assets",
    responses((status = 200, body = serde_json::Value), (status = 401, body = crate::error::ErrorBody)))]
pub async fn policies(State(state): State<SharedState>, _who: Authenticated) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(state.regie.policies()))
}
