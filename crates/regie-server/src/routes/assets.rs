//! Assets: listing (keyset cursors, only what the caller may read), one asset (the same JSON as
//! `regie assets show --json`), tags, and downloads of stored files with Range support.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use regie_app::intelligence::ViewingKind;
use regie_app::{AssetRecord, AssetSummary, Permission, SearchOptions, SortOrder};
use regie_core::{AssetId, CollectionPath};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::{Page, page_limit};
use crate::state::SharedState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AssetQuery {
    /// Only this collection and those below it.
    pub collection: Option<String>,
    pub tag: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 500; 100 by default.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagChange {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

/// Assets the caller may read, oldest first.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<AssetQuery>,
) -> ApiResult<axum::Json<Page<std::sync::Arc<Vec<AssetSummary>>>>> {
    let collection: Option<CollectionPath> =
        query.collection.as_deref().map(str::parse).transpose().map_err(regie_app::AppError::from)?;
    let after = match &query.cursor {
        Some(cursor) => Some(
            cursor
                .parse::<AssetId>()
                .map_err(|_| ApiError::bad_request("invalid-cursor", "the cursor is not one this server gave"))?,
        ),
        None => None,
    };
    let tag = query.tag.map(|tag| tag.trim().to_lowercase());
    let limit = page_limit(query.limit);
    let items = state.regie.asset_page(&who.access, collection.as_ref(), tag.as_deref(), after, limit).await?;
    let next_cursor = (items.len() == limit as usize).then(|| items.last().map(|asset| asset.id.to_string())).flatten();
    Ok(axum::Json(Page { items, next_cursor }))
}

/// One asset, by id or house id; 404 when it does not exist or the caller may not read it.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = String, Path, description = "asset id or house id")),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<std::sync::Arc<AssetRecord>>> {
    Ok(axum::Json(state.regie.asset_as(&who.access, &id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeleteQuery {
    /// Why, for the audit trail and the trash.
    pub reason: Option<String>,
}

/// Moves an asset to the trash (delete permission): hidden from every listing and search, and
/// restorable until it is purged; refused with 409 `held` under a legal hold. Audited with the
/// content hashes of its files.
#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = String, Path), DeleteQuery),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    crate::extract::ApiQuery(query): crate::extract::ApiQuery<DeleteQuery>,
) -> ApiResult<axum::http::StatusCode> {
    let asset_id = state.permitted(&who, &id, Permission::Delete, "asset.delete", format!("asset {id}")).await?;
    let reason = query.reason.map(|reason| reason.chars().take(2_000).collect::<String>());
    state
        .regie
        .trash_asset(&asset_id.to_string(), &who.caller.user.name, who.address.as_deref(), reason.as_deref())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Edits the descriptive metadata (write-metadata): only the fields sent change, an empty text
/// clears one. The answer is the whole record; the edit is audited and the asset reindexed.
#[utoipa::path(patch, path = "/api/v1/assets/{id}/metadata", tag = "assets", params(("id" = String, Path)),
    request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn metadata(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<regie_core::metadata_change::MetadataChange>,
) -> ApiResult<axum::Json<AssetRecord>> {
    let asset_id =
        state.permitted(&who, &id, Permission::WriteMetadata, "asset.metadata", format!("asset {id}")).await?;
    let reference = asset_id.to_string();
    let record = state.regie.edit_metadata(&reference, &change).await?;
    let detail = format!("fields {}", change.touched().join(" "));
    state.audit_by(&who, "asset.metadata", Some(reference), "ok", detail).await?;
    Ok(axum::Json(state.regie.record_as_seen_by(&who.access, record)))
}

/// The full report of an asset's verdict against one of its collection's policies: every rule
/// with what was measured and what was expected.
#[utoipa::path(get, path = "/api/v1/assets/{id}/verdicts/{policy}", tag = "assets",
    params(("id" = String, Path), ("policy" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn verdict_report(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, policy)): Path<(String, String)>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let record = state.regie.asset_as(&who.access, &id).await?;
    let verdict = record
        .verdicts
        .iter()
        .find(|verdict| verdict.policy == policy)
        .ok_or_else(|| ApiError::not_found(format!("asset {id} has no verdict for policy {policy:?}")))?;
    let report = serde_json::from_str(&verdict.report)
        .map_err(|error| ApiError::internal(format!("the stored report does not parse: {error}")))?;
    Ok(axum::Json(report))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// A built-in policy pack or one in DATA/policies/, by name.
    pub policy: String,
}

/// Checks an asset against a delivery policy now (ingest permission: it may decode the whole
/// file); the report is answered and the check audited, the asset is not changed.
#[utoipa::path(post, path = "/api/v1/assets/{id}/check", tag = "assets", params(("id" = String, Path)),
    request_body = CheckRequest,
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CheckRequest>,
) -> ApiResult<axum::Json<regie_app::CheckReport>> {
    let asset_id = state.permitted(&who, &id, Permission::Ingest, "asset.check", format!("asset {id}")).await?;
    let policy = regie_app::load_policy(&request.policy, state.regie.data_dir(), regie_app::Lookup::ByName)?;
    let reference = asset_id.to_string();
    let mut report = state.regie.check_asset(&reference, &policy).await?;
    // The file checked is the asset's original; its place in the store is nobody's business.
    report.path = state.regie.asset(&reference).await?.name;
    let outcome = if report.report.passed { "passed" } else { "failed" };
    state.audit_by(&who, "asset.check", Some(reference), "ok", format!("policy {}: {outcome}", request.policy)).await?;
    Ok(axum::Json(report))
}

/// Adds and removes tags (write-metadata).
#[utoipa::path(post, path = "/api/v1/assets/{id}/tags", tag = "assets", params(("id" = String, Path)), request_body = TagChange,
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tags(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<TagChange>,
) -> ApiResult<axum::Json<AssetRecord>> {
    let asset_id = state.permitted(&who, &id, Permission::WriteMetadata, "asset.tag", format!("asset {id}")).await?;
    let reference = asset_id.to_string();
    let mut record = None;
    if !change.add.is_empty() {
        record = Some(state.regie.tag_asset(&reference, &change.add).await?);
    }
    if !change.remove.is_empty() {
        record = Some(state.regie.untag_asset(&reference, &change.remove).await?);
    }
    let record = match record {
        Some(record) => record,
        None => state.regie.asset(&reference).await?,
    };
    let detail = serde_json::json!({ "add": change.add, "remove": change.remove }).to_string();
    state.audit_by(&who, "asset.tag", Some(reference), "ok", detail).await?;
    Ok(axum::Json(state.regie.record_as_seen_by(&who.access, record)))
}

/// A stored file of an asset (`original`, `proxy`, `poster`...), with Range support (download).
#[utoipa::path(get, path = "/api/v1/assets/{id}/files/{role}", tag = "assets",
    params(("id" = String, Path), ("role" = String, Path, description = "original, proxy, poster, storyboard...")),
    responses((status = 200, description = "the file"), (status = 206, description = "the requested range"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 416, description = "range not satisfiable")))]
pub async fn download(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, role)): Path<(String, String)>,
    request: Request,
) -> ApiResult<Response> {
    let asset_id =
        state.permitted(&who, &id, Permission::Download, "asset.download", format!("asset {id} file {role}")).await?;
    download_rights(&state, &who, asset_id).await?;
    let (path, file, asset) = state.regie.stored_file(asset_id, &role).await?;
    let what = format!("file {role} ({} bytes)", file.size);
    let range = range_of(&request);
    audit_download(&state, &who, asset_id, what, range.as_deref()).await?;
    // A download is a viewing for recommendations; the rest of a resumed one is not another.
    let first_bytes = range.as_deref().is_none_or(|range| range.starts_with("bytes=0-"));
    if first_bytes
        && let Err(error) = state.regie.record_viewing(&who.caller.user.id, asset_id, ViewingKind::Download, None).await
    {
        tracing::warn!(%error, "cannot record a download as a viewing");
    }
    let blob = Blob { stored: path, blake3: file.blake3, name: download_name(&asset.name, &role), content_type: None };
    serve_blob(&state, blob, request).await
}

/// A file of a rendition (a ladder's playlist or segment, a broadcast file), by its path in the
/// package, with Range support and the media type players expect (download).
#[utoipa::path(get, path = "/api/v1/assets/{id}/renditions/{profile}/{*path}", tag = "assets",
    params(("id" = String, Path), ("profile" = String, Path), ("path" = String, Path, description = "a file of the package, as master.m3u8")),
    responses((status = 200, description = "the file"), (status = 206, description = "the requested range"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rendition_file(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, profile, file)): Path<(String, String, String)>,
    request: Request,
) -> ApiResult<Response> {
    let what = format!("rendition {profile} file {file}");
    let asset_id =
        state.permitted(&who, &id, Permission::Download, "asset.download", format!("asset {id} {what}")).await?;
    download_rights(&state, &who, asset_id).await?;
    let (path, blake3, size) = state.regie.stored_rendition_file(asset_id, &profile, &file).await?;
    audit_download(&state, &who, asset_id, format!("{what} ({size} bytes)"), range_of(&request).as_deref()).await?;
    let name = file.rsplit('/').next().unwrap_or(&file);
    let blob =
        Blob { stored: path, blake3, name: download_name(name, "original"), content_type: Some(media_type(&file)) };
    serve_blob(&state, blob, request).await
}

/// A partner's download is checked against the rights for the partner's territory and platform;
/// a refusal is audited with its reasons.
pub(crate) async fn download_rights(state: &SharedState, who: &Authenticated, asset_id: AssetId) -> ApiResult<()> {
    match state.regie.check_download_rights(&who.caller, &asset_id.to_string()).await {
        Ok(()) => Ok(()),
        Err(error) => {
            state.audit_by(who, "asset.download", Some(asset_id.to_string()), "denied", error.to_string()).await?;
            Err(error.into())
        }
    }
}

/// Records a download (with the range asked for) before a byte is sent; a trail that cannot be
/// written (a full disk) does not stop reads: the failure is counted and `/readyz` reports it.
async fn audit_download(
    state: &SharedState,
    who: &Authenticated,
    asset_id: AssetId,
    what: String,
    range: Option<&str>,
) -> ApiResult<()> {
    let detail = match range {
        Some(range) => format!("{what} {range}"),
        None => what,
    };
    state.audit_read_by(who, "asset.download", Some(asset_id.to_string()), "ok", detail).await;
    Ok(())
}

fn range_of(request: &Request) -> Option<String> {
    request.headers().get(header::RANGE).and_then(|value| value.to_str().ok()).map(str::to_owned)
}

/// A blob of the bucket, the range asked for read as it is sent.
async fn serve_from_bucket(
    state: &SharedState,
    blake3: &regie_core::Blake3Hex,
    size: u64,
    range: Option<&str>,
) -> ApiResult<Response> {
    use crate::routes::ranges::{Wanted, wanted};
    let (status, part) = match wanted(range, size) {
        Wanted::Whole => (StatusCode::OK, 0..size),
        Wanted::Part(part) => (StatusCode::PARTIAL_CONTENT, part),
        Wanted::Unsatisfiable => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
    };
    let stream = if part.is_empty() {
        Box::pin(futures_util::stream::empty()) as regie_app::BlobStream
    } else {
        state.regie.read_blob_range(blake3, part.clone()).await?
    };
    let mut response = Response::new(axum::body::Body::from_stream(stream));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(part.end - part.start));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(value) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", part.start, part.end - 1))
    {
        headers.insert(header::CONTENT_RANGE, value);
    }
    Ok(response)
}

/// A stored file to send.
struct Blob {
    /// The stored file, or an object in the bucket.
    stored: regie_app::StoredBlob,
    blake3: String,
    name: String,
    /// `None` for `application/octet-stream`.
    content_type: Option<&'static str>,
}

/// Sends a blob with Range support (tower-http's ServeFile), named for saving, tagged by content.
async fn serve_blob(state: &SharedState, blob: Blob, request: Request) -> ApiResult<Response> {
    let mut response = match &blob.stored {
        regie_app::StoredBlob::File(local) => ServeFile::new(local.path())
            .oneshot(request)
            .await
            .map_err(|error| ApiError::internal(format!("cannot read the stored file: {error}")))?
            .into_response(),
        regie_app::StoredBlob::Remote { blake3, size } => {
            serve_from_bucket(state, blake3, *size, range_of(&request).as_deref()).await?
        }
    };
    if response.status() == StatusCode::NOT_FOUND {
        return Err(ApiError::internal(format!(
            "stored content {} is missing from the store: restore it from a backup or replica",
            blob.blake3
        )));
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(blob.content_type.unwrap_or("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", blob.name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", blob.blake3)) {
        headers.insert(header::ETAG, value);
    }
    Ok(response)
}

/// The media type of a rendition file, by its extension, so players can stream it.
fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mpd" => "application/dash+xml",
        "mp4" | "m4s" | "m4v" => "video/mp4",
        "m4a" => "audio/mp4",
        "mov" => "video/quicktime",
        "mxf" => "application/mxf",
        "wav" => "audio/wav",
        "vtt" => "text/vtt",
        "jpg" | "jpeg" => "image/jpeg",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// A safe file name for Content-Disposition: the asset's name for the original, else the name
/// with the role; quotes, slashes and control characters replaced.
fn download_name(asset_name: &str, role: &str) -> String {
    let name = if role == "original" { asset_name.to_owned() } else { format!("{asset_name}.{role}") };
    name.chars()
        .map(|character| {
            if character.is_control() || "\"\\/".contains(character) || !character.is_ascii() { '_' } else { character }
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The query: words, "phrases", prefix*, field:value, ranges, OR, -word.
    pub q: String,
    /// 1 to 500; 20 by default.
    pub limit: Option<usize>,
    /// Facets to count, comma-separated (`collection,codec,resolution,language,tag,year`, or a
    /// field the indexing rules make faceted); `default` for those six.
    pub facets: Option<String>,
    /// `relevance` (default), `date` (newest first) or `oldest`.
    pub sort: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `false` to search the words only; by default assets close in meaning to the free text are
    /// listed after the exact matches (`matched: "meaning"`) when semantic search is on.
    pub semantic: Option<bool>,
}

/// Full-text search among the assets the caller may read: hits and totals never include others.
#[utoipa::path(get, path = "/api/v1/search", tag = "assets", params(SearchQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<SharedState>,
    who: Authenticated,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<axum::Json<regie_app::SearchResults>> {
    let sort = match query.sort.as_deref() {
        None => SortOrder::Relevance,
        Some(text) => SortOrder::parse(text).ok_or_else(|| {
            ApiError::bad_request("invalid-query", format!("sort={text:?}: use relevance, date or oldest"))
        })?,
    };
    let options = SearchOptions {
        limit: query.limit.unwrap_or(20).clamp(1, 500),
        cursor: query.cursor,
        sort,
        facets: query.facets.as_deref().map(SearchOptions::facet_list).unwrap_or_default(),
        semantic: query.semantic.unwrap_or(true),
    };
    Ok(axum::Json(state.regie.search(&query.q, who.access.readable(), options).await?))
}
