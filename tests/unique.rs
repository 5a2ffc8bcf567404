#![allow(missing_docs)]

//! Unique keys: `#[crud(unique)]` and `#[crud(unique(a, b))]` make fields unique within one
//! owner, and a write that would break one answers 409 naming the fields, never 500, on both
//! backends and under concurrency. A constraint of the application's own DDL answers 409 too.

mod common;

use axum::http::StatusCode;
use common::{Backend, Client, TestDb, problem};
use crud_core::{AppState, BackendKind, Crud, Error};
use serde::Serialize;
use serde_json::{Value, json};

/// A tag: its name unique per owner.
#[derive(Debug, Serialize, Crud)]
#[crud(table = "unique_tags", path = "/api/{user_id}/tags")]
pub struct Tag {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    #[crud(unique)]
    pub name: String,
    pub color: Option<String>,
}

/// A booking: one per day and hour per owner, its note unique too.
#[derive(Debug, Serialize, Crud)]
#[crud(
    table = "unique_bookings",
    path = "/api/{user_id}/bookings",
    unique(day, hour)
)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub owner_id: String,
    pub day: chrono::NaiveDate,
    pub hour: i16,
    #[crud(unique)]
    pub booking_note: Option<String>,
}

struct App {
    db: TestDb,
    client: Client,
}

impl App {
    async fn new(backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        db.db.create_table::<Tag>().await.expect("tags");
        db.db.create_table::<Booking>().await.expect("bookings");
        let router = axum::Router::new()
            .merge(Tag::router())
            .merge(Booking::router())
            .with_state(AppState::new(db.db.clone(), common::auth()));
        Self {
            client: Client::new(router),
            db,
        }
    }

    /// The rows of `table` as `(owner, key)` text, in id order.
    async fn rows(&self, sql: &str) -> Vec<String> {
        use crud_core::sqlx::{AssertSqlSafe, Row};
        let sql = AssertSqlSafe(sql.to_owned());
        match (self.db.db.sqlite(), self.db.db.postgres()) {
            (Some(sqlite), _) => crud_core::sqlx::query(sql)
                .fetch_all(&sqlite.reads)
                .await
                .expect("a query")
                .iter()
                .map(|row| row.get::<String, _>(0))
                .collect(),
            (_, Some(pool)) => crud_core::sqlx::query(sql)
                .fetch_all(pool)
                .await
                .expect("a query")
                .iter()
                .map(|row| row.get::<String, _>(0))
                .collect(),
            (None, None) => unreachable!(),
        }
    }

    async fn tags(&self) -> Vec<String> {
        self.rows(r#"SELECT "user_id" || ':' || "name" FROM "unique_tags" ORDER BY "id""#)
            .await
    }
}

fn tag(name: &str) -> Value {
    json!({ "name": name, "color": null })
}

/// (who writes, method, path under their collection or item, body, status, detail if 409).
type Step = (&'static str, &'static str, &'static str, Value, u16);

async fn unique_fields_answer_409_naming_them(backend: Backend) {
    let app = App::new(backend).await;
    let steps: Vec<Step> = vec![
        ("alice", "POST", "/api/alice/tags", tag("Milk"), 201),
        // Another owner may have the same name.
        ("bob", "POST", "/api/bob/tags", tag("Milk"), 201),
        ("alice", "POST", "/api/alice/tags", tag("Milk"), 409),
        // Bytes decide: another case is another name.
        ("alice", "POST", "/api/alice/tags", tag("milk"), 201),
        ("alice", "POST", "/api/alice/tags", tag("Bread"), 201),
        // An update onto a taken name, and onto its own.
        ("alice", "PUT", "/api/alice/tags/{Bread}", tag("Milk"), 409),
        ("alice", "PUT", "/api/alice/tags/{Bread}", tag("Bread"), 200),
        ("alice", "PUT", "/api/alice/tags/{Bread}", tag("Eggs"), 200),
        ("alice", "POST", "/api/alice/tags", tag("Bread"), 201),
    ];
    // Ids as the database gave them (a failed insert may use one up on PostgreSQL).
    let mut ids = std::collections::HashMap::new();
    for (user, method, uri, body, status) in steps {
        let method = method.parse().expect("a method");
        let uri = ids.iter().fold(uri.to_owned(), |uri, (name, id)| {
            uri.replace(&format!("{{{name}}}"), &format!("{id}"))
        });
        let reply = app
            .client
            .send(method, &uri, Some(user), Some(body.clone()))
            .await;
        if reply.status == StatusCode::CREATED && user == "alice" {
            ids.insert(
                body["name"].as_str().expect("a name").to_owned(),
                reply.body["id"].clone(),
            );
        }
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{uri} {body}: {}",
            reply.body
        );
        if status == 409 {
            assert_eq!(
                reply.body,
                problem(409, "A tag with this name already exists"),
                "{uri} {body}"
            );
        }
    }
    assert_eq!(
        app.tags().await,
        [
            "alice:Milk",
            "bob:Milk",
            "alice:milk",
            "alice:Eggs",
            "alice:Bread"
        ]
    );
}

async fn composite_and_nullable_keys(backend: Backend) {
    let app = App::new(backend).await;
    let booking = |day: &str, hour: i16, note: Option<&str>| json!({ "day": day, "hour": hour, "bookingNote": note });
    let cases: [(Value, u16, Option<&str>); 6] = [
        (booking("2026-12-24", 9, None), 201, None),
        // The same day at another hour, another day at the same hour.
        (booking("2026-12-24", 10, None), 201, None),
        (booking("2026-12-25", 9, None), 201, None),
        (
            booking("2026-12-24", 9, Some("dentist")),
            409,
            Some("A booking with this day and hour already exists"),
        ),
        // NULLs are not equal: many bookings without a note.
        (booking("2026-12-26", 9, Some("dentist")), 201, None),
        (
            booking("2026-12-27", 9, Some("dentist")),
            409,
            Some("A booking with this bookingNote already exists"),
        ),
    ];
    for (body, status, detail) in cases {
        let reply = app
            .client
            .post("alice", "/api/alice/bookings", body.clone())
            .await;
        assert_eq!(reply.status.as_u16(), status, "{body}: {}", reply.body);
        if let Some(detail) = detail {
            assert_eq!(reply.body, problem(409, detail), "{body}");
        }
    }
    let stored = app
        .rows(r#"SELECT CAST("hour" AS TEXT) FROM "unique_bookings" ORDER BY "id""#)
        .await;
    assert_eq!(stored, ["9", "10", "9", "9"]);
}

async fn concurrent_creates_of_one_name_make_one_row(backend: Backend) {
    let app = App::new(backend).await;
    let writes = (0..20).map(|_| {
        let client = app.client.clone();
        tokio::spawn(async move { client.post("alice", "/api/alice/tags", tag("Milk")).await })
    });
    let mut statuses = Vec::new();
    for write in writes {
        statuses.push(write.await.expect("a write").status);
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 19), "{statuses:?}");
    assert_eq!(app.tags().await, ["alice:Milk"]);
}

async fn the_services_answer_the_same_conflict(backend: Backend) {
    let app = App::new(backend).await;
    let db = &app.db.db;
    let input = || TagCreate {
        name: "Milk".into(),
        color: None,
    };
    Tag::create(db, "alice", input()).await.expect("created");
    let error = Tag::create(db, "alice", input())
        .await
        .expect_err("a conflict");
    assert!(
        matches!(&error, Error::Conflict(detail) if detail == "A tag with this name already exists"),
        "{error:?}"
    );
    assert_eq!(error.status(), StatusCode::CONFLICT);
}

async fn the_applications_own_constraints_answer_409(backend: Backend) {
    let app = App::new(backend).await;
    common::execute(
        &app.db.db,
        r#"CREATE UNIQUE INDEX "tags_color_once" ON "unique_tags" ("user_id", "color")"#,
    )
    .await;
    let red = json!({ "name": "Stop", "color": "red" });
    let reply = app.client.post("alice", "/api/alice/tags", red).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let again = json!({ "name": "Apple", "color": "red" });
    let reply = app.client.post("alice", "/api/alice/tags", again).await;
    // Not a key of the resource: a safe message, the database's text only in the log.
    assert_eq!(
        reply.body,
        problem(
            409,
            "Conflict: the write breaks a constraint of the database"
        )
    );
    assert_eq!(app.tags().await, ["alice:Stop"]);
}

#[test]
fn the_ddl_has_one_unique_index_per_key() {
    for backend in [BackendKind::Sqlite, BackendKind::Postgres] {
        let ddl = crud_core::migrate::ddl::<Booking>(backend);
        let unique = ddl
            .iter()
            .copied()
            .filter(|statement| statement.starts_with("CREATE UNIQUE INDEX"))
            .collect::<Vec<_>>();
        assert_eq!(
            unique,
            [
                r#"CREATE UNIQUE INDEX IF NOT EXISTS "unique_bookings_owner_id_booking_note_key" ON "unique_bookings" ("owner_id", "booking_note")"#,
                r#"CREATE UNIQUE INDEX IF NOT EXISTS "unique_bookings_owner_id_day_hour_key" ON "unique_bookings" ("owner_id", "day", "hour")"#,
            ],
            "{backend:?}"
        );
    }
}

backend_tests!(
    unique_fields_answer_409_naming_them,
    composite_and_nullable_keys,
    concurrent_creates_of_one_name_make_one_row,
    the_services_answer_the_same_conflict,
    the_applications_own_constraints_answer_409,
);
