//! The README's "Add your own resource" steps, as written: the resource of
//! `tests/readme/entry.rs` (which the README shows line for line) is created, routed and
//! called.

#![allow(missing_docs)]

mod common;
include!("readme/entry.rs");

use common::Client;
use serde_json::json;

/// Fails unless the README holds every non-blank line of `code`, in order.
fn assert_readme_shows(code: &str) {
    let readme = include_str!("../README.md");
    let mut rest = readme;
    for line in code.lines().filter(|line| !line.trim().is_empty()) {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("the README lacks, in order: {line}"));
        rest = &rest[at + line.len()..];
    }
}

#[test]
fn the_readme_shows_the_tested_code() {
    assert_readme_shows(include_str!("readme/entry.rs"));
    // Past their first line, the comment saying where they come from.
    for code in [
        include_str!("readme/list_query.rs"),
        include_str!("readme/openapi.rs"),
    ] {
        assert_readme_shows(code.split_once('\n').map_or("", |(_, code)| code));
    }
}

mod openapi_document {
    use super::{Client, Entry};
    use crud_core::Crud;
    use std::error::Error;

    include!("readme/openapi.rs");

    #[tokio::test]
    async fn the_readme_resource_serves_its_document() -> Result<(), Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let db = crud_core::Db::connect(&format!("sqlite://{}", dir.path().join("j.db").display()))
            .await?;
        let state = crud_core::AppState::new(db, crate::common::auth());
        let client = Client::new(journal_app().with_state(state));
        let reply = client
            .send(axum::http::Method::GET, "/openapi.json", None, None)
            .await;
        assert_eq!(reply.status, 200);
        let document = &reply.body;
        assert_eq!(document["info"]["title"], "Journal API");
        let item = &document["paths"]["/v1/users/{user_id}/journal/{id}"];
        assert_eq!(item["get"]["operationId"], "getEntry");
        let body = &document["components"]["schemas"]["EntryCreate"]["properties"];
        assert_eq!(body["energyLevel"]["minimum"], 0);
        assert_eq!(body["energyLevel"]["maximum"], 10);
        assert_eq!(body["text"]["maxLength"], 5000);
        assert_eq!(
            body["mood"]["enum"],
            serde_json::json!(["calm", "busy", null])
        );
        Ok(())
    }
}

mod list_query {
    use crud_core::{Crud, Db, ListQuery, Operator};
    use todo::Task;

    include!("readme/list_query.rs");

    #[tokio::test]
    async fn the_readme_list_query_pages_the_open_tasks() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await?;
        db.create_table::<Task>().await?;
        let mut open = Vec::new();
        for n in 0..26 {
            let input = todo::TaskCreate {
                title: format!("task {n}"),
                description: None,
            };
            let task = Task::create(&db, "alice", input).await?;
            if n == 3 {
                Task::toggle(&db, "alice", task.id, "completed").await?;
            } else {
                open.push(task.id);
            }
        }
        let listed = open_tasks(&db, "alice").await?;
        // Newest first: the 25 open ones were last written in creation order.
        open.reverse();
        assert_eq!(listed.iter().map(|task| task.id).collect::<Vec<_>>(), open);
        Ok(())
    }
}

#[tokio::test]
async fn the_readme_resource_serves_its_routes() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("app.db").display());

    // Step 3, as in the README (with the tests' secret instead of the environment's).
    let db = crud_core::Db::connect(&url).await?;
    db.create_table::<Entry>().await?;
    let state = crud_core::AppState::new(db, common::auth());
    let app = axum::Router::new()
        .merge(Entry::router())
        .fallback(crud_core::routes::not_found)
        .method_not_allowed_fallback(crud_core::routes::method_not_allowed)
        .with_state(state.clone());

    let client = Client::new(app);
    let body = json!({"day": "2026-11-24", "text": "Shipped it", "energyLevel": 7, "mood": "busy"});
    let created = client.post("ana", "/v1/users/ana/journal", body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["author"], "ana");
    assert_eq!(created.body["mood"], "busy");
    assert_eq!(created.body["pinned"], false);
    assert_eq!(created.body["energyLevel"], 7);
    let id = created.body["id"].as_str().expect("a UUID id");

    let pinned = client
        .patch("ana", &format!("/v1/users/ana/journal/{id}/pinned"))
        .await;
    assert_eq!(pinned.body["pinned"], true);
    let too_tired = client
        .post(
            "ana",
            "/v1/users/ana/journal",
            json!({"day": "2026-11-25", "text": "x", "energyLevel": 11}),
        )
        .await;
    assert_eq!(too_tired.status, 400);
    assert_eq!(
        too_tired.detail(),
        "Validation failed: energyLevel: must be at most 10"
    );

    // Step 4: the services, for a handler of one's own.
    let entries = Entry::list(&state.db, "ana", crud_core::ListQuery::new())
        .await?
        .items;
    assert_eq!(entries.len(), 1);
    assert!(entries[0].pinned);
    let unpinned = Entry::toggle(&state.db, "ana", entries[0].id, "pinned").await?;
    assert!(unpinned.is_some_and(|entry| !entry.pinned));
    Ok(())
}
