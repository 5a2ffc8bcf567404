//! List queries, through the list route and through `Crud::list`, on both backends: every
//! operator on every column type, literal and case-sensitive text matching, every sortable
//! field in both directions, keyset pages followed through their `Link` headers (also while
//! rows are inserted and deleted), counts checked against the table, page sizes and offsets,
//! owner isolation, and every 400 of the query string.
//!
//! - [`Specimen`]: a field of every column type, each filterable with every operator of its
//!   type and sortable, one field with two operators only (`level`) and one with neither
//!   (`plain`), listed by `day desc`.
//! - [`Leaf`]: a small resource with `page_size = 5, max_page_size = 50` and a sortable id.
//! - The todo example's `Task`, for walks over its own fields.
//!
//! Expected rows are computed from the seeded values by the contract's rules (the
//! predicates of [`filter_cases`], the order of [`compare`]), never read back from the
//! implementation.

mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::LINK;
use common::{Backend, Client, Reply, TestDb};
use crud_core::chrono::{DateTime, NaiveDate, Utc};
use crud_core::uuid::Uuid;
use crud_core::{
    AppState, Crud, CrudEnum, Cursor, Db, Error, ListPage, ListQuery, Operator, Resource,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt::Debug;
use todo::{Task, TaskCreate};

backend_tests!(
    every_operator_of_every_type_keeps_exactly_the_matching_rows,
    timestamps_outside_the_years_of_a_column_compare_as_instants,
    text_operators_are_literal_and_case_sensitive,
    every_sortable_field_sorts_both_ways,
    following_next_links_visits_every_row_once_in_order,
    task_walks_follow_next_links_in_order,
    a_walk_sees_every_surviving_row_once_while_rows_are_inserted_and_deleted,
    counts_are_the_rows_the_filters_keep,
    pages_have_the_default_size_and_at_most_the_maximum,
    offsets_skip_rows_and_their_next_link_continues_after_the_page,
    owners_never_see_each_others_rows,
    invalid_query_strings_are_bad_requests_naming_the_parameter,
    invalid_cursors_are_bad_requests,
    rust_queries_give_the_same_pages,
    rust_queries_with_wrong_values_are_bad_requests,
    queries_of_more_shapes_than_are_kept_still_answer,
);

// ---------------------------------------------------------------------------------------------
// The resources and their rows.
// ---------------------------------------------------------------------------------------------

/// A mood, stored as its snake-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CrudEnum)]
enum Mood {
    /// `"calm"`.
    Calm,
    /// `"busy"`.
    Busy,
    /// `"stormy"`.
    Stormy,
}

/// A field of every column type, filterable and sortable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Crud)]
#[crud(
    table = "list_query_specimens",
    path = "/api/{user_id}/specimens",
    order_by = "day desc"
)]
struct Specimen {
    #[crud(id)]
    id: i64,
    #[crud(owner)]
    user_id: String,
    #[crud(filter, sort)]
    small: i16,
    #[crud(filter, sort)]
    medium: i32,
    #[crud(filter, sort)]
    big: i64,
    #[crud(filter, sort)]
    ratio: f32,
    #[crud(filter, sort)]
    weight: f64,
    #[crud(filter, sort)]
    active: bool,
    #[crud(filter, sort)]
    title: String,
    #[crud(filter, sort)]
    note: Option<String>,
    #[crud(filter, sort)]
    token: Uuid,
    #[crud(filter, sort)]
    seen_at: DateTime<Utc>,
    #[crud(filter, sort)]
    day: NaiveDate,
    #[crud(filter, sort)]
    mood: Mood,
    #[crud(filter, sort)]
    rank: Option<i32>,
    /// Two operators only, and not sortable.
    #[crud(filter(eq, gte))]
    level: i32,
    /// Neither filterable nor sortable.
    plain: String,
}

/// A small page: 5 rows by default, at most 50.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Crud)]
#[crud(
    table = "list_query_leaves",
    path = "/api/{user_id}/leaves",
    page_size = 5,
    max_page_size = 50
)]
struct Leaf {
    #[crud(id, sort)]
    id: i64,
    #[crud(owner)]
    user_id: String,
    #[crud(filter, sort)]
    title: String,
    #[crud(sort)]
    position: i32,
}

/// The order of [`Specimen`] lists without `sort` (`order_by = "day desc"`).
const SPECIMEN_ORDER: &str = "-day";

/// The filterable fields of [`Specimen`], as the messages list them.
const FILTERABLE: &str = "`small`, `medium`, `big`, `ratio`, `weight`, `active`, `title`, \
                          `note`, `token`, `seen_at`, `day`, `mood`, `rank`, `level`";

/// The sortable fields of [`Specimen`], as the messages list them.
const SORTABLE: &str = "`small`, `medium`, `big`, `ratio`, `weight`, `active`, `title`, \
                        `note`, `token`, `seen_at`, `day`, `mood`, `rank`";

/// Alice's specimens; Bob's are copies of the first [`BOB_ROWS`].
const ROWS: usize = 16;
const BOB_ROWS: usize = 8;

// Row `i` has the `i`th value of each array: edges of each type, ties, and orders unlike the
// ids'.
const TITLES: [&str; ROWS] = [
    "50% off",
    "50 percent",
    "a_b",
    "axb",
    "back\\slash",
    "backslash",
    "Milk",
    "milk",
    "MILK shake",
    "oat milk",
    "naïve café",
    "Zebra",
    "zebra",
    "100%",
    "x%y_z",
    "Café au lait",
];
const NOTES: [Option<&str>; ROWS] = [
    Some("alpha"),
    None,
    Some("Beta"),
    Some(""),
    None,
    Some("alpha"),
    Some("50% off"),
    Some("beta blocker"),
    None,
    Some("a_b"),
    Some("ALPHA"),
    None,
    Some("zeta"),
    Some("back\\slash"),
    Some("alphabet"),
    None,
];
const SMALL: [i16; ROWS] = [
    7,
    -1,
    i16::MAX,
    0,
    7,
    -300,
    i16::MIN,
    42,
    1000,
    -1,
    2,
    0,
    20000,
    7,
    300,
    1,
];
const MEDIUM: [i32; ROWS] = [
    i32::MIN,
    5,
    5,
    -70_000,
    100,
    i32::MAX,
    0,
    99,
    100,
    1,
    -5,
    70_000,
    3,
    5,
    -1,
    2_000_000,
];
const BIG: [i64; ROWS] = [
    9_007_199_254_740_993,
    9_007_199_254_740_992,
    i64::MIN,
    0,
    -1,
    i64::MAX,
    5_000_000_000,
    3,
    3,
    -5_000_000_000,
    1,
    2,
    9_007_199_254_740_993,
    7,
    -7,
    100,
];
const RATIO: [f32; ROWS] = [
    0.1, -1.5, 0.25, 1e-7, 3.4e38, 0.0, 2.5, 0.1, -0.25, 1.0, 0.3, 100.0, -3.4e38, 0.5, 0.1, 7.75,
];
const WEIGHT: [f64; ROWS] = [
    0.1,
    0.300_000_000_000_000_04,
    0.3,
    -2.5,
    1e300,
    0.0,
    0.2,
    1e-300,
    0.1,
    -1e300,
    2.0,
    0.5,
    42.0,
    -0.5,
    3.25,
    0.0,
];
/// The first byte of each row's token (the rest is the row's index): unsigned byte order.
const TOKEN_HIGH: [u8; ROWS] = [
    0x9a, 0x01, 0xf0, 0x33, 0x80, 0x7f, 0x00, 0xc4, 0x81, 0x10, 0xe2, 0x45, 0x02, 0x99, 0xfe, 0x5c,
];
/// Fractions of 0, 1, 2, 3 and 6 digits, which SQLite's text must still sort by time.
const SEEN_AT: [&str; ROWS] = [
    "2024-06-01T12:00:00Z",
    "2024-06-01T12:00:00.5Z",
    "2024-06-01T12:00:00.123Z",
    "2024-06-01T12:00:00.123456Z",
    "2024-06-01T11:59:59.999999Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2024-06-01T12:00:00Z",
    "2024-06-01T12:00:01Z",
    "1999-12-31T23:59:59Z",
    "2024-06-01T12:00:00.000001Z",
    "2024-02-29T00:00:00Z",
    "2024-06-01T12:00:00.1Z",
    "2030-01-01T00:00:00Z",
    "2024-06-01T12:00:00.12Z",
    "2024-06-01T13:00:00Z",
];
const DAYS: [&str; ROWS] = [
    "2024-06-01",
    "2024-06-01",
    "2023-12-31",
    "0001-01-01",
    "9999-12-31",
    "2024-02-29",
    "2024-06-02",
    "2024-05-31",
    "2024-06-01",
    "1999-01-01",
    "2024-06-15",
    "2023-12-31",
    "2025-01-01",
    "2024-06-01",
    "2010-10-10",
    "2024-07-04",
];
const MOODS: [Mood; ROWS] = {
    use Mood::*;
    [
        Busy, Calm, Stormy, Calm, Calm, Busy, Stormy, Busy, Calm, Stormy, Busy, Calm, Busy, Stormy,
        Calm, Busy,
    ]
};
const RANKS: [Option<i32>; ROWS] = [
    Some(3),
    None,
    Some(-1),
    Some(3),
    None,
    Some(0),
    Some(10),
    None,
    Some(-20),
    Some(3),
    Some(7),
    None,
    Some(0),
    Some(i32::MAX),
    None,
    Some(1),
];
const LEVELS: [i32; ROWS] = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3];

fn timestamp(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .with_timezone(&Utc)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// The token of row `i`.
fn token(i: usize) -> Uuid {
    Uuid::from_u128((u128::from(TOKEN_HIGH[i]) << 120) | (i as u128 + 1))
}

/// The input of row `i`.
fn specimen(i: usize) -> SpecimenCreate {
    SpecimenCreate {
        small: SMALL[i],
        medium: MEDIUM[i],
        big: BIG[i],
        ratio: RATIO[i],
        weight: WEIGHT[i],
        active: i.is_multiple_of(3),
        title: TITLES[i].to_owned(),
        note: NOTES[i].map(str::to_owned),
        token: token(i),
        seen_at: timestamp(SEEN_AT[i]),
        day: date(DAYS[i]),
        mood: MOODS[i],
        rank: RANKS[i],
        level: LEVELS[i],
        plain: format!("plain {i}"),
    }
}

/// The resources' routes on a fresh database, with Alice's and Bob's specimens.
struct App {
    test: TestDb,
    client: Client,
    alice: Vec<Specimen>,
    bob: Vec<Specimen>,
}

impl App {
    async fn new(backend: Backend) -> Self {
        let test = TestDb::new(backend).await;
        let db = &test.db;
        db.create_table::<Specimen>()
            .await
            .expect("the specimens table");
        db.create_table::<Leaf>().await.expect("the leaves table");
        db.create_table::<Task>().await.expect("the tasks table");
        let router = Router::new()
            .merge(Specimen::router())
            .merge(Leaf::router())
            .merge(Task::router())
            .with_state(AppState::new(db.clone(), common::auth()));
        // Created in turns, so that neither owner's ids are contiguous.
        let (mut alice, mut bob) = (Vec::new(), Vec::new());
        for i in 0..ROWS {
            alice.push(create(db, "alice", specimen(i)).await);
            if i < BOB_ROWS {
                bob.push(create(db, "bob", specimen(i)).await);
            }
        }
        Self {
            test,
            client: Client::new(router),
            alice,
            bob,
        }
    }

    fn db(&self) -> &Db {
        &self.test.db
    }

    /// `GET {uri}` as `user`.
    async fn get(&self, user: &str, uri: &str) -> Reply {
        self.client.get(user, uri).await
    }

    /// Alice's specimens: `GET /api/alice/specimens?{query}`.
    async fn specimens(&self, query: &str) -> Reply {
        self.get("alice", &format!("{}?{query}", specimens("alice")))
            .await
    }
}

async fn create(db: &Db, owner: &str, input: SpecimenCreate) -> Specimen {
    Specimen::create(db, owner, input)
        .await
        .expect("the specimen is created")
}

fn specimens(user: &str) -> String {
    format!("/api/{user}/specimens")
}

fn leaves(user: &str) -> String {
    format!("/api/{user}/leaves")
}

fn tasks(user: &str) -> String {
    format!("/api/{user}/tasks")
}

// ---------------------------------------------------------------------------------------------
// The contract's order, and reading replies.
// ---------------------------------------------------------------------------------------------

/// A value of a sort key, as the contract orders it: numbers by value, text by bytes, UUIDs
/// by bytes, dates and timestamps by time, `false` before `true`.
#[derive(Clone, Debug, PartialEq)]
enum Key {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Uuid(Uuid),
    Time(DateTime<Utc>),
    Date(NaiveDate),
}

impl Key {
    fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a.cmp(b),
            (Self::Float(a), Self::Float(b)) => a.total_cmp(b),
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            (Self::Text(a), Self::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Self::Uuid(a), Self::Uuid(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Self::Time(a), Self::Time(b)) => a.cmp(b),
            (Self::Date(a), Self::Date(b)) => a.cmp(b),
            _ => panic!("keys of different kinds: {self:?}, {other:?}"),
        }
    }
}

/// The value of a [`Specimen`]'s `field` as a sort key; `None` for `null`.
fn specimen_key(row: &Specimen, field: &str) -> Option<Key> {
    Some(match field {
        "small" => Key::Int(row.small.into()),
        "medium" => Key::Int(row.medium.into()),
        "big" => Key::Int(row.big),
        "ratio" => Key::Float(row.ratio.into()),
        "weight" => Key::Float(row.weight),
        "active" => Key::Bool(row.active),
        "title" => Key::Text(row.title.clone()),
        "note" => Key::Text(row.note.clone()?),
        "token" => Key::Uuid(row.token),
        "seen_at" => Key::Time(row.seen_at),
        "day" => Key::Date(row.day),
        "mood" => Key::Text(row.mood.to_string()),
        "rank" => Key::Int(row.rank?.into()),
        other => panic!("no sort key `{other}`"),
    })
}

/// The value of a task's (JSON) `field` as a sort key.
fn task_key(task: &Value, field: &str) -> Option<Key> {
    let value = &task[field];
    Some(match field {
        "title" | "description" => Key::Text(value.as_str()?.to_owned()),
        "completed" => Key::Bool(value.as_bool().expect("a boolean `completed`")),
        "created_at" | "updated_at" => {
            Key::Time(timestamp(value.as_str().expect("a timestamp string")))
        }
        other => panic!("no sort key `{other}`"),
    })
}

/// `ordering` reversed when descending.
fn directed(ordering: Ordering, descending: bool) -> Ordering {
    if descending {
        ordering.reverse()
    } else {
        ordering
    }
}

/// The keys of a `sort` parameter: fields and whether descending.
fn sort_keys(sort: &str) -> Vec<(&str, bool)> {
    sort.split(',')
        .filter(|key| !key.is_empty())
        .map(|key| match key.strip_prefix('-') {
            Some(field) => (field, true),
            None => (key, false),
        })
        .collect()
}

/// How `a` and `b` compare in the order `sort` (`a,-b`): key by key, `null`s last in either
/// direction, then the id in the direction of the last key.
fn compare<T>(
    a: &T,
    b: &T,
    sort: &str,
    key: impl Fn(&T, &str) -> Option<Key>,
    id: impl Fn(&T) -> i64,
) -> Ordering {
    let keys = sort_keys(sort);
    for &(field, descending) in &keys {
        let ordering = match (key(a, field), key(b, field)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => directed(a.compare(&b), descending),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    let descending = keys.last().is_some_and(|&(_, descending)| descending);
    directed(id(a).cmp(&id(b)), descending)
}

fn compare_specimens(a: &Specimen, b: &Specimen, sort: &str) -> Ordering {
    let sort = if sort.is_empty() {
        SPECIMEN_ORDER
    } else {
        sort
    };
    compare(a, b, sort, specimen_key, |row| row.id)
}

/// `rows` in the order `sort` (the resource's order when empty).
fn in_order(rows: &[Specimen], sort: &str) -> Vec<Specimen> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| compare_specimens(a, b, sort));
    rows
}

fn ids_of(rows: &[Specimen]) -> Vec<i64> {
    rows.iter().map(|row| row.id).collect()
}

/// The rows of a 200 list reply.
fn rows(reply: &Reply, context: &str) -> Vec<Value> {
    assert_eq!(reply.status, StatusCode::OK, "{context}: {}", reply.body);
    reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{context}: a JSON array, got {}", reply.body))
        .clone()
}

fn id(row: &Value) -> i64 {
    row["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an integer `id` in {row}"))
}

/// The ids of a 200 list reply, in order.
fn ids(reply: &Reply, context: &str) -> Vec<i64> {
    rows(reply, context).iter().map(id).collect()
}

/// The specimens of a 200 list reply, in order.
fn specimen_rows(reply: &Reply, context: &str) -> Vec<Specimen> {
    serde_json::from_value(Value::Array(rows(reply, context)))
        .unwrap_or_else(|error| panic!("{context}: specimens: {error}"))
}

/// The `X-Total-Count` of a reply, if any.
fn total_count(reply: &Reply) -> Option<u64> {
    let mut values = reply.headers.get_all("x-total-count").iter();
    let value = values.next()?;
    assert!(values.next().is_none(), "one X-Total-Count");
    let text = value.to_str().expect("an ASCII X-Total-Count");
    Some(text.parse().expect("an integer X-Total-Count"))
}

/// The URI of a reply's `Link: <URI>; rel="next"`, if any.
fn next_link(reply: &Reply) -> Option<String> {
    let mut values = reply.headers.get_all(LINK).iter();
    let value = values.next()?.to_str().expect("an ASCII Link").to_owned();
    assert!(values.next().is_none(), "one Link header, got {value}");
    let link = value
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix(">; rel=\"next\""))
        .unwrap_or_else(|| panic!("`<URI>; rel=\"next\"`, got {value:?}"));
    Some(link.to_owned())
}

/// The `cursor` of a next link.
fn link_cursor(link: &str) -> String {
    let (_, query) = link.split_once('?').expect("a query in the link");
    let (name, cursor) = decode_query(query).pop().expect("a parameter");
    assert_eq!(name, "cursor", "the cursor comes last in {link}");
    cursor
}

/// The parameters of a query string, decoded as a form (`+` is a space).
fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = text
            .get(at + 1..at + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[at], hex) {
            (b'+', _) => {
                decoded.push(b' ');
                at += 1;
            }
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).expect("UTF-8 parameters")
}

/// The pages of a list from `uri` on, following each `Link: rel="next"`, checking that each
/// link keeps the request's path and parameters (but `offset`, `cursor` and `count`). `after_page`
/// runs after each page is read, before the next is asked for. The pages' rows and their
/// `X-Total-Count`s.
async fn walk_with(
    client: &Client,
    user: &str,
    uri: &str,
    mut after_page: impl FnMut(usize),
) -> Vec<(Vec<Value>, Option<u64>)> {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let kept = decode_query(query)
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "cursor" | "offset" | "count"))
        .collect::<Vec<_>>();
    let mut pages = Vec::new();
    let mut next = Some(uri.to_owned());
    while let Some(page_uri) = next.take() {
        assert!(pages.len() < 1000, "the walk from {uri} does not end");
        let reply = client.get(user, &page_uri).await;
        let page = rows(&reply, &page_uri);
        next = next_link(&reply);
        if let Some(link) = &next {
            let (link_path, link_query) = link.split_once('?').expect("a query in the link");
            assert_eq!(link_path, path, "{link}");
            let mut params = decode_query(link_query);
            let (name, cursor) = params.pop().expect("a cursor");
            assert_eq!(name, "cursor", "{link}");
            assert!(!cursor.is_empty(), "{link}");
            assert_eq!(
                params, kept,
                "the next link of {page_uri} keeps the parameters"
            );
            assert!(
                !page.is_empty(),
                "{page_uri}: an empty page with a next link"
            );
        }
        pages.push((page, total_count(&reply)));
        after_page(pages.len());
    }
    pages
}

/// The pages of a list from `uri` on, each a list of ids; checks that every page but the last
/// has `limit` rows and the last at least one (unless the list is empty).
async fn walk(client: &Client, user: &str, uri: &str, limit: usize) -> Vec<Vec<i64>> {
    let pages = walk_with(client, user, uri, |_| {}).await;
    let pages = pages
        .into_iter()
        .map(|(rows, _)| rows.iter().map(id).collect::<Vec<_>>())
        .collect::<Vec<_>>();
    let (last, full) = pages.split_last().expect("one page at least");
    for page in full {
        assert_eq!(page.len(), limit, "{uri}: a page before the last is full");
    }
    assert!(last.len() <= limit, "{uri}: {last:?}");
    assert!(
        !last.is_empty() || pages.len() == 1,
        "{uri}: an empty last page after a next link"
    );
    pages
}

/// Asserts a 400 whose `detail` contains each of `needles`.
fn assert_bad_request(reply: &Reply, context: &str, needles: &[&str]) {
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{context}: {}",
        reply.body
    );
    let detail = reply.detail();
    for needle in needles {
        assert!(
            detail.contains(needle),
            "{context}: {detail:?} should contain {needle:?}"
        );
    }
}

/// Asserts `Error::BadRequest` whose message contains `needle`.
fn assert_rejected<T: Debug>(result: crud_core::Result<T>, needle: &str) {
    match result {
        Err(Error::BadRequest(message)) => assert!(
            message.contains(needle),
            "{message:?} should contain {needle:?}"
        ),
        other => panic!("a bad request containing {needle:?}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Filters.
// ---------------------------------------------------------------------------------------------

/// Which rows a filter keeps.
type Keep = fn(&Specimen) -> bool;

fn case(query: impl Into<String>, keep: Keep) -> (String, Keep) {
    (query.into(), keep)
}

/// A query string of filters and the rows it keeps, by the contract: every operator of every
/// filterable field (checked by [`every_operator_of_every_type_keeps_exactly_the_matching_rows`]).
fn filter_cases() -> Vec<(String, Keep)> {
    vec![
        // i16, its extremes.
        case("small=7", |s| s.small == 7),
        case("small__eq=-1", |s| s.small == -1),
        case("small=-32768", |s| s.small == i16::MIN),
        case("small__ne=7", |s| s.small != 7),
        case("small__in=-1,0,32767", |s| {
            [-1, 0, i16::MAX].contains(&s.small)
        }),
        case("small__lt=0", |s| s.small < 0),
        case("small__lte=0", |s| s.small <= 0),
        case("small__gt=7", |s| s.small > 7),
        case("small__gte=7", |s| s.small >= 7),
        case("small__gte=-300&small__lt=7", |s| {
            (-300..7).contains(&s.small)
        }),
        // i32.
        case("medium=5", |s| s.medium == 5),
        case("medium=-2147483648", |s| s.medium == i32::MIN),
        case("medium__ne=5", |s| s.medium != 5),
        case("medium__in=5,100,2147483647", |s| {
            [5, 100, i32::MAX].contains(&s.medium)
        }),
        case("medium__lt=0", |s| s.medium < 0),
        case("medium__lte=5", |s| s.medium <= 5),
        case("medium__gt=100", |s| s.medium > 100),
        case("medium__gte=100", |s| s.medium >= 100),
        // i64, beyond a double's exact integers.
        case("big=9007199254740993", |s| s.big == 9_007_199_254_740_993),
        case("big__ne=3", |s| s.big != 3),
        case("big__in=9007199254740992,-9223372036854775808", |s| {
            [9_007_199_254_740_992, i64::MIN].contains(&s.big)
        }),
        case("big__lt=0", |s| s.big < 0),
        case("big__lte=3", |s| s.big <= 3),
        case("big__gt=9007199254740992", |s| {
            s.big > 9_007_199_254_740_992
        }),
        case("big__gte=9007199254740992", |s| {
            s.big >= 9_007_199_254_740_992
        }),
        // f32: `0.1` is the float the field holds.
        case("ratio=0.1", |s| s.ratio == 0.1),
        case("ratio=0", |s| s.ratio == 0.0),
        case("ratio__ne=0.1", |s| s.ratio != 0.1),
        case("ratio__in=0.25,-1.5,7.75", |s| {
            [0.25, -1.5, 7.75].contains(&s.ratio)
        }),
        case("ratio__lt=0", |s| s.ratio < 0.0),
        case("ratio__lt=1e-6", |s| s.ratio < 1e-6),
        case("ratio__lte=0.1", |s| s.ratio <= 0.1),
        case("ratio__gt=0.3", |s| s.ratio > 0.3),
        case("ratio__gte=0.3", |s| s.ratio >= 0.3),
        case("ratio__gte=3.4e38", |s| s.ratio >= 3.4e38),
        // f64: exact values, `-0` is zero.
        case("weight=0.1", |s| s.weight == 0.1),
        case("weight=0.30000000000000004", |s| {
            s.weight == 0.300_000_000_000_000_04
        }),
        case("weight=0.3", |s| s.weight == 0.3),
        case("weight=-0", |s| s.weight == 0.0),
        case("weight__ne=0.1", |s| s.weight != 0.1),
        case("weight__in=0.2,0.5,42", |s| {
            [0.2, 0.5, 42.0].contains(&s.weight)
        }),
        case("weight__lt=0", |s| s.weight < 0.0),
        case("weight__lte=0.1", |s| s.weight <= 0.1),
        case("weight__gt=1e299", |s| s.weight > 1e299),
        case("weight__gte=0", |s| s.weight >= 0.0),
        case("weight__gt=0&weight__lt=1e-299", |s| {
            s.weight > 0.0 && s.weight < 1e-299
        }),
        // bool.
        case("active=true", |s| s.active),
        case("active__eq=false", |s| !s.active),
        case("active__ne=true", |s| !s.active),
        case("active__in=false", |s| !s.active),
        // String (the literal and case rules have their own test).
        case("title=milk", |s| s.title == "milk"),
        case("title=50%25+off", |s| s.title == "50% off"),
        case("title=50%25%20off", |s| s.title == "50% off"),
        case("title__ne=milk", |s| s.title != "milk"),
        case("title__in=Milk,milk,nothing", |s| {
            ["Milk", "milk"].contains(&s.title.as_str())
        }),
        case("title__contains=milk", |s| s.title.contains("milk")),
        case("title__icontains=MiLk", |s| {
            s.title.to_ascii_lowercase().contains("milk")
        }),
        case("title__startswith=Milk", |s| s.title.starts_with("Milk")),
        // Option<String>: `ne` keeps the nulls, `isnull=false` keeps the empty text.
        case("note=alpha", |s| s.note.as_deref() == Some("alpha")),
        case("note__ne=alpha", |s| s.note.as_deref() != Some("alpha")),
        case("note__in=alpha,Beta", |s| {
            matches!(s.note.as_deref(), Some("alpha" | "Beta"))
        }),
        case("note__contains=alpha", |s| {
            s.note.as_deref().is_some_and(|n| n.contains("alpha"))
        }),
        case("note__icontains=alpha", |s| {
            s.note
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().contains("alpha"))
        }),
        case("note__startswith=a", |s| {
            s.note.as_deref().is_some_and(|n| n.starts_with('a'))
        }),
        case("note__isnull=true", |s| s.note.is_none()),
        case("note__isnull=false", |s| s.note.is_some()),
        // Uuid: any of its spellings.
        case(format!("token={}", token(4)), |s| s.token == token(4)),
        case(
            format!("token={}", token(4).to_string().to_uppercase()),
            |s| s.token == token(4),
        ),
        case(format!("token={}", token(4).simple()), |s| {
            s.token == token(4)
        }),
        case(format!("token__ne={}", token(4)), |s| s.token != token(4)),
        case(
            format!("token__in={},{},{}", token(0), token(6), Uuid::nil()),
            |s| s.token == token(0) || s.token == token(6),
        ),
        // DateTime<Utc>: any offset, an unencoded `+` included, any number of fraction
        // digits.
        case("seen_at=2024-06-01T12:00:00Z", |s| {
            s.seen_at == timestamp("2024-06-01T12:00:00Z")
        }),
        case("seen_at=2024-06-01T14:00:00%2B02:00", |s| {
            s.seen_at == timestamp("2024-06-01T12:00:00Z")
        }),
        case("seen_at=2024-06-01T14:00:00+02:00", |s| {
            s.seen_at == timestamp("2024-06-01T12:00:00Z")
        }),
        case("seen_at=2024-06-01T12:00:00.500Z", |s| {
            s.seen_at == timestamp("2024-06-01T12:00:00.5Z")
        }),
        case("seen_at__ne=2024-06-01T12:00:00Z", |s| {
            s.seen_at != timestamp("2024-06-01T12:00:00Z")
        }),
        case(
            "seen_at__in=2024-06-01T12:00:00.1Z,0001-01-01T00:00:00Z",
            |s| {
                s.seen_at == timestamp("2024-06-01T12:00:00.1Z")
                    || s.seen_at == timestamp("0001-01-01T00:00:00Z")
            },
        ),
        case("seen_at__lt=2024-06-01T12:00:00Z", |s| {
            s.seen_at < timestamp("2024-06-01T12:00:00Z")
        }),
        case("seen_at__lte=2024-06-01T12:00:00Z", |s| {
            s.seen_at <= timestamp("2024-06-01T12:00:00Z")
        }),
        case("seen_at__gt=2024-06-01T12:00:00.123Z", |s| {
            s.seen_at > timestamp("2024-06-01T12:00:00.123Z")
        }),
        case("seen_at__gte=2024-06-01T12:00:00.12Z", |s| {
            s.seen_at >= timestamp("2024-06-01T12:00:00.12Z")
        }),
        case("seen_at__gte=2024-06-01T07:00:00-05:00", |s| {
            s.seen_at >= timestamp("2024-06-01T12:00:00Z")
        }),
        // Outside the years a column holds, in UTC: year 0 before every row, year 10000 after
        // (each beside a filter that keeps some rows; those keeping none are in
        // `timestamps_outside_the_years_of_a_column_compare_as_instants`).
        case(
            "seen_at__gt=0001-01-01T00:30:00%2B01:00&seen_at__lt=2024-06-01T12:00:00Z",
            |s| s.seen_at < timestamp("2024-06-01T12:00:00Z"),
        ),
        case(
            "seen_at__gte=0000-01-01T00:00:00%2B01:00&seen_at__lt=2024-06-01T12:00:00Z",
            |s| s.seen_at < timestamp("2024-06-01T12:00:00Z"),
        ),
        case(
            "seen_at__ne=0000-01-01T00:00:00Z&seen_at__lt=2024-06-01T12:00:00Z",
            |s| s.seen_at < timestamp("2024-06-01T12:00:00Z"),
        ),
        case(
            "seen_at__lt=9999-12-31T23:30:00-01:00&seen_at__gt=2024-06-01T12:00:00Z",
            |s| s.seen_at > timestamp("2024-06-01T12:00:00Z"),
        ),
        case(
            "seen_at__lte=9999-12-31T23:30:00-01:00&seen_at__gt=2024-06-01T12:00:00Z",
            |s| s.seen_at > timestamp("2024-06-01T12:00:00Z"),
        ),
        case(
            "seen_at__ne=9999-12-31T23:30:00-01:00&seen_at__gt=2024-06-01T12:00:00Z",
            |s| s.seen_at > timestamp("2024-06-01T12:00:00Z"),
        ),
        case(
            "seen_at__in=9999-12-31T23:30:00-01:00,0001-01-01T00:00:00%2B00:01,2030-01-01T00:00:00Z",
            |s| s.seen_at == timestamp("2030-01-01T00:00:00Z"),
        ),
        case(
            "seen_at__gt=2024-06-01T11:00:00Z&seen_at__lt=2024-06-01T12:00:00.000002Z",
            |s| {
                s.seen_at > timestamp("2024-06-01T11:00:00Z")
                    && s.seen_at < timestamp("2024-06-01T12:00:00.000002Z")
            },
        ),
        // NaiveDate.
        case("day=2024-06-01", |s| s.day == date("2024-06-01")),
        case("day=0001-01-01", |s| s.day == date("0001-01-01")),
        case("day__ne=2024-06-01", |s| s.day != date("2024-06-01")),
        case("day__in=2023-12-31,9999-12-31", |s| {
            s.day == date("2023-12-31") || s.day == date("9999-12-31")
        }),
        case("day__lt=2024-01-01", |s| s.day < date("2024-01-01")),
        case("day__lte=2023-12-31", |s| s.day <= date("2023-12-31")),
        case("day__gt=2024-06-01", |s| s.day > date("2024-06-01")),
        case("day__gte=2024-06-01", |s| s.day >= date("2024-06-01")),
        // An enum, by its stored names.
        case("mood=calm", |s| s.mood == Mood::Calm),
        case("mood__eq=stormy", |s| s.mood == Mood::Stormy),
        case("mood__ne=busy", |s| s.mood != Mood::Busy),
        case("mood__in=calm,stormy", |s| s.mood != Mood::Busy),
        // Option<i32>: comparisons never keep a null, `ne` does.
        case("rank=3", |s| s.rank == Some(3)),
        case("rank__ne=3", |s| s.rank != Some(3)),
        case("rank__in=0,10", |s| matches!(s.rank, Some(0 | 10))),
        case("rank__lt=0", |s| s.rank.is_some_and(|r| r < 0)),
        case("rank__lte=0", |s| s.rank.is_some_and(|r| r <= 0)),
        case("rank__gt=3", |s| s.rank.is_some_and(|r| r > 3)),
        case("rank__gte=3", |s| s.rank.is_some_and(|r| r >= 3)),
        case("rank__isnull=true", |s| s.rank.is_none()),
        case("rank__isnull=false", |s| s.rank.is_some()),
        case("rank__isnull=false&rank__ne=3", |s| {
            s.rank.is_some_and(|r| r != 3)
        }),
        // `filter(eq, gte)`.
        case("level=2", |s| s.level == 2),
        case("level__eq=1", |s| s.level == 1),
        case("level__gte=2", |s| s.level >= 2),
        // Several filters: all of them.
        case("active=true&mood=busy", |s| {
            s.active && s.mood == Mood::Busy
        }),
        case("active=false&title__icontains=milk&small__gte=0", |s| {
            !s.active && s.title.to_ascii_lowercase().contains("milk") && s.small >= 0
        }),
    ]
}

/// The field and operator of a filter parameter's name.
fn field_and_operator(name: &str) -> (&str, Operator) {
    match name.rsplit_once("__") {
        Some((field, op)) => (
            field,
            Operator::from_name(op).unwrap_or_else(|| panic!("an operator in {name}")),
        ),
        None => (name, Operator::Eq),
    }
}

/// A timestamp whose offset puts it before year 1 or after year 9999 in UTC compares as the
/// instant it is: before every row, or after every row (the last microsecond of 9999 included).
async fn timestamps_outside_the_years_of_a_column_compare_as_instants(backend: Backend) {
    let app = App::new(backend).await;
    let all = ids_of(&in_order(&app.alice, ""));
    let before = "0001-01-01T00:30:00%2B01:00";
    let after = "9999-12-31T23:30:00-01:00";
    for (query, keeps_all) in [
        (format!("seen_at__gt={before}"), true),
        (format!("seen_at__gte={before}"), true),
        (format!("seen_at__ne={before}"), true),
        (format!("seen_at={before}"), false),
        (format!("seen_at__lt={before}"), false),
        (format!("seen_at__lte={before}"), false),
        (format!("seen_at__in={before}"), false),
        (format!("seen_at__lt={after}"), true),
        (format!("seen_at__lte={after}"), true),
        (format!("seen_at__ne={after}"), true),
        (format!("seen_at={after}"), false),
        (format!("seen_at__gt={after}"), false),
        (format!("seen_at__gte={after}"), false),
        (format!("seen_at__in={after}"), false),
        ("seen_at__gte=0000-01-01T00:00:00Z".to_owned(), true),
        ("seen_at__gt=9999-12-31T23:59:59.999999Z".to_owned(), false),
        ("seen_at__gte=9999-12-31T23:59:59.999999Z".to_owned(), true),
    ] {
        let reply = app.specimens(&query).await;
        let found = ids(&reply, &query);
        if query == "seen_at__gte=9999-12-31T23:59:59.999999Z" {
            assert_eq!(found.len(), 1, "{query}");
        } else if keeps_all {
            let mut found = found;
            found.sort_unstable();
            let mut all = all.clone();
            all.sort_unstable();
            assert_eq!(found, all, "{query}");
        } else {
            assert!(found.is_empty(), "{query}: {found:?}");
        }
    }
}

async fn every_operator_of_every_type_keeps_exactly_the_matching_rows(backend: Backend) {
    let app = App::new(backend).await;
    let all = in_order(&app.alice, "");
    let cases = filter_cases();
    for (query, keep) in &cases {
        let expected = ids_of(&all.iter().filter(|s| keep(s)).cloned().collect::<Vec<_>>());
        assert!(
            !expected.is_empty() && expected.len() < all.len(),
            "`{query}` should keep some of the rows, not all: {expected:?}"
        );
        let reply = app.specimens(query).await;
        assert_eq!(ids(&reply, query), expected, "{query}");
        // The rows are sent whole, as stored.
        let sent = specimen_rows(&reply, query);
        assert!(
            sent.iter().all(|row| app.alice.contains(row)),
            "{query}: {sent:?}"
        );
    }
    // The cases name every operator of every filterable field.
    let named = cases
        .iter()
        .flat_map(|(query, _)| query.split('&'))
        .map(|pair| field_and_operator(pair.split_once('=').expect("a value").0))
        .collect::<HashSet<_>>();
    for column in Specimen::SCHEMA.filterable() {
        for op in column.filters.iter() {
            assert!(
                named.contains(&(column.json_name, op)),
                "no case filters `{}` with `{op}`",
                column.json_name
            );
        }
    }
}

async fn text_operators_are_literal_and_case_sensitive(backend: Backend) {
    let app = App::new(backend).await;
    let all = in_order(&app.alice, "");
    let cases = [
        // `%` and `_` are not wildcards, `\` is not an escape.
        case("title__contains=%25", |s| s.title.contains('%')),
        case("title__contains=50%25", |s| s.title.contains("50%")),
        case("title__contains=_", |s| s.title.contains('_')),
        case("title__contains=a_b", |s| s.title.contains("a_b")),
        case("title__contains=%25y_", |s| s.title.contains("%y_")),
        case("title__contains=%5C", |s| s.title.contains('\\')),
        case("title__contains=k%5Cs", |s| s.title.contains("k\\s")),
        case("title__contains=%25%25", |s| s.title.contains("%%")),
        case("title__startswith=50%25", |s| s.title.starts_with("50%")),
        case("title__startswith=%25", |s| s.title.starts_with('%')),
        case("title__startswith=_", |s| s.title.starts_with('_')),
        case("title__startswith=a_", |s| s.title.starts_with("a_")),
        case("title__startswith=back%5C", |s| {
            s.title.starts_with("back\\")
        }),
        case("title__icontains=%25", |s| s.title.contains('%')),
        case("title__icontains=A_B", |s| {
            s.title.to_ascii_lowercase().contains("a_b")
        }),
        case("title__icontains=BACK%5CSLASH", |s| {
            s.title.to_ascii_lowercase().contains("back\\slash")
        }),
        case("title__icontains=_%25", |s| s.title.contains("_%")),
        // contains and startswith are case-sensitive; icontains ignores ASCII case.
        case("title__contains=milk", |s| s.title.contains("milk")),
        case("title__contains=Milk", |s| s.title.contains("Milk")),
        case("title__contains=MILK", |s| s.title.contains("MILK")),
        case("title__icontains=milk", |s| {
            s.title.to_ascii_lowercase().contains("milk")
        }),
        case("title__icontains=MILK", |s| {
            s.title.to_ascii_lowercase().contains("milk")
        }),
        case("title__startswith=Milk", |s| s.title.starts_with("Milk")),
        case("title__startswith=milk", |s| s.title.starts_with("milk")),
        case("title__startswith=z", |s| s.title.starts_with('z')),
        case("title__startswith=Z", |s| s.title.starts_with('Z')),
        case("title=Milk", |s| s.title == "Milk"),
        case("title=MILK", |s| s.title == "MILK"),
        // Text beyond ASCII: matched by its bytes; icontains folds the ASCII letters only.
        case("title__contains=caf%C3%A9", |s| s.title.contains("café")),
        case("title__icontains=CAF%C3%A9", |s| {
            s.title.to_ascii_lowercase().contains("café")
        }),
        case("title__startswith=na%C3%AFve", |s| {
            s.title.starts_with("naïve")
        }),
        // The same on an optional field.
        case("note__contains=%25", |s| {
            s.note.as_deref().is_some_and(|n| n.contains('%'))
        }),
        case("note__startswith=a_", |s| {
            s.note.as_deref().is_some_and(|n| n.starts_with("a_"))
        }),
        case("note__contains=%5C", |s| {
            s.note.as_deref().is_some_and(|n| n.contains('\\'))
        }),
        case("note__contains=Alpha", |s| {
            s.note.as_deref().is_some_and(|n| n.contains("Alpha"))
        }),
        case("note__icontains=ALPHA", |s| {
            s.note
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().contains("alpha"))
        }),
        case("note__startswith=Beta", |s| {
            s.note.as_deref().is_some_and(|n| n.starts_with("Beta"))
        }),
    ];
    for (query, keep) in &cases {
        let expected = all
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.id)
            .collect::<Vec<_>>();
        let reply = app.specimens(query).await;
        assert_eq!(ids(&reply, query), expected, "{query}");
    }
    // The cases tell wildcards and case apart: a few keep exactly these titles.
    let titles = |query: &str| {
        let query = query.to_owned();
        let app = &app;
        async move {
            let reply = app.specimens(&query).await;
            specimen_rows(&reply, &query)
                .into_iter()
                .map(|s| s.title)
                .collect::<HashSet<_>>()
        }
    };
    let set = |titles: &[&str]| {
        titles
            .iter()
            .map(|t| (*t).to_owned())
            .collect::<HashSet<_>>()
    };
    assert_eq!(titles("title__contains=50%25").await, set(&["50% off"]));
    assert_eq!(titles("title__contains=a_b").await, set(&["a_b"]));
    assert_eq!(titles("title__contains=%5C").await, set(&["back\\slash"]));
    assert_eq!(titles("title__startswith=%25").await, set(&[]));
    assert_eq!(
        titles("title__icontains=milk").await,
        set(&["Milk", "milk", "MILK shake", "oat milk"])
    );
    assert_eq!(
        titles("title__contains=milk").await,
        set(&["milk", "oat milk"])
    );
    assert_eq!(titles("title__startswith=Milk").await, set(&["Milk"]));
}

// ---------------------------------------------------------------------------------------------
// Sorts and walks.
// ---------------------------------------------------------------------------------------------

/// The sorts of the tests: every sortable field both ways, with ties, nulls and several keys.
const SORTS: [&str; 32] = [
    "",
    "small",
    "-small",
    "medium",
    "-medium",
    "big",
    "-big",
    "ratio",
    "-ratio",
    "weight",
    "-weight",
    "active",
    "-active,title",
    "title",
    "-title",
    "note",
    "-note",
    "-note,active",
    "note,-small",
    "token",
    "-token",
    "seen_at",
    "-seen_at",
    "day",
    "-day,title",
    "day,-weight",
    "mood,-medium",
    "-mood",
    "rank",
    "-rank",
    "-rank,small",
    "rank,-note,big",
];

/// `sort={sort}&` when a sort is given.
fn sort_param(sort: &str) -> String {
    if sort.is_empty() {
        String::new()
    } else {
        format!("sort={sort}&")
    }
}

async fn every_sortable_field_sorts_both_ways(backend: Backend) {
    let app = App::new(backend).await;
    for sort in SORTS {
        let query = format!("{}limit=1000", sort_param(sort));
        let reply = app.specimens(&query).await;
        assert_eq!(
            ids(&reply, &query),
            ids_of(&in_order(&app.alice, sort)),
            "{query}"
        );
        assert_eq!(next_link(&reply), None, "{query}: one page");
    }
    for column in Specimen::SCHEMA.sortable() {
        for key in [
            column.json_name.to_owned(),
            format!("-{}", column.json_name),
        ] {
            assert!(
                SORTS
                    .iter()
                    .any(|sort| sort.split(',').any(|given| given == key)),
                "no sort on `{key}`"
            );
        }
    }
    // The resource's own order is the default.
    let reply = app.specimens("").await;
    assert_eq!(
        ids(&reply, "no sort"),
        ids_of(&in_order(&app.alice, "-day"))
    );
}

async fn following_next_links_visits_every_row_once_in_order(backend: Backend) {
    let app = App::new(backend).await;
    // Every sort, then filters carried by the links (an unencoded `+` in an offset
    // included), with counts.
    let mut walks: Vec<(String, Keep)> = SORTS
        .iter()
        .map(|sort| case(sort_param(sort), |_| true))
        .collect();
    walks.extend([
        case("active=false&sort=title&", |s| !s.active),
        case("seen_at__gt=2000-01-01T01:00:00+01:00&sort=note&", |s| {
            s.seen_at > timestamp("2000-01-01T00:00:00Z")
        }),
        case(
            "seen_at__gte=2024-06-01T07:00:00-05:00&sort=-seen_at&",
            |s| s.seen_at >= timestamp("2024-06-01T12:00:00Z"),
        ),
        case("count=true&mood__in=calm,busy&sort=-rank,small&", |s| {
            s.mood != Mood::Stormy
        }),
        case("title__icontains=%25+&sort=-ratio&", |s| {
            s.title.contains("% ")
        }),
        case("note__isnull=false&rank__gte=0&", |s| {
            s.note.is_some() && s.rank.is_some_and(|r| r >= 0)
        }),
        // A value the link must encode again.
        case("title__ne=a%26b%3Dc%23d%2B&sort=title&", |s| {
            s.title != "a&b=c#d+"
        }),
        case(
            "title__in=50%25+off,a_b,back%5Cslash,x%25y_z,na%C3%AFve+caf%C3%A9&",
            |s| {
                ["50% off", "a_b", "back\\slash", "x%y_z", "naïve café"].contains(&s.title.as_str())
            },
        ),
    ]);
    for (params, keep) in &walks {
        let sort = decode_query(params)
            .into_iter()
            .find(|(name, _)| name == "sort")
            .map(|(_, sort)| sort)
            .unwrap_or_default();
        let expected = ids_of(
            &in_order(&app.alice, &sort)
                .into_iter()
                .filter(keep)
                .collect::<Vec<_>>(),
        );
        let one_page = app.specimens(&format!("{params}limit=1000")).await;
        assert_eq!(ids(&one_page, params), expected, "{params}limit=1000");
        for limit in [1, 2, 3] {
            let uri = format!("{}?{params}limit={limit}", specimens("alice"));
            let pages = walk(&app.client, "alice", &uri, limit).await;
            assert_eq!(pages.concat(), expected, "{uri}");
            assert_eq!(
                pages.len(),
                expected.len().div_ceil(limit).max(1),
                "{uri}: pages"
            );
        }
    }
    // A count walk counts on its first page; the links do not ask again.
    let uri = format!("{}?count=true&active=true&limit=2", specimens("alice"));
    let active = app.alice.iter().filter(|s| s.active).count() as u64;
    let totals = walk_with(&app.client, "alice", &uri, |_| {})
        .await
        .into_iter()
        .map(|(_, total)| total)
        .collect::<Vec<_>>();
    assert!(totals.len() > 1, "{uri}: several pages");
    assert_eq!(totals[0], Some(active));
    assert!(totals[1..].iter().all(Option::is_none), "{totals:?}");
}

async fn task_walks_follow_next_links_in_order(backend: Backend) {
    let app = App::new(backend).await;
    let db = app.db();
    let seeded = [
        ("walk", None),
        ("Walk", Some("b")),
        ("buy milk", Some("a")),
        ("walk", None),
        ("call", Some("b")),
        ("call", Some("c")),
        ("zzz", None),
        ("Água", Some("")),
        ("buy milk", Some("a")),
        ("a", Some("B")),
        ("water", None),
    ];
    let mut created = Vec::new();
    for (title, description) in seeded {
        let input = TaskCreate {
            title: title.to_owned(),
            description: description.map(str::to_owned),
        };
        let task = Task::create(db, "alice", input).await.expect("a task");
        created.push(task.id);
        let input = TaskCreate {
            title: title.to_owned(),
            description: None,
        };
        Task::create(db, "bob", input).await.expect("a task");
    }
    for at in [1, 3, 4, 8, 10] {
        let toggled = Task::toggle(db, "alice", created[at], "completed").await;
        assert!(
            toggled
                .expect("a toggle")
                .is_some_and(|task| task.completed)
        );
    }
    let sorts = [
        "",
        "title",
        "-title",
        "-description,completed",
        "description,-completed",
        "completed,-created_at",
        "created_at",
        "-updated_at",
        "updated_at",
    ];
    for sort in sorts {
        let params = sort_param(sort);
        let one_page = app
            .get("alice", &format!("{}?{params}limit=1000", tasks("alice")))
            .await;
        let mut expected = rows(&one_page, sort);
        assert_eq!(expected.len(), seeded.len(), "{sort}");
        let order = if sort.is_empty() { "-created_at" } else { sort };
        expected.sort_by(|a, b| compare(a, b, order, task_key, id));
        let expected = expected.iter().map(id).collect::<Vec<_>>();
        assert_eq!(ids(&one_page, sort), expected, "{sort}: one page");
        for limit in [2, 3] {
            let uri = format!("{}?{params}limit={limit}", tasks("alice"));
            let pages = walk(&app.client, "alice", &uri, limit).await;
            assert_eq!(pages.concat(), expected, "{uri}");
        }
    }
}

/// How a walk's concurrent writer places its new rows: before the walk's position, after
/// everything, and in the middle.
struct Placement {
    sort: &'static str,
    owner: &'static str,
    before: fn(&mut SpecimenCreate),
    after: fn(&mut SpecimenCreate),
    middle: fn(&mut SpecimenCreate),
}

async fn a_walk_sees_every_surviving_row_once_while_rows_are_inserted_and_deleted(
    backend: Backend,
) {
    let app = App::new(backend).await;
    let placements = [
        Placement {
            sort: "medium",
            owner: "carol",
            before: |input| input.medium = i32::MIN,
            after: |input| input.medium = i32::MAX,
            middle: |input| input.medium = 50,
        },
        Placement {
            sort: "",
            owner: "dave",
            before: |input| input.day = date("9999-12-31"),
            after: |input| input.day = date("0001-01-01"),
            middle: |input| input.day = date("2024-06-01"),
        },
        Placement {
            sort: "-note,title",
            owner: "erin",
            before: |input| input.note = Some("zzz".to_owned()),
            after: |input| input.note = None,
            middle: |input| input.note = Some("b".to_owned()),
        },
    ];
    for placement in placements {
        let Placement { sort, owner, .. } = placement;
        let db = app.db().clone();
        let mut seeded = Vec::new();
        for i in 0..ROWS {
            seeded.push(create(&db, owner, specimen(i)).await);
        }
        let seeded = in_order(&seeded, sort);
        // Rows deleted during the walk: one it has passed, then ones ahead of it.
        let doomed = [1, 4, 8, 13].map(|at| seeded[at].id);
        let (pages_read, mut page_read) = tokio::sync::mpsc::unbounded_channel::<usize>();
        let writer = tokio::spawn(async move {
            let (mut before, mut after) = (Vec::new(), Vec::new());
            let mut step = 0;
            while page_read.recv().await.is_some() {
                if step == 6 {
                    continue;
                }
                for (place, ids) in [
                    (placement.before, &mut before),
                    (placement.after, &mut after),
                    (placement.middle, &mut Vec::new()),
                ] {
                    let mut input = specimen(step % ROWS);
                    input.title = format!("new {step}");
                    place(&mut input);
                    ids.push(create(&db, owner, input).await.id);
                }
                if let Some(&id) = doomed.get(step) {
                    let deleted = Specimen::delete(&db, owner, id).await;
                    assert!(deleted.expect("a delete").is_some(), "{id} is deleted");
                }
                step += 1;
            }
            (before, after, step)
        });
        let uri = format!("{}?{}limit=2", specimens(owner), sort_param(sort));
        let pages = walk_with(&app.client, owner, &uri, |page| {
            pages_read.send(page).expect("the writer listens");
        })
        .await;
        drop(pages_read);
        let (before, after, steps) = writer.await.expect("the writer does not panic");
        assert_eq!(steps, 6, "{uri}: the writer ran between pages");

        let seen: Vec<Specimen> = serde_json::from_value(Value::Array(
            pages.into_iter().flat_map(|(rows, _)| rows).collect(),
        ))
        .expect("specimens");
        let seen_ids = ids_of(&seen);
        let unique = seen_ids.iter().collect::<HashSet<_>>();
        assert_eq!(
            unique.len(),
            seen_ids.len(),
            "{uri}: a row seen twice: {seen_ids:?}"
        );
        for pair in seen.windows(2) {
            assert_eq!(
                compare_specimens(&pair[0], &pair[1], sort),
                Ordering::Less,
                "{uri}: out of order: {} then {}",
                pair[0].id,
                pair[1].id
            );
        }
        for row in &seeded {
            if !doomed.contains(&row.id) {
                assert!(
                    unique.contains(&row.id),
                    "{uri}: row {} was skipped",
                    row.id
                );
            }
        }
        for id in &before {
            assert!(
                !unique.contains(id),
                "{uri}: {id}, inserted behind the walk, is seen"
            );
        }
        let known = seeded
            .iter()
            .map(|row| row.id)
            .chain(after.iter().copied())
            .collect::<HashSet<_>>();
        assert!(
            seen.iter()
                .all(|row| known.contains(&row.id) || row.title.starts_with("new ")),
            "{uri}: {seen_ids:?}"
        );
        for id in doomed {
            assert_eq!(
                Specimen::get(app.db(), owner, id).await.expect("a read"),
                None,
                "{id} is deleted"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Counts and page sizes.
// ---------------------------------------------------------------------------------------------

/// The rows of `table` matching `condition`, counted by the database.
async fn count_rows(db: &Db, table: &str, condition: &str) -> u64 {
    let sql = crud_core::sqlx::AssertSqlSafe(format!(
        r#"SELECT COUNT(*) FROM "{table}" WHERE {condition}"#
    ));
    let count: i64 = match (db.sqlite(), db.postgres()) {
        (Some(sqlite), _) => {
            crud_core::sqlx::query_scalar(sql)
                .fetch_one(&sqlite.reads)
                .await
        }
        (_, Some(pool)) => crud_core::sqlx::query_scalar(sql).fetch_one(pool).await,
        (None, None) => unreachable!("a database is on one backend"),
    }
    .expect("the count runs");
    u64::try_from(count).expect("a count")
}

async fn counts_are_the_rows_the_filters_keep(backend: Backend) {
    let app = App::new(backend).await;
    let table = "list_query_specimens";
    let alice = r#""user_id" = 'alice'"#;
    let cases: [(&str, &str, Keep); 9] = [
        ("count=true", "TRUE", |_| true),
        ("count=true&limit=1", "TRUE", |_| true),
        ("count=true&active=true", r#""active" = TRUE"#, |s| s.active),
        (
            "active=true&count=true&limit=2&sort=-title",
            r#""active" = TRUE"#,
            |s| s.active,
        ),
        ("count=true&small__gte=0&offset=3", r#""small" >= 0"#, |s| {
            s.small >= 0
        }),
        ("count=true&note__isnull=true", r#""note" IS NULL"#, |s| {
            s.note.is_none()
        }),
        ("count=true&rank__gt=0&sort=-rank", r#""rank" > 0"#, |s| {
            s.rank.is_some_and(|r| r > 0)
        }),
        (
            "count=true&mood__in=calm,busy&day__lt=2024-06-02",
            r#""mood" IN ('calm', 'busy') AND "day" < '2024-06-02'"#,
            |s| s.mood != Mood::Stormy && s.day < date("2024-06-02"),
        ),
        ("count=true&title=nothing", r#""title" = 'nothing'"#, |_| {
            false
        }),
    ];
    for (query, condition, keep) in cases {
        let stored = count_rows(app.db(), table, &format!("{alice} AND {condition}")).await;
        let seeded = app.alice.iter().filter(|s| keep(s)).count() as u64;
        assert_eq!(
            stored, seeded,
            "{query}: the database holds the seeded rows"
        );
        let reply = app.specimens(query).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(total_count(&reply), Some(stored), "{query}");
    }
    // Bob's rows are in the table, not in Alice's count.
    let everyone = count_rows(app.db(), table, "TRUE").await;
    let reply = app.specimens("count=true").await;
    assert_ne!(total_count(&reply), Some(everyone));
    let reply = app
        .get("bob", &format!("{}?count=true", specimens("bob")))
        .await;
    assert_eq!(
        total_count(&reply),
        Some(count_rows(app.db(), table, r#""user_id" = 'bob'"#).await)
    );
    // Pages after a cursor count every matching row, not those after the cursor.
    let active = count_rows(app.db(), table, &format!(r#"{alice} AND "active" = TRUE"#)).await;
    let uri = format!("{}?active=true&count=true&limit=2", specimens("alice"));
    let first = app.client.get("alice", &uri).await;
    assert_eq!(total_count(&first), Some(active));
    let mut next = next_link(&first);
    let mut pages = 1;
    while let Some(link) = next {
        let reply = app.client.get("alice", &format!("{link}&count=true")).await;
        assert_eq!(total_count(&reply), Some(active), "{link}");
        next = next_link(&reply);
        pages += 1;
    }
    assert!(pages > 2, "{uri}: several pages after the first");
    // No count unless asked.
    for query in ["", "count=false", "active=true", "limit=2&sort=title"] {
        let reply = app.specimens(query).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(total_count(&reply), None, "{query}");
    }
}

/// Alice's 12 leaves and Bob's 3, created in turns.
async fn seed_leaves(db: &Db) -> Vec<Leaf> {
    let mut alice = Vec::new();
    for i in 0..12 {
        let input = LeafCreate {
            title: format!("leaf {i:02}"),
            position: (i * 7) % 12,
        };
        alice.push(Leaf::create(db, "alice", input).await.expect("a leaf"));
        if i % 4 == 0 {
            let input = LeafCreate {
                title: format!("leaf {i:02}"),
                position: i,
            };
            Leaf::create(db, "bob", input).await.expect("a leaf");
        }
    }
    alice
}

async fn pages_have_the_default_size_and_at_most_the_maximum(backend: Backend) {
    let app = App::new(backend).await;
    let leaves_of_alice = seed_leaves(app.db()).await;
    let all = leaves_of_alice
        .iter()
        .map(|leaf| leaf.id)
        .collect::<Vec<_>>();

    // Without `limit`: the resource's page size, and a link without a limit either.
    let first = app.get("alice", &leaves("alice")).await;
    assert_eq!(ids(&first, "first page"), all[..5]);
    let link = next_link(&first).expect("a next page");
    assert!(!link.contains("limit"), "{link}");
    let pages = walk(&app.client, "alice", &leaves("alice"), 5).await;
    assert_eq!(pages, [&all[..5], &all[5..10], &all[10..]]);

    for (limit, sizes) in [
        (4, vec![4, 4, 4]),
        (11, vec![11, 1]),
        (12, vec![12]),
        (50, vec![12]),
        (1, vec![1; 12]),
    ] {
        let uri = format!("{}?limit={limit}", leaves("alice"));
        let pages = walk(&app.client, "alice", &uri, limit).await;
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            sizes,
            "{uri}"
        );
        assert_eq!(pages.concat(), all, "{uri}");
    }
    // A sort on the id, and on another field.
    let reversed = all.iter().rev().copied().collect::<Vec<_>>();
    let pages = walk(
        &app.client,
        "alice",
        &format!("{}?sort=-id", leaves("alice")),
        5,
    )
    .await;
    assert_eq!(pages.concat(), reversed);
    let mut by_position = leaves_of_alice.clone();
    by_position.sort_by_key(|leaf| (leaf.position, leaf.id));
    let uri = format!("{}?sort=position&limit=5", leaves("alice"));
    let pages = walk(&app.client, "alice", &uri, 5).await;
    assert_eq!(
        pages.concat(),
        by_position.iter().map(|leaf| leaf.id).collect::<Vec<_>>()
    );

    // Above the maximum.
    for query in ["limit=51", "limit=1000"] {
        let reply = app
            .get("alice", &format!("{}?{query}", leaves("alice")))
            .await;
        assert_bad_request(&reply, query, &["`limit` must be an integer from 1 to 50"]);
    }
    // The specimens' defaults: 100 by default, 1000 at most.
    let reply = app.specimens("limit=1000").await;
    assert_eq!(ids(&reply, "limit=1000").len(), ROWS);
    assert_eq!(next_link(&reply), None);
    let reply = app.specimens("limit=1001").await;
    assert_bad_request(
        &reply,
        "limit=1001",
        &["`limit` must be an integer from 1 to 1000"],
    );
    assert_eq!(Specimen::SCHEMA.page_size, 100);
    let mut more = Vec::new();
    for i in 0..101 {
        more.push(create(app.db(), "frank", specimen(i % ROWS)).await);
    }
    let reply = app.get("frank", &specimens("frank")).await;
    assert_eq!(
        ids(&reply, "frank"),
        ids_of(&in_order(&more, "")[..100]),
        "the default page"
    );
    let link = next_link(&reply).expect("a second page");
    let reply = app.get("frank", &link).await;
    assert_eq!(ids(&reply, &link), ids_of(&in_order(&more, "")[100..]));
    assert_eq!(next_link(&reply), None);
}

async fn offsets_skip_rows_and_their_next_link_continues_after_the_page(backend: Backend) {
    let app = App::new(backend).await;
    let all = seed_leaves(app.db())
        .await
        .iter()
        .map(|leaf| leaf.id)
        .collect::<Vec<_>>();
    let reversed = all.iter().rev().copied().collect::<Vec<_>>();
    // A query, its page, and the page its next link gives.
    type Ids<'a> = &'a [i64];
    let cases: [(&str, Ids, Option<Ids>); 8] = [
        ("offset=0", &all[..5], Some(&all[5..10])),
        ("offset=3&limit=4", &all[3..7], Some(&all[7..11])),
        ("limit=4&offset=8", &all[8..], None),
        ("offset=10", &all[10..], None),
        ("offset=12", &[], None),
        ("offset=4294967295", &[], None),
        (
            "offset=2&limit=3&sort=-id",
            &reversed[2..5],
            Some(&reversed[5..8]),
        ),
        (
            "title__contains=0&offset=1&limit=8",
            &all[1..9],
            Some(&all[9..11]),
        ),
    ];
    for (query, page, next) in cases {
        let reply = app
            .get("alice", &format!("{}?{query}", leaves("alice")))
            .await;
        assert_eq!(ids(&reply, query), page, "{query}");
        let link = next_link(&reply);
        assert_eq!(link.is_some(), next.is_some(), "{query}: {link:?}");
        if let (Some(link), Some(next)) = (link, next) {
            assert!(!link.contains("offset"), "{link}");
            let reply = app.get("alice", &link).await;
            assert_eq!(ids(&reply, &link), next, "{query}: the next page");
        }
    }
    // The same on the specimens, in their default order and with filters.
    let ordered = in_order(&app.alice, "");
    let reply = app.specimens("offset=5&limit=4").await;
    assert_eq!(ids(&reply, "offset"), ids_of(&ordered[5..9]));
    let active = ordered
        .iter()
        .filter(|s| s.active)
        .cloned()
        .collect::<Vec<_>>();
    let reply = app.specimens("active=true&offset=2&limit=2").await;
    assert_eq!(ids(&reply, "offset"), ids_of(&active[2..4]));
}

// ---------------------------------------------------------------------------------------------
// Owners.
// ---------------------------------------------------------------------------------------------

async fn owners_never_see_each_others_rows(backend: Backend) {
    let app = App::new(backend).await;
    // Bob's copies of Alice's rows match the same filters; each sees only their own.
    for (query, keep) in filter_cases() {
        for (user, own) in [("alice", &app.alice), ("bob", &app.bob)] {
            let expected = ids_of(
                &in_order(own, "")
                    .into_iter()
                    .filter(keep)
                    .collect::<Vec<_>>(),
            );
            let reply = app.get(user, &format!("{}?{query}", specimens(user))).await;
            assert_eq!(ids(&reply, &query), expected, "{user}: {query}");
        }
    }
    // Alice's cursor, used by Bob, is a position in Bob's rows (the cursor holds sort keys,
    // not rows): his rows after it, never hers.
    for (sort, limit) in [("title", 3), ("-seen_at", 2), ("", 4), ("note,-small", 5)] {
        let params = sort_param(sort);
        let first = app.specimens(&format!("{params}limit={limit}")).await;
        let alice_rows = specimen_rows(&first, sort);
        let last = alice_rows.last().expect("a page");
        let cursor = link_cursor(&next_link(&first).expect("a next page"));
        let expected = ids_of(
            &in_order(&app.bob, sort)
                .into_iter()
                .filter(|s| compare_specimens(s, last, sort) == Ordering::Greater)
                .take(limit)
                .collect::<Vec<_>>(),
        );
        let uri = format!("{}?{params}limit={limit}&cursor={cursor}", specimens("bob"));
        let reply = app.get("bob", &uri).await;
        let got = specimen_rows(&reply, &uri);
        assert!(got.iter().all(|s| s.user_id == "bob"), "{uri}: {got:?}");
        assert_eq!(ids_of(&got), expected, "{uri}");
        let mut query = ListQuery::new().limit(u32::try_from(limit).expect("a limit"));
        for (field, descending) in sort_keys(sort) {
            query = if descending {
                query.sort_desc(field)
            } else {
                query.sort_asc(field)
            };
        }
        let page = Specimen::list(app.db(), "bob", query.after(Cursor::new(cursor)))
            .await
            .expect("a page");
        assert_eq!(ids_of(&page.items), expected, "{sort}: through Rust");
    }
    // A list of another user's path is refused before its query is read.
    for query in ["", "title=milk", "limit=abc"] {
        let reply = app
            .get("bob", &format!("{}?{query}", specimens("alice")))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{query}: {}",
            reply.body
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bad requests.
// ---------------------------------------------------------------------------------------------

async fn invalid_query_strings_are_bad_requests_naming_the_parameter(backend: Backend) {
    let app = App::new(backend).await;
    let limit = "`limit` must be an integer from 1 to 1000";
    let offset = "`offset` must be an integer from 0 to 4294967295";
    let sort_syntax = "`sort` must be fields separated by commas";
    let not_sortable = format!("cannot be sorted on; the sortable fields are {SORTABLE}");
    let not_filterable = format!("cannot be filtered on; the filterable fields are {FILTERABLE}");
    let unknown = format!(
        "a list takes `limit`, `cursor`, `offset`, `sort`, `count` and filters on {FILTERABLE}"
    );
    let too_many_values = format!(
        "small__in={}",
        (0..101)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let cases: Vec<(String, Vec<&str>)> = vec![
        // limit, offset, cursor.
        ("limit=0".into(), vec![limit]),
        ("limit=-1".into(), vec![limit]),
        ("limit=abc".into(), vec![limit]),
        ("limit=1.5".into(), vec![limit]),
        ("limit=1001".into(), vec![limit]),
        ("limit=4294967296".into(), vec![limit]),
        ("limit=".into(), vec![limit]),
        ("limit".into(), vec![limit]),
        ("offset=-1".into(), vec![offset]),
        ("offset=abc".into(), vec![offset]),
        ("offset=1.5".into(), vec![offset]),
        ("offset=4294967296".into(), vec![offset]),
        ("offset=".into(), vec![offset]),
        (
            "offset=1&cursor=abc".into(),
            vec!["`offset` and `cursor` cannot be used together"],
        ),
        (
            "cursor=abc&offset=0".into(),
            vec!["`offset` and `cursor` cannot be used together"],
        ),
        ("cursor=".into(), vec!["`cursor` must not be empty"]),
        // Unknown parameters, fields and operators.
        (
            "colour=red".into(),
            vec!["Unknown query parameter `colour`", &unknown],
        ),
        (
            "titel=milk".into(),
            vec!["Unknown query parameter `titel`", &unknown],
        ),
        ("page=2".into(), vec!["Unknown query parameter `page`"]),
        ("Title=milk".into(), vec!["Unknown query parameter `Title`"]),
        (
            "titel__contains=milk".into(),
            vec!["Unknown query parameter `titel__contains`"],
        ),
        ("__in=1".into(), vec!["Unknown query parameter `__in`"]),
        ("=1".into(), vec!["Unknown query parameter ``"]),
        (
            "title__like=milk".into(),
            vec![
                "`title__like`: unknown operator `like`; `title` takes `eq`, `ne`, `in`, \
                 `contains`, `icontains`, `startswith`",
            ],
        ),
        (
            "rank__between=1".into(),
            vec![
                "unknown operator `between`; `rank` takes `eq`, `ne`, `in`, `lt`, `lte`, `gt`, \
                 `gte`, `isnull`",
            ],
        ),
        (
            "title__ICONTAINS=milk".into(),
            vec!["unknown operator `ICONTAINS`"],
        ),
        ("title__=milk".into(), vec!["unknown operator ``"]),
        (
            "plain__like=x".into(),
            vec!["unknown operator `like`; `plain` takes no filter"],
        ),
        // Operators the field lacks.
        (
            "active__gt=true".into(),
            vec!["`active` cannot be filtered with `gt`; it takes `eq`, `ne`, `in`"],
        ),
        (
            "token__lt=00000000-0000-0000-0000-000000000000".into(),
            vec!["`token` cannot be filtered with `lt`; it takes `eq`, `ne`, `in`"],
        ),
        (
            "mood__contains=c".into(),
            vec!["`mood` cannot be filtered with `contains`; it takes `eq`, `ne`, `in`"],
        ),
        (
            "small__contains=1".into(),
            vec![
                "`small` cannot be filtered with `contains`; it takes `eq`, `ne`, `in`, `lt`, \
                 `lte`, `gt`, `gte`",
            ],
        ),
        (
            "day__startswith=2024".into(),
            vec!["`day` cannot be filtered with `startswith`"],
        ),
        (
            "title__gt=a".into(),
            vec!["`title` cannot be filtered with `gt`"],
        ),
        (
            "small__isnull=true".into(),
            vec!["`small` cannot be filtered with `isnull`"],
        ),
        (
            "title__isnull=false".into(),
            vec!["`title` cannot be filtered with `isnull`"],
        ),
        (
            "level__lt=3".into(),
            vec!["`level` cannot be filtered with `lt`; it takes `eq`, `gte`"],
        ),
        (
            "level__in=1,2".into(),
            vec!["`level` cannot be filtered with `in`; it takes `eq`, `gte`"],
        ),
        // Fields that cannot be filtered on.
        ("plain=x".into(), vec!["`plain`", &not_filterable]),
        ("plain__ne=x".into(), vec!["`plain`", &not_filterable]),
        ("user_id=alice".into(), vec!["`user_id`", &not_filterable]),
        ("id=1".into(), vec!["`id`", &not_filterable]),
        // Sorts.
        ("sort=plain".into(), vec!["`sort`: `plain`", &not_sortable]),
        ("sort=level".into(), vec!["`sort`: `level`", &not_sortable]),
        ("sort=-id".into(), vec!["`sort`: `id`", &not_sortable]),
        (
            "sort=user_id".into(),
            vec!["`sort`: `user_id`", &not_sortable],
        ),
        ("sort=nope".into(), vec!["`sort`: `nope`", &not_sortable]),
        ("sort=Title".into(), vec!["`sort`: `Title`", &not_sortable]),
        (
            "sort=title,-plain".into(),
            vec!["`sort`: `plain`", &not_sortable],
        ),
        (
            "sort=+title".into(),
            vec!["`sort`: ` title`", &not_sortable],
        ),
        (
            "sort=title,-title".into(),
            vec!["`sort`: `title` is given more than once"],
        ),
        (
            "sort=day,small,day".into(),
            vec!["`sort`: `day` is given more than once"],
        ),
        ("sort=".into(), vec![sort_syntax]),
        ("sort=title,".into(), vec![sort_syntax]),
        ("sort=,title".into(), vec![sort_syntax]),
        ("sort=-".into(), vec![sort_syntax]),
        ("sort=title,,day".into(), vec![sort_syntax]),
        // Repeated parameters and filters.
        (
            "limit=2&limit=3".into(),
            vec!["`limit` is given more than once"],
        ),
        (
            "sort=title&sort=day".into(),
            vec!["`sort` is given more than once"],
        ),
        (
            "title=a&title=b".into(),
            vec!["`title` is given more than once"],
        ),
        (
            "count=true&count=true".into(),
            vec!["`count` is given more than once"],
        ),
        (
            "title=a&title__eq=b".into(),
            vec!["`title` is filtered with `eq` more than once"],
        ),
        // count.
        (
            "count=yes".into(),
            vec!["`count` must be `true` or `false`"],
        ),
        ("count=1".into(), vec!["`count` must be `true` or `false`"]),
        // Text that is not UTF-8 once percent-decoded.
        (
            "title=%FF".into(),
            vec!["is not UTF-8 once percent-decoded"],
        ),
        (
            "title__contains=%FF%FE".into(),
            vec!["is not UTF-8 once percent-decoded"],
        ),
        ("%C3%28=1".into(), vec!["is not UTF-8 once percent-decoded"]),
        (
            "count=TRUE".into(),
            vec!["`count` must be `true` or `false`"],
        ),
        ("count=".into(), vec!["`count` must be `true` or `false`"]),
        // Values that are not of the field's type.
        (
            "small=40000".into(),
            vec!["`small` must be an integer from -32768 to 32767"],
        ),
        (
            "small=-32769".into(),
            vec!["`small` must be an integer from -32768 to 32767"],
        ),
        (
            "small=1.5".into(),
            vec!["`small` must be an integer from -32768 to 32767"],
        ),
        (
            "small__in=1,40000".into(),
            vec!["`small__in` must be an integer from -32768 to 32767"],
        ),
        (
            "small__lt=abc".into(),
            vec!["`small__lt` must be an integer from -32768 to 32767"],
        ),
        (
            "medium=2147483648".into(),
            vec!["`medium` must be an integer from -2147483648 to 2147483647"],
        ),
        ("medium=1e3".into(), vec!["`medium` must be an integer"]),
        (
            "big=9223372036854775808".into(),
            vec!["`big` must be an integer from -9223372036854775808 to 9223372036854775807"],
        ),
        ("big=1.5".into(), vec!["`big` must be an integer"]),
        (
            "rank__gte=1.5".into(),
            vec!["`rank__gte` must be an integer"],
        ),
        ("level=x".into(), vec!["`level` must be an integer"]),
        ("ratio=abc".into(), vec!["`ratio` must be a finite number"]),
        ("ratio=1e39".into(), vec!["`ratio` must be a finite number"]),
        ("ratio=NaN".into(), vec!["`ratio` must be a finite number"]),
        (
            "weight=inf".into(),
            vec!["`weight` must be a finite number"],
        ),
        (
            "weight__gt=1e400".into(),
            vec!["`weight__gt` must be a finite number"],
        ),
        (
            "active=yes".into(),
            vec!["`active` must be `true` or `false`"],
        ),
        (
            "active=1".into(),
            vec!["`active` must be `true` or `false`"],
        ),
        (
            "active=True".into(),
            vec!["`active` must be `true` or `false`"],
        ),
        ("token=abc".into(), vec!["`token` must be a UUID"]),
        (
            format!("token__in={},abc", token(0)),
            vec!["`token__in` must be a UUID"],
        ),
        (
            "day=2024-13-01".into(),
            vec!["`day` must be a date such as 2024-06-01"],
        ),
        (
            "day=2023-02-29".into(),
            vec!["`day` must be a date such as 2024-06-01"],
        ),
        (
            "day=2024-06-01T00:00:00Z".into(),
            vec!["`day` must be a date such as 2024-06-01"],
        ),
        (
            "day=0000-01-01".into(),
            vec!["`day`", "year must be between 1 and 9999"],
        ),
        (
            "seen_at=2024-06-01".into(),
            vec!["`seen_at` must be an RFC 3339 timestamp such as 2024-06-01T12:00:00Z"],
        ),
        (
            "seen_at=yesterday".into(),
            vec!["`seen_at` must be an RFC 3339 timestamp"],
        ),
        (
            "seen_at=2024-06-01T12:00:00".into(),
            vec!["`seen_at` must be an RFC 3339 timestamp"],
        ),
        (
            "seen_at__lt=2024-06-01T12:00:00.0000001Z".into(),
            vec!["`seen_at__lt`", "microsecond precision"],
        ),
        (
            "seen_at=2016-12-31T23:59:60Z".into(),
            vec!["`seen_at`", "must not be a leap second"],
        ),
        (
            "mood=angry".into(),
            vec!["`mood` must be one of `calm`, `busy`, `stormy`"],
        ),
        (
            "mood=Calm".into(),
            vec!["`mood` must be one of `calm`, `busy`, `stormy`"],
        ),
        (
            "mood__in=calm,angry".into(),
            vec!["`mood__in` must be one of `calm`, `busy`, `stormy`"],
        ),
        (
            "rank__isnull=yes".into(),
            vec!["`rank__isnull` must be `true` or `false`"],
        ),
        (
            "note__isnull=1".into(),
            vec!["`note__isnull` must be `true` or `false`"],
        ),
        (
            "title=a%00b".into(),
            vec!["`title` must not contain NUL characters"],
        ),
        // Empty values.
        ("title=".into(), vec!["`title` must not be empty"]),
        ("title".into(), vec!["`title` must not be empty"]),
        (
            "note__contains=".into(),
            vec!["`note__contains` must not be empty"],
        ),
        (
            "title__startswith=".into(),
            vec!["`title__startswith` must not be empty"],
        ),
        (
            "title__icontains=".into(),
            vec!["`title__icontains` must not be empty"],
        ),
        ("small=".into(), vec!["`small` must not be empty"]),
        ("small__in=".into(), vec!["`small__in` must not be empty"]),
        (
            "small__in=1,,2".into(),
            vec!["`small__in` must not be empty"],
        ),
        ("title__in=a,".into(), vec!["`title__in` must not be empty"]),
        ("token=".into(), vec!["`token` must not be empty"]),
        ("day=".into(), vec!["`day` must not be empty"]),
        ("seen_at=".into(), vec!["`seen_at` must not be empty"]),
        ("mood=".into(), vec!["`mood` must not be empty"]),
        ("active=".into(), vec!["`active` must not be empty"]),
        (
            "rank__isnull=".into(),
            vec!["`rank__isnull` must not be empty"],
        ),
        // At most 100 values in one `in`.
        (
            too_many_values,
            vec!["`small__in` takes at most 100 values"],
        ),
        // One bad parameter among good ones.
        (
            "active=true&sort=title&limit=2&colour=red".into(),
            vec!["Unknown query parameter `colour`"],
        ),
    ];
    for (query, needles) in &cases {
        let reply = app.specimens(query).await;
        assert_bad_request(&reply, query, needles);
    }
    // 100 values are accepted.
    let hundred = (0..100)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let reply = app.specimens(&format!("small__in={hundred}")).await;
    let expected = in_order(&app.alice, "")
        .into_iter()
        .filter(|s| (0..100).contains(&s.small))
        .collect::<Vec<_>>();
    assert_eq!(ids(&reply, "100 values"), ids_of(&expected));
}

async fn invalid_cursors_are_bad_requests(backend: Backend) {
    let app = App::new(backend).await;
    let invalid = "Invalid `cursor`";
    let first = app.specimens("sort=title&limit=3").await;
    let link = next_link(&first).expect("a next page");
    let cursor = link_cursor(&link);
    // The cursor is good: with its own query, and with another limit.
    let expected = ids_of(&in_order(&app.alice, "title"));
    let reply = app.get("alice", &link).await;
    assert_eq!(ids(&reply, &link), expected[3..6]);
    let reply = app
        .specimens(&format!("sort=title&limit=5&cursor={cursor}"))
        .await;
    assert_eq!(ids(&reply, "another limit"), expected[3..8]);

    // Any character changed.
    let base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for at in 0..cursor.len() {
        let mut tampered = cursor.clone().into_bytes();
        let position = base64url
            .bytes()
            .position(|c| c == tampered[at])
            .expect("URL-safe base64");
        tampered[at] = base64url.as_bytes()[(position + 1) % 64];
        let tampered = String::from_utf8(tampered).expect("ASCII");
        let reply = app
            .specimens(&format!("sort=title&limit=3&cursor={tampered}"))
            .await;
        assert_bad_request(&reply, &format!("changed at {at}: {tampered}"), &[invalid]);
    }
    // Cut, extended, or not a cursor at all.
    let mut others = vec![
        cursor[..cursor.len() - 1].to_owned(),
        cursor[..cursor.len() - 2].to_owned(),
        cursor[..cursor.len() - 4].to_owned(),
        cursor[..cursor.len() / 2].to_owned(),
        cursor[..16].to_owned(),
        cursor[..4].to_owned(),
        format!("{cursor}A"),
        format!("{cursor}AAAA"),
        format!("{cursor}{cursor}"),
        "abc".to_owned(),
        "A".repeat(2000),
        "%25%25%25".to_owned(),
        "not+a+cursor".to_owned(),
        cursor.replace('-', "+").replace('_', "/"),
    ];
    others.retain(|other| *other != cursor);
    for other in &others {
        let reply = app
            .specimens(&format!("sort=title&limit=3&cursor={other}"))
            .await;
        assert_bad_request(&reply, other, &[invalid]);
    }
    // Another sort, other filters, another resource.
    let filtered = next_link(&app.specimens("active=false&sort=title&limit=2").await)
        .map(|link| link_cursor(&link))
        .expect("a next page");
    let default = next_link(&app.specimens("limit=2").await)
        .map(|link| link_cursor(&link))
        .expect("a next page");
    let leaf = {
        seed_leaves(app.db()).await;
        let reply = app
            .get("alice", &format!("{}?sort=title&limit=2", leaves("alice")))
            .await;
        link_cursor(&next_link(&reply).expect("a next page"))
    };
    let misuses = [
        format!("sort=-title&cursor={cursor}"),
        format!("sort=title,small&cursor={cursor}"),
        format!("sort=small&cursor={cursor}"),
        format!("sort=note&cursor={cursor}"),
        format!("cursor={cursor}"),
        format!("sort=day&cursor={default}"),
        format!("sort=title&active=true&cursor={cursor}"),
        format!("sort=title&title__ne=x&cursor={cursor}"),
        format!("sort=title&active=true&cursor={filtered}"),
        format!("sort=title&cursor={filtered}"),
        format!("sort=title&active=false&mood=busy&cursor={filtered}"),
        format!("sort=title&active__ne=true&cursor={filtered}"),
        format!("sort=title&active__in=false&cursor={filtered}"),
        format!("sort=title&cursor={leaf}"),
        format!("cursor={leaf}"),
    ];
    for query in &misuses {
        let reply = app.specimens(query).await;
        assert_bad_request(&reply, query, &[invalid]);
    }
    // A specimen cursor on the leaves, under the same sort.
    let reply = app
        .get(
            "alice",
            &format!("{}?sort=title&cursor={cursor}", leaves("alice")),
        )
        .await;
    assert_bad_request(&reply, "a specimen cursor on leaves", &[invalid]);
    // The same filter written another way is the same list.
    let reply = app
        .specimens(&format!(
            "active__eq=false&sort=title&limit=2&cursor={filtered}"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

// ---------------------------------------------------------------------------------------------
// The Rust API.
// ---------------------------------------------------------------------------------------------

/// The pages of `query()`, following each page's `next`.
async fn walk_rust(db: &Db, owner: &str, query: impl Fn() -> ListQuery) -> Vec<ListPage<Specimen>> {
    let mut pages: Vec<ListPage<Specimen>> = Vec::new();
    loop {
        let next = pages.last().map(|page| page.next.clone());
        let query = match next {
            None => query(),
            Some(Some(cursor)) => query().after(cursor),
            Some(None) => return pages,
        };
        assert!(pages.len() < 1000, "the walk does not end");
        pages.push(Specimen::list(db, owner, query).await.expect("a page"));
    }
}

async fn rust_queries_give_the_same_pages(backend: Backend) {
    let app = App::new(backend).await;
    let db = app.db();
    type Query = fn() -> ListQuery;
    let cases: Vec<(Query, &str, Keep)> = vec![
        (
            || {
                ListQuery::new()
                    .filter("active", Operator::Eq, true)
                    .sort_desc("seen_at")
                    .limit(2)
            },
            "-seen_at",
            |s| s.active,
        ),
        (
            || {
                ListQuery::new()
                    .filter_in("mood", ["calm", "stormy"])
                    .limit(3)
            },
            "",
            |s| s.mood != Mood::Busy,
        ),
        (
            || {
                ListQuery::new()
                    .filter_in("small", [7_i16, -1])
                    .sort_asc("title")
            },
            "title",
            |s| [7, -1].contains(&s.small),
        ),
        (
            || {
                ListQuery::new()
                    .filter_in("big", [3_i64, i64::MAX, 9_007_199_254_740_993])
                    .sort_desc("big")
                    .limit(1)
            },
            "-big",
            |s| [3, i64::MAX, 9_007_199_254_740_993].contains(&s.big),
        ),
        (
            || ListQuery::new().filter_in("token", [token(1), token(2), token(3)]),
            "",
            |s| [token(1), token(2), token(3)].contains(&s.token),
        ),
        (
            // An i32 on an i16 field, an i64 on an i32 field: integers fit their field.
            || {
                ListQuery::new()
                    .filter("small", Operator::Gte, 7)
                    .filter("medium", Operator::Lt, 1_000_i64)
                    .sort_asc("small")
                    .sort_desc("rank")
                    .limit(2)
            },
            "small,-rank",
            |s| s.small >= 7 && s.medium < 1000,
        ),
        (
            || {
                ListQuery::new()
                    .filter("seen_at", Operator::Lt, timestamp("2024-06-01T12:00:00.2Z"))
                    .filter("day", Operator::Gte, date("2024-01-01"))
                    .sort_asc("seen_at")
                    .limit(2)
            },
            "seen_at",
            |s| s.seen_at < timestamp("2024-06-01T12:00:00.2Z") && s.day >= date("2024-01-01"),
        ),
        (
            // An f32 on an f64 field is widened.
            || {
                ListQuery::new()
                    .filter("ratio", Operator::Gt, 0.2_f32)
                    .filter("weight", Operator::Lte, 0.5_f32)
                    .sort_asc("ratio")
                    .limit(2)
            },
            "ratio",
            |s| s.ratio > 0.2 && s.weight <= 0.5,
        ),
        (
            || {
                ListQuery::new()
                    .filter("note", Operator::IContains, "ALPHA")
                    .sort_desc("note")
                    .limit(2)
            },
            "-note",
            |s| {
                s.note
                    .as_deref()
                    .is_some_and(|n| n.to_ascii_lowercase().contains("alpha"))
            },
        ),
        (
            || {
                ListQuery::new()
                    .filter("title", Operator::StartsWith, "50%")
                    .filter("title", Operator::Contains, "%")
            },
            "",
            |s| s.title.starts_with("50%"),
        ),
        (
            || {
                ListQuery::new()
                    .filter("rank", Operator::IsNull, true)
                    .sort_asc("note")
                    .limit(2)
            },
            "note",
            |s| s.rank.is_none(),
        ),
        (
            || {
                ListQuery::new()
                    .filter("rank", Operator::IsNull, false)
                    .filter("rank", Operator::Ne, 3)
                    .sort_desc("rank")
                    .limit(3)
            },
            "-rank",
            |s| s.rank.is_some_and(|r| r != 3),
        ),
        (
            || {
                ListQuery::new()
                    .filter("level", Operator::Gte, 2)
                    .filter("mood", Operator::Ne, "busy")
                    .filter("title", Operator::Ne, String::from("Zebra"))
            },
            "",
            |s| s.level >= 2 && s.mood != Mood::Busy && s.title != "Zebra",
        ),
        (
            || {
                ListQuery::new()
                    .sort_asc("mood")
                    .sort_desc("token")
                    .limit(4)
            },
            "mood,-token",
            |_| true,
        ),
    ];
    for (at, (query, sort, keep)) in cases.iter().enumerate() {
        let expected = ids_of(
            &in_order(&app.alice, sort)
                .into_iter()
                .filter(keep)
                .collect::<Vec<_>>(),
        );
        assert!(!expected.is_empty(), "case {at} keeps some rows");
        let pages = walk_rust(db, "alice", query).await;
        let items = pages
            .iter()
            .flat_map(|page| page.items.clone())
            .collect::<Vec<_>>();
        assert_eq!(ids_of(&items), expected, "case {at}");
        assert!(
            pages.iter().all(|page| page.total.is_none()),
            "case {at}: no count"
        );
        // Counted: every matching row, on every page.
        let counted = Specimen::list(db, "alice", query().count(true))
            .await
            .expect("a page");
        assert_eq!(counted.total, Some(expected.len() as u64), "case {at}");
    }
    // Offsets, and a cursor from Rust followed over HTTP and back.
    let ordered = ids_of(&in_order(&app.alice, "title"));
    let page = Specimen::list(
        db,
        "alice",
        ListQuery::new().sort_asc("title").offset(2).limit(3),
    )
    .await
    .expect("a page");
    assert_eq!(ids_of(&page.items), ordered[2..5]);
    let next = page.next.expect("a next page");
    let reply = app
        .specimens(&format!("sort=title&limit=3&cursor={}", next.as_str()))
        .await;
    assert_eq!(ids(&reply, "a Rust cursor"), ordered[5..8]);
    let cursor = Cursor::new(link_cursor(&next_link(&reply).expect("a next page")));
    let page = Specimen::list(
        db,
        "alice",
        ListQuery::new().sort_asc("title").limit(3).after(cursor),
    )
    .await
    .expect("a page");
    assert_eq!(ids_of(&page.items), ordered[8..11]);
    // The last page has no next.
    let page = Specimen::list(db, "alice", ListQuery::new().limit(1000))
        .await
        .expect("a page");
    assert_eq!(page.items.len(), ROWS);
    assert!(page.next.is_none());
}

async fn rust_queries_with_wrong_values_are_bad_requests(backend: Backend) {
    let app = App::new(backend).await;
    let db = app.db();
    let cursor = Specimen::list(db, "alice", ListQuery::new().sort_asc("title").limit(2))
        .await
        .expect("a page")
        .next
        .expect("a next page");
    let cases: Vec<(ListQuery, &str)> = vec![
        (
            ListQuery::new().filter("active", Operator::Eq, "true"),
            "`active` must be `true` or `false`",
        ),
        (
            ListQuery::new().filter("small", Operator::Eq, 70_000),
            "`small` must be an integer from -32768 to 32767",
        ),
        (
            ListQuery::new().filter("medium", Operator::Eq, i64::MAX),
            "`medium` must be an integer from -2147483648 to 2147483647",
        ),
        (
            ListQuery::new().filter("small", Operator::Eq, 1.5),
            "`small` must be an integer",
        ),
        (
            ListQuery::new().filter("token", Operator::Eq, "abc"),
            "`token` must be a UUID",
        ),
        (
            ListQuery::new().filter("token", Operator::Eq, token(1).to_string()),
            "`token` must be a UUID",
        ),
        (
            ListQuery::new().filter("title", Operator::Eq, 5),
            "`title` must be text",
        ),
        (
            ListQuery::new().filter("day", Operator::Eq, "2024-06-01"),
            "`day` must be a date",
        ),
        (
            ListQuery::new().filter("seen_at", Operator::Eq, date("2024-06-01")),
            "`seen_at` must be an RFC 3339 timestamp",
        ),
        (
            ListQuery::new().filter(
                "seen_at",
                Operator::Eq,
                timestamp("2024-06-01T12:00:00.000000001Z"),
            ),
            "microsecond precision",
        ),
        (
            ListQuery::new().filter("day", Operator::Eq, date("0000-01-01")),
            "year must be between 1 and 9999",
        ),
        (
            ListQuery::new().filter("weight", Operator::Gt, f64::NAN),
            "`weight` must be a finite number",
        ),
        (
            ListQuery::new().filter("mood", Operator::Eq, "angry"),
            "`mood` must be one of `calm`, `busy`, `stormy`",
        ),
        (
            ListQuery::new().filter("title", Operator::Eq, "a\0b"),
            "must not contain NUL characters",
        ),
        (
            ListQuery::new().filter("rank", Operator::Eq, None::<i32>),
            "`rank` cannot be compared with null by `eq`; use `isnull`",
        ),
        (
            ListQuery::new().filter("title", Operator::Eq, None::<String>),
            "`title` must not be null",
        ),
        (
            ListQuery::new().filter("rank", Operator::IsNull, 1),
            "`rank` takes `true` or `false` with `isnull`",
        ),
        (
            ListQuery::new().filter("plain", Operator::Eq, "x"),
            "`plain` cannot be filtered on",
        ),
        (
            ListQuery::new().filter("nope", Operator::Eq, "x"),
            "`nope` cannot be filtered on",
        ),
        (
            ListQuery::new().filter("level", Operator::Lt, 1),
            "`level` cannot be filtered with `lt`; it takes `eq`, `gte`",
        ),
        (
            ListQuery::new().filter("title", Operator::Gt, "a"),
            "`title` cannot be filtered with `gt`",
        ),
        (
            ListQuery::new().filter_in("small", Vec::<i16>::new()),
            "`small` takes at least one value with `in`",
        ),
        (
            ListQuery::new().filter_in("rank", [None, Some(1)]),
            "`rank` cannot be compared with null by `in`; use `isnull`",
        ),
        (
            ListQuery::new().filter_in("small", 0..101),
            "`small` takes at most 100 values with `in`",
        ),
        (
            ListQuery::new().filter_in("active", ["true"]),
            "`active` must be `true` or `false`",
        ),
        (
            ListQuery::new()
                .filter("title", Operator::Eq, "a")
                .filter("title", Operator::Eq, "b"),
            "`title` is filtered with `eq` more than once",
        ),
        (
            ListQuery::new().sort_asc("plain"),
            "`sort`: `plain` cannot be sorted on",
        ),
        (
            ListQuery::new().sort_asc("title").sort_desc("title"),
            "`sort`: `title` is given more than once",
        ),
        (
            ListQuery::new().limit(0),
            "`limit` must be an integer from 1 to 1000",
        ),
        (
            ListQuery::new().limit(1001),
            "`limit` must be an integer from 1 to 1000",
        ),
        (
            ListQuery::new()
                .sort_asc("title")
                .offset(1)
                .after(cursor.clone()),
            "`offset` and `cursor` cannot be used together",
        ),
        (
            ListQuery::new().sort_desc("title").after(cursor.clone()),
            "Invalid `cursor`",
        ),
        (
            ListQuery::new()
                .sort_asc("title")
                .filter("active", Operator::Eq, true)
                .after(cursor.clone()),
            "Invalid `cursor`",
        ),
        (
            ListQuery::new().after(Cursor::new("garbage")),
            "Invalid `cursor`",
        ),
        (ListQuery::new().after(Cursor::new("")), "Invalid `cursor`"),
    ];
    for (query, needle) in cases {
        let context = format!("{query:?}");
        let result = Specimen::list(db, "alice", query).await;
        assert!(
            matches!(&result, Err(Error::BadRequest(_))),
            "{context}: {result:?}"
        );
        assert_rejected(result, needle);
    }
    // The same cursor with its own query is good.
    let page = Specimen::list(
        db,
        "alice",
        ListQuery::new().sort_asc("title").after(cursor),
    )
    .await
    .expect("a page");
    assert_eq!(page.items.len(), ROWS - 2);
}

// ---------------------------------------------------------------------------------------------
// Statements.
// ---------------------------------------------------------------------------------------------

/// A resource keeps the statements of 256 query shapes; the shapes past them are written for
/// their query alone, and answer the same.
async fn queries_of_more_shapes_than_are_kept_still_answer(backend: Backend) {
    let app = App::new(backend).await;
    for n in 1..=100 {
        let values = (0..n).map(|k| SMALL[k % ROWS]).collect::<Vec<_>>();
        let text = values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        for sort in ["", "title", "-big"] {
            let query = format!("{}small__in={text}&count=true", sort_param(sort));
            let expected = in_order(&app.alice, sort)
                .into_iter()
                .filter(|s| values.contains(&s.small))
                .collect::<Vec<_>>();
            let reply = app.specimens(&query).await;
            assert_eq!(ids(&reply, &query), ids_of(&expected), "{query}");
            assert_eq!(total_count(&reply), Some(expected.len() as u64), "{query}");
        }
    }
}
