//! How `Db` connects and behaves at its limits: no free connection in time, or a PostgreSQL
//! statement over its timeout, answer 503 in the JSON error shape; an in-memory SQLite database
//! keeps its rows across requests.

mod common;

use axum::http::StatusCode;
use common::{Backend, Client, TestDb};
use crud_core::{DbOptions, Error};
use std::time::Duration;

async fn busy_pool_answers_service_unavailable(backend: Backend) {
    let options = DbOptions::default()
        .with_max_connections(1)
        .with_acquire_timeout(Duration::from_millis(200));
    let test = TestDb::with_options(backend, &options).await;
    let client = Client::todo(&test.db).await;
    // The one connection is held while the request waits for it.
    match (test.db.sqlite(), test.db.postgres()) {
        (Some(sqlite), _) => {
            let _held = sqlite.reads.acquire().await.expect("the one connection");
            expect_unavailable(&client).await;
        }
        (_, Some(pool)) => {
            let _held = pool.acquire().await.expect("the one connection");
            expect_unavailable(&client).await;
        }
        (None, None) => unreachable!("a database is on one backend"),
    }
    let reply = client.get("alice", "/api/alice/tasks").await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the pool serves again once the connection is back"
    );
}

async fn expect_unavailable(client: &Client) {
    let reply = client.get("alice", "/api/alice/tasks").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.detail(),
        "Service Unavailable: the database is unavailable; retry later"
    );
    assert_eq!(reply.headers["retry-after"], "1");
}

backend_tests!(busy_pool_answers_service_unavailable);

#[tokio::test]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn postgres_statement_over_its_timeout_is_cancelled_and_unavailable() {
    let options =
        DbOptions::default().with_postgres_statement_timeout(Some(Duration::from_millis(50)));
    let test = TestDb::with_options(Backend::Postgres, &options).await;
    let pool = test.db.postgres().expect("a PostgreSQL database");
    let error = crud_core::sqlx::query("SELECT pg_sleep(2)")
        .execute(pool)
        .await
        .expect_err("the statement is cancelled");
    let error = Error::from(error);
    assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE, "{error}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn postgres_url_connections_carry_the_statement_timeout() {
    // `Db::connect_with` (a URL, as the todo server connects) applies the same default
    // statement timeout as `Db::connect_postgres`; one set in the URL is kept.
    let base = common::postgres_url();
    assert_eq!(statement_timeout(&base).await, "30s");
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options[statement_timeout]=5s");
    assert_eq!(statement_timeout(&url).await, "5s");
}

/// The `statement_timeout` of a connection of `Db::connect_with(url)`.
async fn statement_timeout(url: &str) -> String {
    let db = crud_core::Db::connect_with(url, &DbOptions::default())
        .await
        .expect("PostgreSQL is reachable");
    let pool = db.postgres().expect("a PostgreSQL database");
    let (timeout,): (String,) = crud_core::sqlx::query_as("SHOW statement_timeout")
        .fetch_one(pool)
        .await
        .expect("SHOW works");
    db.close().await;
    timeout
}

#[tokio::test]
async fn in_memory_sqlite_keeps_its_rows_across_requests() {
    let db = crud_core::Db::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    let client = Client::todo(&db).await;
    for title in ["one", "two", "three"] {
        let created = client
            .post(
                "alice",
                "/api/alice/tasks",
                serde_json::json!({ "title": title }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let listed = client.get("alice", "/api/alice/tasks").await;
    let titles: Vec<_> = listed
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|task| task["title"].clone())
        .collect();
    assert_eq!(titles, ["three", "two", "one"]);
}
