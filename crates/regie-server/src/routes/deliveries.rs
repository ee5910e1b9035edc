//! Deliveries, destinations and rights over the API. A delivery is asked for with the deliver
//! permission on the asset's collection; the listing shows the deliveries of assets the caller
//! may read; refusals (rights, policy) answer 422 with their code and are on record.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use regie_app::delivery::{
    ContractAdded, ContractRow, Delivery, DeliveryRequest, DestinationInfo, NewContract, RightsAnswer,
};
use regie_app::intelligence::ViewingKind;
use regie_app::{Lookup, Permission};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::page_limit;
use crate::state::SharedState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only the deliveries of this asset (id or house id).
    pub asset: Option<String>,
    /// queued, running, delivered, failed or refused.
    pub state: Option<String>,
    pub limit: Option<u32>,
}

/// Deliveries, newest first: all for an administrator, those of readable assets for others.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "delivery", params(DeliveryQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> ApiResult<axum::Json<Vec<Delivery>>> {
    let limit = page_limit(query.limit);
    let asset = match &query.asset {
        Some(reference) => Some(state.regie.asset_for(&who.access, reference, Permission::Read).await?.to_string()),
        None => None,
    };
    let wanted = if who.access.is_admin() || asset.is_some() { limit } else { limit.saturating_mul(5).min(2_000) };
    let all = state.regie.list_deliveries(asset.as_deref(), query.state.as_deref(), wanted).await?;
    let mut visible = Vec::new();
    for delivery in all {
        let readable = who.access.is_admin()
            || state.regie.asset_for(&who.access, &delivery.asset_id, Permission::Read).await.is_ok();
        if readable {
            visible.push(redacted(&state, &who, delivery));
        }
        if visible.len() == limit as usize {
            break;
        }
    }
    Ok(axum::Json(visible))
}

/// One delivery with its receipt (not found when its asset is not readable).
#[utoipa::path(get, path = "/api/v1/deliveries/{id}", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Delivery>> {
    let delivery = state.regie.delivery(&id).await?;
    // A delivery of an asset the caller may not read does not exist for them.
    state
        .regie
        .asset_for(&who.access, &delivery.asset_id, Permission::Read)
        .await
        .map_err(|_| ApiError::not_found(format!("no delivery {id}")))?;
    Ok(axum::Json(redacted(&state, &who, delivery)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    /// An asset id or house id.
    pub asset: String,
    /// A destination's name.
    pub destination: String,
    /// A built-in or house profile's name (never a path); default: the destination's, or the
    /// original.
    pub profile: Option<String>,
    /// RFC 3339.
    pub deadline: Option<String>,
}

/// Queues a delivery (deliver permission on the asset's collection). Rights and the
/// destination's policy are checked first: a refusal answers 422 with `rights-denied` or
/// `policy-failed`, and is recorded as a `refused` delivery.
#[utoipa::path(post, path = "/api/v1/deliveries", tag = "delivery", request_body = DeliveryBody,
    responses((status = 202, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiJson(body): ApiJson<DeliveryBody>,
) -> ApiResult<(StatusCode, axum::Json<Delivery>)> {
    let detail = format!("asset {} to {}", body.asset, body.destination);
    let asset_id = state.permitted(&who, &body.asset, Permission::Deliver, "deliver", detail).await?;
    let request = DeliveryRequest {
        asset: asset_id.to_string(),
        destination: body.destination,
        profile: body.profile,
        deadline: body.deadline,
        actor: who.caller.user.name.clone(),
        address: who.address.clone(),
    };
    let delivery = state.regie.deliver(&request, Lookup::ByName).await?;
    // A delivery asked for is a viewing, for recommendations and trends.
    if delivery.state != "refused"
        && let Err(error) = state.regie.record_viewing(&who.caller.user.id, asset_id, ViewingKind::Delivery, None).await
    {
        tracing::warn!(%error, "cannot record a delivery as a viewing");
    }
    Ok((StatusCode::ACCEPTED, axum::Json(redacted(&state, &who, delivery))))
}

/// Destinations (for those who may deliver): names, addresses and what they declare.
#[utoipa::path(get, path = "/api/v1/destinations", tag = "delivery",
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody)))]
pub async fn destinations(
    State(state): State<SharedState>,
    who: Authenticated,
) -> ApiResult<axum::Json<Vec<DestinationInfo>>> {
    if !who.access.allows_system(Permission::Deliver) {
        return Err(ApiError::forbidden("listing destinations needs the deliver permission"));
    }
    let mut list = state.regie.list_destinations().await?;
    if !who.access.is_admin() {
        for destination in &mut list {
            destination.settings.identity = None;
        }
    }
    Ok(axum::Json(list))
}

/// The contracts of an asset and of its series.
#[utoipa::path(get, path = "/api/v1/assets/{id}/rights", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn contracts(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<ContractRow>>> {
    let asset_id = state.regie.asset_for(&who.access, &id, Permission::Read).await?.to_string();
    Ok(axum::Json(state.regie.list_contracts(Some(&asset_id)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RightsQuery {
    /// ISO 3166 code.
    pub territory: String,
    pub platform: String,
    /// YYYY-MM-DD (today by default).
    pub at: Option<String>,
}

/// Whether an asset may be used in a territory on a platform: `{allowed, reasons}`.
#[utoipa::path(get, path = "/api/v1/assets/{id}/rights/check", tag = "delivery", params(("id" = String, Path), RightsQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<RightsQuery>,
) -> ApiResult<axum::Json<RightsAnswer>> {
    let asset_id = state.regie.asset_for(&who.access, &id, Permission::Read).await?.to_string();
    Ok(axum::Json(state.regie.check_rights(&asset_id, &query.territory, &query.platform, query.at.as_deref()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    pub holder: String,
    /// Space-separated ISO 3166 codes; WORLD for all; -XX excludes.
    pub territories: String,
    /// Space-separated platforms.
    pub platforms: String,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub exclusive: bool,
    pub max_runs: Option<u32>,
}

/// Adds a contract to an asset (deliver permission on it); exclusivity conflicts with contracts
/// already held are reported in the answer.
#[utoipa::path(post, path = "/api/v1/assets/{id}/rights", tag = "delivery", params(("id" = String, Path)),
    request_body = ContractBody,
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_contract(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ContractBody>,
) -> ApiResult<(StatusCode, axum::Json<ContractAdded>)> {
    let asset_id =
        state.permitted(&who, &id, Permission::Deliver, "rights.add", format!("asset {id}")).await?.to_string();
    let new = NewContract {
        asset: Some(asset_id.clone()),
        series: None,
        holder: body.holder,
        territories: body.territories,
        platforms: body.platforms,
        start: body.start,
        end: body.end,
        exclusive: body.exclusive,
        max_runs: body.max_runs,
    };
    let added = state.regie.add_contract(&new).await?;
    let detail = format!(
        "contract {} ({}) [{}] on [{}] {} to {}",
        added.contract.id,
        added.contract.holder,
        added.contract.territories,
        added.contract.platforms,
        added.contract.starts_on,
        added.contract.ends_on
    );
    state.audit_by(&who, "rights.add", Some(asset_id), "ok", detail).await?;
    Ok((StatusCode::CREATED, axum::Json(added)))
}

/// Server paths in errors and receipts (a folder destination's files) are for administrators;
/// others see the delivered files' names.
fn redacted(state: &SharedState, who: &Authenticated, mut delivery: Delivery) -> Delivery {
    delivery.error = delivery.error.map(|error| state.regie.redact_paths(&who.access, &error));
    if !who.access.is_admin() {
        for file in &mut delivery.files {
            file.path = file.path.rsplit('/').next().unwrap_or_default().to_owned();
        }
    }
    delivery
}
