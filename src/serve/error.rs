//! Errors as the API answers them: `{"error": "<message>", "kind": "<kind>"}`
//! with the status the kind stands for.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::action::ActionError;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `kind` field.
    pub kind: &'static str,
    /// The `error` field: the message the CLI prints.
    pub message: String,
}

impl ApiError {
    /// An error with an explicit status and kind.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    /// Bad input: 422.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", message)
    }

    /// Unknown route or release: 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", message)
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> ApiError {
        let kind = e.kind();
        let status =
            StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError {
            status,
            kind: kind.as_str(),
            message: e.to_string(),
        }
    }
}

impl From<crate::present::PresentError> for ApiError {
    fn from(e: crate::present::PresentError) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string())
    }
}

impl From<crate::action::diff::DiffError> for ApiError {
    fn from(e: crate::action::diff::DiffError) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string())
    }
}

impl From<crate::cluster::ConnectError> for ApiError {
    fn from(e: crate::cluster::ConnectError) -> ApiError {
        let kind = e.kind();
        let status =
            StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(status, kind.as_str(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.message, "kind": self.kind});
        (self.status, Json(body)).into_response()
    }
}

/// A query string that does not parse (unknown field, bad value): 422.
pub fn query_error(e: axum::extract::rejection::QueryRejection) -> ApiError {
    ApiError::invalid(e.body_text())
}

/// A JSON body that does not parse (422) or is too large (413).
pub fn json_error(e: axum::extract::rejection::JsonRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", e.body_text())
    } else {
        ApiError::invalid(e.body_text())
    }
}
