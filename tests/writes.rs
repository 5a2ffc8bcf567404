//! Partial updates (`PATCH`, JSON Merge Patch) and conditional requests (`ETag`, `If-Match`,
//! `If-None-Match`, `#[crud(require_if_match)]`), on both backends, through HTTP and through
//! the services. What a write did is read back from the database itself.
//!
//! - [`Specimen`]: a field of every column type, required and optional (an enum among them, a
//!   field renamed in JSON with an alias), with rules, a toggle and both timestamps.
//! - [`Ledger`]: writes require `If-Match`.
//! - [`Memo`]: no `updated_at`, so no ETag.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Backend, Client, Reply, TestDb};
use crud_core::chrono::{DateTime, NaiveDate, Utc};
use crud_core::column::Encodable;
use crud_core::sqlx::{self, Row};
use crud_core::uuid::Uuid;
use crud_core::{AppState, Crud, CrudEnum, Db, ETag, Error, IfMatch, Patch};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CrudEnum)]
enum Shade {
    /// `"red"`.
    Red,
    /// `"green"`.
    Green,
    /// `"blue"`.
    Blue,
}

/// A field of every column type, required and optional.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[crud(table = "specimens", path = "/api/{user_id}/specimens")]
struct Specimen {
    #[crud(id)]
    id: i64,
    #[crud(owner)]
    user_id: String,
    #[crud(length(min = 1, max = 20))]
    label: String,
    #[crud(range(min = 0, max = 100))]
    small: i16,
    count: i32,
    big: i64,
    ratio: f32,
    #[crud(range(min = -1.0, max = 1.0))]
    weight: f64,
    flag: bool,
    ref_id: Uuid,
    #[serde(rename = "dueAt", alias = "due_at")]
    due: DateTime<Utc>,
    day: NaiveDate,
    shade: Shade,
    #[crud(length(max = 5))]
    note: Option<String>,
    #[crud(range(min = 1, max = 5))]
    stars: Option<i32>,
    score: Option<f64>,
    seen: Option<bool>,
    tag: Option<Uuid>,
    at: Option<DateTime<Utc>>,
    on: Option<NaiveDate>,
    tint: Option<Shade>,
    #[crud(toggle)]
    archived: bool,
    #[crud(created_at)]
    created_at: DateTime<Utc>,
    #[crud(updated_at)]
    updated_at: DateTime<Utc>,
}

/// Writes require `If-Match`.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[crud(table = "ledgers", require_if_match)]
struct Ledger {
    #[crud(id)]
    id: Uuid,
    #[crud(owner)]
    user_id: String,
    title: String,
    #[crud(toggle = "close")]
    closed: bool,
    #[crud(updated_at)]
    updated_at: DateTime<Utc>,
}

/// No `updated_at`: no ETag.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[crud(table = "memos")]
struct Memo {
    #[crud(id)]
    id: String,
    #[crud(owner)]
    user_id: String,
    text: String,
    #[crud(toggle)]
    pinned: bool,
    #[crud(created_at)]
    created_at: DateTime<Utc>,
}

const SPECIMENS: &str = "/api/alice/specimens";
const LEDGERS: &str = "/api/alice/ledgers";
const MEMOS: &str = "/api/alice/memos";

/// The three resources' routes on one fresh database; the database lives as long as this.
struct App {
    test: TestDb,
    client: Client,
}

impl App {
    async fn new(backend: Backend) -> Self {
        let test = TestDb::new(backend).await;
        let db = &test.db;
        db.create_table::<Specimen>().await.expect("specimens");
        db.create_table::<Ledger>().await.expect("ledgers");
        db.create_table::<Memo>().await.expect("memos");
        let router = Router::new()
            .merge(Specimen::router())
            .merge(Ledger::router())
            .merge(Memo::router())
            .fallback(crud_core::routes::not_found)
            .with_state(AppState::new(db.clone(), common::auth()));
        Self {
            client: Client::new(router),
            test,
        }
    }

    fn db(&self) -> &Db {
        &self.test.db
    }

    /// Sends `body` as it is, as alice, with `headers`: [`send`].
    async fn call(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        send(&self.client, method, uri, headers, body).await
    }

    /// Creates a specimen with [`initial`] values, returning its item URI and the reply.
    async fn specimen(&self) -> (String, Reply) {
        let created = self
            .call(Method::POST, SPECIMENS, &[], Some(&initial().to_string()))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let uri = format!("{SPECIMENS}/{}", created.body["id"]);
        (uri, created)
    }

    /// The specimen row `id`, read from the database, as its JSON.
    async fn stored(&self, id: &Value) -> Value {
        let id = id.as_i64().expect("an integer id");
        let sql = sqlx::AssertSqlSafe(format!(r#"SELECT * FROM "specimens" WHERE "id" = {id}"#));
        match (self.db().sqlite(), self.db().postgres()) {
            (Some(sqlite), _) => {
                let row = sqlx::query(sql).fetch_one(&sqlite.reads).await;
                specimen_json!(row.expect("the row"))
            }
            (_, Some(pool)) => {
                let row = sqlx::query(sql).fetch_one(pool).await;
                specimen_json!(row.expect("the row"))
            }
            (None, None) => unreachable!("a database is on one backend"),
        }
    }

    /// The text in `column` of the row `id` of `table`, read from the database; `None` if
    /// there is no such row.
    async fn stored_text<I: Encodable + 'static>(
        &self,
        table: &str,
        column: &str,
        id: I,
    ) -> Option<String> {
        let sql = |placeholder: &str| {
            sqlx::AssertSqlSafe(format!(
                r#"SELECT "{column}" FROM "{table}" WHERE "id" = {placeholder}"#
            ))
        };
        match (self.db().sqlite(), self.db().postgres()) {
            (Some(sqlite), _) => {
                sqlx::query_scalar(sql("?1"))
                    .bind(id)
                    .fetch_optional(&sqlite.reads)
                    .await
            }
            (_, Some(pool)) => {
                sqlx::query_scalar(sql("$1"))
                    .bind(id)
                    .fetch_optional(pool)
                    .await
            }
            (None, None) => unreachable!("a database is on one backend"),
        }
        .expect("reads")
    }
}

/// Sends `body` as it is, as alice, with `headers`; `Content-Type: application/json` with a
/// body unless `headers` give one.
async fn send(
    client: &Client,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri).header(
        header::AUTHORIZATION,
        format!("Bearer {}", common::token("alice")),
    );
    let typed = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !typed {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = body.map_or_else(Body::empty, |body| Body::from(body.to_owned()));
    client
        .raw(request.body(body).expect("a valid request"))
        .await
}

/// A specimen row as the JSON of the resource: each column decoded as its field's type.
macro_rules! specimen_json {
    ($row:expr) => {{
        let row = $row;
        let mut object = Map::new();
        specimen_json!(@columns row, object;
            "id" => "id": i64,
            "user_id" => "user_id": String,
            "label" => "label": String,
            "small" => "small": i16,
            "count" => "count": i32,
            "big" => "big": i64,
            "ratio" => "ratio": f32,
            "weight" => "weight": f64,
            "flag" => "flag": bool,
            "ref_id" => "ref_id": Uuid,
            "due" => "dueAt": DateTime<Utc>,
            "day" => "day": NaiveDate,
            "shade" => "shade": String,
            "note" => "note": Option<String>,
            "stars" => "stars": Option<i32>,
            "score" => "score": Option<f64>,
            "seen" => "seen": Option<bool>,
            "tag" => "tag": Option<Uuid>,
            "at" => "at": Option<DateTime<Utc>>,
            "on" => "on": Option<NaiveDate>,
            "tint" => "tint": Option<String>,
            "archived" => "archived": bool,
            "created_at" => "created_at": DateTime<Utc>,
            "updated_at" => "updated_at": DateTime<Utc>,
        );
        Value::Object(object)
    }};
    (@columns $row:ident, $object:ident; $($column:literal => $json:literal: $ty:ty,)*) => {
        $(
            let value: $ty = $row
                .try_get($column)
                .unwrap_or_else(|error| panic!("`{}` decodes: {error}", $column));
            $object.insert($json.to_owned(), serde_json::to_value(value).expect("JSON"));
        )*
    };
}
use specimen_json;

/// The body that creates a specimen.
fn initial() -> Value {
    json!({
        "label": "first",
        "small": 1,
        "count": 2,
        "big": 3,
        "ratio": 0.5,
        "weight": 0.25,
        "flag": false,
        "ref_id": "0191e3a0-0000-7000-8000-000000000001",
        "dueAt": "2024-06-01T12:00:00Z",
        "day": "2024-06-01",
        "shade": "red",
        "note": "hi",
        "stars": 3,
        "score": 1.5,
        "seen": true,
        "tag": "0191e3a0-0000-7000-8000-000000000002",
        "at": "2024-01-01T00:00:00Z",
        "on": "2024-01-02",
        "tint": "blue",
    })
}

/// One input field of [`Specimen`]: its JSON name, whether it is an `Option`, a value other
/// than the initial one, and a value of the wrong type.
struct FieldCase {
    field: &'static str,
    nullable: bool,
    value: Value,
    wrong: Value,
}

fn field_cases() -> Vec<FieldCase> {
    let case = |field, nullable, value, wrong| FieldCase {
        field,
        nullable,
        value,
        wrong,
    };
    vec![
        case("label", false, json!("second"), json!(5)),
        case("small", false, json!(7), json!("7")),
        case("count", false, json!(-9), json!(1.5)),
        case("big", false, json!(9_007_199_254_740_993_i64), json!(true)),
        case("ratio", false, json!(0.25), json!("x")),
        case("weight", false, json!(-0.5), json!([])),
        case("flag", false, json!(true), json!(1)),
        case(
            "ref_id",
            false,
            json!("0191e3a0-0000-7000-8000-0000000000ff"),
            json!("not-a-uuid"),
        ),
        case(
            "dueAt",
            false,
            json!("2025-01-02T03:04:05.123456Z"),
            json!("yesterday"),
        ),
        case("day", false, json!("2025-02-03"), json!("2025-13-01")),
        case("shade", false, json!("green"), json!("purple")),
        case("note", true, json!("bye"), json!(5)),
        case("stars", true, json!(5), json!("5")),
        case("score", true, json!(-2.25), json!("x")),
        case("seen", true, json!(false), json!("no")),
        case(
            "tag",
            true,
            json!("0191e3a0-0000-7000-8000-0000000000fe"),
            json!(7),
        ),
        case("at", true, json!("1999-12-31T23:59:59.999999Z"), json!(7)),
        case("on", true, json!("1999-12-31"), json!(7)),
        case("tint", true, json!("green"), json!("pink")),
    ]
}

/// A JSON object's text with `field` first, then the other members of `rest`: the body of a
/// `PUT` whose first field is the one a test is about, so that an error on it is reported
/// where it is in a `PATCH` of that field alone.
fn with_first(field: &str, value: &Value, rest: &Value) -> String {
    let mut text = format!("{{{}: {value}", Value::from(field));
    for (name, member) in rest.as_object().expect("an object") {
        if name != field {
            text.push_str(&format!(", {}: {member}", Value::from(name.as_str())));
        }
    }
    text.push('}');
    text
}

fn etag(reply: &Reply) -> String {
    reply
        .headers
        .get(header::ETAG)
        .unwrap_or_else(|| panic!("an ETag on {} {}", reply.status, reply.body))
        .to_str()
        .expect("an ASCII ETag")
        .to_owned()
}

/// `before` without `updated_at`, and `field` set to `value` if given.
fn except_updated_at(before: &Value, change: Option<(&str, &Value)>) -> Value {
    let mut expected = before.clone();
    let object = expected.as_object_mut().expect("an object");
    object.remove("updated_at");
    if let Some((field, value)) = change {
        object.insert(field.to_owned(), value.clone());
    }
    expected
}

fn without_updated_at(row: &Value) -> Value {
    except_updated_at(row, None)
}

fn timestamp(value: &Value) -> DateTime<Utc> {
    serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("a timestamp, got {value}"))
}

// ---------------------------------------------------------------------------------------------
// PATCH
// ---------------------------------------------------------------------------------------------

async fn patch_sets_one_field_and_leaves_the_others(backend: Backend) {
    let app = App::new(backend).await;
    for case in field_cases() {
        let (uri, created) = app.specimen().await;
        let before = app.stored(&created.body["id"]).await;
        let body = json!({ case.field: case.value }).to_string();

        let reply = app.call(Method::PATCH, &uri, &[], Some(&body)).await;

        assert_eq!(reply.status, 200, "{}: {}", case.field, reply.body);
        let after = app.stored(&created.body["id"]).await;
        assert_eq!(
            without_updated_at(&after),
            except_updated_at(&before, Some((case.field, &case.value))),
            "{}",
            case.field
        );
        assert!(timestamp(&after["updated_at"]) > timestamp(&before["updated_at"]));
        assert_eq!(reply.body, after, "the reply is the row");
    }
}

async fn patch_with_null_clears_an_option_and_is_refused_on_a_required_field(backend: Backend) {
    let app = App::new(backend).await;
    for case in field_cases() {
        let (uri, created) = app.specimen().await;
        let before = app.stored(&created.body["id"]).await;
        let body = with_first(case.field, &Value::Null, &json!({}));

        let reply = app.call(Method::PATCH, &uri, &[], Some(&body)).await;

        let after = app.stored(&created.body["id"]).await;
        if case.nullable {
            assert_eq!(reply.status, 200, "{}: {}", case.field, reply.body);
            assert_eq!(after[case.field], Value::Null, "{}", case.field);
            assert_eq!(
                without_updated_at(&after),
                except_updated_at(&before, Some((case.field, &Value::Null)))
            );
        } else {
            let put = app
                .call(
                    Method::PUT,
                    &uri,
                    &[],
                    Some(&with_first(case.field, &Value::Null, &initial())),
                )
                .await;
            assert_eq!(reply.status, 400, "{}: {}", case.field, reply.body);
            assert_eq!(put.status, 400, "{}: {}", case.field, put.body);
            assert_eq!(reply.body, put.body, "{}: as PUT says it", case.field);
            assert!(
                reply
                    .detail()
                    .contains(&format!("{}: invalid type: null", case.field)),
                "{}",
                reply.detail()
            );
            assert_eq!(after, before, "{}: nothing written", case.field);
        }
    }
}

async fn patch_refuses_a_wrong_type_as_put_does(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let before = app.stored(&created.body["id"]).await;
    for case in field_cases() {
        let body = with_first(case.field, &case.wrong, &json!({}));

        let reply = app.call(Method::PATCH, &uri, &[], Some(&body)).await;

        let put = app
            .call(
                Method::PUT,
                &uri,
                &[],
                Some(&with_first(case.field, &case.wrong, &initial())),
            )
            .await;
        assert_eq!(reply.status, 400, "{}: {}", case.field, reply.body);
        assert_eq!(reply.body, put.body, "{}: as PUT says it", case.field);
        assert!(
            reply.detail().contains(&format!("{}: ", case.field)),
            "{}",
            reply.detail()
        );
    }
    assert_eq!(app.stored(&created.body["id"]).await, before);
}

async fn patch_refuses_broken_rules_as_put_does(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let before = app.stored(&created.body["id"]).await;
    let cases: [(Value, &[(&str, &str)]); 9] = [
        (
            json!({"label": ""}),
            &[("label", "must be at least 1 character long")],
        ),
        (
            json!({"label": "a\u{0}b"}),
            &[("label", "must not contain NUL characters")],
        ),
        (json!({"small": 101}), &[("small", "must be at most 100")]),
        (json!({"weight": 2.0}), &[("weight", "must be at most 1")]),
        (
            json!({"ratio": -0.0}),
            &[("ratio", "must not be negative zero")],
        ),
        (
            json!({"note": "too long"}),
            &[("note", "must be at most 5 characters long")],
        ),
        (json!({"stars": 0}), &[("stars", "must be at least 1")]),
        (
            json!({"dueAt": "2024-01-01T00:00:00.0000001Z"}),
            &[("dueAt", "must have at most microsecond precision")],
        ),
        (
            json!({"stars": 9, "label": "", "on": null}),
            &[
                ("label", "must be at least 1 character long"),
                ("stars", "must be at most 5"),
            ],
        ),
    ];
    for (patch, expected) in cases {
        let reply = app
            .call(Method::PATCH, &uri, &[], Some(&patch.to_string()))
            .await;

        let mut full = initial();
        for (field, value) in patch.as_object().expect("an object") {
            full[field] = value.clone();
        }
        let put = app
            .call(Method::PUT, &uri, &[], Some(&full.to_string()))
            .await;
        let errors: Vec<Value> = expected
            .iter()
            .map(|(field, message)| json!({"field": field, "message": message}))
            .collect();
        assert_eq!(reply.status, 400, "{patch}: {}", reply.body);
        assert_eq!(reply.body["errors"], json!(errors), "{patch}");
        assert_eq!(reply.body, put.body, "{patch}: as PUT says it");
    }
    assert_eq!(app.stored(&created.body["id"]).await, before);
}

async fn patch_refuses_unknown_and_server_owned_fields_as_put_does(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let before = app.stored(&created.body["id"]).await;
    for field in [
        "id",
        "user_id",
        "archived",
        "created_at",
        "updated_at",
        "due",
        "colour",
    ] {
        let body = with_first(field, &json!(1), &json!({}));

        let reply = app.call(Method::PATCH, &uri, &[], Some(&body)).await;

        let put = app
            .call(
                Method::PUT,
                &uri,
                &[],
                Some(&with_first(field, &json!(1), &initial())),
            )
            .await;
        assert_eq!(reply.status, 400, "{field}: {}", reply.body);
        assert!(
            reply.detail().contains(&format!("unknown field `{field}`")),
            "{}",
            reply.detail()
        );
        assert_eq!(reply.body, put.body, "{field}: as PUT says it");
    }
    assert_eq!(app.stored(&created.body["id"]).await, before);
    // The alias of a renamed field is a name of it.
    let reply = app
        .call(
            Method::PATCH,
            &uri,
            &[],
            Some(r#"{"due_at": "2030-01-01T00:00:00Z"}"#),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        app.stored(&created.body["id"]).await["dueAt"],
        "2030-01-01T00:00:00Z"
    );
}

async fn patch_takes_merge_patch_json_and_refuses_other_media_types(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    for (content_type, label) in [
        ("application/merge-patch+json", "merge"),
        ("application/merge-patch+json; charset=utf-8", "charset"),
        ("Application/JSON", "json"),
    ] {
        let body = json!({ "label": label }).to_string();
        let reply = app
            .call(
                Method::PATCH,
                &uri,
                &[("content-type", content_type)],
                Some(&body),
            )
            .await;
        assert_eq!(reply.status, 200, "{content_type}: {}", reply.body);
        assert_eq!(app.stored(&created.body["id"]).await["label"], label);
    }
    let before = app.stored(&created.body["id"]).await;
    for content_type in [
        Some("text/plain"),
        Some("application/vnd.api+json"),
        Some("application/json-patch+json"),
        Some("multipart/form-data"),
        None,
    ] {
        let mut request = Request::builder().method(Method::PATCH).uri(&uri).header(
            header::AUTHORIZATION,
            format!("Bearer {}", common::token("alice")),
        );
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let reply = app
            .client
            .raw(
                request
                    .body(Body::from(r#"{"label": "nope"}"#))
                    .expect("a request"),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(
            reply.detail(),
            "Expected request with `Content-Type: application/merge-patch+json` or \
             `application/json`"
        );
    }
    assert_eq!(app.stored(&created.body["id"]).await, before);
}

async fn an_empty_patch_still_writes(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let before = app.stored(&created.body["id"]).await;

    let reply = app.call(Method::PATCH, &uri, &[], Some("{}")).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let after = app.stored(&created.body["id"]).await;
    assert_eq!(without_updated_at(&after), without_updated_at(&before));
    assert!(timestamp(&after["updated_at"]) > timestamp(&before["updated_at"]));
    assert_ne!(etag(&reply), etag(&created));
    assert_eq!(reply.body, after);
}

async fn a_patch_that_is_not_an_object_is_refused(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let before = app.stored(&created.body["id"]).await;
    for body in ["[]", "[\"x\"]", "null", "\"label\"", "5", " true", ""] {
        let reply = app.call(Method::PATCH, &uri, &[], Some(body)).await;
        assert_eq!(reply.status, 400, "{body:?}: {}", reply.body);
        assert_eq!(
            reply.detail(),
            "Invalid merge patch: the body must be a JSON object of the fields to change"
        );
    }
    let reply = app
        .call(Method::PATCH, &uri, &[], Some("{\"label\": "))
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply
            .detail()
            .starts_with("Failed to parse the request body as JSON"),
        "{}",
        reply.detail()
    );
    // As large a body as a PUT may send.
    let large = format!("{{\"note\": \"{}\"}}", "x".repeat(70_000));
    let reply = app.call(Method::PATCH, &uri, &[], Some(&large)).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(app.stored(&created.body["id"]).await, before);
}

async fn a_patch_of_a_missing_or_anothers_resource_is_not_found(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, _) = app.specimen().await;
    let missing = app
        .call(
            Method::PATCH,
            &format!("{SPECIMENS}/999"),
            &[],
            Some(r#"{"label": "x"}"#),
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(missing.detail(), "Specimen not found");
    let bobs = app
        .client
        .send(
            Method::PATCH,
            &uri.replace("alice", "bob"),
            Some("bob"),
            Some(json!({"label": "x"})),
        )
        .await;
    assert_eq!(bobs.status, 404, "{}", bobs.body);
}

async fn the_patch_service_keeps_absent_and_null_apart(backend: Backend) {
    let app = App::new(backend).await;
    let (_, created) = app.specimen().await;
    let id = created.body["id"].as_i64().expect("an id");
    let db = app.db();

    let patch = SpecimenPatch {
        label: Patch::Value("service".to_owned()),
        note: Patch::Null,
        tint: Patch::Value(Some(Shade::Green)),
        ..SpecimenPatch::default()
    };
    let patched = Specimen::patch(db, "alice", id, patch)
        .await
        .expect("patched")
        .expect("found");

    let stored = app.stored(&created.body["id"]).await;
    assert_eq!(serde_json::to_value(&patched).expect("JSON"), stored);
    assert_eq!(
        (&stored["label"], &stored["note"], &stored["tint"]),
        (&json!("service"), &Value::Null, &json!("green"))
    );
    assert_eq!(stored["stars"], 3, "absent fields are left as they are");

    let null_label = SpecimenPatch {
        label: Patch::Null,
        small: Patch::Value(500),
        ..SpecimenPatch::default()
    };
    let error = Specimen::patch(db, "alice", id, null_label)
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, Error::Validation(_)),
        "a validation error: {error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Validation failed: label: must not be null; small: must be at most 100"
    );
    assert_eq!(app.stored(&created.body["id"]).await, stored);

    let missing = Specimen::patch(db, "alice", id + 1, SpecimenPatch::default()).await;
    assert!(matches!(missing, Ok(None)), "{missing:?}");
    let bobs = Specimen::patch(db, "bob", id, SpecimenPatch::default()).await;
    assert!(matches!(bobs, Ok(None)), "{bobs:?}");
}

// ---------------------------------------------------------------------------------------------
// ETags
// ---------------------------------------------------------------------------------------------

async fn every_single_resource_response_has_an_etag_that_moves_with_each_write(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let mut seen = vec![etag(&created)];
    // Reads keep it.
    assert_eq!(etag(&read(&app, &uri).await), seen[0]);
    assert_eq!(etag(&read(&app, &uri).await), seen[0]);

    let writes: [(Method, String, Option<String>); 4] = [
        (Method::PUT, uri.clone(), Some(initial().to_string())),
        (
            Method::PATCH,
            uri.clone(),
            Some(r#"{"count": 4}"#.to_owned()),
        ),
        (Method::PATCH, format!("{uri}/archived"), None),
        (Method::PATCH, uri.clone(), Some("{}".to_owned())),
    ];
    for (method, target, body) in writes {
        let reply = app
            .call(method.clone(), &target, &[], body.as_deref())
            .await;
        assert_eq!(reply.status, 200, "{method} {target}: {}", reply.body);
        let tag = etag(&reply);
        assert!(!seen.contains(&tag), "{method} {target}: a new ETag");
        let fetched = read(&app, &uri).await;
        assert_eq!(etag(&fetched), tag, "{method} {target}: reads give it");
        assert_eq!(fetched.body, reply.body);
        seen.push(tag);
    }

    // Each is `"` and lowercase hexadecimal digits and `"`, a strong tag, and the service's.
    for tag in &seen {
        let digits = tag.trim_matches('"');
        assert_eq!(tag.len(), digits.len() + 2, "{tag}");
        assert!(
            digits
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{tag}"
        );
    }
    let id = created.body["id"].as_i64().expect("an id");
    let current = Specimen::get(app.db(), "alice", id)
        .await
        .expect("reads")
        .expect("found");
    assert_eq!(
        current.etag().map(|tag| tag.to_string()).as_ref(),
        seen.last()
    );

    // The deleted resource's body has the ETag it had.
    let deleted = app.call(Method::DELETE, &uri, &[], None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(Some(&etag(&deleted)), seen.last());

    // A list has none.
    let list = app.call(Method::GET, SPECIMENS, &[], None).await;
    assert!(list.headers.get(header::ETAG).is_none());
}

async fn if_none_match_answers_304_while_the_etag_is_current(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let current = etag(&created);
    let weak = format!("W/{current}");
    let listed = format!("\"1\", {current}");

    for value in [current.as_str(), weak.as_str(), listed.as_str(), "*"] {
        let reply = app
            .call(Method::GET, &uri, &[("if-none-match", value)], None)
            .await;
        assert_eq!(reply.status, StatusCode::NOT_MODIFIED, "{value}");
        assert_eq!(reply.body, Value::Null, "{value}: no body");
        assert_eq!(etag(&reply), current, "{value}");
    }
    for value in ["\"1\"", "W/\"1\", \"abc\""] {
        let reply = app
            .call(Method::GET, &uri, &[("if-none-match", value)], None)
            .await;
        assert_eq!(reply.status, 200, "{value}");
        assert_eq!(reply.body, created.body, "{value}");
        assert_eq!(etag(&reply), current, "{value}");
    }

    // After a write the old tag is stale: the new representation is sent.
    let written = app
        .call(Method::PATCH, &uri, &[], Some(r#"{"label": "new"}"#))
        .await;
    let reply = app
        .call(Method::GET, &uri, &[("if-none-match", &current)], None)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["label"], "new");
    assert_eq!(etag(&reply), etag(&written));

    let malformed = app
        .call(Method::GET, &uri, &[("if-none-match", "abc")], None)
        .await;
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    let missing = app
        .call(
            Method::GET,
            &format!("{SPECIMENS}/999"),
            &[("if-none-match", "*")],
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
}

/// A `GET` of `uri` that answers 200.
async fn read(app: &App, uri: &str) -> Reply {
    let reply = app.call(Method::GET, uri, &[], None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

/// A write of a specimen (method, path under its item URI, body), for each kind of write.
fn specimen_writes() -> [(Method, &'static str, Option<String>); 4] {
    let mut replaced = initial();
    replaced["label"] = json!("replaced");
    [
        (Method::PUT, "", Some(replaced.to_string())),
        (
            Method::PATCH,
            "",
            Some(r#"{"label": "patched"}"#.to_owned()),
        ),
        (Method::PATCH, "/archived", None),
        (Method::DELETE, "", None),
    ]
}

async fn a_stale_if_match_is_412_and_writes_nothing(backend: Backend) {
    let app = App::new(backend).await;
    for (method, suffix, body) in specimen_writes() {
        let (uri, created) = app.specimen().await;
        let stale = etag(&created);
        let touched = app.call(Method::PATCH, &uri, &[], Some("{}")).await;
        let current = etag(&touched);
        let before = app.stored(&created.body["id"]).await;
        let target = format!("{uri}{suffix}");

        for if_match in [stale.clone(), format!("W/{current}"), "\"abc\"".to_owned()] {
            let reply = app
                .call(
                    method.clone(),
                    &target,
                    &[("if-match", &if_match)],
                    body.as_deref(),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::PRECONDITION_FAILED,
                "{method} {target} {if_match}: {}",
                reply.body
            );
            assert_eq!(
                reply.body,
                common::problem(
                    412,
                    "Precondition failed: `If-Match` does not list the Specimen's current ETag"
                )
            );
            assert_eq!(
                app.stored(&created.body["id"]).await,
                before,
                "{method} {target} {if_match}: nothing written"
            );
        }

        let listed = format!("{stale}, \"1\", {current}");
        let reply = app
            .call(
                method.clone(),
                &target,
                &[("if-match", &listed)],
                body.as_deref(),
            )
            .await;
        assert_eq!(reply.status, 200, "{method} {target}: {}", reply.body);
        if method != Method::DELETE {
            let after = app.stored(&created.body["id"]).await;
            assert_eq!(reply.body, after);
            assert_ne!(after, before);
            let id = created.body["id"].as_i64().expect("an id");
            let row = Specimen::get(app.db(), "alice", id).await.expect("reads");
            let tag = row.as_ref().and_then(ETag::of).expect("a tag");
            assert_eq!(etag(&reply), tag.to_string());
        }
    }
}

async fn if_match_with_the_current_etag_or_a_star_writes(backend: Backend) {
    let app = App::new(backend).await;
    for (method, suffix, body) in specimen_writes() {
        for star in [false, true] {
            let (uri, created) = app.specimen().await;
            let current = etag(&created);
            let if_match = if star {
                "*".to_owned()
            } else {
                current.clone()
            };
            let target = format!("{uri}{suffix}");

            let reply = app
                .call(
                    method.clone(),
                    &target,
                    &[("if-match", &if_match)],
                    body.as_deref(),
                )
                .await;

            assert_eq!(
                reply.status, 200,
                "{method} {target} {if_match}: {}",
                reply.body
            );
            if method == Method::DELETE {
                assert_eq!(etag(&reply), current);
                let gone = app.call(Method::GET, &uri, &[], None).await;
                assert_eq!(gone.status, 404);
            } else {
                assert_ne!(etag(&reply), current);
                assert_eq!(reply.body, app.stored(&created.body["id"]).await);
            }
        }
    }
}

async fn if_match_on_a_missing_row_is_404(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let current = etag(&created);
    let before = app.stored(&created.body["id"]).await;
    for (method, suffix, body) in specimen_writes() {
        for if_match in [current.as_str(), "*", "W/\"1\""] {
            let missing = format!("{SPECIMENS}/999{suffix}");
            let reply = app
                .call(
                    method.clone(),
                    &missing,
                    &[("if-match", if_match)],
                    body.as_deref(),
                )
                .await;
            assert_eq!(
                reply.status, 404,
                "{method} {missing} {if_match}: {}",
                reply.body
            );
            assert_eq!(reply.detail(), "Specimen not found");

            // Another user's row is just as absent, whatever the tag.
            let bobs = format!("{}{suffix}", uri.replace("alice", "bob"));
            let request = Request::builder()
                .method(method.clone())
                .uri(&bobs)
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", common::token("bob")),
                )
                .header(header::IF_MATCH, if_match)
                .header(header::CONTENT_TYPE, "application/json");
            let body = body.clone().map_or_else(Body::empty, Body::from);
            let reply = app.client.raw(request.body(body).expect("a request")).await;
            assert_eq!(
                reply.status, 404,
                "{method} {bobs} {if_match}: {}",
                reply.body
            );
        }
    }
    assert_eq!(app.stored(&created.body["id"]).await, before);
}

async fn a_malformed_or_too_long_if_match_is_400(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let current = etag(&created);
    let before = app.stored(&created.body["id"]).await;
    let seventeen = vec![current.as_str(); 17].join(", ");
    for (method, suffix, body) in specimen_writes() {
        let target = format!("{uri}{suffix}");
        for if_match in [
            "abc",
            "\"1",
            "*, \"1\"",
            "",
            "w/\"1\"",
            &format!("{current} {current}"),
        ] {
            let reply = app
                .call(
                    method.clone(),
                    &target,
                    &[("if-match", if_match)],
                    body.as_deref(),
                )
                .await;
            assert_eq!(
                reply.status, 400,
                "{method} {target} {if_match:?}: {}",
                reply.body
            );
            assert_eq!(
                reply.detail(),
                "Invalid `If-Match`: expected `*` or a comma-separated list of entity tags, \
                 such as `\"18c2f9d4e5a10\"`"
            );
        }
        let reply = app
            .call(
                method.clone(),
                &target,
                &[("if-match", &seventeen)],
                body.as_deref(),
            )
            .await;
        assert_eq!(reply.status, 400, "{method} {target}: {}", reply.body);
        assert_eq!(reply.detail(), "`If-Match` lists more than 16 entity tags");
    }
    assert_eq!(app.stored(&created.body["id"]).await, before);

    // Sixteen are taken, and so are tags over several lines.
    let sixteen = vec![current.as_str(); 16].join(", ");
    let reply = app
        .call(Method::PATCH, &uri, &[("if-match", &sixteen)], Some("{}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let current = etag(&reply);
    let reply = app
        .call(
            Method::PATCH,
            &uri,
            &[("if-match", "\"1\""), ("if-match", &current)],
            Some("{}"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn if_match_on_a_read_is_412_when_stale(backend: Backend) {
    let app = App::new(backend).await;
    let (uri, created) = app.specimen().await;
    let stale = etag(&created);
    let written = app.call(Method::PATCH, &uri, &[], Some("{}")).await;

    let reply = app
        .call(Method::GET, &uri, &[("if-match", &stale)], None)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        reply.body
    );
    let reply = app
        .call(Method::GET, &uri, &[("if-match", &etag(&written))], None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn fifty_concurrent_writes_with_one_if_match_make_one_write(backend: Backend) {
    let app = App::new(backend).await;
    for (method, suffix) in [(Method::PUT, ""), (Method::PATCH, "/archived")] {
        let (uri, created) = app.specimen().await;
        let current = etag(&created);
        let target = format!("{uri}{suffix}");

        let writers = (0..50).map(|n| {
            let mut body = initial();
            body["label"] = json!(format!("writer {n}"));
            let body = (method == Method::PUT).then(|| body.to_string());
            let (client, method, target, current) = (
                app.client.clone(),
                method.clone(),
                target.clone(),
                current.clone(),
            );
            tokio::spawn(async move {
                send(
                    &client,
                    method,
                    &target,
                    &[("if-match", &current)],
                    body.as_deref(),
                )
                .await
            })
        });
        let replies: Vec<Reply> = futures::future::join_all(writers)
            .await
            .into_iter()
            .map(|reply| reply.expect("a writer"))
            .collect();

        let won: Vec<&Reply> = replies.iter().filter(|reply| reply.status == 200).collect();
        let lost = replies
            .iter()
            .filter(|reply| reply.status == StatusCode::PRECONDITION_FAILED)
            .count();
        assert_eq!((won.len(), lost), (1, 49), "{method} {target}");
        let stored = app.stored(&created.body["id"]).await;
        assert_eq!(won[0].body, stored, "the one write is the row");
        if method == Method::PATCH {
            assert_eq!(stored["archived"], true, "flipped once");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// require_if_match
// ---------------------------------------------------------------------------------------------

async fn require_if_match_answers_428_to_a_write_without_it(backend: Backend) {
    let app = App::new(backend).await;
    let created = app
        .call(Method::POST, LEDGERS, &[], Some(r#"{"title": "Q1"}"#))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id: Uuid = created.body["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a UUID");
    let uri = format!("{LEDGERS}/{id}");
    let writes = [
        (Method::PUT, uri.clone(), Some(r#"{"title": "Q2"}"#)),
        (Method::PATCH, uri.clone(), Some(r#"{"title": "Q3"}"#)),
        (Method::PATCH, format!("{uri}/close"), None),
        (Method::DELETE, uri.clone(), None),
    ];
    for (method, target, body) in &writes {
        let reply = app.call(method.clone(), target, &[], *body).await;
        assert_eq!(
            reply.status,
            StatusCode::PRECONDITION_REQUIRED,
            "{method} {target}: {}",
            reply.body
        );
        assert_eq!(
            reply.detail(),
            "Precondition required: a write of a Ledger must send `If-Match` with its ETag (or `*`)"
        );
    }
    assert_eq!(
        app.stored_text("ledgers", "title", id).await.as_deref(),
        Some("Q1"),
        "nothing written"
    );
    // Reads need none.
    let read = app.call(Method::GET, &uri, &[], None).await;
    assert_eq!(read.status, 200);

    let mut current = etag(&created);
    for (method, target, body) in &writes[..3] {
        let reply = app
            .call(method.clone(), target, &[("if-match", &current)], *body)
            .await;
        assert_eq!(reply.status, 200, "{method} {target}: {}", reply.body);
        current = etag(&reply);
    }
    assert_eq!(
        app.stored_text("ledgers", "title", id).await.as_deref(),
        Some("Q3")
    );
    let deleted = app
        .call(Method::DELETE, &uri, &[("if-match", "*")], None)
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(app.stored_text("ledgers", "title", id).await, None);
}

// ---------------------------------------------------------------------------------------------
// A resource without updated_at
// ---------------------------------------------------------------------------------------------

async fn a_resource_without_updated_at_has_no_etag_and_fails_every_tag(backend: Backend) {
    let app = App::new(backend).await;
    let created = app
        .call(Method::POST, MEMOS, &[], Some(r#"{"text": "hello"}"#))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.headers.get(header::ETAG).is_none());
    let id = created.body["id"].as_str().expect("an id").to_owned();
    let uri = format!("{MEMOS}/{id}");

    let read = app.call(Method::GET, &uri, &[], None).await;
    assert!(read.headers.get(header::ETAG).is_none());
    let cached = app
        .call(Method::GET, &uri, &[("if-none-match", "*")], None)
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let tagged = app
        .call(Method::GET, &uri, &[("if-none-match", "\"1\"")], None)
        .await;
    assert_eq!(tagged.status, 200);

    for (method, suffix, body) in [
        (Method::PUT, "", Some(r#"{"text": "put"}"#)),
        (Method::PATCH, "", Some(r#"{"text": "patched"}"#)),
        (Method::PATCH, "/pinned", None),
        (Method::DELETE, "", None),
    ] {
        let target = format!("{uri}{suffix}");
        let reply = app
            .call(method.clone(), &target, &[("if-match", "\"1\"")], body)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::PRECONDITION_FAILED,
            "{method} {target}: {}",
            reply.body
        );
        assert_eq!(
            app.stored_text("memos", "text", id.clone())
                .await
                .as_deref(),
            Some("hello")
        );
        let missing = app
            .call(
                method.clone(),
                &format!("{MEMOS}/nope{suffix}"),
                &[("if-match", "\"1\"")],
                body,
            )
            .await;
        assert_eq!(missing.status, 404, "{method}: {}", missing.body);
    }
    let patched = app
        .call(
            Method::PATCH,
            &uri,
            &[("if-match", "*")],
            Some(r#"{"text": "star"}"#),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert!(patched.headers.get(header::ETAG).is_none());
    assert_eq!(
        app.stored_text("memos", "text", id.clone())
            .await
            .as_deref(),
        Some("star")
    );
}

// ---------------------------------------------------------------------------------------------
// The conditional services
// ---------------------------------------------------------------------------------------------

async fn the_conditional_services_take_an_if_match(backend: Backend) {
    let app = App::new(backend).await;
    let db = app.db();
    let (_, created) = app.specimen().await;
    let id = created.body["id"].as_i64().expect("an id");
    let first = Specimen::get(db, "alice", id)
        .await
        .expect("reads")
        .expect("found");
    let stale = first.etag().expect("a tag");
    let touched = Specimen::patch(db, "alice", id, SpecimenPatch::default())
        .await
        .expect("patched")
        .expect("found");
    let current = touched.etag().expect("a tag");
    assert_ne!(stale, current);
    assert_eq!(current.updated_at(), touched.updated_at);
    assert_eq!(current.to_string().parse::<ETag>(), Ok(current));

    let update = || SpecimenUpdate {
        label: "conditional".to_owned(),
        ..serde_json::from_value(initial()).expect("an update")
    };
    let failed = |result: crud_core::Result<Option<Specimen>>| {
        matches!(result, Err(Error::PreconditionFailed("Specimen")))
    };
    assert!(failed(
        Specimen::update_if(db, "alice", id, update(), stale.into()).await
    ));
    assert!(failed(
        Specimen::patch_if(db, "alice", id, SpecimenPatch::default(), stale.into()).await
    ));
    assert!(failed(
        Specimen::toggle_if(db, "alice", id, "archived", stale.into()).await
    ));
    assert!(failed(
        Specimen::delete_if(db, "alice", id, stale.into()).await
    ));
    assert!(failed(
        Specimen::delete_if(db, "alice", id, IfMatch::OneOf(Vec::new())).await
    ));
    let too_many = IfMatch::OneOf(vec![current; 17]);
    let error = Specimen::delete_if(db, "alice", id, too_many)
        .await
        .expect_err("refused");
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        Specimen::get(db, "alice", id).await.expect("reads"),
        Some(touched.clone()),
        "nothing written"
    );

    let missing = Specimen::update_if(db, "alice", id + 1, update(), current.into()).await;
    assert!(matches!(missing, Ok(None)), "{missing:?}");

    let updated = Specimen::update_if(
        db,
        "alice",
        id,
        update(),
        IfMatch::OneOf(vec![stale, current]),
    )
    .await
    .expect("updated")
    .expect("found");
    assert_eq!(updated.label, "conditional");
    let toggled = Specimen::toggle_if(
        db,
        "alice",
        id,
        "archived",
        updated.etag().expect("a tag").into(),
    )
    .await
    .expect("toggled")
    .expect("found");
    assert!(toggled.archived);
    let deleted = Specimen::delete_if(db, "alice", id, IfMatch::Any)
        .await
        .expect("deleted");
    assert_eq!(deleted, Some(toggled));
}

backend_tests!(
    patch_sets_one_field_and_leaves_the_others,
    patch_with_null_clears_an_option_and_is_refused_on_a_required_field,
    patch_refuses_a_wrong_type_as_put_does,
    patch_refuses_broken_rules_as_put_does,
    patch_refuses_unknown_and_server_owned_fields_as_put_does,
    patch_takes_merge_patch_json_and_refuses_other_media_types,
    an_empty_patch_still_writes,
    a_patch_that_is_not_an_object_is_refused,
    a_patch_of_a_missing_or_anothers_resource_is_not_found,
    the_patch_service_keeps_absent_and_null_apart,
    every_single_resource_response_has_an_etag_that_moves_with_each_write,
    if_none_match_answers_304_while_the_etag_is_current,
    a_stale_if_match_is_412_and_writes_nothing,
    if_match_with_the_current_etag_or_a_star_writes,
    if_match_on_a_missing_row_is_404,
    a_malformed_or_too_long_if_match_is_400,
    if_match_on_a_read_is_412_when_stale,
    fifty_concurrent_writes_with_one_if_match_make_one_write,
    require_if_match_answers_428_to_a_write_without_it,
    a_resource_without_updated_at_has_no_etag_and_fails_every_tag,
    the_conditional_services_take_an_if_match,
);
