//! The collection tree as the caller may see it.

use axum::extract::State;
use regie_app::CollectionRecord;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::SharedState;

/// Collections the caller may read (with their counts), and the folders above them (counted 0,
/// so the tree holds together without telling what they contain).
#[utoipa::path(get, path = "/api/v1/collections", tag = "assets",
    responses((status = 200, body = serde_json::Value), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
) -> ApiResult<axum::Json<Vec<CollectionRecord>>> {
    Ok(axum::Json(state.regie.collections_as(&who.access).await?))
}
