//! Segments and review over the API: the same operations as `regie segments` and `regie review`,
//! permission-checked per asset (read to see, write-metadata to change segments, comment to
//! comment, approve to decide) and audited.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use regie_app::Permission;
use regie_app::timeline::{Actor, ExchangeFormat, Review, SegmentEdit, SegmentInput};
use regie_core::timeline::{ApprovalState, Segment};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::SharedState;

fn actor(who: &Authenticated) -> Actor {
    Actor::new(who.caller.user.name.clone(), who.address.clone())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SegmentQuery {
    /// Only this kind (`marker`, `chapter`, `shot`, `black`...).
    pub kind: Option<String>,
}

/// An asset's segments in time order, with frames and source timecodes.
#[utoipa::path(get, path = "/api/v1/assets/{id}/segments", tag = "segments", params(("id" = String, Path), SegmentQuery),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SegmentQuery>,
) -> ApiResult<axum::Json<Vec<Segment>>> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "segment.list", format!("asset {id}")).await?;
    Ok(axum::Json(state.regie.segments(&asset_id.to_string(), query.kind.as_deref()).await?))
}

/// Adds a segment (write-metadata): `{"kind": "marker", "in": "10:00:02:05", "out": ..., "text": ...}`
/// or frames (`start_frame`, `end_frame`) instead of timecodes.
#[utoipa::path(post, path = "/api/v1/assets/{id}/segments", tag = "segments", params(("id" = String, Path)),
    request_body = serde_json::Value,
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SegmentInput>,
) -> ApiResult<(StatusCode, axum::Json<Segment>)> {
    let asset_id = state.permitted(&who, &id, Permission::WriteMetadata, "segment.add", format!("asset {id}")).await?;
    let segment = state.regie.add_segment(&asset_id.to_string(), &input, &actor(&who)).await?;
    Ok((StatusCode::CREATED, axum::Json(segment)))
}

/// Changes a segment's kind, range or text (write-metadata).
#[utoipa::path(patch, path = "/api/v1/assets/{id}/segments/{segment}", tag = "segments",
    params(("id" = String, Path), ("segment" = String, Path)), request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, segment)): Path<(String, String)>,
    ApiJson(edit): ApiJson<SegmentEdit>,
) -> ApiResult<axum::Json<Segment>> {
    let asset_id = state.permitted(&who, &id, Permission::WriteMetadata, "segment.edit", format!("asset {id}")).await?;
    Ok(axum::Json(state.regie.edit_segment(&asset_id.to_string(), &segment, &edit, &actor(&who)).await?))
}

/// Removes a segment and its replies (write-metadata).
#[utoipa::path(delete, path = "/api/v1/assets/{id}/segments/{segment}", tag = "segments",
    params(("id" = String, Path), ("segment" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, segment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let asset_id =
        state.permitted(&who, &id, Permission::WriteMetadata, "segment.remove", format!("asset {id}")).await?;
    state.regie.remove_segment(&asset_id.to_string(), &segment, &actor(&who)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `edl`, `otio`, `vtt` or `csv`.
    pub format: String,
    /// Only these kinds, comma-separated (WebVTT takes the chapters unless told).
    pub kind: Option<String>,
}

/// The segments as a CMX 3600 EDL, OpenTimelineIO, WebVTT chapters or CSV (read).
#[utoipa::path(get, path = "/api/v1/assets/{id}/segments/export", tag = "segments", params(("id" = String, Path), ExportQuery),
    responses((status = 200, body = String), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "segment.export", format!("asset {id}")).await?;
    let format = ExchangeFormat::parse(&query.format)?;
    let kinds: Vec<String> = query
        .kind
        .iter()
        .flat_map(|kinds| kinds.split(','))
        .map(|kind| kind.trim().to_owned())
        .filter(|kind| !kind.is_empty())
        .collect();
    let text = state.regie.export_segments(&asset_id.to_string(), format, &kinds).await?;
    let disposition = format!("attachment; filename=\"{asset_id}.{}\"", format.extension());
    Ok(([(header::CONTENT_TYPE, format.content_type().to_owned()), (header::CONTENT_DISPOSITION, disposition)], text)
        .into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `edl` or `csv`.
    pub format: String,
}

/// Adds the markers of an EDL or CSV file sent as the body (write-metadata): all of them, or
/// none with 400 naming every wrong line.
#[utoipa::path(post, path = "/api/v1/assets/{id}/segments/import", tag = "segments", params(("id" = String, Path), ImportQuery),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn import(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: String,
) -> ApiResult<(StatusCode, axum::Json<Vec<Segment>>)> {
    let asset_id =
        state.permitted(&who, &id, Permission::WriteMetadata, "segment.import", format!("asset {id}")).await?;
    let format = ExchangeFormat::parse(&query.format)?;
    let added = state.regie.import_segments(&asset_id.to_string(), format, &body, &actor(&who)).await?;
    Ok((StatusCode::CREATED, axum::Json(added)))
}

/// The asset's review: approval state and history, comment threads (read).
#[utoipa::path(get, path = "/api/v1/assets/{id}/review", tag = "review", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn review(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Review>> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "review.show", format!("asset {id}")).await?;
    Ok(axum::Json(state.regie.review(&asset_id.to_string()).await?))
}

/// A comment or a reply.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[serde(rename = "in")]
    pub in_tc: Option<String>,
    #[serde(rename = "out")]
    pub out_tc: Option<String>,
    pub start_frame: Option<u64>,
    pub end_frame: Option<u64>,
    pub text: String,
    /// The comment this one answers.
    pub parent: Option<String>,
}

/// Comments at a frame or on a range, or answers a comment with `parent` (comment).
#[utoipa::path(post, path = "/api/v1/assets/{id}/review/comments", tag = "review", params(("id" = String, Path)),
    request_body = serde_json::Value,
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn comment(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, axum::Json<Segment>)> {
    let asset_id = state.permitted(&who, &id, Permission::Comment, "review.comment", format!("asset {id}")).await?;
    let input = SegmentInput {
        kind: None,
        in_tc: body.in_tc,
        out_tc: body.out_tc,
        start_frame: body.start_frame,
        end_frame: body.end_frame,
        text: body.text,
    };
    let written = state.regie.comment(&asset_id.to_string(), &input, body.parent.as_deref(), &actor(&who)).await?;
    Ok((StatusCode::CREATED, axum::Json(written)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// false opens the comment again.
    pub resolved: bool,
}

/// Resolves a comment, or opens it again (comment).
#[utoipa::path(post, path = "/api/v1/assets/{id}/review/comments/{comment}/resolve", tag = "review",
    params(("id" = String, Path), ("comment" = String, Path)), request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, comment)): Path<(String, String)>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> ApiResult<axum::Json<Segment>> {
    let asset_id = state.permitted(&who, &id, Permission::Comment, "review.resolve", format!("asset {id}")).await?;
    let resolved = state.regie.resolve_comment(&asset_id.to_string(), &comment, body.resolved, &actor(&who)).await?;
    Ok(axum::Json(resolved))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `pending`, `approved`, `changes-requested` or `rejected`.
    pub state: String,
    #[serde(default)]
    pub reason: String,
}

/// Decides the asset's approval state (approve); changes-requested and rejected need a reason.
#[utoipa::path(post, path = "/api/v1/assets/{id}/review/decision", tag = "review", params(("id" = String, Path)),
    request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<axum::Json<regie_app::timeline::ApprovalRecord>> {
    let asset_id = state.permitted(&who, &id, Permission::Approve, "review.decide", format!("asset {id}")).await?;
    let decision = ApprovalState::parse(&body.state).map_err(regie_app::AppError::from)?;
    Ok(axum::Json(state.regie.decide(&asset_id.to_string(), decision, &body.reason, &actor(&who)).await?))
}
