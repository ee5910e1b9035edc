//! Keys of protected packages: the raw 16 bytes for HLS AES-128 players (`GET`), a ClearKey
//! licence (a JSON Web Key set) for DASH players (`POST`). Only for a caller who may download
//! the asset; a key of an asset they cannot see is not found. Every answer is audited.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use regie_app::Permission;
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::SharedState;

/// A ClearKey licence request (W3C Encrypted Media Extensions): the key ids asked for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LicenceRequest {
    /// Key ids in unpadded base64url.
    #[serde(default)]
    pub kids: Vec<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// The key's 16 bytes (an HLS `EXT-X-KEY` URI).
#[utoipa::path(get, path = "/api/v1/keys/{id}", tag = "keys", params(("id" = String, Path, description = "32 hex digits")),
    responses((status = 200, description = "the key, 16 bytes"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn raw(State(state): State<SharedState>, who: Authenticated, Path(id): Path<String>) -> ApiResult<Response> {
    let (key, _) = opened(&state, &who, &id, "raw").await?;
    let mut response = key.key.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A ClearKey licence: `{"keys": [{"kty": "oct", "kid", "k"}], "type": "temporary"}`.
#[utoipa::path(post, path = "/api/v1/keys/{id}", tag = "keys", params(("id" = String, Path, description = "32 hex digits")),
    request_body = LicenceRequest,
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn licence(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LicenceRequest>,
) -> ApiResult<Response> {
    let (key, _) = opened(&state, &who, &id, "ClearKey licence").await?;
    let (kid, k) = key.jwk();
    let asked_for = |asked: &String| {
        let decode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('='));
        decode(asked).is_ok_and(|bytes| bytes == key.id)
    };
    let keys = if request.kids.is_empty() || request.kids.iter().any(asked_for) {
        vec![serde_json::json!({ "kty": "oct", "kid": kid, "k": k })]
    } else {
        Vec::new()
    };
    let kind = request.kind.filter(|kind| kind == "persistent-license").unwrap_or_else(|| "temporary".to_owned());
    let mut response = axum::Json(serde_json::json!({ "keys": keys, "type": kind })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The key of `id` if the caller may download its asset; the answer audited either way.
async fn opened(
    state: &SharedState,
    who: &Authenticated,
    id: &str,
    form: &str,
) -> ApiResult<(regie_protect::ContentKey, regie_db::ContentKeyRow)> {
    let detail = format!("key {id} ({form})");
    let checked = async {
        let asset = state.regie.content_key_asset(id).await?;
        let asset_id = state.permitted(who, &asset, Permission::Download, "key.serve", detail.clone()).await?;
        crate::routes::assets::download_rights(state, who, asset_id).await?;
        let (key, row) = state.regie.open_content_key(id).await?;
        Ok::<_, crate::error::ApiError>((asset_id, key, row))
    };
    match checked.await {
        Ok((asset_id, key, row)) => {
            let served = format!("{detail} of rendition {} ({})", row.rendition, row.scheme);
            state.audit_by(who, "key.serve", Some(asset_id.to_string()), "ok", served).await?;
            Ok((key, row))
        }
        Err(error) => {
            state.audit_read_by(who, "key.serve", None, "refused", detail).await;
            Err(error)
        }
    }
}
