//! The todo server: the [`Task`] resource of `crud-core` behind JWT authentication, on SQLite
//! or PostgreSQL. [`app`] builds the router that `examples/todo/main.rs` serves and the
//! integration tests call.

mod config;
mod task;

pub use config::{Cli, Command, ServeConfig};
pub use task::{Task, TaskCreate, TaskPatch, TaskUpdate};

use axum::Router;
use crud_core::openapi::{self, OpenApiDoc};
use crud_core::routes::{method_not_allowed, not_found};
use crud_core::utoipa::openapi::OpenApi;
use crud_core::{AppState, Crud};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The todo server's router: the task routes, their OpenAPI document at `GET /openapi.json`
/// (no token needed; serialized once, here), JSON answers for unknown routes and methods, and
/// request logging. Task bodies are limited to crud-core's default 64 KiB (a task is at
/// most about 5 KB of JSON).
///
/// Requests are logged (`tower_http` at `INFO`) only when the log filter lets those events
/// through: the layer costs a few microseconds per request even when its events are filtered
/// out. Time limits are not layers of the router: the connection's are those of
/// [`crud_core::serve`] (header, idle and body timeouts), the database's those of
/// [`DbOptions`](crud_core::DbOptions) (a deadline on every call, the pool's acquire timeout
/// and, on PostgreSQL, the `statement_timeout`, which also cancels the query).
pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .merge(Task::router())
        .merge(openapi::route("/openapi.json", &openapi()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    if tracing::enabled!(target: "tower_http::trace::on_response", Level::INFO) {
        router.layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
    } else {
        router
    }
}

/// The OpenAPI 3.1 document of the todo API, built from [`Task`]'s description: what
/// `GET /openapi.json` answers and `todo openapi` prints.
pub fn openapi() -> OpenApi {
    OpenApiDoc::new("Todo API", env!("CARGO_PKG_VERSION"))
        .description(
            "Each user's tasks, behind a bearer JWT whose `sub` is the user id of the path. \
             Errors are JSON with a `detail`.",
        )
        .resource::<Task>()
        .build()
}
