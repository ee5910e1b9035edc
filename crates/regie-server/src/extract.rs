//! Request extractors whose rejections are API errors: JSON bodies and query strings that do not
//! parse get a 400 `{code, message}`, never axum's plain-text answer.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};

use crate::error::ApiError;

/// A JSON body; request types deny unknown fields, so a typo is an error, not a silent default.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

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
        let mut error = ApiError::bad_request(code, rejection.body_text());
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            error.status = rejection.status();
            error.code = "body-too-large".to_owned();
        }
        error
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid-query", rejection.body_text())
    }
}
