//! The one error type of the services and handlers, and its JSON response.

use crate::db::failure::{Failure, classify};
use crate::validate::ValidationErrors;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a service or a handler can fail with.
///
/// As a response it is an RFC 9457 problem document (`application/problem+json`): `type`
/// (`about:blank`), `title` (the status's reason phrase), `status`, a human-readable `detail`
/// and, for validation, the failing `errors`. A database error answers by its kind ([`Failure`]): 400, 409, 503 (with
/// `Retry-After`), 507, or 500 for a bug; the database's own text is logged with the cause,
/// never sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// 409: the write would give the owner two resources alike on a unique key
    /// (`#[crud(unique)]`); the message names the fields.
    #[error("{0}")]
    Conflict(String),
    /// 412: the resource's current ETag is not one the request's `If-Match` (or the write's
    /// [`IfMatch`](crate::IfMatch)) lists: it has changed since it was read. Nothing was
    /// written.
    #[error("Precondition failed: `If-Match` does not list the {0}'s current ETag")]
    PreconditionFailed(&'static str),
    /// 428: a write of a resource with `#[crud(require_if_match)]` sent without `If-Match`.
    #[error("Precondition required: a write of a {0} must send `If-Match` with its ETag (or `*`)")]
    PreconditionRequired(&'static str),
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
    /// The database failed; the status follows the error's kind (see [`Failure`]).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// 500: a table does not match its resource's struct (found at start-up by
    /// [`Db::check_table`](crate::Db::check_table)).
    #[error("{0}")]
    Schema(#[from] crate::schema::TableMismatch),
    /// 503: a database call did not finish within
    /// [`DbOptions::operation_timeout`](crate::DbOptions::operation_timeout).
    #[error("the database did not answer within {0:?}")]
    DatabaseTimeout(Duration),
}

/// What a client is told of a database failure, by its kind.
fn failure_detail(failure: Failure) -> &'static str {
    match failure {
        Failure::BadValue => "A value is outside what the database can store",
        Failure::Conflict => "Conflict: the write breaks a constraint of the database",
        Failure::Full => "Insufficient Storage: the database is full",
        Failure::Unavailable => "Service Unavailable: the database is unavailable; retry later",
        Failure::Bug => "Internal Server Error",
    }
}

/// How many seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECONDS: &str = "1";

impl Error {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::BadRequest(_) | Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Status { status, .. } => *status,
            Self::Database(error) => match classify(error) {
                Failure::BadValue => StatusCode::BAD_REQUEST,
                Failure::Conflict => StatusCode::CONFLICT,
                Failure::Full => StatusCode::INSUFFICIENT_STORAGE,
                Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                Failure::Bug => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::DatabaseTimeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Schema(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An RFC 9457 problem document. `type` is `about:blank`: the status says what kind of
/// problem it is, `title` is its reason phrase, and `detail` says what happened to this
/// request.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [crate::validate::FieldError]>,
}

/// The media type of error bodies (RFC 9457).
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            Self::Database(error) => {
                let failure = classify(error);
                match failure {
                    Failure::Bug | Failure::Full => tracing::error!(%error, "database error"),
                    Failure::Unavailable => tracing::warn!(%error, "database unavailable"),
                    Failure::BadValue => {
                        tracing::debug!(%error, "database refused the request's values");
                    }
                    Failure::Conflict => {
                        tracing::info!(%error, "the write breaks a constraint of the database");
                    }
                }
                failure_detail(failure).to_owned()
            }
            Self::Schema(mismatch) => {
                tracing::error!(%mismatch, "table out of date");
                failure_detail(Failure::Bug).to_owned()
            }
            Self::DatabaseTimeout(timeout) => {
                tracing::warn!(?timeout, "database call timed out");
                failure_detail(Failure::Unavailable).to_owned()
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
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: &detail,
            errors,
        };
        let mut response = (status, Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

impl From<crate::query::QueryError> for Error {
    fn from(error: crate::query::QueryError) -> Self {
        Self::BadRequest(error.0)
    }
}
