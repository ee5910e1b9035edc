//! Request extractors whose rejections are API errors: JSON bodies and query strings that do not
//! parse get a 400 `{code, message}`, never axum's plain-text answer.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::JSON_BODY_LIMIT;
use crate::error::ApiError;

/// A JSON body; request types deny unknown fields, so a typo is an error, not a silent default.
/// A body announced larger than the limit is refused before a byte of it is read, so a client
/// waiting for `100 Continue` never uploads it.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if announced.is_some_and(|length| length > JSON_BODY_LIMIT as u64) {
            return Err(too_large());
        }
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        format!("request bodies are limited to {JSON_BODY_LIMIT} bytes"),
    )
}

/// A query string.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let code = match rejection {
            JsonRejection::MissingJsonContentType(_) => "unsupported-media-type",
            JsonRejection::JsonSyntaxError(_) => "malformed-json",
            JsonRejection::JsonDataError(_) => "invalid-json",
            _ => "invalid-body",
        };
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        ApiError::bad_request(code, rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid-query", rejection.body_text())
    }
}
