//! Column values at the edges of each type's domain, on SQLite and PostgreSQL alike.
//!
//! [`Sample`] has a field of every supported column type. For each type, a table of edge
//! values inside the domain that `ColumnType` documents (integer bounds, zero, subnormals, the largest floats, the first and last dates and timestamps, microsecond
//! boundaries, empty, long and non-ASCII text...) is created through the router, and each one
//! must come back exactly as sent, from the create, from a `GET` and straight from its column.
//! Values just outside the domain must answer 400 naming the field, on create and on update,
//! with nothing stored. Lists ordered by the date and by the timestamp must return the edge
//! values in value order (SQLite keeps both as text). And a token whose `sub` could not be
//! stored as the owner answers 401 without touching the database.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use common::{Backend, Client, Reply, TestDb};
use crud_core::chrono::{DateTime, NaiveDate, Utc};
use crud_core::uuid::Uuid;
use crud_core::{AppState, ColumnType, Crud, CrudEnum, Db};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::fmt::Debug;
use std::time::Duration;

/// A shade, stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CrudEnum)]
enum Shade {
    /// `"light"`.
    Light,
    /// `"dark"`.
    Dark,
    /// `"ultra-violet"`, renamed.
    #[crud(rename = "ultra-violet")]
    UltraViolet,
}

/// A field of every column type; listed by day, then timestamp.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[crud(
    table = "samples",
    path = "/api/{user_id}/samples",
    order_by = "day, at",
    body_limit = 1048576
)]
struct Sample {
    #[crud(id)]
    id: i64,
    #[crud(owner)]
    user_id: String,
    small: i16,
    medium: i32,
    large: i64,
    single: f32,
    double: f64,
    flag: bool,
    text: String,
    uuid: Uuid,
    at: DateTime<Utc>,
    day: NaiveDate,
    shade: Shade,
    maybe_small: Option<i16>,
    maybe_single: Option<f32>,
    maybe_double: Option<f64>,
    maybe_text: Option<String>,
    maybe_uuid: Option<Uuid>,
    maybe_at: Option<DateTime<Utc>>,
    maybe_day: Option<NaiveDate>,
    maybe_shade: Option<Shade>,
}

const USER: &str = "alice";

fn collection(user: &str) -> String {
    format!("/api/{user}/samples")
}

/// A body every field of which is valid; each case replaces one field.
fn base() -> Map<String, Value> {
    let Value::Object(body) = json!({
        "small": 1,
        "medium": 1,
        "large": 1,
        "single": 0.5,
        "double": 0.5,
        "flag": false,
        "text": "base",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "at": "2024-01-01T00:00:00Z",
        "day": "2024-01-01",
        "shade": "light",
        "maybe_small": null,
        "maybe_single": null,
        "maybe_double": null,
        "maybe_text": null,
        "maybe_uuid": null,
        "maybe_at": null,
        "maybe_day": null,
        "maybe_shade": null,
    }) else {
        unreachable!("an object")
    };
    body
}

/// The base body with `field` set to `raw`, a JSON text (which may be one no `Value` holds,
/// such as `1e309`).
fn body_with(field: &str, raw: &str) -> String {
    let mut body = base();
    assert!(body.remove(field).is_some(), "no field `{field}`");
    let mut text = Value::Object(body).to_string();
    assert_eq!(text.pop(), Some('}'));
    format!("{text},\"{field}\":{raw}}}")
}

/// The sample table on a fresh database, and its routes.
struct App {
    test: TestDb,
    client: Client,
}

impl App {
    async fn new(backend: Backend) -> Self {
        let test = TestDb::new(backend).await;
        test.db
            .create_table::<Sample>()
            .await
            .expect("the samples table");
        let router = Router::new()
            .merge(Sample::router())
            .fallback(crud_core::routes::not_found)
            .with_state(AppState::new(test.db.clone(), common::auth()));
        Self {
            client: Client::new(router),
            test,
        }
    }

    fn db(&self) -> &Db {
        &self.test.db
    }

    /// Sends a JSON text as `USER`.
    async fn send_text(&self, method: Method, uri: &str, body: String) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", common::token(USER)),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("a valid request");
        self.client.raw(request).await
    }

    async fn rows(&self) -> i64 {
        let sql = crud_core::sqlx::AssertSqlSafe(r#"SELECT COUNT(*) FROM "samples""#.to_owned());
        match (self.db().sqlite(), self.db().postgres()) {
            (Some(sqlite), _) => {
                crud_core::sqlx::query_scalar(sql)
                    .fetch_one(&sqlite.reads)
                    .await
            }
            (_, Some(pool)) => crud_core::sqlx::query_scalar(sql).fetch_one(pool).await,
            (None, None) => unreachable!("a database is on one backend"),
        }
        .expect("the table exists")
    }

    /// The value of `column` in the row `id`, read straight from the database.
    async fn stored<T: Edge>(&self, column: &str, id: i64) -> T {
        let sql = crud_core::sqlx::AssertSqlSafe(format!(
            r#"SELECT "{column}" FROM "samples" WHERE "id" = {id}"#
        ));
        match (self.db().sqlite(), self.db().postgres()) {
            (Some(sqlite), _) => {
                crud_core::sqlx::query_scalar(sql)
                    .fetch_one(&sqlite.reads)
                    .await
            }
            (_, Some(pool)) => crud_core::sqlx::query_scalar(sql).fetch_one(pool).await,
            (None, None) => unreachable!("a database is on one backend"),
        }
        .unwrap_or_else(|error| panic!("`{column}` of row {id} decodes: {error}"))
    }
}

/// A column value that a case can send, compare and read back.
trait Edge: ColumnType + Serialize + DeserializeOwned + Debug + Send + Unpin {
    /// The same value: bit for bit for floats, so that `-0.0` is not `0.0`.
    fn same(&self, other: &Self) -> bool;
}

macro_rules! edge_by_eq {
    ($($ty:ty),*) => {$(
        impl Edge for $ty {
            fn same(&self, other: &Self) -> bool {
                self == other
            }
        }
    )*};
}

edge_by_eq!(
    i16,
    i32,
    i64,
    bool,
    String,
    Uuid,
    DateTime<Utc>,
    NaiveDate,
    Shade
);

impl Edge for f32 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Edge for f64 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl<T: Edge> Edge for Option<T> {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(one), Some(other)) => one.same(other),
            (None, None) => true,
            _ => false,
        }
    }
}

/// `value` as the server writes it (an `f32` in its shortest form, not widened to `f64`).
fn json_of<T: Serialize>(value: &T) -> Value {
    let text = serde_json::to_string(value).expect("serializable");
    serde_json::from_str(&text).expect("JSON")
}

/// Creates a sample with each of `values` in `field`; each must be returned exactly as sent by
/// the create and by a `GET`, and be what its column holds.
async fn assert_accepted<T: Edge>(app: &App, field: &str, values: &[T]) {
    for value in values {
        let sent = json_of(value);
        let mut body = base();
        body.insert(field.to_owned(), sent.clone());
        let created = app
            .client
            .post(USER, &collection(USER), Value::Object(body))
            .await;
        assert_eq!(
            created.status, 201,
            "{field} = {value:?} ({sent}): {}",
            created.body
        );
        // Compared as text: `Value`'s `==` takes `-0.0` for `0.0`.
        assert_eq!(
            created.body[field].to_string(),
            sent.to_string(),
            "{field} = {value:?} as created"
        );
        let returned: T = serde_json::from_value(created.body[field].clone())
            .unwrap_or_else(|error| panic!("{field} = {value:?}: {error}"));
        assert!(
            value.same(&returned),
            "{field} = {value:?} came back as {returned:?}"
        );
        let id = created.body["id"].as_i64().expect("an integer id");
        let fetched = app
            .client
            .get(USER, &format!("{}/{id}", collection(USER)))
            .await;
        assert_eq!(fetched.status, 200, "{}", fetched.body);
        assert_eq!(
            fetched.body.to_string(),
            created.body.to_string(),
            "{field} = {value:?} as read"
        );
        let stored: T = app.stored(field, id).await;
        assert!(
            value.same(&stored),
            "{field} = {value:?} is stored as {stored:?}"
        );
    }
}

/// How a value outside the domain is refused.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// By the column type's check: a validation error with this message.
    Rule(&'static str),
    /// By the JSON schema (a wrong type, an out-of-range integer): a 400 naming the field.
    Json,
}

/// Creating a sample with each of `values` (JSON texts) in `field`, or updating one with it,
/// answers 400 naming the field and stores nothing.
async fn assert_refused(app: &App, field: &str, values: &[(&str, Refusal)]) {
    let existing = app
        .client
        .post(USER, &collection(USER), Value::Object(base()))
        .await;
    assert_eq!(existing.status, 201, "{}", existing.body);
    let item = format!("{}/{}", collection(USER), existing.body["id"]);
    let rows = app.rows().await;
    for &(raw, refusal) in values {
        for (method, uri) in [
            (Method::POST, collection(USER)),
            (Method::PUT, item.clone()),
        ] {
            let reply = app
                .send_text(method.clone(), &uri, body_with(field, raw))
                .await;
            assert_eq!(
                reply.status, 400,
                "{method} {field} = {raw}: {}",
                reply.body
            );
            match refusal {
                Refusal::Rule(message) => assert_eq!(
                    reply.body,
                    {
                        let mut problem =
                            common::problem(400, format!("Validation failed: {field}: {message}"));
                        problem["errors"] = json!([{ "field": field, "message": message }]);
                        problem
                    },
                    "{method} {field} = {raw}"
                ),
                Refusal::Json => {
                    let detail = reply.detail();
                    assert!(
                        detail.contains(&format!("{field}: ")),
                        "{method} {field} = {raw}: {detail:?} does not name the field"
                    );
                }
            }
        }
        assert_eq!(app.rows().await, rows, "{field} = {raw} stored a row");
        let unchanged = app.client.get(USER, &item).await;
        assert_eq!(
            unchanged.body.to_string(),
            existing.body.to_string(),
            "{field} = {raw} changed a row"
        );
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn timestamp(text: &str) -> DateTime<Utc> {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// JSON text of a string.
fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

const NEGATIVE_ZERO: Refusal = Refusal::Rule("must not be negative zero");
const YEAR: Refusal = Refusal::Rule("year must be between 1 and 9999");
const MICROSECONDS: Refusal = Refusal::Rule("must have at most microsecond precision");
const LEAP_SECOND: Refusal = Refusal::Rule("must not be a leap second");
const NUL: Refusal = Refusal::Rule("must not contain NUL characters");

// ---------------------------------------------------------------------------------------------
// Accepted and refused values, type by type.
// ---------------------------------------------------------------------------------------------

async fn integers_round_trip_at_their_bounds(backend: Backend) {
    let app = App::new(backend).await;
    assert_accepted(&app, "small", &[i16::MIN, -1, 0, 1, i16::MAX]).await;
    assert_accepted(
        &app,
        "medium",
        &[i32::MIN, i32::from(i16::MIN) - 1, -1, 0, 1, i32::MAX],
    )
    .await;
    assert_accepted(
        &app,
        "large",
        &[
            i64::MIN,
            i64::from(i32::MIN) - 1,
            -1,
            0,
            1,
            i64::from(i32::MAX) + 1,
            // Past the integers an `f64` holds exactly.
            (1 << 53) + 1,
            i64::MAX,
        ],
    )
    .await;
    assert_accepted(&app, "maybe_small", &[None, Some(i16::MIN), Some(i16::MAX)]).await;
}

async fn integers_past_their_bounds_are_refused(backend: Backend) {
    let app = App::new(backend).await;
    let json = Refusal::Json;
    assert_refused(
        &app,
        "small",
        &[
            ("-32769", json),
            ("32768", json),
            ("1.5", json),
            ("\"1\"", json),
            ("null", json),
        ],
    )
    .await;
    assert_refused(
        &app,
        "medium",
        &[("-2147483649", json), ("2147483648", json)],
    )
    .await;
    assert_refused(
        &app,
        "large",
        &[
            ("-9223372036854775809", json),
            ("9223372036854775808", json),
            ("1e19", json),
        ],
    )
    .await;
    assert_refused(&app, "maybe_small", &[("32768", json)]).await;
}

async fn floats_round_trip_when_finite_and_not_negative_zero(backend: Backend) {
    let app = App::new(backend).await;
    assert_accepted(
        &app,
        "single",
        &[
            0.0,
            // The smallest and largest subnormals, the smallest normal.
            f32::from_bits(1),
            -f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            f32::MIN_POSITIVE,
            f32::EPSILON,
            0.1,
            1.0 / 3.0,
            -2.5,
            16_777_216.0,
            f32::MAX,
            f32::MIN,
        ],
    )
    .await;
    assert_accepted(
        &app,
        "double",
        &[
            0.0,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MIN_POSITIVE,
            f64::EPSILON,
            0.1,
            1.0 / 3.0,
            -2.5,
            // Integral, past the integers an `f64` holds exactly, and past `i64`.
            9_007_199_254_740_992.0,
            9_223_372_036_854_775_808.0,
            -1e300,
            1e39,
            f64::MAX,
            f64::MIN,
        ],
    )
    .await;
    assert_accepted(&app, "maybe_single", &[None, Some(0.0), Some(f32::MAX)]).await;
    assert_accepted(
        &app,
        "maybe_double",
        &[None, Some(0.0), Some(-f64::from_bits(1)), Some(f64::MAX)],
    )
    .await;
}

async fn floats_not_finite_or_negative_zero_are_refused(backend: Backend) {
    let app = App::new(backend).await;
    let json = Refusal::Json;
    // A number beyond `f32::MAX` is refused by serde_json itself (number out of range), as
    // one beyond `f64::MAX` is; the finite-number rule stands behind it for other paths.
    assert_refused(
        &app,
        "single",
        &[
            ("1e39", json),
            ("-1e39", json),
            ("3.5e38", json),
            ("1.7976931348623157e308", json),
            // SQLite would read it back as `0.0`; serde_json reads `-0` and an underflow as
            // `-0.0` too.
            ("-0.0", NEGATIVE_ZERO),
            ("-0", NEGATIVE_ZERO),
            ("-1e-50", NEGATIVE_ZERO),
            ("\"NaN\"", json),
            ("null", json),
        ],
    )
    .await;
    // An `f64` cannot be infinite from JSON: serde_json refuses the number.
    assert_refused(
        &app,
        "double",
        &[
            ("-0.0", NEGATIVE_ZERO),
            ("-0", NEGATIVE_ZERO),
            ("-0e5", NEGATIVE_ZERO),
            ("-1e-400", NEGATIVE_ZERO),
            ("1e309", json),
            ("-1e309", json),
            ("\"inf\"", json),
        ],
    )
    .await;
    assert_refused(
        &app,
        "maybe_single",
        &[("1e39", json), ("-1e39", json), ("-0.0", NEGATIVE_ZERO)],
    )
    .await;
    assert_refused(&app, "maybe_double", &[("-0.0", NEGATIVE_ZERO)]).await;
}

async fn text_round_trips_unless_it_holds_nul(backend: Backend) {
    let app = App::new(backend).await;
    assert_accepted(
        &app,
        "text",
        &[
            String::new(),
            " ".to_owned(),
            "  padded  ".to_owned(),
            "a".to_owned(),
            "é, ß, ﬁ, Ω".to_owned(),
            "日本語のテキスト".to_owned(),
            "🦀 👩‍👩‍👧‍👦 🇫🇷".to_owned(),
            // A combining accent, not precomposed: stored unnormalized.
            "e\u{301}".to_owned(),
            "\u{FEFF}\u{200B}\u{FFFF}\u{10FFFF}".to_owned(),
            "tab\t, newline\n, return\r, \u{1}, \u{1f}, \u{7f}, \u{85}".to_owned(),
            r#"quote ", backslash \, apostrophe ', percent %, underscore _"#.to_owned(),
            "'); DROP TABLE samples; --".to_owned(),
            "x".repeat(200_000),
            "🦀".repeat(50_000),
        ],
    )
    .await;
    assert_accepted(
        &app,
        "maybe_text",
        &[None, Some(String::new()), Some("🦀".to_owned())],
    )
    .await;
    assert_accepted(
        &app,
        "shade",
        &[Shade::Light, Shade::Dark, Shade::UltraViolet],
    )
    .await;
    assert_accepted(&app, "maybe_shade", &[None, Some(Shade::UltraViolet)]).await;
}

async fn text_with_nul_is_refused(backend: Backend) {
    let app = App::new(backend).await;
    let json = Refusal::Json;
    assert_refused(
        &app,
        "text",
        &[
            (&quoted("\0"), NUL),
            (&quoted("a\0b"), NUL),
            (&quoted("🦀\0"), NUL),
            (&quoted(&format!("{}\0", "x".repeat(1000))), NUL),
            // A lone surrogate is no text.
            (r#""\ud800""#, json),
            ("1", json),
        ],
    )
    .await;
    assert_refused(&app, "maybe_text", &[(&quoted("\0"), NUL)]).await;
    assert_refused(
        &app,
        "shade",
        &[
            (&quoted("Light"), json),
            (&quoted("ultra_violet"), json),
            (&quoted("light\0"), json),
        ],
    )
    .await;
}

async fn booleans_and_uuids_round_trip(backend: Backend) {
    let app = App::new(backend).await;
    assert_accepted(&app, "flag", &[false, true]).await;
    assert_accepted(
        &app,
        "uuid",
        &[
            Uuid::nil(),
            Uuid::max(),
            Uuid::from_u128(1),
            Uuid::from_u128(1 << 127),
            Uuid::new_v4(),
            Uuid::now_v7(),
        ],
    )
    .await;
    assert_accepted(&app, "maybe_uuid", &[None, Some(Uuid::max())]).await;
    let json = Refusal::Json;
    assert_refused(&app, "flag", &[("1", json), (&quoted("true"), json)]).await;
    assert_refused(
        &app,
        "uuid",
        &[
            (&quoted("not-a-uuid"), json),
            (&quoted("00000000-0000-0000-0000-00000000000"), json),
        ],
    )
    .await;
}

/// The dates of the domain's edges, in value order.
const EDGE_DATES: &[&str] = &[
    "0001-01-01",
    "0001-12-31",
    "0099-12-31",
    "0999-12-31",
    "1000-01-01",
    "1582-10-04",
    "1582-10-15",
    "1899-12-31",
    "1969-12-31",
    "1970-01-01",
    "1999-12-31",
    "2000-01-01",
    "2000-02-29",
    "2024-02-29",
    "2038-01-20",
    "9999-12-30",
    "9999-12-31",
];

/// The timestamps of the domain's edges, in value order (with fractions of 0, 3 and 6
/// digits, which SQLite's text must sort right).
const EDGE_TIMESTAMPS: &[&str] = &[
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00.000001Z",
    "0001-01-01T00:00:01Z",
    "0999-12-31T23:59:59.999999Z",
    "1000-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999999Z",
    "1970-01-01T00:00:00Z",
    "1970-01-01T00:00:00.000001Z",
    "1970-01-01T00:00:00.000999Z",
    "1970-01-01T00:00:00.001Z",
    "1970-01-01T00:00:00.001001Z",
    "1970-01-01T00:00:00.099999Z",
    "1970-01-01T00:00:00.100Z",
    "1970-01-01T00:00:00.100001Z",
    "1970-01-01T00:00:00.999999Z",
    "1970-01-01T00:00:01Z",
    "1999-12-31T23:59:59.999999Z",
    "2000-01-01T00:00:00Z",
    "2024-02-29T12:34:56.789Z",
    "2024-02-29T12:34:56.789012Z",
    "2038-01-19T03:14:08Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999999Z",
];

async fn dates_and_timestamps_round_trip_within_years_1_to_9999(backend: Backend) {
    let app = App::new(backend).await;
    let dates: Vec<NaiveDate> = EDGE_DATES.iter().map(|text| date(text)).collect();
    assert_accepted(&app, "day", &dates).await;
    let timestamps: Vec<DateTime<Utc>> =
        EDGE_TIMESTAMPS.iter().map(|text| timestamp(text)).collect();
    assert_accepted(&app, "at", &timestamps).await;
    assert_accepted(
        &app,
        "maybe_day",
        &[None, Some(date("0001-01-01")), Some(date("9999-12-31"))],
    )
    .await;
    assert_accepted(
        &app,
        "maybe_at",
        &[
            None,
            Some(timestamp("0001-01-01T00:00:00Z")),
            Some(timestamp("9999-12-31T23:59:59.999999Z")),
        ],
    )
    .await;
    // Another offset is the same instant, returned in UTC.
    let mut body = base();
    body.insert("at".to_owned(), json!("0001-01-01T01:00:00.5+01:00"));
    let created = app
        .client
        .post(USER, &collection(USER), Value::Object(body))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["at"], "0001-01-01T00:00:00.500Z");
}

async fn dates_and_timestamps_outside_the_domain_are_refused(backend: Backend) {
    let app = App::new(backend).await;
    let json = Refusal::Json;
    assert_refused(
        &app,
        "day",
        &[
            (&quoted("0000-12-31"), YEAR),
            (&quoted("0000-01-01"), YEAR),
            (&quoted("-4713-11-24"), YEAR),
            (&quoted("-4714-11-23"), YEAR),
            (&quoted("+10000-01-01"), YEAR),
            (&quoted("+262142-12-31"), YEAR),
            (&quoted("2023-02-29"), json),
            (&quoted("2024-13-01"), json),
            (&quoted("2024-01-01T00:00:00Z"), json),
        ],
    )
    .await;
    assert_refused(
        &app,
        "at",
        &[
            (&quoted("0000-12-31T23:59:59.999999Z"), YEAR),
            // Year 1 in its own offset, year 0 in UTC.
            (&quoted("0001-01-01T00:59:59+01:00"), YEAR),
            (&quoted("+10000-01-01T00:00:00Z"), YEAR),
            // Year 9999 in its own offset, 10000 in UTC.
            (&quoted("9999-12-31T23:59:59-00:01"), YEAR),
            (&quoted("2024-01-01T00:00:00.0000001Z"), MICROSECONDS),
            (&quoted("2024-01-01T00:00:00.000000999Z"), MICROSECONDS),
            (&quoted("2024-01-01T00:00:00.123456789Z"), MICROSECONDS),
            (&quoted("9999-12-31T23:59:59.9999999Z"), MICROSECONDS),
            (&quoted("2016-12-31T23:59:60Z"), LEAP_SECOND),
            (&quoted("2016-12-31T23:59:60.5Z"), LEAP_SECOND),
            (&quoted("2024-01-01"), json),
            (&quoted("2024-01-01T00:00:00"), json),
        ],
    )
    .await;
    assert_refused(&app, "maybe_day", &[(&quoted("0000-12-31"), YEAR)]).await;
    assert_refused(
        &app,
        "maybe_at",
        &[
            (&quoted("+10000-01-01T00:00:00Z"), YEAR),
            (&quoted("2024-01-01T00:00:00.0000001Z"), MICROSECONDS),
        ],
    )
    .await;
}

/// `field` of every sample of a list, in order.
fn listed(reply: &Reply, field: &str) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("a list, got {}", reply.body))
        .iter()
        .map(|sample| sample[field].clone())
        .collect()
}

/// `values` in an order that is neither theirs nor its reverse.
fn shuffled<T: Clone>(values: &[T]) -> Vec<T> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&index| (index * 7919) % values.len());
    order
        .into_iter()
        .map(|index| values[index].clone())
        .collect()
}

async fn lists_sort_edge_dates_and_timestamps_in_value_order(backend: Backend) {
    let app = App::new(backend).await;
    // One user's samples differ by day, another's by timestamp only (lists are by day, then
    // timestamp).
    for day in shuffled(EDGE_DATES) {
        let mut body = base();
        body.insert("day".to_owned(), json!(day));
        let reply = app
            .client
            .post("dates", &collection("dates"), Value::Object(body))
            .await;
        assert_eq!(reply.status, 201, "{day}: {}", reply.body);
    }
    for at in shuffled(EDGE_TIMESTAMPS) {
        let mut body = base();
        body.insert("at".to_owned(), json_of(&timestamp(at)));
        let reply = app
            .client
            .post("stamps", &collection("stamps"), Value::Object(body))
            .await;
        assert_eq!(reply.status, 201, "{at}: {}", reply.body);
    }
    let mut dates: Vec<NaiveDate> = EDGE_DATES.iter().map(|text| date(text)).collect();
    dates.sort();
    let expected: Vec<Value> = dates.iter().map(json_of).collect();
    let list = app.client.get("dates", &collection("dates")).await;
    assert_eq!(listed(&list, "day"), expected);
    let mut timestamps: Vec<DateTime<Utc>> =
        EDGE_TIMESTAMPS.iter().map(|text| timestamp(text)).collect();
    timestamps.sort();
    let expected: Vec<Value> = timestamps.iter().map(json_of).collect();
    let list = app.client.get("stamps", &collection("stamps")).await;
    assert_eq!(listed(&list, "at"), expected);
    // The tables above are written in value order.
    assert_eq!(
        dates,
        EDGE_DATES.iter().map(|text| date(text)).collect::<Vec<_>>()
    );
    assert_eq!(
        timestamps,
        EDGE_TIMESTAMPS
            .iter()
            .map(|text| timestamp(text))
            .collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------------------------
// The owner from the token.
// ---------------------------------------------------------------------------------------------

/// `text` with every byte but ASCII letters and digits percent-encoded.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

async fn token_whose_sub_cannot_be_stored_is_unauthorized(backend: Backend) {
    let app = App::new(backend).await;
    for (sub, reason) in [
        ("a\0b", "`sub` must not contain NUL characters"),
        ("\0", "`sub` must not contain NUL characters"),
        ("alice\0", "`sub` must not contain NUL characters"),
        ("a\nb", "`sub` must not contain control characters"),
        ("a\u{1}b", "`sub` must not contain control characters"),
        ("\u{7f}", "`sub` must not contain control characters"),
        ("a\u{85}", "`sub` must not contain control characters"),
    ] {
        let token = common::auth().issue(sub, Duration::from_secs(3600));
        let uri = collection(&percent_encoded(sub));
        for (method, body) in [
            (Method::POST, Some(Value::Object(base()).to_string())),
            (Method::GET, None),
        ] {
            let request = Request::builder()
                .method(method.clone())
                .uri(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            let request = match body {
                Some(body) => request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body)),
                None => request.body(Body::empty()),
            }
            .expect("a valid request");
            let reply = app.client.raw(request).await;
            assert_eq!(reply.status, 401, "{method} as {sub:?}: {}", reply.body);
            assert_eq!(
                reply.body,
                common::problem(401, format!("Invalid token: {reason}")),
                "{method} as {sub:?}"
            );
        }
    }
    assert_eq!(app.rows().await, 0, "nothing is stored");
    // A `sub` of any other text is an owner like any.
    for sub in ["🦀 user", "ユーザー", "a%b/c"] {
        let token = common::auth().issue(sub, Duration::from_secs(3600));
        let request = Request::builder()
            .method(Method::POST)
            .uri(collection(&percent_encoded(sub)))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(Value::Object(base()).to_string()))
            .expect("a valid request");
        let reply = app.client.raw(request).await;
        assert_eq!(reply.status, 201, "as {sub:?}: {}", reply.body);
        assert_eq!(reply.body["user_id"], sub);
    }
    assert_eq!(app.rows().await, 3);
}

backend_tests!(
    integers_round_trip_at_their_bounds,
    integers_past_their_bounds_are_refused,
    floats_round_trip_when_finite_and_not_negative_zero,
    floats_not_finite_or_negative_zero_are_refused,
    text_round_trips_unless_it_holds_nul,
    text_with_nul_is_refused,
    booleans_and_uuids_round_trip,
    dates_and_timestamps_round_trip_within_years_1_to_9999,
    dates_and_timestamps_outside_the_domain_are_refused,
    lists_sort_edge_dates_and_timestamps_in_value_order,
    token_whose_sub_cannot_be_stored_is_unauthorized,
);
