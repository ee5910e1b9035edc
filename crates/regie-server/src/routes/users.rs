//! Administration over the API: users, groups and grants (admin only; every change audited).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use regie_app::{GrantRecord, GroupRecord, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::SharedState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    /// A collection path, or `*` for every collection.
    pub collection: String,
    /// `user:NAME` or `group:NAME`.
    pub to: String,
    pub role: String,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<SharedState>,
    who: Authenticated,
) -> ApiResult<axum::Json<Vec<UserRecord>>> {
    who.require_admin()?;
    Ok(axum::Json(state.regie.list_users().await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUser,
    responses((status = 201, body = serde_json::Value), (status = 409, body = ErrorBody)))]
pub async fn add_user(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiJson(request): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, axum::Json<UserRecord>)> {
    who.require_admin()?;
    let user = state.regie.add_user(&request.name, &request.role, request.password.as_deref()).await?;
    state.audit_by(&who, "user.add", None, "ok", format!("user {} role {}", user.name, user.role)).await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `true` disables the user (their sessions and login tokens end, their API tokens stop
    /// working), `false` enables them again.
    pub disabled: Option<bool>,
    /// A new password (at least 12 characters): their sessions and login tokens end.
    pub password: Option<String>,
}

/// Disables or enables a user, or sets a new password (admin; audited).
#[utoipa::path(patch, path = "/api/v1/users/{name}", tag = "admin", params(("name" = String, Path)), request_body = UserChange,
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn change_user(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(name): Path<String>,
    ApiJson(change): ApiJson<UserChange>,
) -> ApiResult<axum::Json<UserRecord>> {
    who.require_admin()?;
    if change.disabled == Some(true) && name == who.caller.user.name {
        return Err(ApiError::bad_request("invalid-value", "an administrator cannot disable their own account"));
    }
    let mut user = None;
    if let Some(password) = &change.password {
        user = Some(state.regie.reset_password(&name, password).await?);
        state.audit_by(&who, "user.password", None, "ok", format!("user {name}")).await?;
    }
    if let Some(disabled) = change.disabled {
        user = Some(state.regie.set_user_disabled(&name, disabled).await?);
        let action = if disabled { "user.disable" } else { "user.enable" };
        state.audit_by(&who, action, None, "ok", format!("user {name}")).await?;
    }
    match user {
        Some(user) => Ok(axum::Json(user)),
        None => Err(ApiError::bad_request("invalid-value", "send disabled or password")),
    }
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "admin", responses((status = 200, body = serde_json::Value)))]
pub async fn list_groups(
    State(state): State<SharedState>,
    who: Authenticated,
) -> ApiResult<axum::Json<Vec<GroupRecord>>> {
    who.require_admin()?;
    Ok(axum::Json(state.regie.groups().await?))
}

#[utoipa::path(post, path = "/api/v1/groups", tag = "admin", request_body = NewGroup, responses((status = 201), (status = 409, body = ErrorBody)))]
pub async fn add_group(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiJson(request): ApiJson<NewGroup>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    state.regie.add_group(&request.name).await?;
    state.audit_by(&who, "group.add", None, "ok", format!("group {}", request.name)).await?;
    Ok(StatusCode::CREATED)
}

/// Adds a user to a group.
#[utoipa::path(put, path = "/api/v1/groups/{group}/members/{user}", tag = "admin",
    params(("group" = String, Path), ("user" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((group, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    state.regie.set_group_member(&group, &user, true).await?;
    state.audit_by(&who, "group.member-add", None, "ok", format!("user {user} into group {group}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user from a group.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/members/{user}", tag = "admin",
    params(("group" = String, Path), ("user" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((group, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    state.regie.set_group_member(&group, &user, false).await?;
    state.audit_by(&who, "group.member-remove", None, "ok", format!("user {user} out of group {group}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/grants", tag = "admin", responses((status = 200, body = serde_json::Value)))]
pub async fn list_grants(
    State(state): State<SharedState>,
    who: Authenticated,
) -> ApiResult<axum::Json<Vec<GrantRecord>>> {
    who.require_admin()?;
    Ok(axum::Json(state.regie.grants().await?))
}

/// Grants a role on a collection tree to a user or a group (replacing an earlier grant there).
#[utoipa::path(post, path = "/api/v1/grants", tag = "admin", request_body = NewGrant,
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody)))]
pub async fn add_grant(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiJson(request): ApiJson<NewGrant>,
) -> ApiResult<(StatusCode, axum::Json<GrantRecord>)> {
    who.require_admin()?;
    let grant = state.regie.grant(&request.collection, &request.to, &request.role).await?;
    let detail = format!("{} {} on {} ({})", grant.principal_kind, grant.principal, grant.collection, grant.role);
    state.audit_by(&who, "grant.add", None, "ok", detail).await?;
    Ok((StatusCode::CREATED, axum::Json(grant)))
}

#[utoipa::path(delete, path = "/api/v1/grants/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_grant(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    let grant = state.regie.revoke_grant(&id).await?;
    let detail = format!("{} {} on {} ({})", grant.principal_kind, grant.principal, grant.collection, grant.role);
    state.audit_by(&who, "grant.remove", None, "ok", detail).await?;
    Ok(StatusCode::NO_CONTENT)
}
