//! Viewing events, recommendations, trends and near-duplicates over the API: the player reports
//! plays, users rate, and each user gets recommendations, "more like this", trends and the
//! assets of the same material only among the assets they may read.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use regie_app::Permission;
use regie_app::intelligence::ViewingKind;
use regie_app::intelligence::{MAX_RECOMMENDATIONS, RecommendationReport, TrendingReport};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::SharedState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewingEvent {
    /// `play` (the player started it) or `rating` (with `rating`, 1 to 5); downloads are
    /// recorded by the download itself.
    pub kind: String,
    pub rating: Option<u8>,
}

/// Records that the caller played or rated an asset they may read (a play of the same asset
/// within a minute of the last counts once).
#[utoipa::path(post, path = "/api/v1/assets/{id}/events", tag = "recommendations", params(("id" = String, Path)),
    request_body = ViewingEvent,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(event): ApiJson<ViewingEvent>,
) -> ApiResult<StatusCode> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "viewing.record", format!("asset {id}")).await?;
    let kind = match ViewingKind::parse(&event.kind) {
        Some(kind @ (ViewingKind::Play | ViewingKind::Rating)) => kind,
        _ => return Err(regie_app::AppError::Invalid("kind: play or rating".to_owned()).into()),
    };
    state.regie.record_viewing(&who.caller.user.id, asset_id, kind, event.rating).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecommendationQuery {
    /// At most this many (10 by default, 100 at most).
    pub limit: Option<usize>,
}

fn limit_of(query: &RecommendationQuery) -> usize {
    query.limit.unwrap_or(10).clamp(1, MAX_RECOMMENDATIONS)
}

/// Recommendations for the caller, among the assets they may read: from what they and others
/// watched, or the most watched for a new user.
#[utoipa::path(get, path = "/api/v1/recommendations", tag = "recommendations", params(RecommendationQuery),
    responses((status = 200, body = serde_json::Value)))]
pub async fn for_caller(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<RecommendationQuery>,
) -> ApiResult<axum::Json<RecommendationReport>> {
    Ok(axum::Json(state.regie.recommend_for(&who.caller.user, &who.access, limit_of(&query)).await?))
}

/// More like this: what people who watched the asset also watched, then assets of its collection
/// sharing its tags; only among the assets the caller may read.
#[utoipa::path(get, path = "/api/v1/assets/{id}/more-like-this", tag = "recommendations",
    params(("id" = String, Path), RecommendationQuery),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn more_like_this(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<RecommendationQuery>,
) -> ApiResult<axum::Json<RecommendationReport>> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "recommendation.like", format!("asset {id}")).await?;
    Ok(axum::Json(state.regie.more_like(asset_id, &who.access, limit_of(&query)).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TrendingQuery {
    /// `1h`, `24h` (default) or `7d`.
    pub window: Option<String>,
    /// Only the assets in a burst.
    #[serde(default)]
    pub bursts: bool,
    /// At most this many (10 by default, 100 at most).
    pub limit: Option<usize>,
}

/// The most viewed assets over a window, or those in a burst, among those the caller may read.
#[utoipa::path(get, path = "/api/v1/trending", tag = "recommendations", params(TrendingQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody)))]
pub async fn trending(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<TrendingQuery>,
) -> ApiResult<axum::Json<TrendingReport>> {
    let window = query.window.as_deref().unwrap_or("24h");
    let limit = query.limit.unwrap_or(10).clamp(1, MAX_RECOMMENDATIONS);
    Ok(axum::Json(state.regie.trending(Some(&who.access), window, limit, query.bursts).await?))
}

/// The assets that are the same material as this one (re-encoded, rescaled, trimmed, recoloured,
/// logo-burnt, cropped), with a score and the time offset, among those the caller may read.
#[utoipa::path(get, path = "/api/v1/assets/{id}/similar", tag = "recommendations",
    params(("id" = String, Path), RecommendationQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn similar(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<RecommendationQuery>,
) -> ApiResult<axum::Json<regie_app::intelligence::SimilarReport>> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "similar", format!("asset {id}")).await?;
    let report = state.regie.similar(&asset_id.to_string(), limit_of(&query), Some(&who.access), false).await?;
    Ok(axum::Json(report))
}
