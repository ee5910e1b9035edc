//! The audit trail over the API (admin only).

use axum::extract::State;
use regie_app::{AuditEntry, AuditFilter};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::routes::{Page, page_limit};
use crate::state::SharedState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// A user name.
    pub user: Option<String>,
    /// An asset id.
    pub asset: Option<String>,
    /// RFC 3339 or a date (`2026-11-22`); inclusive.
    pub since: Option<String>,
    /// RFC 3339 or a date; exclusive.
    pub until: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Entries of the trail, oldest first, filtered by user, asset and time.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<Page<Vec<AuditEntry>>>> {
    who.require_admin()?;
    let after = match &query.cursor {
        Some(cursor) => Some(
            cursor
                .parse::<u64>()
                .map_err(|_| ApiError::bad_request("invalid-cursor", "the cursor is not one this server gave"))?,
        ),
        None => None,
    };
    let limit = page_limit(query.limit);
    let filter = AuditFilter {
        actor: query.user,
        asset_id: query.asset,
        since: query.since.as_deref().map(regie_app::audit_time).transpose()?,
        until: query.until.as_deref().map(regie_app::audit_time).transpose()?,
        after,
        limit,
    };
    let items = state.regie.audit_entries(&filter).await?;
    let next_cursor =
        (items.len() == limit as usize).then(|| items.last().map(|entry| entry.seq.to_string())).flatten();
    Ok(axum::Json(Page { items, next_cursor }))
}

/// Walks the whole chain and names the first entry altered, removed or inserted (admin).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "admin",
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(state): State<SharedState>,
    who: Authenticated,
) -> ApiResult<axum::Json<regie_app::AuditVerification>> {
    who.require_admin()?;
    Ok(axum::Json(state.regie.verify_audit().await?))
}
