//! Micro-benchmarks of the per-request work the framework owns: token verification, body
//! parsing and validation, response serialisation. Run with `cargo bench -p crud-bench`.

use crud_core::chrono::{TimeZone, Utc};
// The benchmarks measure the framework's own pieces, some of them reached only by the derive.
use crud_core::__private::Input;
use crud_core::{Auth, BackendKind, Resource};
use std::time::Duration;
use todo::{Task, TaskCreate};

fn main() {
    // 1000 samples rather than divan's 100: the medians move less on a shared machine.
    // Flags given on the command line (`-- --sample-count N`) still take precedence.
    divan::Divan::default()
        .sample_count(1000)
        .config_with_args()
        .main();
}

fn task(id: i64) -> Task {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .expect("a valid time");
    Task {
        id,
        user_id: "user42".to_owned(),
        title: "Benchmark task".to_owned(),
        description: Some("written by the load generator".to_owned()),
        completed: false,
        created_at: at,
        updated_at: at,
    }
}

/// `Authorization: Bearer ...` → the caller's user id.
#[divan::bench]
fn verify_token(bencher: divan::Bencher) {
    let auth = Auth::hs256("benchmark-secret").expect("a secret");
    let token = auth.issue("user42", Duration::from_secs(3600));
    bencher.bench(|| {
        auth.verify(divan::black_box(&token))
            .expect("a valid token")
    });
}

/// A create body → a validated `TaskCreate`.
#[divan::bench]
fn parse_and_validate_body(bencher: divan::Bencher) {
    let body = br#"{"title":"Benchmark task","description":"written by the load generator"}"#;
    bencher.bench(|| {
        let input: TaskCreate = serde_json::from_slice(divan::black_box(body)).expect("valid JSON");
        input.validate().expect("a valid task");
        input
    });
}

/// One task → its JSON response body.
#[divan::bench]
fn serialize_task(bencher: divan::Bencher) {
    let task = task(1);
    bencher.bench(|| serde_json::to_vec(divan::black_box(&task)).expect("serializable"));
}

/// A list of 20 tasks (one user's seeded list) → its JSON response body.
#[divan::bench]
fn serialize_list_of_20(bencher: divan::Bencher) {
    let tasks = (1..=20).map(task).collect::<Vec<_>>();
    bencher.bench(|| serde_json::to_vec(divan::black_box(&tasks)).expect("serializable"));
}

/// The SQL of an operation, looked up per request (built once per backend).
#[divan::bench]
fn look_up_statements(bencher: divan::Bencher) {
    bencher.bench(|| std::ptr::from_ref(Task::statements(divan::black_box(BackendKind::Postgres))));
}
