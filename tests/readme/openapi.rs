// The README's "OpenAPI" example, line for line (tests/readme.rs checks both).
use crud_core::openapi::{self, OpenApiDoc};

/// The journal's routes, and their OpenAPI document at `GET /openapi.json`.
fn journal_app() -> axum::Router<crud_core::AppState> {
    let document = OpenApiDoc::new("Journal API", "1.0")
        .description("Each user's journal.")
        .resource::<Entry>()
        .build();
    axum::Router::new()
        .merge(Entry::router())
        .merge(openapi::route("/openapi.json", &document))
}
