//! API tokens over the API: a caller creates, lists and revokes their own (an admin, anyone's).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use regie_app::{CreatedToken, TokenRecord};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::SharedState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Permissions the token may use, within the caller's role (and, for a token, its scopes).
    pub scopes: Vec<String>,
    /// `90d`, `12h`, `30m`; none for a token that never expires.
    pub expires: Option<String>,
    #[serde(default)]
    pub label: String,
}

/// Creates a token for the caller; the token is in the answer and nowhere else.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenRequest,
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiJson(request): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, axum::Json<CreatedToken>)> {
    // A token cannot mint a token with more than it has itself.
    if let Some(scopes) = &who.caller.scopes {
        let asked = regie_core::access::parse_scopes(&request.scopes).map_err(regie_app::AppError::from)?;
        if let Some(beyond) = asked.iter().find(|scope| !scopes.contains(scope)) {
            return Err(ApiError::forbidden(format!("this token does not have the {} scope itself", beyond.as_str())));
        }
    }
    let created = state
        .regie
        .create_token(
            &who.caller.user.name,
            &request.label,
            &request.scopes,
            request.expires.as_deref(),
            Some(&who.caller),
        )
        .await?;
    state
        .audit_by(
            &who,
            "token.create",
            None,
            "ok",
            format!("token {} scopes {}", created.record.id, created.record.scopes.join(" ")),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// The caller's tokens (every token for an admin); never the tokens themselves.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = serde_json::Value)))]
pub async fn list(State(state): State<SharedState>, who: Authenticated) -> ApiResult<axum::Json<Vec<TokenRecord>>> {
    let user = if who.access.is_admin() { None } else { Some(who.caller.user.name.as_str()) };
    Ok(axum::Json(state.regie.list_tokens(user).await?))
}

/// Revokes a token of the caller's (any token for an admin).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let owned = state.regie.list_tokens(Some(&who.caller.user.name)).await?.iter().any(|token| token.id == id);
    if !owned && !who.access.is_admin() {
        return Err(ApiError::not_found(format!("no token {id}")));
    }
    state.regie.revoke_token(&id).await?;
    state.audit_by(&who, "token.revoke", None, "ok", format!("token {id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}
