//! Resumable uploads, tus 1.0 (core, creation, termination, checksum with md5 or sha1): this
//! module speaks the protocol; keeping uploads, checking who may continue them and handing them
//! to ingest is `regie-app`'s (`Regie::create_upload`, `open_upload`, `complete_upload`).
//!
//! A PATCH is streamed to disk; without a checksum the bytes received before a broken connection
//! are kept and the client resumes at the offset HEAD reports; with a checksum the chunk is kept
//! only when it matches. The last byte hands the file to the same ingest as the command line; if
//! the server stopped during that ingest, the next HEAD, GET or PATCH finishes it.

use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::Md5;
use regie_app::{AppError, Completion, NewUpload, UploadInfo, UploadLimits};
use regie_core::{CollectionPath, ErrorKind};
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
    let metadata = parse_metadata(header_text(&headers, "upload-metadata").unwrap_or_default())?;
    let filename = safe_filename(metadata.get("filename").map(String::as_str).unwrap_or_default())?;
    let collection: CollectionPath = match metadata.get("collection") {
        Some(text) => text.parse().map_err(AppError::from)?,
        None => CollectionPath::default_collection(),
    };
    let limits = UploadLimits { max_bytes: state.options.max_upload_bytes, max_open: state.options.max_open_uploads };
    let new = NewUpload { filename: filename.clone(), collection: collection.clone(), length };
    let info = match state.regie.create_upload(&who.access, new, limits).await {
        Ok(info) => info,
        Err(error) => {
            if error.kind() == ErrorKind::Forbidden {
                state.audit_by(&who, "upload.create", None, "denied", format!("{filename} into {collection}")).await?;
            }
            return Err(match error.kind() {
                ErrorKind::TooLarge => ApiError::from(error).with_code("upload-too-large"),
                _ => error.into(),
            });
        }
    };
    let id = info.id;
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
    headers.insert(header::LOCATION, header_value(&format!("/api/v1/uploads/{id}"))?);
    headers.insert("upload-offset", HeaderValue::from(0u64));
    Ok((StatusCode::CREATED, headers).into_response())
}

/// The offset reached so far.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = String, Path)),
    responses((status = 200, description = "Upload-Offset and Upload-Length"), (status = 404, description = "no such upload")))]
pub async fn head(State(state): State<SharedState>, who: Authenticated, Path(id): Path<String>) -> ApiResult<Response> {
    let info = finish_interrupted(&state, &who, open(&state, &who, &id, "upload.head").await?).await?;
    let offset = state.regie.upload_offset(&info).await?;
    let mut headers = tus_headers();
    headers.insert("upload-offset", HeaderValue::from(offset));
    headers.insert("upload-length", HeaderValue::from(info.length));
    if let Some(asset_id) = &info.asset_id {
        headers.insert(HeaderName::from_static("regie-asset-id"), header_value(asset_id)?);
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
    let info = finish_interrupted(&state, &who, open(&state, &who, &id, "upload.status").await?).await?;
    let offset = state.regie.upload_offset(&info).await?;
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
    let info = open(&state, &who, &id, "upload.patch").await?;
    let lock = state.upload_locks.of(&id);
    let Ok(_guard) = lock.try_lock() else {
        return Err(tus_error(
            StatusCode::LOCKED,
            "upload-busy",
            "another request is writing this upload; retry after it ends",
        ));
    };
    let offset = state.regie.upload_offset(&info).await?;
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
    if info.is_finished() {
        return Err(tus_error(StatusCode::CONFLICT, "upload-complete", "this upload is already complete"));
    }
    let written = if offset == info.length {
        // Every byte is there but the ingest was interrupted: this PATCH completes it again.
        0
    } else {
        let part = state.regie.upload_part_path(&id)?;
        let remaining = info.length - offset;
        match header_text(&headers, "upload-checksum").map(parse_checksum).transpose()? {
            None => append(&part, request.into_body(), remaining, None).await?,
            Some(expected) => {
                // The chunk is kept aside until its checksum is known to match.
                let chunk_path = part.with_extension("chunk");
                let outcome = append_checked(&part, &chunk_path, request.into_body(), remaining, expected).await;
                let _ = tokio::fs::remove_file(&chunk_path).await;
                outcome?
            }
        }
    };
    let new_offset = offset + written;
    let mut response_headers = tus_headers();
    response_headers.insert("upload-offset", HeaderValue::from(new_offset));
    if new_offset == info.length {
        let ingested = complete(&state, &who, info).await?;
        if let Some((asset_id, house_id)) = ingested {
            response_headers.insert(HeaderName::from_static("regie-asset-id"), header_value(&asset_id)?);
            response_headers.insert(HeaderName::from_static("regie-house-id"), header_value(&house_id)?);
        }
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
    open(&state, &who, &id, "upload.terminate").await?;
    let lock = state.upload_locks.of(&id);
    let _guard = lock.lock().await;
    state.regie.remove_upload(&id).await?;
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
    part: &FsPath,
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
    let mut source = tokio::fs::File::open(chunk_path).await.map_err(io_error)?;
    let mut target = tokio::fs::OpenOptions::new().append(true).open(part).await.map_err(io_error)?;
    tokio::io::copy(&mut source, &mut target).await.map_err(io_error)?;
    target.sync_all().await.map_err(io_error)?;
    Ok(written)
}

/// Hands a complete upload to ingest and audits how it ended; the asset's ids when there is one
/// the caller may see.
async fn complete(state: &SharedState, who: &Authenticated, info: UploadInfo) -> ApiResult<Option<(String, String)>> {
    let upload = info.id.clone();
    match state.regie.complete_upload(&who.access, info).await? {
        Completion::Ingested { asset_id, house_id, duplicate } => {
            let how = if duplicate { "duplicate of" } else { "ingested as" };
            let detail = format!("upload {upload}: {how} {house_id}");
            state.audit_by(who, "upload.ingest", Some(asset_id.clone()), "ok", detail).await?;
            Ok(Some((asset_id, house_id)))
        }
        Completion::Held => {
            // Answered as any completed upload: the other asset is neither named nor touched.
            let detail = format!("upload {upload}: held, the content is catalogued where the uploader may not read it");
            state.audit_by(who, "upload.ingest", None, "held", detail).await?;
            Ok(None)
        }
        Completion::Failed { code, message } => {
            let message = state.regie.redact_paths(&who.access, &message);
            state.audit_by(who, "upload.ingest", None, "failed", format!("upload {upload}: {message}")).await?;
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, &code, message))
        }
    }
}

/// Finishes an upload whose ingest a stopped server left undone, before answering about it.
async fn finish_interrupted(state: &SharedState, who: &Authenticated, info: UploadInfo) -> ApiResult<UploadInfo> {
    if !state.regie.upload_needs_completion(&info).await? {
        return Ok(info);
    }
    let lock = state.upload_locks.of(&info.id);
    let Ok(_guard) = lock.try_lock() else { return Ok(info) };
    let id = info.id.clone();
    complete(state, who, info).await?;
    Ok(state.regie.open_upload(&who.access, &id).await?)
}

/// The upload if the caller may continue it: checked on every request, so a withdrawn grant or
/// a read-only token stops an upload already begun (audited as denied).
async fn open(state: &SharedState, who: &Authenticated, id: &str, action: &str) -> ApiResult<UploadInfo> {
    match state.regie.open_upload(&who.access, id).await {
        Ok(info) => Ok(info),
        Err(error) => {
            if error.kind() == ErrorKind::Forbidden {
                state.audit_by(who, action, None, "denied", format!("upload {id}")).await?;
            }
            Err(error.into())
        }
    }
}

fn header_value(text: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(text).map_err(|error| ApiError::internal(error.to_string()))
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
