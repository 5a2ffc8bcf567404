//! A resource whose JSON is camelCase (`#[serde(rename_all = "camelCase")]`), on SQLite and
//! PostgreSQL: responses, request bodies, validation errors and toggles all use the JSON
//! names, and the table keeps its snake_case column names (one of them set with
//! `#[crud(column = "...")]`).

mod common;

use axum::Router;
use common::{Backend, Client, Reply, TestDb};
use crud_core::chrono::{DateTime, NaiveDate, Utc};
use crud_core::{AppState, Crud, Db, ListQuery, Resource};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A reminder, named in camelCase in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[serde(rename_all = "camelCase")]
#[crud(table = "reminders", order_by = "due_on desc")]
pub struct Reminder {
    /// Assigned by the database.
    #[crud(id)]
    pub id: i64,
    /// The owner.
    #[crud(owner)]
    pub owner_id: String,
    /// What to remember.
    #[crud(length(min = 1, max = 50))]
    pub title_text: String,
    /// 1 (low) to 5 (high).
    #[crud(range(min = 1, max = 5))]
    pub priority_level: i32,
    /// When it is due, if ever; left out of responses when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// Notes, named `notes` in JSON (`note` accepted too) and stored in `note_text`.
    #[serde(rename = "notes", alias = "note")]
    #[crud(column = "note_text", length(max = 100))]
    pub note_body: Option<String>,
    /// Whether it is done: `PATCH .../{id}/done`.
    #[crud(toggle = "done")]
    pub is_done: bool,
    /// When it was created.
    #[crud(created_at)]
    pub created_at: DateTime<Utc>,
    /// When it was last written.
    #[crud(updated_at)]
    pub updated_at: DateTime<Utc>,
}

const REMINDERS: &str = "/api/alice/reminders";

async fn app(backend: Backend) -> (TestDb, Client) {
    let test = TestDb::new(backend).await;
    test.db
        .create_table::<Reminder>()
        .await
        .expect("the reminders table");
    let router = Router::new()
        .merge(Reminder::router())
        .fallback(crud_core::routes::not_found)
        .with_state(AppState::new(test.db.clone(), common::auth()));
    (test, Client::new(router))
}

fn keys(reply: &Reply) -> BTreeSet<&str> {
    reply
        .body
        .as_object()
        .unwrap_or_else(|| panic!("an object, got {}", reply.body))
        .keys()
        .map(String::as_str)
        .collect()
}

fn id(reply: &Reply) -> i64 {
    reply.body["id"].as_i64().expect("an integer id")
}

/// The table's column names, read from the database's catalogue.
async fn stored_columns(db: &Db) -> BTreeSet<String> {
    use crud_core::sqlx;
    let columns: Vec<String> = match (db.sqlite(), db.postgres()) {
        (Some(sqlite), _) => {
            sqlx::query_scalar("SELECT name FROM pragma_table_info('reminders')")
                .fetch_all(&sqlite.reads)
                .await
        }
        (_, Some(pool)) => {
            sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = 'reminders'",
            )
            .fetch_all(pool)
            .await
        }
        (None, None) => unreachable!("a database is on one backend"),
    }
    .expect("the columns are read");
    columns.into_iter().collect()
}

/// The title and notes of a row, read from the database by column name.
async fn stored_row(db: &Db, id: i64) -> (String, Option<String>) {
    use crud_core::sqlx;
    let sql = sqlx::AssertSqlSafe(format!(
        r#"SELECT "title_text", "note_text" FROM "reminders" WHERE "id" = {id}"#
    ));
    match (db.sqlite(), db.postgres()) {
        (Some(sqlite), _) => sqlx::query_as(sql).fetch_one(&sqlite.reads).await,
        (_, Some(pool)) => sqlx::query_as(sql).fetch_one(pool).await,
        (None, None) => unreachable!("a database is on one backend"),
    }
    .expect("the row is read")
}

#[test]
fn the_schema_names_each_field_in_sql_and_in_json() {
    let names: Vec<(&str, &str)> = Reminder::SCHEMA
        .columns
        .iter()
        .map(|column| (column.name, column.json_name))
        .collect();
    assert_eq!(
        names,
        [
            ("id", "id"),
            ("owner_id", "ownerId"),
            ("title_text", "titleText"),
            ("priority_level", "priorityLevel"),
            ("due_on", "dueOn"),
            ("note_text", "notes"),
            ("is_done", "isDone"),
            ("created_at", "createdAt"),
            ("updated_at", "updatedAt"),
        ]
    );
    assert_eq!(Reminder::SCHEMA.order_by[0].column, "due_on");
}

async fn created_and_read_under_camel_case_names(backend: Backend) {
    let (_db, client) = app(backend).await;
    let body = json!({
        "titleText": "Call the bank",
        "priorityLevel": 2,
        "dueOn": "2026-12-01",
        "notes": "before noon",
    });

    let created = client.post("alice", REMINDERS, body).await;
    let read = client
        .get("alice", &format!("{REMINDERS}/{}", id(&created)))
        .await;

    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        keys(&created),
        BTreeSet::from([
            "id",
            "ownerId",
            "titleText",
            "priorityLevel",
            "dueOn",
            "notes",
            "isDone",
            "createdAt",
            "updatedAt",
        ])
    );
    assert_eq!(created.body["ownerId"], "alice");
    assert_eq!(created.body["titleText"], "Call the bank");
    assert_eq!(created.body["dueOn"], "2026-12-01");
    assert_eq!(created.body["notes"], "before noon");
    assert_eq!(created.body["isDone"], false);
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created.body);
}

async fn an_absent_optional_field_is_left_out_by_skip_serializing_if(backend: Backend) {
    let (_db, client) = app(backend).await;

    let created = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "Someday", "priorityLevel": 1}),
        )
        .await;

    assert_eq!(created.status, 201, "{}", created.body);
    assert!(!keys(&created).contains("dueOn"), "{}", created.body);
    assert_eq!(created.body["notes"], Value::Null);
}

async fn update_replaces_under_camel_case_names_and_aliases(backend: Backend) {
    let (_db, client) = app(backend).await;
    let created = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "Draft", "priorityLevel": 1, "dueOn": "2026-01-02"}),
        )
        .await;
    let item = format!("{REMINDERS}/{}", id(&created));

    let updated = client
        .put(
            "alice",
            &item,
            json!({"titleText": "Final", "priorityLevel": 4, "note": "via the alias"}),
        )
        .await;

    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["titleText"], "Final");
    assert_eq!(updated.body["priorityLevel"], 4);
    assert_eq!(updated.body["notes"], "via the alias");
    assert!(
        !keys(&updated).contains("dueOn"),
        "`PUT` replaced the due date"
    );
    assert_eq!(updated.body["createdAt"], created.body["createdAt"]);
}

async fn validation_errors_name_fields_by_their_json_names(backend: Backend) {
    let (_db, client) = app(backend).await;

    let reply = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "", "priorityLevel": 9, "notes": "x".repeat(101)}),
        )
        .await;

    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.body["errors"],
        json!([
            {"field": "titleText", "message": "must be at least 1 character long"},
            {"field": "priorityLevel", "message": "must be at most 5"},
            {"field": "notes", "message": "must be at most 100 characters long"},
        ])
    );
    assert_eq!(
        reply.detail(),
        "Validation failed: titleText: must be at least 1 character long; priorityLevel: must \
         be at most 5; notes: must be at most 100 characters long"
    );
}

async fn snake_case_and_service_set_names_are_unknown_fields(backend: Backend) {
    let (_db, client) = app(backend).await;

    let snake = client
        .post(
            "alice",
            REMINDERS,
            json!({"title_text": "Nope", "priority_level": 1}),
        )
        .await;
    let owner = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "Sneaky", "priorityLevel": 1, "ownerId": "bob"}),
        )
        .await;
    let done = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "Sneaky", "priorityLevel": 1, "isDone": true}),
        )
        .await;

    assert_eq!(snake.status, 400, "{}", snake.body);
    assert!(
        snake.detail().contains("unknown field `priority_level`"),
        "{}",
        snake.detail()
    );
    assert!(
        snake
            .detail()
            .contains("expected one of `titleText`, `priorityLevel`"),
        "{}",
        snake.detail()
    );
    assert_eq!(owner.status, 400, "{}", owner.body);
    assert!(owner.detail().contains("unknown field `ownerId`"));
    assert_eq!(done.status, 400, "{}", done.body);
    assert!(done.detail().contains("unknown field `isDone`"));
}

async fn the_table_keeps_snake_case_column_names(backend: Backend) {
    let (db, client) = app(backend).await;
    let created = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "Stored", "priorityLevel": 3, "notes": "in note_text"}),
        )
        .await;

    let columns = stored_columns(&db.db).await;
    let row = stored_row(&db.db, id(&created)).await;

    assert_eq!(
        columns,
        [
            "id",
            "owner_id",
            "title_text",
            "priority_level",
            "due_on",
            "note_text",
            "is_done",
            "created_at",
            "updated_at",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    assert_eq!(row, ("Stored".to_owned(), Some("in note_text".to_owned())));
}

async fn toggles_and_services_use_the_json_names(backend: Backend) {
    let (db, client) = app(backend).await;
    let created = client
        .post(
            "alice",
            REMINDERS,
            json!({"titleText": "Flip", "priorityLevel": 1}),
        )
        .await;
    let reminder = id(&created);

    let over_http = client
        .patch("alice", &format!("{REMINDERS}/{reminder}/done"))
        .await;
    let by_service = Reminder::toggle(&db.db, "alice", reminder, "isDone")
        .await
        .expect("a toggle")
        .expect("alice's reminder");
    let input = ReminderCreate {
        title_text: "Later".to_owned(),
        priority_level: 2,
        due_on: NaiveDate::from_ymd_opt(2027, 1, 1),
        note_body: None,
    };
    let later = Reminder::create(&db.db, "alice", input)
        .await
        .expect("a reminder");
    let listed = Reminder::list(&db.db, "alice", ListQuery::new())
        .await
        .expect("the reminders")
        .items;

    assert_eq!(over_http.status, 200, "{}", over_http.body);
    assert_eq!(over_http.body["isDone"], true);
    assert!(!by_service.is_done);
    // Listed by `due_on` descending: a missing date comes last.
    assert_eq!(
        listed.iter().map(|r| r.id).collect::<Vec<_>>(),
        [later.id, reminder]
    );
}

backend_tests!(
    created_and_read_under_camel_case_names,
    an_absent_optional_field_is_left_out_by_skip_serializing_if,
    update_replaces_under_camel_case_names_and_aliases,
    validation_errors_name_fields_by_their_json_names,
    snake_case_and_service_set_names_are_unknown_fields,
    the_table_keeps_snake_case_column_names,
    toggles_and_services_use_the_json_names,
);
