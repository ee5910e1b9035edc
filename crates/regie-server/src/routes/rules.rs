//! Workflow rules over the API: administrators write and remove them (the TOML is checked before
//! it is saved); those who may deliver list them and see what one would do for an asset.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use regie_app::Permission;
use regie_app::workflow::RuleTest;
use regie_core::rules::Rule;
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::SharedState;

fn may_see_rules(who: &Authenticated) -> ApiResult<()> {
    if who.access.allows_system(Permission::Deliver) {
        Ok(())
    } else {
        Err(ApiError::forbidden("rules are for those who may deliver"))
    }
}

/// Every rule, with its event, conditions and actions.
#[utoipa::path(get, path = "/api/v1/rules", tag = "delivery",
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<SharedState>, who: Authenticated) -> ApiResult<axum::Json<Vec<Rule>>> {
    may_see_rules(&who)?;
    Ok(axum::Json(state.regie.rules()?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// The rule as TOML (as in DATA/rules/NAME.toml).
    pub toml: String,
}

/// Writes a rule (administrators): checked first, then saved atomically; replaces one of the
/// same name.
#[utoipa::path(put, path = "/api/v1/rules/{name}", tag = "delivery", params(("name" = String, Path)),
    request_body = RuleBody,
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn save(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<RuleBody>,
) -> ApiResult<axum::Json<Rule>> {
    who.require_admin()?;
    if body.toml.len() > 64 * 1024 {
        return Err(ApiError::from(regie_app::AppError::TooLarge("a rule is at most 64 KiB".to_owned())));
    }
    let rule = state.regie.save_rule(&name, &body.toml)?;
    state.audit_by(&who, "rule.save", None, "ok", format!("rule {name} on {}", rule.on.as_str())).await?;
    Ok(axum::Json(rule))
}

/// Removes a rule (administrators).
#[utoipa::path(delete, path = "/api/v1/rules/{name}", tag = "delivery", params(("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    who.require_admin()?;
    state.regie.remove_rule(&name)?;
    state.audit_by(&who, "rule.remove", None, "ok", format!("rule {name}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RuleTestQuery {
    /// An asset id or house id.
    pub asset: String,
}

/// Whether a rule applies to an asset and what it would do, without doing it.
#[utoipa::path(get, path = "/api/v1/rules/{name}/test", tag = "delivery", params(("name" = String, Path), RuleTestQuery),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<RuleTestQuery>,
) -> ApiResult<axum::Json<RuleTest>> {
    may_see_rules(&who)?;
    let asset_id = state.regie.asset_for(&who.access, &query.asset, Permission::Read).await?.to_string();
    Ok(axum::Json(state.regie.test_rule(&name, &asset_id).await?))
}
