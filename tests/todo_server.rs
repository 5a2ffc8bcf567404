//! The todo server as a process: what `cargo run --example todo` does for a person running it.
//! Data survives a restart, SIGTERM shuts it down gracefully, the `token` subcommand mints
//! tokens it accepts, and a missing secret or a bad database URL are clear at start-up.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use process::{Server, todo_command};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

mod process;

const SECRET: &str = "process-test-secret";

impl Server {
    /// Sends SIGTERM and waits for a clean exit.
    fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        assert!(
            status.is_ok_and(|status| status.success()),
            "kill -TERM works"
        );
        let exit = self.child.wait().expect("the server exits");
        std::thread::sleep(Duration::from_millis(50));
        let output = self.output().to_vec();
        assert!(
            exit.success(),
            "a graceful shutdown exits 0, got {exit}; output: {output:#?}"
        );
        output
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.address))
            .header("authorization", format!("Bearer {token}"));
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let body = body.map_or_else(Bytes::new, |body| Bytes::from(body.to_string()));
        let response = client
            .request(request.body(Full::new(body)).expect("a request"))
            .await
            .expect("the server answers");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("a JSON body"))
    }
}

fn run(mut command: Command) -> Output {
    command.output().expect("the command runs")
}

fn mint(dir: &Path, user: &str) -> String {
    let output = run({
        let mut command = todo_command(dir);
        command
            .env("BETTER_AUTH_SECRET", SECRET)
            .args(["token", user]);
        command
    });
    assert!(
        output.status.success(),
        "token fails: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn tasks_survive_a_restart_of_the_sqlite_server() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let server = || {
        let mut command = todo_command(dir.path());
        command.env("BETTER_AUTH_SECRET", SECRET);
        Server::spawn(command)
    };

    let first = server();
    let (status, created) = first
        .request(
            Method::POST,
            "/api/alice/tasks",
            &token,
            Some(json!({"title": "Persist me"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_i64().expect("an integer id");
    let (status, _) = first
        .request(
            Method::PATCH,
            &format!("/api/alice/tasks/{id}/complete"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let output = first.stop();
    assert!(
        output
            .iter()
            .any(|line| line.contains("todo server stopped")),
        "{output:#?}"
    );
    assert!(
        dir.path().join("todo.db").exists(),
        "the default database is ./todo.db"
    );

    let second = server();
    let (status, listed) = second
        .request(Method::GET, "/api/alice/tasks", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let tasks = listed.as_array().expect("a list");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["id"], id);
    assert_eq!(tasks[0]["title"], "Persist me");
    assert_eq!(tasks[0]["completed"], true);
    second.stop();
}

#[tokio::test]
async fn without_a_secret_the_server_prints_a_working_demo_token() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = Server::spawn(todo_command(dir.path()));
    let output = server.output().join("\n");
    assert!(output.contains("BETTER_AUTH_SECRET is not set"), "{output}");
    let token = output
        .split_whitespace()
        .find(|word| word.starts_with("eyJ"))
        .expect("a printed token")
        .trim_matches('\'')
        .to_owned();
    assert!(
        output.contains("curl -H 'Authorization: Bearer "),
        "{output}"
    );

    let (status, listed) = server
        .request(Method::GET, "/api/demo/tasks", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed, json!([]));
    let (status, _) = server
        .request(
            Method::GET,
            "/api/demo/tasks",
            &mint(dir.path(), "demo"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a token signed with another secret is refused"
    );
    server.stop();
}

#[test]
fn schema_subcommand_prints_the_ddl_the_server_runs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (backend, kind) in [
        ("sqlite", crud_core::BackendKind::Sqlite),
        ("postgres", crud_core::BackendKind::Postgres),
    ] {
        let output = run({
            let mut command = todo_command(dir.path());
            command.args(["schema", "--backend", backend]);
            command
        });
        assert!(output.status.success(), "{output:?}");
        let expected = crud_core::migrate::ddl::<todo::Task>(kind)
            .into_iter()
            .map(|statement| format!("{statement};\n"))
            .collect::<String>();
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    }
    // Nothing was created: printing the DDL needs no database.
    assert!(
        std::fs::read_dir(dir.path())
            .expect("the directory")
            .next()
            .is_none()
    );
}

#[test]
fn token_subcommand_needs_the_secret() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = run({
        let mut command = todo_command(dir.path());
        command.args(["token", "alice"]);
        command
    });
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BETTER_AUTH_SECRET is not set"), "{stderr}");
}

#[test]
fn an_unsupported_database_url_fails_at_start_without_its_password() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = run({
        let mut command = todo_command(dir.path());
        command
            .env("BETTER_AUTH_SECRET", SECRET)
            .env("DATABASE_URL", "mysql://todo:hunter2-mysql@localhost/todo");
        command
    });
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the database mysql://todo:***@localhost/todo"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected a `sqlite:` or `postgres:` URL"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stderr.contains("hunter2") && !stdout.contains("hunter2"),
        "the password is shown: {stdout}{stderr}"
    );
}

#[test]
fn an_unreachable_postgres_fails_at_start_without_its_password() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = run({
        let mut command = todo_command(dir.path());
        command
            .env("BETTER_AUTH_SECRET", SECRET)
            // Nothing listens on port 1; the start-up gives up after one second of retries.
            .env(
                "DATABASE_URL",
                "postgres://todo:hunter2-postgres@127.0.0.1:1/todo",
            )
            .env("DATABASE_CONNECT_TIMEOUT", "1");
        command
    });
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the database postgres://todo:***@127.0.0.1:1/todo"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stderr.contains("hunter2") && !stdout.contains("hunter2"),
        "the password is shown: {stdout}{stderr}"
    );
}

#[test]
fn an_invalid_log_filter_fails_at_start() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = run({
        let mut command = todo_command(dir.path());
        command
            .env("BETTER_AUTH_SECRET", SECRET)
            .env("RUST_LOG", "tower_http=loud");
        command
    });
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("RUST_LOG=\"tower_http=loud\" is not a log filter"),
        "{stderr}"
    );
}
