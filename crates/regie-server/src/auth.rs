//! Who is calling: a bearer token, or a session cookie (then mutations must carry the session's
//! CSRF token in `X-CSRF-Token`). Refusals are audited.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use regie_app::{Access, Caller, NewAuditEntry};

use crate::error::{ApiError, ApiResult};
use crate::state::SharedState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "regie_session";
/// The header carrying the CSRF token on mutations made with a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated caller and what they may do.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    pub access: Access,
    pub address: Option<String>,
}

impl Authenticated {
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.access.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this needs an administrator (role admin, with the administer scope)"))
        }
    }
}

/// The caller's address, when the server was started with connection info.
pub fn client_address(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip().to_string())
}

impl FromRequestParts<SharedState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Self::Rejection> {
        let address = client_address(parts);
        if let Some(address) = &address
            && state.refusals.is_limited(address)
        {
            let mut error = ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "too many refused credentials from this address: try again in a few seconds",
            );
            error.retry_after = Some(crate::throttle::REFUSAL_INTERVAL.as_secs());
            return Err(error);
        }
        state.regie.refresh_read_cache().await?;
        let caller = if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value.to_str().ok().and_then(|text| text.strip_prefix("Bearer ")).map(str::trim);
            match token {
                Some(token) => state.regie.authenticate_token(token).await?,
                None => None,
            }
        } else if let Some(session) = session_cookie(parts) {
            match state.regie.session(&session).await? {
                Some((csrf, user)) => {
                    if !is_safe(&parts.method) {
                        let sent = parts.headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok());
                        if !sent.is_some_and(|sent| regie_app::constant_time_eq(sent, &csrf)) {
                            refuse(state, address.clone(), "auth.csrf", &user.name).await?;
                            return Err(ApiError::forbidden(
                                "a change made with a session cookie must carry the session's CSRF token in X-CSRF-Token",
                            )
                            .with_code("csrf-token-missing"));
                        }
                    }
                    Some(Caller::logged_in(user))
                }
                None => None,
            }
        } else {
            return Err(ApiError::unauthenticated());
        };
        let Some(caller) = caller else {
            refuse(state, address, "auth.refused", "anonymous").await?;
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "the token or session is unknown, expired or revoked, or its user is disabled: log in again",
            ));
        };
        let access = state.regie.access_of(&caller).await?;
        Ok(Self { caller, access, address })
    }
}

/// Audits a refusal: the first of an address in an interval at once, the rest summed later
/// (an anonymous client must not make the server write and sync a row per request).
async fn refuse(state: &SharedState, address: Option<String>, action: &str, actor: &str) -> ApiResult<()> {
    if let Some(address) = &address
        && !state.refusals.record(address).audit_now
    {
        return Ok(());
    }
    state
        .audit_read(NewAuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            asset_id: None,
            address,
            outcome: "denied".to_owned(),
            detail: String::new(),
        })
        .await;
    Ok(())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of the session cookie, if sent.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}
