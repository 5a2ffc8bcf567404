//! The one error type of the services and handlers, and its JSON response.

use crate::validate::ValidationErrors;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a service or a handler can fail with.
///
/// As a response it is JSON with a human-readable `detail` (and, for validation, the failing
/// `errors`); a server-side failure is logged with its cause and answers a bare
/// "Internal Server Error".
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no usable bearer token.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the path names another user than the token.
    #[error("Forbidden: cannot access another user's resources")]
    Forbidden,
    /// 404: no such resource for this owner.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 400: a malformed request (body, path or query).
    #[error("{0}")]
    BadRequest(String),
    /// 400: a body that parsed but broke a field rule.
    #[error("Validation failed: {0}")]
    Validation(#[from] ValidationErrors),
    /// Any other client error with its own status (413, 415, 405...).
    #[error("{message}")]
    Status {
        /// The response status.
        status: StatusCode,
        /// The `detail`.
        message: String,
    },
    /// 500 (503 when no connection is free or a statement timed out): the database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) | Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Status { status, .. } => *status,
            Self::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            // PostgreSQL's `query_canceled`: the statement timeout struck.
            Self::Database(sqlx::Error::Database(error))
                if error.code().as_deref() == Some("57014") =>
            {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [crate::validate::FieldError]>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            Self::Database(error) => {
                tracing::error!(%error, "database error");
                status
                    .canonical_reason()
                    .unwrap_or("Internal Server Error")
                    .to_owned()
            }
            other => {
                tracing::debug!(%status, error = %other, "request rejected");
                other.to_string()
            }
        };
        let errors = match &self {
            Self::Validation(errors) => Some(errors.fields()),
            _ => None,
        };
        let mut response = (
            status,
            Json(Body {
                detail: &detail,
                errors,
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
