//! Resumable uploads, tus 1.0 (core, creation, termination, checksum with md5 or sha1).
//!
//! An upload is two files in `DATA/uploads/`: `ID.json` (its length, name, target collection and
//! owner) and `ID.part` (the bytes received so far; its size is the offset). A PATCH is streamed
//! to disk; without a checksum the bytes received before a broken connection are kept and the
//! client resumes at the offset HEAD reports; with a checksum the chunk is kept only when it
//! matches. The last byte hands the file to the same ingest as the command line.

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::Md5;
use regie_app::ingest::{FileOutcome, IngestObserver, IngestRequest, IngestStatus};
use regie_core::CollectionPath;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use tokio::io::AsyncWriteExt;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::SharedState;

const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,termination,checksum";
const CHECKSUMS: &str = "md5,sha1";
/// tus's status for a chunk whose checksum does not match.
const CHECKSUM_MISMATCH: u16 = 460;

/// One lock per upload, so two PATCH requests never write the same file at once.
#[derive(Debug, Default)]
pub struct UploadLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl UploadLocks {
    fn of(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.lock().expect("upload locks");
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        Arc::clone(locks.entry(id.to_owned()).or_default())
    }
}

/// What is known of an upload besides its bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadInfo {
    pub id: String,
    pub length: u64,
    pub filename: String,
    pub collection: String,
    pub owner_id: String,
    pub created_at: String,
    /// Set once the upload is complete and ingested.
    pub asset_id: Option<String>,
    pub house_id: Option<String>,
}

fn tus_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
}

fn tus_error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// The server's tus capabilities.
#[utoipa::path(options, path = "/api/v1/uploads", tag = "uploads", responses((status = 204, description = "tus capabilities")))]
pub async fn options(State(state): State<SharedState>) -> Response {
    let mut headers = tus_headers();
    headers.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    headers.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    headers.insert("tus-checksum-algorithm", HeaderValue::from_static(CHECKSUMS));
    headers.insert("tus-max-size", HeaderValue::from(state.options.max_upload_bytes));
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// Creates an upload. `Upload-Length` is required; `Upload-Metadata` carries `filename` and
/// optionally `collection` (base64 values, as tus says). Needs ingest on the collection.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "uploads",
    responses((status = 201, description = "created; Location names the upload"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn create(State(state): State<SharedState>, who: Authenticated, headers: HeaderMap) -> ApiResult<Response> {
    check_version(&headers)?;
    let length: u64 = header_text(&headers, "upload-length")
        .ok_or_else(|| {
            ApiError::bad_request("upload-length-missing", "send Upload-Length (deferred lengths are not supported)")
        })?
        .parse()
        .map_err(|_| ApiError::bad_request("invalid-upload-length", "Upload-Length must be a whole number of bytes"))?;
    if length > state.options.max_upload_bytes {
        return Err(tus_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload-too-large",
            format!("{length} bytes is more than this server accepts ({} bytes)", state.options.max_upload_bytes),
        ));
    }
    let metadata = parse_metadata(header_text(&headers, "upload-metadata").unwrap_or_default())?;
    let filename = safe_filename(metadata.get("filename").map(String::as_str).unwrap_or_default())?;
    let collection: CollectionPath = match metadata.get("collection") {
        Some(text) => text.parse().map_err(regie_app::AppError::from)?,
        None => CollectionPath::default_collection(),
    };
    if let Err(error) = state.regie.check_may_ingest(&who.access, &collection) {
        state.audit_by(&who, "upload.create", None, "denied", format!("{filename} into {collection}")).await?;
        return Err(error.into());
    }
    let folder = uploads_folder(&state)?;
    let id = uuid::Uuid::now_v7().simple().to_string();
    let info = UploadInfo {
        id: id.clone(),
        length,
        filename: filename.clone(),
        collection: collection.as_str().to_owned(),
        owner_id: who.caller.user.id.clone(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        asset_id: None,
        house_id: None,
    };
    tokio::fs::File::create(folder.join(format!("{id}.part"))).await.map_err(io_error)?;
    write_info(&folder, &info).await?;
    state
        .audit_by(
            &who,
            "upload.create",
            None,
            "ok",
            format!("upload {id}: {filename} ({length} bytes) into {collection}"),
        )
        .await?;
    let mut headers = tus_headers();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/api/v1/uploads/{id}"))
            .map_err(|error| ApiError::internal(error.to_string()))?,
    );
    headers.insert("upload-offset", HeaderValue::from(0u64));
    Ok((StatusCode::CREATED, headers).into_response())
}

/// The offset reached so far.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path)),
    responses((status = 200, description = "Upload-Offset and Upload-Length"), (status = 404, description = "no such upload")))]
pub async fn head(State(state): State<SharedState>, who: Authenticated, Path(id): Path<String>) -> ApiResult<Response> {
    let (folder, info) = own_upload(&state, &who, &id).await?;
    let offset = offset_of(&folder, &info).await?;
    let mut headers = tus_headers();
    headers.insert("upload-offset", HeaderValue::from(offset));
    headers.insert("upload-length", HeaderValue::from(info.length));
    if let Some(asset_id) = &info.asset_id {
        headers.insert(
            HeaderName::from_static("regie-asset-id"),
            HeaderValue::from_str(asset_id).map_err(|error| ApiError::internal(error.to_string()))?,
        );
    }
    Ok((StatusCode::OK, headers).into_response())
}

/// The upload as JSON: its offset, and the asset once ingested.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let (folder, info) = own_upload(&state, &who, &id).await?;
    let offset = offset_of(&folder, &info).await?;
    let mut value = serde_json::to_value(&info).map_err(|error| ApiError::internal(error.to_string()))?;
    value["offset"] = offset.into();
    Ok(axum::Json(value))
}

/// Appends bytes at `Upload-Offset`; the last byte ingests the file and the answer carries
/// `Regie-Asset-Id`.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path)),
    responses((status = 204, description = "bytes accepted; Upload-Offset is the new offset"),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 460, body = ErrorBody)))]
pub async fn patch(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let headers = request.headers().clone();
    check_version(&headers)?;
    if header_text(&headers, "content-type") != Some("application/offset+octet-stream") {
        return Err(tus_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong-content-type",
            "send PATCH bodies as application/offset+octet-stream",
        ));
    }
    let (folder, info) = own_upload(&state, &who, &id).await?;
    let lock = state.upload_locks.of(&id);
    let Ok(_guard) = lock.try_lock() else {
        return Err(tus_error(
            StatusCode::LOCKED,
            "upload-busy",
            "another request is writing this upload; retry after it ends",
        ));
    };
    let offset = offset_of(&folder, &info).await?;
    let claimed: u64 = header_text(&headers, "upload-offset")
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| ApiError::bad_request("upload-offset-missing", "send Upload-Offset"))?;
    if claimed != offset {
        return Err(tus_error(
            StatusCode::CONFLICT,
            "offset-mismatch",
            format!("the upload is at offset {offset}, not {claimed}: ask HEAD and resume there"),
        ));
    }
    if info.asset_id.is_some() || offset == info.length && info.length > 0 {
        return Err(tus_error(StatusCode::CONFLICT, "upload-complete", "this upload is already complete"));
    }
    let checksum = header_text(&headers, "upload-checksum").map(parse_checksum).transpose()?;
    let remaining = info.length - offset;
    let written = match checksum {
        None => append(&folder.join(format!("{id}.part")), request.into_body(), remaining, None).await?,
        Some(expected) => {
            // The chunk is kept aside until its checksum is known to match.
            let chunk_path = folder.join(format!("{id}.chunk"));
            let outcome = append_checked(&folder, &id, &chunk_path, request.into_body(), remaining, expected).await;
            let _ = tokio::fs::remove_file(&chunk_path).await;
            outcome?
        }
    };
    let new_offset = offset + written;
    let mut response_headers = tus_headers();
    response_headers.insert("upload-offset", HeaderValue::from(new_offset));
    if new_offset == info.length {
        let (asset_id, house_id) = complete(&state, &who, &folder, info).await?;
        response_headers.insert(
            HeaderName::from_static("regie-asset-id"),
            HeaderValue::from_str(&asset_id).map_err(|error| ApiError::internal(error.to_string()))?,
        );
        response_headers.insert(
            HeaderName::from_static("regie-house-id"),
            HeaderValue::from_str(&house_id).map_err(|error| ApiError::internal(error.to_string()))?,
        );
    }
    Ok((StatusCode::NO_CONTENT, response_headers).into_response())
}

/// Abandons an upload and removes its bytes (termination).
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
pub async fn terminate(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (folder, _) = own_upload(&state, &who, &id).await?;
    let lock = state.upload_locks.of(&id);
    let _guard = lock.lock().await;
    for extension in ["part", "chunk", "json"] {
        let _ = tokio::fs::remove_file(folder.join(format!("{id}.{extension}"))).await;
    }
    state.audit_by(&who, "upload.terminate", None, "ok", format!("upload {id}")).await?;
    Ok((StatusCode::NO_CONTENT, tus_headers()).into_response())
}

/// Streams `body` onto the end of `path`, refusing more than `remaining` bytes; returns the
/// bytes kept. What arrived before a broken connection is kept (and synced) so the client can
/// resume from it.
async fn append(path: &FsPath, body: Body, remaining: u64, mut hashers: Option<&mut Hashers>) -> ApiResult<u64> {
    use futures_util::StreamExt;
    let mut file = tokio::fs::OpenOptions::new().append(true).open(path).await.map_err(io_error)?;
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    let mut failure: Option<ApiError> = None;
    while let Some(frame) = stream.next().await {
        let bytes = match frame {
            Ok(bytes) => bytes,
            Err(error) => {
                failure = Some(ApiError::bad_request("upload-interrupted", format!("the connection broke: {error}")));
                break;
            }
        };
        if written + bytes.len() as u64 > remaining {
            failure = Some(tus_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "beyond-upload-length",
                "the body goes past Upload-Length",
            ));
            break;
        }
        if let Err(error) = file.write_all(&bytes).await {
            failure = Some(io_error(error));
            break;
        }
        if let Some(hashers) = hashers.as_deref_mut() {
            hashers.update(&bytes);
        }
        written += bytes.len() as u64;
    }
    // What arrived is synced either way: HEAD then reports it and the client resumes there.
    file.sync_all().await.map_err(io_error)?;
    failure.map_or(Ok(written), Err)
}

enum Expected {
    Md5(Vec<u8>),
    Sha1(Vec<u8>),
}

struct Hashers {
    md5: Md5,
    sha1: sha1::Sha1,
}

impl Hashers {
    fn update(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
        self.sha1.update(bytes);
    }
}

async fn append_checked(
    folder: &FsPath,
    id: &str,
    chunk_path: &FsPath,
    body: Body,
    remaining: u64,
    expected: Expected,
) -> ApiResult<u64> {
    tokio::fs::File::create(chunk_path).await.map_err(io_error)?;
    let mut hashers = Hashers { md5: Md5::new(), sha1: sha1::Sha1::new() };
    let written = append(chunk_path, body, remaining, Some(&mut hashers)).await?;
    let matches = match &expected {
        Expected::Md5(digest) => hashers.md5.finalize().as_slice() == digest.as_slice(),
        Expected::Sha1(digest) => hashers.sha1.finalize().as_slice() == digest.as_slice(),
    };
    if !matches {
        return Err(tus_error(
            StatusCode::from_u16(CHECKSUM_MISMATCH).unwrap_or(StatusCode::BAD_REQUEST),
            "checksum-mismatch",
            "the chunk does not match Upload-Checksum; it was discarded: send it again",
        ));
    }
    let part = folder.join(format!("{id}.part"));
    let mut source = tokio::fs::File::open(chunk_path).await.map_err(io_error)?;
    let mut target = tokio::fs::OpenOptions::new().append(true).open(&part).await.map_err(io_error)?;
    tokio::io::copy(&mut source, &mut target).await.map_err(io_error)?;
    target.sync_all().await.map_err(io_error)?;
    Ok(written)
}

/// Ingests a complete upload: the bytes move to `DATA/uploads/ID/FILENAME` (so the asset keeps
/// its name), go through the ingest pipeline, and are removed once stored.
async fn complete(
    state: &SharedState,
    who: &Authenticated,
    folder: &FsPath,
    mut info: UploadInfo,
) -> ApiResult<(String, String)> {
    let landing = folder.join(&info.id);
    tokio::fs::create_dir_all(&landing).await.map_err(io_error)?;
    let file = landing.join(&info.filename);
    tokio::fs::rename(folder.join(format!("{}.part", info.id)), &file).await.map_err(io_error)?;
    let collection: CollectionPath = info.collection.parse().map_err(regie_app::AppError::from)?;
    let request = IngestRequest {
        paths: vec![file.clone()],
        collection,
        tags: Vec::new(),
        owner_id: Some(info.owner_id.clone()),
        uploaded: true,
    };
    let observer = Arc::new(Outcomes::default());
    state.regie.ingest(request, Arc::clone(&observer) as Arc<dyn IngestObserver>).await?;
    let outcome =
        observer.0.lock().expect("outcomes").pop().ok_or_else(|| ApiError::internal("the ingest reported nothing"))?;
    let Some(asset_id) = outcome.asset_id.map(|id| id.to_string()) else {
        // Keep the bytes where they were, so the client can see the upload failed.
        let _ = tokio::fs::rename(&file, folder.join(format!("{}.part", info.id))).await;
        let message = outcome.error.clone().unwrap_or_else(|| "the file could not be ingested".to_owned());
        state.audit_by(who, "upload.ingest", None, "failed", format!("upload {}: {message}", info.id)).await?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome.code.as_deref().unwrap_or("ingest-failed"),
            message,
        ));
    };
    if outcome.status == IngestStatus::Duplicate
        && state.regie.asset_for(&who.access, &asset_id, regie_app::Permission::Read).await.is_err()
    {
        let _ = tokio::fs::remove_dir_all(&landing).await;
        state
            .audit_by(
                who,
                "upload.ingest",
                None,
                "failed",
                format!("upload {}: duplicate of an asset the caller may not read", info.id),
            )
            .await?;
        return Err(ApiError::new(StatusCode::CONFLICT, "duplicate-content", "this content is already catalogued"));
    }
    let house_id = match outcome.house_id {
        Some(house_id) => house_id,
        None => state.regie.asset(&asset_id).await?.house_id,
    };
    let _ = tokio::fs::remove_dir_all(&landing).await;
    info.asset_id = Some(asset_id.clone());
    info.house_id = Some(house_id.clone());
    write_info(folder, &info).await?;
    let how = if outcome.status == IngestStatus::Duplicate { "duplicate of" } else { "ingested as" };
    state
        .audit_by(
            who,
            "upload.ingest",
            Some(asset_id.clone()),
            "ok",
            format!("upload {}: {} {how} {house_id}", info.id, info.filename),
        )
        .await?;
    Ok((asset_id, house_id))
}

/// Keeps the outcome of the one file ingested.
#[derive(Default)]
struct Outcomes(Mutex<Vec<FileOutcome>>);

impl IngestObserver for Outcomes {
    fn planned(&self, _files: u64, _bytes: u64) {}
    fn bytes_copied(&self, _bytes: u64) {}
    fn skipped(&self, _path: &FsPath, _reason: &str) {}
    fn file_done(&self, outcome: &FileOutcome) {
        self.0.lock().expect("outcomes").push(outcome.clone());
    }
}

/// The upload if the caller owns it (or is an admin); otherwise 404, like a missing one.
async fn own_upload(state: &SharedState, who: &Authenticated, id: &str) -> ApiResult<(PathBuf, UploadInfo)> {
    let missing = || ApiError::not_found(format!("no upload {id}"));
    if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let folder = uploads_folder(state)?;
    let text = tokio::fs::read_to_string(folder.join(format!("{id}.json"))).await.map_err(|_| missing())?;
    let info: UploadInfo = serde_json::from_str(&text)
        .map_err(|error| ApiError::internal(format!("upload {id} is unreadable: {error}")))?;
    if info.owner_id != who.caller.user.id && !who.access.is_admin() {
        return Err(missing());
    }
    Ok((folder, info))
}

async fn offset_of(folder: &FsPath, info: &UploadInfo) -> ApiResult<u64> {
    if info.asset_id.is_some() {
        return Ok(info.length);
    }
    Ok(tokio::fs::metadata(folder.join(format!("{}.part", info.id))).await.map_err(io_error)?.len())
}

fn uploads_folder(state: &SharedState) -> ApiResult<PathBuf> {
    let folder = state.regie.data_dir().join("uploads");
    std::fs::create_dir_all(&folder).map_err(io_error)?;
    Ok(folder)
}

async fn write_info(folder: &FsPath, info: &UploadInfo) -> ApiResult<()> {
    let text = serde_json::to_vec_pretty(info).map_err(|error| ApiError::internal(error.to_string()))?;
    let temporary = folder.join(format!("{}.json.tmp", info.id));
    tokio::fs::write(&temporary, text).await.map_err(io_error)?;
    tokio::fs::rename(&temporary, folder.join(format!("{}.json", info.id))).await.map_err(io_error)
}

fn check_version(headers: &HeaderMap) -> ApiResult<()> {
    match header_text(headers, "tus-resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(tus_error(StatusCode::PRECONDITION_FAILED, "tus-version", "send Tus-Resumable: 1.0.0")),
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim)
}

/// `key base64,key base64`: tus metadata.
fn parse_metadata(text: &str) -> ApiResult<HashMap<String, String>> {
    let mut metadata = HashMap::new();
    for pair in text.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes = base64_decode(value.trim()).ok_or_else(|| {
            ApiError::bad_request("invalid-upload-metadata", format!("the value of {key} is not base64"))
        })?;
        let value = String::from_utf8(bytes).map_err(|_| {
            ApiError::bad_request("invalid-upload-metadata", format!("the value of {key} is not UTF-8"))
        })?;
        metadata.insert(key.to_owned(), value);
    }
    Ok(metadata)
}

fn parse_checksum(text: &str) -> ApiResult<Expected> {
    let invalid =
        || ApiError::bad_request("invalid-checksum", "write Upload-Checksum as `md5 BASE64` or `sha1 BASE64`");
    let (algorithm, value) = text.split_once(' ').ok_or_else(invalid)?;
    let digest = base64_decode(value.trim()).ok_or_else(invalid)?;
    match algorithm {
        "md5" if digest.len() == 16 => Ok(Expected::Md5(digest)),
        "sha1" if digest.len() == 20 => Ok(Expected::Sha1(digest)),
        "md5" | "sha1" => Err(invalid()),
        _ => Err(tus_error(
            StatusCode::BAD_REQUEST,
            "unsupported-checksum",
            format!("{algorithm} is not supported: use md5 or sha1"),
        )),
    }
}

/// A file name from a client, reduced to a safe single name: no folders, no `..`, no control
/// characters, no hidden files.
pub fn safe_filename(name: &str) -> ApiResult<String> {
    let invalid =
        |why: &str| ApiError::bad_request("invalid-filename", format!("the filename {name:?} is refused: {why}"));
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid("send Upload-Metadata with a filename"));
    }
    if trimmed.contains(['/', '\\']) || trimmed == "." || trimmed == ".." || trimmed.contains("..") {
        return Err(invalid("a file name may not name folders"));
    }
    if trimmed.starts_with('.') || trimmed.chars().any(char::is_control) || trimmed.len() > 255 {
        return Err(invalid("use a visible name of at most 255 bytes without control characters"));
    }
    Ok(trimmed.to_owned())
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn io_error(error: std::io::Error) -> ApiError {
    if regie_app::is_disk_full(&error) {
        return ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "disk-full",
            "the server's disk is full: the upload is kept up to its offset; resume later",
        );
    }
    ApiError::internal(format!("upload storage failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_file_names_are_refused() {
        for bad in ["../../etc/passwd", "a/b.mxf", "..\\x.mxf", ".hidden", "", "a\u{0}b", "..", "x..y"] {
            assert!(safe_filename(bad).is_err(), "{bad:?}");
        }
        assert_eq!(safe_filename(" JT 20h.mxf ").unwrap(), "JT 20h.mxf");
        assert_eq!(safe_filename("Télé été.mov").unwrap(), "Télé été.mov");
    }

    #[test]
    fn metadata_and_checksums_are_decoded() {
        let metadata = parse_metadata("filename Y2xpcC5teGY=,collection bmV3cy8yMDI2").unwrap();
        assert_eq!(metadata["filename"], "clip.mxf");
        assert_eq!(metadata["collection"], "news/2026");
        assert!(parse_metadata("filename ***").is_err());
        assert!(matches!(parse_checksum("md5 XrY7u+Ae7tCTyyK7j1rNww==").unwrap(), Expected::Md5(_)));
        assert!(parse_checksum("crc32 AAAA").is_err());
    }
}
