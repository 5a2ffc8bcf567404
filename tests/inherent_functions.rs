//! A resource may have inherent functions named like its services and router: the derive adds
//! nothing to the type, so they compile and are what `Note::create` calls, while the generated
//! services stay reachable through the `Crud` trait.

#![deny(warnings)]

mod common;

use common::{Backend, Client, TestDb};
use crud_core::{AppState, Crud, ListQuery};
use serde::Serialize;
use serde_json::json;

/// A note, with functions of its own named like the services.
#[derive(Debug, Serialize, Crud)]
pub struct Note {
    /// Assigned by the database.
    #[crud(id)]
    pub id: i64,
    /// The owner.
    #[crud(owner)]
    pub user_id: String,
    /// The text.
    pub title: String,
    /// Pinned to the top.
    #[crud(toggle)]
    pub pinned: bool,
}

impl Note {
    /// A note made here, not stored.
    pub fn create(title: &str) -> Self {
        Self {
            id: 0,
            user_id: String::new(),
            title: title.to_owned(),
            pinned: false,
        }
    }

    /// Not the stored notes.
    pub fn list() -> Vec<&'static str> {
        vec!["own"]
    }

    /// Not the routes.
    pub fn router() -> &'static str {
        "own router"
    }
}

#[test]
fn the_types_own_functions_are_called_by_default() {
    assert_eq!(Note::create("mine").title, "mine");
    assert_eq!(Note::list(), ["own"]);
    assert_eq!(Note::router(), "own router");
}

async fn the_generated_services_and_routes_are_reached_through_the_trait(backend: Backend) {
    let db = TestDb::new(backend).await;
    db.db.create_table::<Note>().await.expect("the table");
    let input = NoteCreate {
        title: "stored".to_owned(),
    };

    let created = <Note as Crud>::create(&db.db, "alice", input)
        .await
        .expect("a note");
    let listed = <Note as Crud>::list(&db.db, "alice", ListQuery::new())
        .await
        .expect("the notes")
        .items;
    // The type has no `get` or `toggle` of its own: the trait's are found directly.
    let read = Note::get(&db.db, "alice", created.id)
        .await
        .expect("a read");
    let toggled = Note::toggle(&db.db, "alice", created.id, "pinned")
        .await
        .expect("a toggle");
    let router = axum::Router::new()
        .merge(<Note as Crud>::router())
        .with_state(AppState::new(db.db.clone(), common::auth()));
    let over_http = Client::new(router)
        .post("alice", "/api/alice/notes", json!({"title": "posted"}))
        .await;

    assert_eq!(listed.len(), 1);
    assert_eq!(read.expect("alice's note").title, "stored");
    assert!(toggled.expect("alice's note").pinned);
    assert_eq!(over_http.status, 201, "{}", over_http.body);
    assert_eq!(over_http.body["title"], "posted");
}

backend_tests!(the_generated_services_and_routes_are_reached_through_the_trait);
