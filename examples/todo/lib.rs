//! The todo server: the [`Task`] resource of `crud-core` behind JWT authentication, on SQLite
//! or PostgreSQL. [`app`] builds the router that `examples/todo/main.rs` serves and the
//! integration tests call.

mod config;
mod task;

pub use config::{Cli, Command, ServeConfig};
pub use task::{Task, TaskCreate, TaskUpdate};

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use crud_core::routes::{method_not_allowed, not_found};
use crud_core::{AppState, Error};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The largest request body accepted (64 KiB): a task is at most about 5 KB of JSON.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a request may take before it is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The todo server's router: the task routes, JSON answers for unknown routes and methods,
/// a body limit, a request timeout and request logging.
pub fn app(state: AppState) -> Router {
    let timeout = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            Error::Status {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "Request timed out".to_owned(),
            }
        }))
        .timeout(REQUEST_TIMEOUT);
    Router::new()
        .merge(Task::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(timeout)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
