//! What the integration tests share: a fresh database per test on either backend, and a
//! client that sends requests to a router in process.
//!
//! PostgreSQL tests run against `CRUD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each in a schema of its own that is dropped
//! afterwards. They are `#[ignore]`d by default and run with `cargo test -- --ignored`; they
//! fail, not skip, when PostgreSQL cannot be reached.

#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use crud_core::sqlx::postgres::PgConnectOptions;
use crud_core::{AppState, Auth, Db, DbOptions};
use http_body_util::BodyExt;
use serde_json::Value;
use std::str::FromStr;
use std::time::Duration;
use tower::ServiceExt;

/// The secret the tests sign their tokens with.
pub const SECRET: &str = "integration-test-secret";

/// The default PostgreSQL of the test suite.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each listed `async fn name(backend: Backend)` as a test on SQLite, and as an
/// ignored test on PostgreSQL (run with `cargo test -- --ignored`).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

/// A database that exists for one test: a SQLite file in a temporary directory, or a
/// PostgreSQL schema dropped when the value is dropped.
pub struct TestDb {
    pub db: Db,
    /// The SQLite URL, to reopen the same file.
    pub url: Option<String>,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        Self::with_options(backend, &DbOptions::default()).await
    }

    pub async fn with_options(backend: Backend, options: &DbOptions) -> Self {
        Self::with_connect(backend, options, |connect| connect).await
    }

    /// A database whose PostgreSQL connect options `adjust` changes (its port, its
    /// application name...); SQLite ignores it.
    pub async fn with_connect(
        backend: Backend,
        options: &DbOptions,
        adjust: impl FnOnce(PgConnectOptions) -> PgConnectOptions,
    ) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Db::connect_with(&url, options).await.expect("SQLite opens");
                Self {
                    db,
                    url: Some(url),
                    schema: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let url = postgres_url();
                let schema = format!("crud_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Db::connect(&url).await.unwrap_or_else(|error| {
                    panic!("PostgreSQL at {url} cannot be reached ({error}); set CRUD_TEST_POSTGRES_URL")
                });
                execute(&admin, &format!("CREATE SCHEMA {schema}")).await;
                admin.close().await;
                let connect = adjust(
                    PgConnectOptions::from_str(&url)
                        .expect("a valid PostgreSQL URL")
                        .options([("search_path", schema.as_str())]),
                );
                let db = Db::connect_postgres(connect, options)
                    .await
                    .expect("PostgreSQL connects");
                Self {
                    db,
                    url: None,
                    schema: Some(schema),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        // Dropping runs outside the test's runtime, so the schema is dropped from a thread
        // with its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = Db::connect(&postgres_url()).await.ok()?;
                execute(&admin, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
                admin.close().await;
                Some(())
            })
        })
        .join();
    }
}

pub fn postgres_url() -> String {
    std::env::var("CRUD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// Runs a statement the tests build themselves (schema set-up).
pub async fn execute(db: &Db, sql: &str) {
    let sql = crud_core::sqlx::AssertSqlSafe(sql.to_owned());
    match (db.sqlite(), db.postgres()) {
        (Some(sqlite), _) => crud_core::sqlx::raw_sql(sql)
            .execute(&sqlite.reads)
            .await
            .map(drop),
        (_, Some(pool)) => crud_core::sqlx::raw_sql(sql).execute(pool).await.map(drop),
        (None, None) => unreachable!("a database is on one backend"),
    }
    .expect("set-up SQL runs");
}

pub fn auth() -> Auth {
    Auth::hs256(SECRET).expect("a valid secret")
}

/// A token for `user`, signed with [`SECRET`].
pub fn token(user: &str) -> String {
    auth().issue(user, Duration::from_secs(3600))
}

/// A router under test, called in process.
#[derive(Clone)]
pub struct Client {
    pub router: Router,
}

/// A response: status and JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
}

impl Reply {
    /// The `detail` of an error body.
    pub fn detail(&self) -> &str {
        self.body["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("no `detail` in {}", self.body))
    }
}

impl Client {
    pub fn new(router: Router) -> Self {
        Self { router }
    }

    /// The todo server's router on `db`, with its `tasks` table created.
    pub async fn todo(db: &Db) -> Self {
        db.create_table::<todo::Task>()
            .await
            .expect("the tasks table is created");
        Self::new(todo::app(AppState::new(db.clone(), auth())))
    }

    /// Sends a request as `user` (no token when `None`).
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(user) = user {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", token(user)));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("a valid request");
        self.raw(request).await
    }

    /// Sends a request built by the test.
    pub async fn raw(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!("a JSON body, got {:?}", String::from_utf8_lossy(&bytes))
            })
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, user: &str, uri: &str) -> Reply {
        self.send(Method::GET, uri, Some(user), None).await
    }

    pub async fn post(&self, user: &str, uri: &str, body: Value) -> Reply {
        self.send(Method::POST, uri, Some(user), Some(body)).await
    }

    pub async fn put(&self, user: &str, uri: &str, body: Value) -> Reply {
        self.send(Method::PUT, uri, Some(user), Some(body)).await
    }

    pub async fn patch(&self, user: &str, uri: &str) -> Reply {
        self.send(Method::PATCH, uri, Some(user), None).await
    }

    pub async fn delete(&self, user: &str, uri: &str) -> Reply {
        self.send(Method::DELETE, uri, Some(user), None).await
    }
}

/// The RFC 9457 problem document of an error: `status`, its reason phrase as `title`, and
/// `detail`.
pub fn problem(status: u16, detail: impl Into<String>) -> Value {
    let code = StatusCode::from_u16(status).expect("a status code");
    serde_json::json!({
        "type": "about:blank",
        "title": code.canonical_reason().expect("a known status"),
        "status": status,
        "detail": detail.into(),
    })
}
