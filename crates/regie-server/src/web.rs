//! The media desk: the browser application built from `web/` (Svelte, by `scripts/build-web.sh`)
//! and embedded in the binary, served at `/` from the same origin as the API. Hashed assets are
//! cached for a year; `index.html` is revalidated; any other path that is not a file is the
//! application's own route and gets `index.html`. Nothing is fetched from elsewhere: the
//! content security policy allows this origin only.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist/"]
struct Assets;

/// Scripts, styles, media and connections from this origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
     style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// Shown when the binary was built without the application (a plain `cargo build`).
const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>regie</title>\
<p>This regie was built without its web desk. Run <code>bash scripts/build-web.sh</code> and build \
regie again; the API is at <a href=\"/api/v1/openapi.json\">/api/v1</a>.";

pub(crate) async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    // Only names inside the embedded folder: a debug build reads it from disk.
    if path.split('/').any(|part| part == ".." || part.contains('\\')) {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    let (file, name) = match Assets::get(path).filter(|_| !path.is_empty()) {
        Some(file) => (file, path),
        // The application's own routes (and `/`) are index.html.
        None if !path.contains('.') => match Assets::get("index.html") {
            Some(file) => (file, "index.html"),
            None => return with_security_headers(Html(NOT_BUILT).into_response()),
        },
        None => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut response = (
        [
            (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
            (header::CACHE_CONTROL, cache.to_owned()),
            (header::ETAG, format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]))),
        ],
        file.data,
    )
        .into_response();
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    with_security_headers(response)
}

fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
