//! Logging in with a password: for a bearer token (scripts, apps) or a cookie session (the web
//! UI). Failed attempts are audited and slowed down per account and per address.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use regie_app::{NewAuditEntry, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Authenticated, SESSION_COOKIE, client_address, session_cookie};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::SharedState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// A bearer token with every permission of the user's role; shown once.
    pub token: String,
    pub expires_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// Send it back in `X-CSRF-Token` on every change made with the session cookie.
    pub csrf_token: String,
    pub expires_at: String,
}

/// The caller's own account and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    pub name: String,
    pub role: String,
    /// The token's scopes, or none for a session.
    pub scopes: Option<Vec<String>>,
}

/// Logs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<SharedState>,
    parts: Parts,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let user = check_login(&state, &parts, &request).await?;
    let created = state.regie.login_token(&user, state.options.session_hours).await?;
    Ok(axum::Json(LoginResponse { token: created.token, expires_at: created.record.expires_at }))
}

/// Logs in and opens a cookie session (HttpOnly, SameSite=Strict).
#[utoipa::path(post, path = "/api/v1/auth/session", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn open_session(
    State(state): State<SharedState>,
    parts: Parts,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let user = check_login(&state, &parts, &request).await?;
    let session = state.regie.open_session(&user, state.options.session_hours).await?;
    let secure = if state.options.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        session.cookie,
        state.options.session_hours * 3600
    );
    let mut response =
        axum::Json(SessionResponse { csrf_token: session.csrf_token, expires_at: session.expires_at }).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|error| ApiError::internal(error.to_string()))?,
    );
    Ok(response)
}

/// Ends the cookie session.
#[utoipa::path(delete, path = "/api/v1/auth/session", tag = "auth", responses((status = 204, description = "logged out")))]
pub async fn close_session(State(state): State<SharedState>, who: Authenticated, parts: Parts) -> ApiResult<Response> {
    if let Some(cookie) = session_cookie(&parts) {
        state.regie.close_session(&cookie).await?;
    }
    state.audit_by(&who, "logout", None, "ok", String::new()).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("regie_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
pub async fn me(who: Authenticated) -> axum::Json<WhoAmI> {
    axum::Json(WhoAmI {
        name: who.caller.user.name.clone(),
        role: who.caller.user.role.clone(),
        scopes: who.caller.scopes.as_ref().map(|scopes| scopes.iter().map(|scope| scope.as_str().to_owned()).collect()),
    })
}

async fn check_login(state: &SharedState, parts: &Parts, request: &LoginRequest) -> ApiResult<UserRecord> {
    let address = client_address(parts);
    let audit = |outcome: &str, detail: String| NewAuditEntry {
        actor: request.username.chars().take(64).collect(),
        action: "login".to_owned(),
        asset_id: None,
        address: address.clone(),
        outcome: outcome.to_owned(),
        detail,
    };
    if let Some(wait) = state.throttle.wait(&request.username, address.as_deref()) {
        state.audit_read(audit("denied", "throttled".to_owned())).await;
        let seconds = wait.as_secs().max(1);
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            format!("too many failed logins for this account or address: try again in {seconds} s"),
        );
        error.retry_after = Some(seconds);
        return Err(error);
    }
    match state.regie.check_password(&request.username, &request.password).await? {
        Some(user) => {
            state.throttle.succeeded(&request.username, address.as_deref());
            state.audit(audit("ok", String::new())).await?;
            Ok(user)
        }
        None => {
            state.throttle.failed(&request.username, address.as_deref());
            state.audit_read(audit("failed", "wrong user name or password".to_owned())).await;
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid-credentials", "wrong user name or password"))
        }
    }
}
