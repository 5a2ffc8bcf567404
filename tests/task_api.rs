//! The contract of the todo server's `Task` API, on SQLite and PostgreSQL.
//!
//! Every route lives under `/api/{user_id}/tasks` and takes an HS256 bearer token whose `sub`
//! is the path's user; errors are JSON with a `detail`. The tests go through the router in
//! process, except the last ones, which call the service functions that the `crud_core::Crud`
//! trait offers on [`todo::Task`] directly.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use common::{Backend, Client, Reply, SECRET, TestDb};
use crud_core::DEFAULT_BODY_LIMIT as BODY_LIMIT;
use crud_core::{Crud, Db, Error, ListQuery};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use todo::{Task, TaskCreate, TaskUpdate};

backend_tests!(
    // The contract, route by route.
    create_returns_201_and_every_field_of_the_task,
    create_without_description_stores_null,
    get_returns_the_task_as_created,
    list_returns_the_callers_tasks,
    list_of_a_user_without_tasks_is_empty,
    update_replaces_the_input_fields,
    update_without_description_sets_it_to_null,
    update_leaves_completed_alone,
    delete_returns_the_deleted_task_then_it_is_not_found,
    deleted_task_cannot_be_updated_or_toggled,
    deleted_ids_are_not_reused,
    toggle_flips_completed_each_time,
    nonexistent_task_is_not_found_on_every_item_route,
    percent_encoded_user_id_matches_the_token_sub,
    // Timestamps.
    put_advances_updated_at_and_keeps_created_at,
    toggle_advances_updated_at_and_keeps_created_at,
    // Order and paging.
    list_is_newest_first,
    list_orders_by_created_at_then_by_id_descending,
    limit_and_offset_page_through_the_list,
    non_numeric_paging_is_bad_request,
    // Authentication.
    missing_authorization_header_is_unauthorized,
    non_bearer_scheme_is_unauthorized,
    bearer_without_a_token_is_unauthorized,
    malformed_token_is_unauthorized,
    token_signed_with_another_secret_is_unauthorized,
    token_with_tampered_claims_is_unauthorized,
    expired_token_is_unauthorized,
    alg_none_token_is_unauthorized,
    token_signed_with_another_algorithm_is_unauthorized,
    token_without_sub_is_unauthorized,
    token_with_empty_sub_is_unauthorized,
    token_without_exp_is_unauthorized,
    hand_signed_token_is_accepted,
    bearer_scheme_is_case_insensitive,
    authentication_is_checked_before_the_body_and_the_path_user,
    // Authorization: the path's user must be the token's.
    other_users_path_is_forbidden_on_every_route,
    forbidden_is_checked_before_the_id_and_the_body,
    auth_and_ownership_are_checked_before_any_query,
    // Isolation between users.
    other_users_task_is_not_found,
    other_users_task_cannot_be_updated,
    other_users_task_cannot_be_deleted,
    other_users_task_cannot_be_toggled,
    list_contains_only_the_callers_tasks,
    // Validation.
    empty_title_is_rejected,
    titles_of_1_and_200_characters_are_accepted,
    title_of_201_characters_is_rejected,
    title_length_counts_characters_not_bytes,
    description_of_1000_characters_is_accepted,
    description_of_1001_characters_is_rejected,
    every_failing_field_is_reported,
    nul_character_is_rejected_not_a_server_error,
    // Mass assignment.
    create_refuses_server_managed_fields,
    update_refuses_server_managed_fields,
    // Malformed requests.
    malformed_json_is_bad_request,
    wrong_field_type_is_bad_request,
    missing_title_is_bad_request,
    body_without_json_content_type_is_unsupported_media_type,
    body_over_the_limit_is_payload_too_large,
    non_numeric_id_is_bad_request,
    id_beyond_i64_is_bad_request,
    unknown_route_is_json_not_found,
    wrong_method_is_json_method_not_allowed,
    // Concurrency.
    fifty_concurrent_toggles_lose_no_update,
    fifty_one_concurrent_toggles_end_flipped,
    // The service functions, without HTTP.
    service_create_returns_what_http_reads,
    service_list_is_owner_scoped_newest_first_and_paged,
    service_get_is_owner_scoped,
    service_update_replaces_input_fields_for_the_owner_only,
    service_delete_is_owner_scoped,
    service_toggle_is_owner_scoped,
    service_validates_input_like_http,
    service_validates_before_any_query,
);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Every field of a task in a response, and nothing else.
const TASK_FIELDS: [&str; 7] = [
    "id",
    "user_id",
    "title",
    "description",
    "completed",
    "created_at",
    "updated_at",
];

const NOT_FOUND: &str = "Task not found";
const FORBIDDEN: &str = "Forbidden: cannot access another user's resources";

/// A fresh database and the todo server on it. Keep the `TestDb` alive for the whole test.
async fn server(backend: Backend) -> (TestDb, Client) {
    let db = TestDb::new(backend).await;
    let client = Client::todo(&db.db).await;
    (db, client)
}

fn tasks_uri(user: &str) -> String {
    format!("/api/{user}/tasks")
}

fn task_uri(user: &str, id: i64) -> String {
    format!("/api/{user}/tasks/{id}")
}

fn complete_uri(user: &str, id: i64) -> String {
    format!("/api/{user}/tasks/{id}/complete")
}

/// Creates a task through the API, expecting 201, and returns it.
async fn create(client: &Client, user: &str, body: Value) -> Value {
    let reply = client.post(user, &tasks_uri(user), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

/// Reads a task through the API, expecting 200.
async fn read(client: &Client, user: &str, id: i64) -> Value {
    let reply = client.get(user, &task_uri(user, id)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// Lists a user's tasks through the API, expecting 200.
async fn list(client: &Client, user: &str) -> Value {
    let reply = client.get(user, &tasks_uri(user)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn id(task: &Value) -> i64 {
    task["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an integer `id` in {task}"))
}

fn ids(tasks: &Value) -> Vec<i64> {
    tasks
        .as_array()
        .unwrap_or_else(|| panic!("a JSON array, got {tasks}"))
        .iter()
        .map(id)
        .collect()
}

fn titles(tasks: &Value) -> Vec<&str> {
    tasks
        .as_array()
        .unwrap_or_else(|| panic!("a JSON array, got {tasks}"))
        .iter()
        .map(|task| task["title"].as_str().expect("a string `title`"))
        .collect()
}

/// A timestamp field: an RFC 3339 string in UTC.
fn timestamp(task: &Value, field: &str) -> DateTime<Utc> {
    let text = task[field]
        .as_str()
        .unwrap_or_else(|| panic!("a string `{field}` in {task}"));
    let parsed = DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("`{field}` {text:?} is not RFC 3339: {error}"));
    assert_eq!(parsed.offset().local_minus_utc(), 0, "`{field}` is in UTC");
    parsed.with_timezone(&Utc)
}

/// Asserts a task has exactly the contract's fields, each of the right JSON type.
fn assert_task_shape(task: &Value) {
    let fields = task
        .as_object()
        .unwrap_or_else(|| panic!("a JSON object, got {task}"))
        .keys()
        .map(String::as_str)
        .collect::<BTreeSet<_>>();
    assert_eq!(fields, BTreeSet::from(TASK_FIELDS), "fields of {task}");
    id(task);
    assert!(task["user_id"].is_string(), "{task}");
    assert!(task["title"].is_string(), "{task}");
    assert!(
        task["description"].is_string() || task["description"].is_null(),
        "{task}"
    );
    assert!(task["completed"].is_boolean(), "{task}");
    timestamp(task, "created_at");
    timestamp(task, "updated_at");
}

/// Asserts an error status and a non-empty `detail`, and returns the `detail`.
fn assert_error(reply: &Reply, status: StatusCode) -> &str {
    assert_eq!(reply.status, status, "{}", reply.body);
    // An RFC 9457 problem document.
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/problem+json",
        "{}",
        reply.body
    );
    assert_eq!(reply.body["type"], "about:blank", "{}", reply.body);
    assert_eq!(reply.body["status"], status.as_u16(), "{}", reply.body);
    assert_eq!(
        reply.body["title"],
        status.canonical_reason().expect("a known status"),
        "{}",
        reply.body
    );
    let detail = reply.detail();
    assert!(!detail.is_empty(), "an empty `detail`");
    detail
}

/// Asserts a 400 validation error whose `errors` name exactly `fields`, in order.
fn assert_invalid(reply: &Reply, fields: &[&str]) {
    let detail = assert_error(reply, StatusCode::BAD_REQUEST);
    assert!(detail.starts_with("Validation failed"), "{detail}");
    let errors = reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("an `errors` list in {}", reply.body));
    let named = errors
        .iter()
        .map(|error| {
            let message = error["message"].as_str().expect("a string `message`");
            assert!(!message.is_empty(), "an empty message in {error}");
            error["field"].as_str().expect("a string `field`")
        })
        .collect::<Vec<_>>();
    assert_eq!(named, fields, "{}", reply.body);
}

fn assert_not_found(reply: &Reply) {
    assert_eq!(assert_error(reply, StatusCode::NOT_FOUND), NOT_FOUND);
}

fn assert_forbidden(reply: &Reply) {
    assert_eq!(assert_error(reply, StatusCode::FORBIDDEN), FORBIDDEN);
}

/// Asserts a 401 whose `detail` mentions `reason`, with a `WWW-Authenticate: Bearer` header.
fn assert_unauthorized(reply: &Reply, reason: &str) {
    let detail = assert_error(reply, StatusCode::UNAUTHORIZED);
    assert!(
        detail.contains(reason),
        "{detail:?} should mention {reason:?}"
    );
    let challenge = reply.headers.get(header::WWW_AUTHENTICATE);
    assert_eq!(
        challenge.and_then(|value| value.to_str().ok()),
        Some("Bearer")
    );
}

/// A request with the given `Authorization` header (none when `None`) and JSON body.
fn request(
    method: Method,
    uri: &str,
    authorization: Option<&str>,
    body: Option<&Value>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(authorization) = authorization {
        builder = builder.header(header::AUTHORIZATION, authorization);
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("a valid request")
}

/// A request from `user` with a raw body and the given `Content-Type` (none when `None`).
fn raw_request(
    method: Method,
    uri: &str,
    user: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, bearer(user));
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.into()).expect("a valid request")
}

/// A valid `Authorization` header value for `user`.
fn bearer(user: &str) -> String {
    format!("Bearer {}", common::token(user))
}

/// Every route of the API for `user`'s task `id`, with a valid body where one is needed.
fn every_route(user: &str, id: i64) -> Vec<(Method, String, Option<Value>)> {
    let body = json!({"title": "Replaced"});
    vec![
        (Method::GET, tasks_uri(user), None),
        (Method::POST, tasks_uri(user), Some(body.clone())),
        (Method::GET, task_uri(user, id), None),
        (Method::PUT, task_uri(user, id), Some(body)),
        (Method::DELETE, task_uri(user, id), None),
        (Method::PATCH, complete_uri(user, id), None),
    ]
}

/// Seconds since the Unix epoch, `offset` from now.
fn epoch_seconds(offset: TimeDelta) -> i64 {
    (Utc::now() + offset).timestamp()
}

/// A token with these claims, signed with the tests' secret and `algorithm`.
fn signed(algorithm: Algorithm, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("a token is signed")
}

/// Sends a request on every route with this `Authorization` header (none when `None`),
/// expecting a 401 mentioning `reason`, and checks that nothing was written.
async fn assert_unauthorized_everywhere(
    client: &Client,
    authorization: Option<&str>,
    reason: &str,
) {
    let task = create(client, "alice", json!({"title": "Guarded"})).await;
    let before = list(client, "alice").await;
    for (method, uri, body) in every_route("alice", id(&task)) {
        let reply = client
            .raw(request(method.clone(), &uri, authorization, body.as_ref()))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with {authorization:?}"
        );
        assert_unauthorized(&reply, reason);
    }
    assert_eq!(list(client, "alice").await, before);
}

/// Toggles `user`'s task `times` times at once, from as many tasks, and returns the
/// `completed` value each toggle answered.
async fn toggle_concurrently(client: &Client, user: &str, id: i64, times: usize) -> Vec<bool> {
    let handles = (0..times)
        .map(|_| {
            let client = client.clone();
            let uri = complete_uri(user, id);
            let user = user.to_owned();
            tokio::spawn(async move { client.patch(&user, &uri).await })
        })
        .collect::<Vec<_>>();
    let mut answers = Vec::with_capacity(times);
    for handle in handles {
        let reply = handle.await.expect("the toggle task does not panic");
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        answers.push(reply.body["completed"].as_bool().expect("a bool"));
    }
    answers
}

/// Sets a task's `created_at` directly in the database.
async fn set_created_at(db: &Db, id: i64, at: DateTime<Utc>) {
    use crud_core::sqlx;
    let result = match (db.sqlite(), db.postgres()) {
        (Some(sqlite), _) => sqlx::query(r#"UPDATE "tasks" SET "created_at" = ?1 WHERE "id" = ?2"#)
            .bind(at)
            .bind(id)
            .execute(&sqlite.reads)
            .await
            .map(|done| done.rows_affected()),
        (_, Some(pool)) => sqlx::query(r#"UPDATE "tasks" SET "created_at" = $1 WHERE "id" = $2"#)
            .bind(at)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()),
        (None, None) => unreachable!("a database is on one backend"),
    };
    assert_eq!(result.expect("the update runs"), 1);
}

/// Lets the clock move past the microsecond the last write was stamped with.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(2)).await;
}

/// The fields named by a service's validation error.
fn invalid_fields<T: std::fmt::Debug>(result: crud_core::Result<T>) -> Vec<&'static str> {
    match result {
        Err(Error::Validation(errors)) => errors.fields().iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn task_create(title: &str, description: Option<&str>) -> TaskCreate {
    TaskCreate {
        title: title.to_owned(),
        description: description.map(str::to_owned),
    }
}

fn task_update(title: &str, description: Option<&str>) -> TaskUpdate {
    TaskUpdate {
        title: title.to_owned(),
        description: description.map(str::to_owned),
    }
}

// ---------------------------------------------------------------------------------------------
// The contract, route by route
// ---------------------------------------------------------------------------------------------

async fn create_returns_201_and_every_field_of_the_task(backend: Backend) {
    let (_db, client) = server(backend).await;
    let before = Utc::now().trunc_subsecs(6);

    let reply = client
        .post(
            "alice",
            &tasks_uri("alice"),
            json!({"title": "Buy milk", "description": "Two litres"}),
        )
        .await;

    let after = Utc::now();
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let task = &reply.body;
    assert_task_shape(task);
    assert!(id(task) > 0, "{task}");
    assert_eq!(task["user_id"], "alice");
    assert_eq!(task["title"], "Buy milk");
    assert_eq!(task["description"], "Two litres");
    assert_eq!(task["completed"], false);
    let created_at = timestamp(task, "created_at");
    assert!(
        before <= created_at && created_at <= after,
        "{created_at} is not between {before} and {after}"
    );
    assert_eq!(task["updated_at"], task["created_at"]);
}

async fn create_without_description_stores_null(backend: Backend) {
    let (_db, client) = server(backend).await;

    let omitted = create(&client, "alice", json!({"title": "Omitted"})).await;
    let null = create(
        &client,
        "alice",
        json!({"title": "Explicit null", "description": null}),
    )
    .await;

    for task in [&omitted, &null] {
        assert_task_shape(task);
        assert_eq!(task["description"], Value::Null);
        assert_eq!(
            read(&client, "alice", id(task)).await["description"],
            Value::Null
        );
    }
}

async fn get_returns_the_task_as_created(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(
        &client,
        "alice",
        json!({"title": "Read me", "description": "Back"}),
    )
    .await;

    let reply = client.get("alice", &task_uri("alice", id(&created))).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_task_shape(&reply.body);
    assert_eq!(reply.body, created);
}

async fn list_returns_the_callers_tasks(backend: Backend) {
    let (_db, client) = server(backend).await;
    let first = create(&client, "alice", json!({"title": "First"})).await;
    let second = create(
        &client,
        "alice",
        json!({"title": "Second", "description": "More"}),
    )
    .await;

    let reply = client.get("alice", &tasks_uri("alice")).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!([second, first]));
}

async fn list_of_a_user_without_tasks_is_empty(backend: Backend) {
    let (_db, client) = server(backend).await;
    create(&client, "bob", json!({"title": "Bob's"})).await;

    let reply = client.get("alice", &tasks_uri("alice")).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!([]));
}

async fn update_replaces_the_input_fields(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(
        &client,
        "alice",
        json!({"title": "Draft", "description": "Old"}),
    )
    .await;
    tick().await;

    let reply = client
        .put(
            "alice",
            &task_uri("alice", id(&created)),
            json!({"title": "Final", "description": "New"}),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let updated = &reply.body;
    assert_task_shape(updated);
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["user_id"], "alice");
    assert_eq!(updated["title"], "Final");
    assert_eq!(updated["description"], "New");
    assert_eq!(updated["completed"], false);
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(&read(&client, "alice", id(&created)).await, updated);
}

async fn update_without_description_sets_it_to_null(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(
        &client,
        "alice",
        json!({"title": "Described", "description": "Will go"}),
    )
    .await;

    let reply = client
        .put(
            "alice",
            &task_uri("alice", id(&created)),
            json!({"title": "Bare"}),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["title"], "Bare");
    assert_eq!(reply.body["description"], Value::Null);
    assert_eq!(
        read(&client, "alice", id(&created)).await["description"],
        Value::Null
    );
}

async fn update_leaves_completed_alone(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(&client, "alice", json!({"title": "Done soon"})).await;
    let toggled = client
        .patch("alice", &complete_uri("alice", id(&created)))
        .await;
    assert_eq!(toggled.body["completed"], true);

    let reply = client
        .put(
            "alice",
            &task_uri("alice", id(&created)),
            json!({"title": "Done"}),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["completed"], true);
    assert_eq!(
        read(&client, "alice", id(&created)).await["completed"],
        true
    );
}

async fn delete_returns_the_deleted_task_then_it_is_not_found(backend: Backend) {
    let (_db, client) = server(backend).await;
    let doomed = create(
        &client,
        "alice",
        json!({"title": "Doomed", "description": "Bye"}),
    )
    .await;
    let kept = create(&client, "alice", json!({"title": "Kept"})).await;
    let uri = task_uri("alice", id(&doomed));

    let reply = client.delete("alice", &uri).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_task_shape(&reply.body);
    assert_eq!(reply.body, doomed);
    assert_not_found(&client.get("alice", &uri).await);
    assert_not_found(&client.delete("alice", &uri).await);
    assert_eq!(list(&client, "alice").await, json!([kept]));
}

async fn deleted_task_cannot_be_updated_or_toggled(backend: Backend) {
    let (_db, client) = server(backend).await;
    let task = create(&client, "alice", json!({"title": "Gone"})).await;
    let deleted = client.delete("alice", &task_uri("alice", id(&task))).await;
    assert_eq!(deleted.status, StatusCode::OK);

    let put = client
        .put(
            "alice",
            &task_uri("alice", id(&task)),
            json!({"title": "Back"}),
        )
        .await;
    let patch = client
        .patch("alice", &complete_uri("alice", id(&task)))
        .await;

    assert_not_found(&put);
    assert_not_found(&patch);
    assert_eq!(list(&client, "alice").await, json!([]));
}

async fn deleted_ids_are_not_reused(backend: Backend) {
    let (_db, client) = server(backend).await;
    let first = create(&client, "alice", json!({"title": "First"})).await;
    let deleted = client.delete("alice", &task_uri("alice", id(&first))).await;
    assert_eq!(deleted.status, StatusCode::OK);

    let second = create(&client, "alice", json!({"title": "Second"})).await;

    assert!(id(&second) > id(&first), "{second} reuses {first}");
}

async fn toggle_flips_completed_each_time(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(
        &client,
        "alice",
        json!({"title": "Flip", "description": "Flop"}),
    )
    .await;
    let uri = complete_uri("alice", id(&created));

    let first = client.patch("alice", &uri).await;
    let second = client.patch("alice", &uri).await;

    for (reply, completed) in [(&first, true), (&second, false)] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_task_shape(&reply.body);
        assert_eq!(reply.body["completed"], completed);
        for unchanged in ["id", "user_id", "title", "description", "created_at"] {
            assert_eq!(reply.body[unchanged], created[unchanged], "{unchanged}");
        }
    }
    assert_eq!(read(&client, "alice", id(&created)).await, second.body);
}

async fn nonexistent_task_is_not_found_on_every_item_route(backend: Backend) {
    let (_db, client) = server(backend).await;
    let existing = create(&client, "alice", json!({"title": "Exists"})).await;
    let missing = id(&existing) + 1000;

    let replies = [
        client.get("alice", &task_uri("alice", missing)).await,
        client
            .put(
                "alice",
                &task_uri("alice", missing),
                json!({"title": "Nope"}),
            )
            .await,
        client.delete("alice", &task_uri("alice", missing)).await,
        client.patch("alice", &complete_uri("alice", missing)).await,
        client.get("alice", &task_uri("alice", i64::MAX)).await,
        client.get("alice", &task_uri("alice", -1)).await,
    ];

    for reply in &replies {
        assert_not_found(reply);
    }
    assert_eq!(list(&client, "alice").await, json!([existing]));
}

async fn percent_encoded_user_id_matches_the_token_sub(backend: Backend) {
    let (_db, client) = server(backend).await;
    let user = "alice smith@example.com";
    let path = "/api/alice%20smith%40example.com/tasks";

    let created = client.post(user, path, json!({"title": "Encoded"})).await;
    let listed = client.get(user, path).await;

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["user_id"], user);
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body, json!([created.body]));
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

async fn put_advances_updated_at_and_keeps_created_at(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(&client, "alice", json!({"title": "Stamped"})).await;
    let uri = task_uri("alice", id(&created));
    let mut previous = timestamp(&created, "updated_at");

    // The same body twice: a write that changes nothing is still a write.
    for title in ["Restamped", "Restamped"] {
        tick().await;
        let reply = client.put("alice", &uri, json!({"title": title})).await;

        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let updated_at = timestamp(&reply.body, "updated_at");
        assert!(updated_at > previous, "{updated_at} after {previous}");
        assert_eq!(reply.body["created_at"], created["created_at"]);
        previous = updated_at;
    }
    let stored = read(&client, "alice", id(&created)).await;
    assert_eq!(timestamp(&stored, "updated_at"), previous);
    assert_eq!(stored["created_at"], created["created_at"]);
}

async fn toggle_advances_updated_at_and_keeps_created_at(backend: Backend) {
    let (_db, client) = server(backend).await;
    let created = create(&client, "alice", json!({"title": "Stamped"})).await;
    let uri = complete_uri("alice", id(&created));
    let mut previous = timestamp(&created, "updated_at");

    for _ in 0..2 {
        tick().await;
        let reply = client.patch("alice", &uri).await;

        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let updated_at = timestamp(&reply.body, "updated_at");
        assert!(updated_at > previous, "{updated_at} after {previous}");
        assert_eq!(reply.body["created_at"], created["created_at"]);
        previous = updated_at;
    }
    let stored = read(&client, "alice", id(&created)).await;
    assert_eq!(timestamp(&stored, "updated_at"), previous);
    assert_eq!(stored["created_at"], created["created_at"]);
}

// ---------------------------------------------------------------------------------------------
// Order and paging
// ---------------------------------------------------------------------------------------------

async fn list_is_newest_first(backend: Backend) {
    let (_db, client) = server(backend).await;
    for title in ["one", "two", "three"] {
        create(&client, "alice", json!({"title": title})).await;
        tick().await;
    }

    let listed = list(&client, "alice").await;

    assert_eq!(titles(&listed), ["three", "two", "one"]);
    let stamps = listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|task| timestamp(task, "created_at"))
        .collect::<Vec<_>>();
    assert!(
        stamps.windows(2).all(|pair| pair[0] > pair[1]),
        "{stamps:?}"
    );
}

async fn list_orders_by_created_at_then_by_id_descending(backend: Backend) {
    let (db, client) = server(backend).await;
    let oldest = create(&client, "alice", json!({"title": "oldest"})).await;
    let middle = create(&client, "alice", json!({"title": "middle"})).await;
    let newest = create(&client, "alice", json!({"title": "newest"})).await;
    // `oldest` moves an hour ahead; `middle` and `newest` share one instant, so the id decides.
    let instant = timestamp(&newest, "created_at");
    set_created_at(&db.db, id(&oldest), instant + TimeDelta::hours(1)).await;
    set_created_at(&db.db, id(&middle), instant).await;

    let listed = list(&client, "alice").await;

    assert_eq!(ids(&listed), [id(&oldest), id(&newest), id(&middle)]);
}

async fn limit_and_offset_page_through_the_list(backend: Backend) {
    let (_db, client) = server(backend).await;
    let mut created = Vec::new();
    for n in 1..=5 {
        created.push(id(&create(
            &client,
            "alice",
            json!({"title": format!("task {n}")}),
        )
        .await));
    }
    create(&client, "bob", json!({"title": "Bob's"})).await;
    let newest_first = created.iter().rev().copied().collect::<Vec<_>>();
    let cases: [(&str, &[i64]); 7] = [
        ("", &newest_first),
        ("?limit=2", &newest_first[..2]),
        ("?limit=2&offset=2", &newest_first[2..4]),
        ("?limit=2&offset=4", &newest_first[4..]),
        ("?offset=3", &newest_first[3..]),
        ("?limit=10", &newest_first),
        ("?limit=2&offset=5", &[]),
    ];

    for (query, expected) in cases {
        let reply = client
            .get("alice", &format!("{}{query}", tasks_uri("alice")))
            .await;

        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(ids(&reply.body), expected, "{query}");
    }
}

async fn non_numeric_paging_is_bad_request(backend: Backend) {
    let (_db, client) = server(backend).await;
    create(&client, "alice", json!({"title": "Listed"})).await;

    for query in [
        "?limit=abc",
        "?offset=abc",
        "?limit=-1",
        "?limit=1.5",
        "?limit=0",
    ] {
        let reply = client
            .get("alice", &format!("{}{query}", tasks_uri("alice")))
            .await;

        assert_error(&reply, StatusCode::BAD_REQUEST);
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

async fn missing_authorization_header_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;

    assert_unauthorized_everywhere(&client, None, "Not authenticated").await;
}

async fn non_bearer_scheme_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let token = common::token("alice");

    for authorization in [
        "Basic YWxpY2U6c2VjcmV0".to_owned(),
        format!("Token {token}"),
        token,
    ] {
        assert_unauthorized_everywhere(&client, Some(&authorization), "Not authenticated").await;
    }
}

async fn bearer_without_a_token_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;

    for authorization in ["Bearer", "Bearer ", "Bearer    "] {
        assert_unauthorized_everywhere(&client, Some(authorization), "Not authenticated").await;
    }
}

async fn malformed_token_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;

    for token in ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.%%%.xyz"] {
        let authorization = format!("Bearer {token}");
        assert_unauthorized_everywhere(&client, Some(&authorization), "Invalid token").await;
    }
}

async fn token_signed_with_another_secret_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let token = crud_core::Auth::hs256("another-secret")
        .expect("a valid secret")
        .issue("alice", Duration::from_secs(3600));

    let authorization = format!("Bearer {token}");
    assert_unauthorized_everywhere(&client, Some(&authorization), "signature").await;
}

async fn token_with_tampered_claims_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    // Bob's genuine token with its claims swapped for alice's.
    let bobs = common::token("bob");
    let mut parts = bobs.split('.');
    let (header, _, signature) = (parts.next(), parts.next(), parts.next());
    let claims = json!({"sub": "alice", "exp": epoch_seconds(TimeDelta::hours(1))});
    let forged = format!(
        "{}.{}.{}",
        header.expect("a header"),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        signature.expect("a signature")
    );

    let authorization = format!("Bearer {forged}");
    assert_unauthorized_everywhere(&client, Some(&authorization), "signature").await;
}

async fn expired_token_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    // Expired two minutes ago: past any clock-skew leeway.
    let token = signed(
        Algorithm::HS256,
        &json!({"sub": "alice", "exp": epoch_seconds(-TimeDelta::minutes(2))}),
    );

    let authorization = format!("Bearer {token}");
    assert_unauthorized_everywhere(&client, Some(&authorization), "expired").await;
}

async fn alg_none_token_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let claims = json!({"sub": "alice", "exp": epoch_seconds(TimeDelta::hours(1))});
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());

    for alg in ["none", "None", "NONE"] {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
        let authorization = format!("Bearer {header}.{claims}.");
        assert_unauthorized_everywhere(&client, Some(&authorization), "Invalid token").await;
    }
}

async fn token_signed_with_another_algorithm_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let claims = json!({"sub": "alice", "exp": epoch_seconds(TimeDelta::hours(1))});

    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let authorization = format!("Bearer {}", signed(algorithm, &claims));
        assert_unauthorized_everywhere(&client, Some(&authorization), "HS256").await;
    }
}

async fn token_without_sub_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let token = signed(
        Algorithm::HS256,
        &json!({"exp": epoch_seconds(TimeDelta::hours(1))}),
    );

    let authorization = format!("Bearer {token}");
    assert_unauthorized_everywhere(&client, Some(&authorization), "`sub`").await;
}

async fn token_with_empty_sub_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let token = signed(
        Algorithm::HS256,
        &json!({"sub": "", "exp": epoch_seconds(TimeDelta::hours(1))}),
    );

    let authorization = format!("Bearer {token}");
    assert_unauthorized_everywhere(&client, Some(&authorization), "`sub`").await;
}

async fn token_without_exp_is_unauthorized(backend: Backend) {
    let (_db, client) = server(backend).await;
    let token = signed(Algorithm::HS256, &json!({"sub": "alice"}));

    let authorization = format!("Bearer {token}");
    assert_unauthorized_everywhere(&client, Some(&authorization), "`exp`").await;
}

async fn hand_signed_token_is_accepted(backend: Backend) {
    let (_db, client) = server(backend).await;
    let task = create(&client, "alice", json!({"title": "Mine"})).await;
    // The same signing as the refused tokens above, with valid claims.
    let token = signed(
        Algorithm::HS256,
        &json!({"sub": "alice", "exp": epoch_seconds(TimeDelta::hours(1))}),
    );

    let reply = client
        .raw(request(
            Method::GET,
            &tasks_uri("alice"),
            Some(&format!("Bearer {token}")),
            None,
        ))
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!([task]));
}

async fn bearer_scheme_is_case_insensitive(backend: Backend) {
    let (_db, client) = server(backend).await;
    let task = create(&client, "alice", json!({"title": "Mine"})).await;
    let token = common::token("alice");

    for scheme in ["bearer", "BEARER"] {
        let authorization = format!("{scheme} {token}");
        let reply = client
            .raw(request(
                Method::GET,
                &tasks_uri("alice"),
                Some(&authorization),
                None,
            ))
            .await;

        assert_eq!(reply.status, StatusCode::OK, "{scheme}: {}", reply.body);
        assert_eq!(reply.body, json!([task]));
    }
}

async fn authentication_is_checked_before_the_body_and_the_path_user(backend: Backend) {
    let (_db, client) = server(backend).await;
    let expired = signed(
        Algorithm::HS256,
        &json!({"sub": "alice", "exp": epoch_seconds(-TimeDelta::minutes(2))}),
    );
    let no_token_malformed_body = Request::builder()
        .method(Method::POST)
        .uri(tasks_uri("alice"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .expect("a valid request");
    let no_token_no_content_type = Request::builder()
        .method(Method::POST)
        .uri(tasks_uri("alice"))
        .body(Body::from("plain text"))
        .expect("a valid request");
    let expired_on_another_users_path = request(
        Method::GET,
        &tasks_uri("bob"),
        Some(&format!("Bearer {expired}")),
        None,
    );

    let malformed = client.raw(no_token_malformed_body).await;
    let unsupported = client.raw(no_token_no_content_type).await;
    let other_user = client.raw(expired_on_another_users_path).await;

    assert_unauthorized(&malformed, "Not authenticated");
    assert_unauthorized(&unsupported, "Not authenticated");
    assert_unauthorized(&other_user, "expired");
}

// ---------------------------------------------------------------------------------------------
// Authorization: the path's user must be the token's
// ---------------------------------------------------------------------------------------------

async fn other_users_path_is_forbidden_on_every_route(backend: Backend) {
    let (_db, client) = server(backend).await;
    let bobs = create(
        &client,
        "bob",
        json!({"title": "Bob's", "description": "Private"}),
    )
    .await;

    for (method, uri, body) in every_route("bob", id(&bobs)) {
        let reply = client.send(method.clone(), &uri, Some("alice"), body).await;

        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}");
        assert_forbidden(&reply);
    }
    assert_eq!(list(&client, "bob").await, json!([bobs]));
    assert_eq!(list(&client, "alice").await, json!([]));
}

async fn forbidden_is_checked_before_the_id_and_the_body(backend: Backend) {
    let (_db, client) = server(backend).await;
    let bobs = create(&client, "bob", json!({"title": "Bob's"})).await;
    let missing = id(&bobs) + 1000;
    let bobs_uri = task_uri("bob", id(&bobs));

    let replies = [
        client.get("alice", &task_uri("bob", missing)).await,
        client
            .put("alice", &task_uri("bob", missing), json!({"title": "x"}))
            .await,
        client.delete("alice", &task_uri("bob", missing)).await,
        client.patch("alice", &complete_uri("bob", missing)).await,
        client.get("alice", "/api/bob/tasks/abc").await,
        client.patch("alice", "/api/bob/tasks/abc/complete").await,
        client.get("alice", "/api/bob/tasks?limit=abc").await,
        client.put("alice", &bobs_uri, json!({"title": ""})).await,
        client
            .put(
                "alice",
                &bobs_uri,
                json!({"title": "x", "user_id": "alice"}),
            )
            .await,
        client
            .post("alice", &tasks_uri("bob"), json!({"title": ""}))
            .await,
        client
            .post("alice", &tasks_uri("bob"), json!({"title": 5}))
            .await,
        client
            .raw(raw_request(
                Method::POST,
                &tasks_uri("bob"),
                "alice",
                Some("application/json"),
                "{not json",
            ))
            .await,
        client
            .raw(raw_request(
                Method::PUT,
                &bobs_uri,
                "alice",
                None,
                r#"{"title": "x"}"#,
            ))
            .await,
    ];

    for reply in &replies {
        assert_forbidden(reply);
    }
    assert_eq!(list(&client, "bob").await, json!([bobs]));
    assert_eq!(list(&client, "alice").await, json!([]));
}

async fn auth_and_ownership_are_checked_before_any_query(backend: Backend) {
    let (db, client) = server(backend).await;
    common::execute(&db.db, r#"DROP TABLE "tasks""#).await;
    // With the table gone, any query fails: the caller's own list is a server error.
    assert_error(
        &client.get("alice", &tasks_uri("alice")).await,
        StatusCode::INTERNAL_SERVER_ERROR,
    );

    for (method, uri, body) in every_route("bob", 1) {
        let forbidden = client
            .send(method.clone(), &uri, Some("alice"), body.clone())
            .await;
        let unauthorized = client
            .raw(request(method.clone(), &uri, None, body.as_ref()))
            .await;

        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{method} {uri}");
        assert_forbidden(&forbidden);
        assert_unauthorized(&unauthorized, "Not authenticated");
    }
}

// ---------------------------------------------------------------------------------------------
// Isolation between users
// ---------------------------------------------------------------------------------------------

/// Alice's task, and the server holding it.
async fn alices_task(backend: Backend) -> (TestDb, Client, Value) {
    let (db, client) = server(backend).await;
    let task = create(
        &client,
        "alice",
        json!({"title": "Alice's", "description": "Hers"}),
    )
    .await;
    (db, client, task)
}

async fn other_users_task_is_not_found(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let reply = client.get("bob", &task_uri("bob", id(&alices))).await;

    assert_not_found(&reply);
}

async fn other_users_task_cannot_be_updated(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let reply = client
        .put(
            "bob",
            &task_uri("bob", id(&alices)),
            json!({"title": "Bob was here", "description": null}),
        )
        .await;

    assert_not_found(&reply);
    assert_eq!(read(&client, "alice", id(&alices)).await, alices);
}

async fn other_users_task_cannot_be_deleted(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let reply = client.delete("bob", &task_uri("bob", id(&alices))).await;

    assert_not_found(&reply);
    assert_eq!(read(&client, "alice", id(&alices)).await, alices);
}

async fn other_users_task_cannot_be_toggled(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let reply = client.patch("bob", &complete_uri("bob", id(&alices))).await;

    assert_not_found(&reply);
    assert_eq!(read(&client, "alice", id(&alices)).await, alices);
}

async fn list_contains_only_the_callers_tasks(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let bobs = create(&client, "bob", json!({"title": "Bob's"})).await;
    let alices_second = create(&client, "alice", json!({"title": "Alice's second"})).await;

    let alice_sees = list(&client, "alice").await;
    let bob_sees = list(&client, "bob").await;

    assert_eq!(alice_sees, json!([alices_second, alices]));
    assert_eq!(bob_sees, json!([bobs]));
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

async fn empty_title_is_rejected(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let created = client
        .post("alice", &tasks_uri("alice"), json!({"title": ""}))
        .await;
    let updated = client
        .put(
            "alice",
            &task_uri("alice", id(&alices)),
            json!({"title": ""}),
        )
        .await;

    assert_invalid(&created, &["title"]);
    assert_invalid(&updated, &["title"]);
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn titles_of_1_and_200_characters_are_accepted(backend: Backend) {
    let (_db, client) = server(backend).await;
    let longest = "t".repeat(200);

    let shortest = create(&client, "alice", json!({"title": "a"})).await;
    let long = create(&client, "alice", json!({"title": longest})).await;
    let updated = client
        .put(
            "alice",
            &task_uri("alice", id(&shortest)),
            json!({"title": "u".repeat(200)}),
        )
        .await;

    assert_eq!(shortest["title"], "a");
    assert_eq!(long["title"], longest);
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["title"], "u".repeat(200));
}

async fn title_of_201_characters_is_rejected(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let too_long = "t".repeat(201);

    let created = client
        .post("alice", &tasks_uri("alice"), json!({"title": too_long}))
        .await;
    let updated = client
        .put(
            "alice",
            &task_uri("alice", id(&alices)),
            json!({"title": too_long}),
        )
        .await;

    assert_invalid(&created, &["title"]);
    assert_invalid(&updated, &["title"]);
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn title_length_counts_characters_not_bytes(backend: Backend) {
    let (_db, client) = server(backend).await;

    // Two, three and four bytes each in UTF-8.
    for character in ['é', '日', '😀'] {
        let longest = character.to_string().repeat(200);
        let too_long = character.to_string().repeat(201);

        let accepted = create(&client, "alice", json!({"title": longest})).await;
        let rejected = client
            .post("alice", &tasks_uri("alice"), json!({"title": too_long}))
            .await;
        let updated = client
            .put(
                "alice",
                &task_uri("alice", id(&accepted)),
                json!({"title": longest, "description": too_long}),
            )
            .await;

        assert_eq!(accepted["title"], longest);
        assert_eq!(
            read(&client, "alice", id(&accepted)).await["title"],
            longest
        );
        assert_invalid(&rejected, &["title"]);
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
        assert_eq!(updated.body["description"], too_long);
    }
    assert_eq!(
        list(&client, "alice").await.as_array().map(Vec::len),
        Some(3)
    );
}

async fn description_of_1000_characters_is_accepted(backend: Backend) {
    let (_db, client) = server(backend).await;
    let ascii = "d".repeat(1000);
    let accented = "é".repeat(1000);

    let created = create(
        &client,
        "alice",
        json!({"title": "Long", "description": ascii}),
    )
    .await;
    let updated = client
        .put(
            "alice",
            &task_uri("alice", id(&created)),
            json!({"title": "Long", "description": accented}),
        )
        .await;

    assert_eq!(created["description"], ascii);
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["description"], accented);
    assert_eq!(
        read(&client, "alice", id(&created)).await["description"],
        accented
    );
}

async fn description_of_1001_characters_is_rejected(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let too_long = "é".repeat(1001);

    let created = client
        .post(
            "alice",
            &tasks_uri("alice"),
            json!({"title": "Long", "description": too_long}),
        )
        .await;
    let updated = client
        .put(
            "alice",
            &task_uri("alice", id(&alices)),
            json!({"title": "Long", "description": too_long}),
        )
        .await;

    assert_invalid(&created, &["description"]);
    assert_invalid(&updated, &["description"]);
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn every_failing_field_is_reported(backend: Backend) {
    let (_db, client) = server(backend).await;

    let reply = client
        .post(
            "alice",
            &tasks_uri("alice"),
            json!({"title": "", "description": "d".repeat(1001)}),
        )
        .await;

    assert_invalid(&reply, &["title", "description"]);
    assert_eq!(list(&client, "alice").await, json!([]));
}

async fn nul_character_is_rejected_not_a_server_error(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let title = client
        .post("alice", &tasks_uri("alice"), json!({"title": "a\0b"}))
        .await;
    let description = client
        .post(
            "alice",
            &tasks_uri("alice"),
            json!({"title": "ok", "description": "\0"}),
        )
        .await;
    let updated = client
        .put(
            "alice",
            &task_uri("alice", id(&alices)),
            json!({"title": "\0"}),
        )
        .await;

    assert_invalid(&title, &["title"]);
    assert_invalid(&description, &["description"]);
    assert_invalid(&updated, &["title"]);
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

// ---------------------------------------------------------------------------------------------
// Mass assignment
// ---------------------------------------------------------------------------------------------

/// Fields a client must not set, with a value it might try.
fn server_managed_fields() -> [(&'static str, Value); 6] {
    [
        ("id", json!(4242)),
        ("user_id", json!("bob")),
        ("completed", json!(true)),
        ("created_at", json!("2000-01-01T00:00:00Z")),
        ("updated_at", json!("2000-01-01T00:00:00Z")),
        ("priority", json!(1)),
    ]
}

async fn create_refuses_server_managed_fields(backend: Backend) {
    let (_db, client) = server(backend).await;

    for (field, value) in server_managed_fields() {
        let mut body = json!({"title": "Sneaky"});
        body[field] = value;

        let reply = client.post("alice", &tasks_uri("alice"), body).await;

        let detail = assert_error(&reply, StatusCode::BAD_REQUEST);
        assert!(
            detail.contains(&format!("unknown field `{field}`")),
            "{detail}"
        );
    }
    assert_eq!(list(&client, "alice").await, json!([]));
    assert_eq!(list(&client, "bob").await, json!([]));
}

async fn update_refuses_server_managed_fields(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    for (field, value) in server_managed_fields() {
        let mut body = json!({"title": "Sneaky"});
        body[field] = value;

        let reply = client
            .put("alice", &task_uri("alice", id(&alices)), body)
            .await;

        let detail = assert_error(&reply, StatusCode::BAD_REQUEST);
        assert!(
            detail.contains(&format!("unknown field `{field}`")),
            "{detail}"
        );
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
    assert_eq!(list(&client, "bob").await, json!([]));
}

// ---------------------------------------------------------------------------------------------
// Malformed requests
// ---------------------------------------------------------------------------------------------

async fn malformed_json_is_bad_request(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let item = task_uri("alice", id(&alices));

    for body in [
        "{not json",
        r#"{"title": "x""#,
        "",
        r#"{"title": "x"} trailing"#,
    ] {
        for (method, uri) in [
            (Method::POST, tasks_uri("alice")),
            (Method::PUT, item.clone()),
        ] {
            let reply = client
                .raw(raw_request(
                    method.clone(),
                    &uri,
                    "alice",
                    Some("application/json"),
                    body,
                ))
                .await;

            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {body:?}");
            assert_error(&reply, StatusCode::BAD_REQUEST);
        }
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn wrong_field_type_is_bad_request(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let item = task_uri("alice", id(&alices));

    for body in [
        json!({"title": 5}),
        json!({"title": null}),
        json!({"title": ["x"]}),
        json!({"title": "x", "description": 7}),
        json!(["x"]),
        json!("x"),
    ] {
        let created = client
            .post("alice", &tasks_uri("alice"), body.clone())
            .await;
        let updated = client.put("alice", &item, body.clone()).await;

        assert_eq!(created.status, StatusCode::BAD_REQUEST, "POST {body}");
        assert_error(&created, StatusCode::BAD_REQUEST);
        assert_eq!(updated.status, StatusCode::BAD_REQUEST, "PUT {body}");
        assert_error(&updated, StatusCode::BAD_REQUEST);
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn missing_title_is_bad_request(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    for body in [json!({}), json!({"description": "No title"})] {
        let created = client
            .post("alice", &tasks_uri("alice"), body.clone())
            .await;
        let updated = client
            .put("alice", &task_uri("alice", id(&alices)), body)
            .await;

        for reply in [&created, &updated] {
            let detail = assert_error(reply, StatusCode::BAD_REQUEST);
            assert!(detail.contains("missing field `title`"), "{detail}");
        }
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn body_without_json_content_type_is_unsupported_media_type(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let item = task_uri("alice", id(&alices));
    let body = r#"{"title": "Typed"}"#;

    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        for (method, uri) in [
            (Method::POST, tasks_uri("alice")),
            (Method::PUT, item.clone()),
        ] {
            let reply = client
                .raw(raw_request(
                    method.clone(),
                    &uri,
                    "alice",
                    content_type,
                    body,
                ))
                .await;

            assert_eq!(
                reply.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{method} {content_type:?}"
            );
            assert_error(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
    // A JSON content type with parameters is JSON.
    let charset = client
        .raw(raw_request(
            Method::POST,
            &tasks_uri("alice"),
            "alice",
            Some("application/json; charset=utf-8"),
            body,
        ))
        .await;
    assert_eq!(charset.status, StatusCode::CREATED, "{}", charset.body);
}

/// A valid create body of exactly `size` bytes: a short title padded with spaces.
fn body_of_size(size: usize) -> String {
    let start = r#"{"title": "Padded""#;
    format!("{start}{}}}", " ".repeat(size - start.len() - 1))
}

async fn body_over_the_limit_is_payload_too_large(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let item = task_uri("alice", id(&alices));
    let json = Some("application/json");

    let over_post = client
        .raw(raw_request(
            Method::POST,
            &tasks_uri("alice"),
            "alice",
            json,
            body_of_size(BODY_LIMIT + 1),
        ))
        .await;
    let over_put = client
        .raw(raw_request(
            Method::PUT,
            &item,
            "alice",
            json,
            body_of_size(BODY_LIMIT + 1),
        ))
        .await;
    let at_limit = client
        .raw(raw_request(
            Method::POST,
            &tasks_uri("alice"),
            "alice",
            json,
            body_of_size(BODY_LIMIT),
        ))
        .await;

    assert_error(&over_post, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&over_put, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(read(&client, "alice", id(&alices)).await, alices);
    assert_eq!(at_limit.status, StatusCode::CREATED, "{}", at_limit.body);
    assert_eq!(at_limit.body["title"], "Padded");
    assert_eq!(list(&client, "alice").await, json!([at_limit.body, alices]));
}

/// A request on every item route for the raw id segment `id`.
async fn every_item_route(client: &Client, id: &str) -> Vec<(String, Reply)> {
    let item = format!("/api/alice/tasks/{id}");
    let body = json!({"title": "x"});
    vec![
        (format!("GET {item}"), client.get("alice", &item).await),
        (
            format!("PUT {item}"),
            client.put("alice", &item, body).await,
        ),
        (
            format!("DELETE {item}"),
            client.delete("alice", &item).await,
        ),
        (
            format!("PATCH {item}/complete"),
            client.patch("alice", &format!("{item}/complete")).await,
        ),
    ]
}

async fn non_numeric_id_is_bad_request(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    for (route, reply) in every_item_route(&client, "abc").await {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{route}");
        let detail = assert_error(&reply, StatusCode::BAD_REQUEST);
        assert!(detail.contains("abc"), "{route}: {detail}");
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn id_beyond_i64_is_bad_request(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let beyond = "99999999999999999999";
    assert!(beyond.parse::<i64>().is_err());

    for (route, reply) in every_item_route(&client, beyond).await {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{route}");
        assert_error(&reply, StatusCode::BAD_REQUEST);
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

async fn unknown_route_is_json_not_found(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let item = task_uri("alice", id(&alices));

    for (method, uri) in [
        (Method::GET, "/".to_owned()),
        (Method::GET, "/api/alice/notes".to_owned()),
        (Method::GET, "/api/alice/tasks/1/2/3".to_owned()),
        (Method::PATCH, format!("{item}/archive")),
        (Method::PATCH, format!("{item}/complete/again")),
    ] {
        let reply = client.send(method.clone(), &uri, Some("alice"), None).await;

        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_error(&reply, StatusCode::NOT_FOUND);
        assert_eq!(reply.detail(), "Not Found", "{method} {uri}");
    }
    assert_eq!(read(&client, "alice", id(&alices)).await, alices);
}

async fn wrong_method_is_json_method_not_allowed(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;
    let item = task_uri("alice", id(&alices));

    for (method, uri) in [
        (Method::PATCH, tasks_uri("alice")),
        (Method::DELETE, tasks_uri("alice")),
        (Method::PUT, tasks_uri("alice")),
        (Method::POST, item.clone()),
        (Method::GET, complete_uri("alice", id(&alices))),
        (Method::POST, complete_uri("alice", id(&alices))),
    ] {
        let reply = client.send(method.clone(), &uri, Some("alice"), None).await;

        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert_error(&reply, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(reply.detail(), "Method Not Allowed", "{method} {uri}");
    }
    assert_eq!(list(&client, "alice").await, json!([alices]));
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

async fn fifty_concurrent_toggles_lose_no_update(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let answers = toggle_concurrently(&client, "alice", id(&alices), 50).await;

    // Each toggle flips the value it finds: the answers alternate, in some order.
    assert_eq!(answers.iter().filter(|completed| **completed).count(), 25);
    assert_eq!(
        read(&client, "alice", id(&alices)).await["completed"],
        false
    );
}

async fn fifty_one_concurrent_toggles_end_flipped(backend: Backend) {
    let (_db, client, alices) = alices_task(backend).await;

    let answers = toggle_concurrently(&client, "alice", id(&alices), 51).await;

    assert_eq!(answers.iter().filter(|completed| **completed).count(), 26);
    assert_eq!(read(&client, "alice", id(&alices)).await["completed"], true);
}

// ---------------------------------------------------------------------------------------------
// The service functions, without HTTP
// ---------------------------------------------------------------------------------------------

async fn service_create_returns_what_http_reads(backend: Backend) {
    let (db, client) = server(backend).await;
    let before = Utc::now().trunc_subsecs(6);

    let task = Task::create(&db.db, "alice", task_create("From code", Some("No HTTP")))
        .await
        .expect("the task is created");

    assert!(task.id > 0);
    assert_eq!(task.user_id, "alice");
    assert_eq!(task.title, "From code");
    assert_eq!(task.description.as_deref(), Some("No HTTP"));
    assert!(!task.completed);
    assert!(before <= task.created_at && task.created_at <= Utc::now());
    assert_eq!(task.updated_at, task.created_at);
    let json = serde_json::to_value(&task).expect("a task serializes");
    assert_task_shape(&json);
    assert_eq!(read(&client, "alice", task.id).await, json);
}

async fn service_list_is_owner_scoped_newest_first_and_paged(backend: Backend) {
    let (db, _client) = server(backend).await;
    let mut alices = Vec::new();
    for title in ["one", "two", "three"] {
        alices.push(
            Task::create(&db.db, "alice", task_create(title, None))
                .await
                .expect("the task is created"),
        );
    }
    let bobs = Task::create(&db.db, "bob", task_create("Bob's", None))
        .await
        .expect("the task is created");
    alices.reverse();

    let all = Task::list(&db.db, "alice", ListQuery::new()).await;
    let page = Task::list(&db.db, "alice", ListQuery::new().limit(1).offset(1)).await;
    let bob_sees = Task::list(&db.db, "bob", ListQuery::new()).await;
    let nobody_sees = Task::list(&db.db, "carol", ListQuery::new()).await;

    assert_eq!(all.expect("alice's list").items, alices);
    assert_eq!(page.expect("a page").items, alices[1..2]);
    assert_eq!(bob_sees.expect("bob's list").items, [bobs]);
    assert!(nobody_sees.expect("carol's list").items.is_empty());
}

async fn service_get_is_owner_scoped(backend: Backend) {
    let (db, _client) = server(backend).await;
    let task = Task::create(&db.db, "alice", task_create("Mine", None))
        .await
        .expect("the task is created");

    let own = Task::get(&db.db, "alice", task.id).await;
    let other = Task::get(&db.db, "bob", task.id).await;
    let missing = Task::get(&db.db, "alice", task.id + 1000).await;

    assert_eq!(own.expect("a read"), Some(task));
    assert_eq!(other.expect("a read"), None);
    assert_eq!(missing.expect("a read"), None);
}

async fn service_update_replaces_input_fields_for_the_owner_only(backend: Backend) {
    let (db, _client) = server(backend).await;
    let task = Task::create(&db.db, "alice", task_create("Draft", Some("Old")))
        .await
        .expect("the task is created");
    tick().await;

    let by_bob = Task::update(&db.db, "bob", task.id, task_update("Bob's", None)).await;
    let unchanged = Task::get(&db.db, "alice", task.id).await;
    let by_alice = Task::update(&db.db, "alice", task.id, task_update("Final", None)).await;

    assert_eq!(by_bob.expect("an update"), None);
    assert_eq!(unchanged.expect("a read").as_ref(), Some(&task));
    let updated = by_alice.expect("an update").expect("alice's task");
    assert_eq!(updated.id, task.id);
    assert_eq!(updated.user_id, "alice");
    assert_eq!(updated.title, "Final");
    assert_eq!(updated.description, None);
    assert_eq!(updated.completed, task.completed);
    assert_eq!(updated.created_at, task.created_at);
    assert!(updated.updated_at > task.updated_at);
    assert_eq!(
        Task::get(&db.db, "alice", task.id).await.expect("a read"),
        Some(updated)
    );
}

async fn service_delete_is_owner_scoped(backend: Backend) {
    let (db, _client) = server(backend).await;
    let task = Task::create(&db.db, "alice", task_create("Doomed", None))
        .await
        .expect("the task is created");

    let by_bob = Task::delete(&db.db, "bob", task.id).await;
    let still_there = Task::get(&db.db, "alice", task.id).await;
    let by_alice = Task::delete(&db.db, "alice", task.id).await;
    let again = Task::delete(&db.db, "alice", task.id).await;

    assert_eq!(by_bob.expect("a delete"), None);
    assert_eq!(still_there.expect("a read").as_ref(), Some(&task));
    assert_eq!(by_alice.expect("a delete").as_ref(), Some(&task));
    assert_eq!(again.expect("a delete"), None);
    assert_eq!(
        Task::get(&db.db, "alice", task.id).await.expect("a read"),
        None
    );
}

async fn service_toggle_is_owner_scoped(backend: Backend) {
    let (db, _client) = server(backend).await;
    let task = Task::create(&db.db, "alice", task_create("Flip", None))
        .await
        .expect("the task is created");
    tick().await;

    let by_bob = Task::toggle(&db.db, "bob", task.id, "completed").await;
    let unchanged = Task::get(&db.db, "alice", task.id).await;
    let by_alice = Task::toggle(&db.db, "alice", task.id, "completed").await;

    assert_eq!(by_bob.expect("a toggle"), None);
    assert_eq!(unchanged.expect("a read").as_ref(), Some(&task));
    let toggled = by_alice.expect("a toggle").expect("alice's task");
    assert!(toggled.completed);
    assert_eq!(toggled.title, task.title);
    assert_eq!(toggled.created_at, task.created_at);
    assert!(toggled.updated_at > task.updated_at);
}

async fn service_validates_input_like_http(backend: Backend) {
    let (db, _client) = server(backend).await;
    let task = Task::create(&db.db, "alice", task_create("Valid", None))
        .await
        .expect("the task is created");
    let long_title = "t".repeat(201);
    let long_description = "d".repeat(1001);

    let empty = Task::create(&db.db, "alice", task_create("", None)).await;
    let long = Task::create(&db.db, "alice", task_create(&long_title, None)).await;
    let nul = Task::create(&db.db, "alice", task_create("a\0b", None)).await;
    let both = Task::create(&db.db, "alice", task_create("", Some(&long_description))).await;
    let update = Task::update(&db.db, "alice", task.id, task_update("ok", Some("\0"))).await;

    assert_eq!(invalid_fields(empty), ["title"]);
    assert_eq!(invalid_fields(long), ["title"]);
    assert_eq!(invalid_fields(nul), ["title"]);
    assert_eq!(invalid_fields(both), ["title", "description"]);
    assert_eq!(invalid_fields(update), ["description"]);
    let listed = Task::list(&db.db, "alice", ListQuery::new()).await;
    assert_eq!(listed.expect("alice's list").items, [task]);
}

async fn service_validates_before_any_query(backend: Backend) {
    let (db, _client) = server(backend).await;
    common::execute(&db.db, r#"DROP TABLE "tasks""#).await;

    let invalid_create = Task::create(&db.db, "alice", task_create("", None)).await;
    let invalid_update = Task::update(&db.db, "alice", 1, task_update("a\0", None)).await;
    let valid_create = Task::create(&db.db, "alice", task_create("Valid", None)).await;

    assert_eq!(invalid_fields(invalid_create), ["title"]);
    assert_eq!(invalid_fields(invalid_update), ["title"]);
    // With the table gone, only a query fails with a database error.
    assert!(
        matches!(valid_create, Err(Error::Database(_))),
        "{valid_create:?}"
    );
}
