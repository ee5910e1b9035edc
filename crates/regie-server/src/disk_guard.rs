//! A full disk (issue 12): requests that would write are refused with 507 `disk-full` before
//! they change anything (a change whose audit entry cannot be written must not happen), while
//! reads keep working and `/readyz` reports the disk.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::SharedState;

/// Free space below which the data folder counts as full: room for the audit trail, the WAL and
/// a sidecar file, not for media.
pub(crate) const LOW_DISK_BYTES: u64 = 32 << 20;

pub(crate) async fn refuse_writes_on_a_full_disk(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    match state.regie.free_bytes() {
        Ok(free) if free < LOW_DISK_BYTES => {
            let mut response = ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "disk-full",
                format!("the server's disk is full ({free} bytes free): nothing can be changed until space is freed"),
            )
            .into_response();
            // The request's body is left unread, so this connection cannot carry another request:
            // say so, and the client opens a new one instead of finding this one closed.
            response
                .headers_mut()
                .insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
            response
        }
        _ => next.run(request).await,
    }
}
