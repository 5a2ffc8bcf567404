//! The yardstick: a lean, hand-written axum + sqlx server with exactly the todo server's
//! contract (routes, JWT check, owner filtering, JSON shapes, one statement per operation).
//! The benchmark compares the todo server with it; nothing in the library depends on it.
//!
//! `DATABASE_URL` (a `sqlite:` or `postgres:` URL, on a `tasks` table that the todo server
//! created), `BETTER_AUTH_SECRET` and `PORT` configure it.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use chrono::{DateTime, SubsecRound, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, SqlitePool};
use std::sync::Arc;

const COLUMNS: &str = "id, user_id, title, description, completed, created_at, updated_at";
// The statements are the same text on both backends: SQLite numbers `$n` parameters in
// order of appearance, which is their numeric order here.
const INSERT: &str = "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
     VALUES ($1, $2, $3, FALSE, $4, $5) \
     RETURNING id, user_id, title, description, completed, created_at, updated_at";
const LIST: &str = "SELECT id, user_id, title, description, completed, created_at, updated_at \
     FROM tasks WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
// `list-filtered`: `?completed=X&sort=-updated_at`, first page and after a cursor.
const LIST_BY_COMPLETED: &str = "SELECT id, user_id, title, description, completed, created_at, updated_at \
     FROM tasks WHERE user_id = $1 AND completed = $2 \
     ORDER BY updated_at DESC, id DESC LIMIT $3";
const LIST_BY_COMPLETED_AFTER: &str = "SELECT id, user_id, title, description, completed, created_at, updated_at \
     FROM tasks WHERE user_id = $1 AND completed = $2 AND (updated_at, id) < ($3, $4) \
     ORDER BY updated_at DESC, id DESC LIMIT $5";
const GET: &str = "SELECT id, user_id, title, description, completed, created_at, updated_at \
     FROM tasks WHERE id = $1 AND user_id = $2";
const UPDATE: &str = "UPDATE tasks SET title = $1, description = $2, updated_at = $3 \
     WHERE id = $4 AND user_id = $5 \
     RETURNING id, user_id, title, description, completed, created_at, updated_at";
const DELETE: &str = "DELETE FROM tasks WHERE id = $1 AND user_id = $2 \
     RETURNING id, user_id, title, description, completed, created_at, updated_at";
const TOGGLE: &str = "UPDATE tasks SET completed = NOT completed, updated_at = $1 \
     WHERE id = $2 AND user_id = $3 \
     RETURNING id, user_id, title, description, completed, created_at, updated_at";

#[derive(Serialize, sqlx::FromRow)]
struct Task {
    id: i64,
    user_id: String,
    title: String,
    description: Option<String>,
    completed: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskInput {
    title: String,
    description: Option<String>,
}

impl TaskInput {
    fn validate(&self) -> Result<(), ApiError> {
        let title = self.title.chars().count();
        if !(1..=200).contains(&title) {
            return Err(ApiError::bad_request(
                "title: must be 1 to 200 characters long",
            ));
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 1000)
        {
            return Err(ApiError::bad_request(
                "description: must be at most 1000 characters long",
            ));
        }
        if self.title.contains('\0') || self.description.as_ref().is_some_and(|d| d.contains('\0'))
        {
            return Err(ApiError::bad_request(
                "text must not contain NUL characters",
            ));
        }
        Ok(())
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
struct AppState {
    pool: Pool,
    keys: Arc<(DecodingKey, Validation)>,
}

struct ApiError(StatusCode, String);

impl ApiError {
    fn bad_request(detail: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, detail.into())
    }
    fn not_found() -> Self {
        Self(StatusCode::NOT_FOUND, "Task not found".into())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        eprintln!("database error: {error}");
        Self(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error".into(),
        )
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection.status() {
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            status => status,
        };
        Self(status, rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(serde_json::json!({ "detail": self.1 }))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The largest task body accepted; a larger one answers 413.
const BODY_LIMIT: usize = 64 * 1024;

/// A task body of at most [`BODY_LIMIT`] bytes, as JSON.
struct Body(TaskInput);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let request = request
            .map(|body| axum::body::Body::new(http_body_util::Limited::new(body, BODY_LIMIT)));
        let Json(input) = Json::<TaskInput>::from_request(request, state).await?;
        Ok(Self(input))
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

/// The token's `sub`.
struct User(String);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |detail: &str| ApiError(StatusCode::UNAUTHORIZED, detail.to_owned());
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorized("Not authenticated"))?;
        let (key, validation) = &*state.keys;
        let data = jsonwebtoken::decode::<Claims>(token, key, validation)
            .map_err(|_| unauthorized("Invalid token"))?;
        Ok(Self(data.claims.sub))
    }
}

fn owner(user: User, path_user: String) -> Result<String, ApiError> {
    if user.0 == path_user {
        Ok(user.0)
    } else {
        Err(ApiError(StatusCode::FORBIDDEN, "Forbidden".into()))
    }
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Runs the same query builder on whichever pool the state has.
macro_rules! on_pool {
    ($state:expr, $pool:ident => $query:expr) => {
        match &$state.pool {
            Pool::Sqlite($pool) => $query,
            Pool::Postgres($pool) => $query,
        }
    };
}

/// A list's parameters: `limit` (1 to 1000, 100 by default), and either none else or
/// `completed=true|false&sort=-updated_at` with an optional `cursor` of the last page.
struct ListParams {
    limit: i64,
    completed: Option<bool>,
    after: Option<(DateTime<Utc>, i64)>,
}

impl ListParams {
    fn parse(query: &str) -> Result<Self, ApiError> {
        let mut limit = 100;
        let (mut completed, mut sort, mut cursor) = (None, None, None);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "limit" => {
                    limit = value
                        .parse()
                        .ok()
                        .filter(|limit| (1..=1000).contains(limit))
                        .ok_or_else(|| ApiError::bad_request("limit: 1 to 1000"))?;
                }
                "completed" => {
                    completed = Some(match value {
                        "true" => true,
                        "false" => false,
                        _ => return Err(ApiError::bad_request("completed: true or false")),
                    });
                }
                "sort" if value == "-updated_at" => sort = Some(()),
                "cursor" => cursor = Some(value.to_owned()),
                _ => return Err(ApiError::bad_request(format!("unsupported `{name}`"))),
            }
        }
        if completed.is_some() != sort.is_some() || (cursor.is_some() && completed.is_none()) {
            return Err(ApiError::bad_request("unsupported combination"));
        }
        let after = match (cursor, completed) {
            (Some(cursor), Some(completed)) => Some(decode_cursor(&cursor, completed)?),
            _ => None,
        };
        Ok(Self {
            limit,
            completed,
            after,
        })
    }
}

/// A cursor: a 12-byte SHA-256 tag of the list and the keys, then the keys as JSON.
fn cursor_tag(completed: bool, payload: &[u8]) -> [u8; 12] {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    hash.update(format!("tasks|completed={completed}|-updated_at|").as_bytes());
    hash.update(payload);
    let mut tag = [0; 12];
    tag.copy_from_slice(&hash.finalize()[..12]);
    tag
}

fn encode_cursor(completed: bool, last: &Task) -> String {
    use base64::Engine;
    let payload = serde_json::to_vec(&(last.updated_at, last.id)).unwrap_or_default();
    let mut bytes = cursor_tag(completed, &payload).to_vec();
    bytes.extend_from_slice(&payload);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str, completed: bool) -> Result<(DateTime<Utc>, i64), ApiError> {
    use base64::Engine;
    let invalid = || ApiError::bad_request("invalid cursor");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid())?;
    if bytes.len() < 12 || bytes[..12] != cursor_tag(completed, &bytes[12..]) {
        return Err(invalid());
    }
    serde_json::from_slice(&bytes[12..]).map_err(|_| invalid())
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let owner = owner(user, user_id)?;
    let params = ListParams::parse(query.as_deref().unwrap_or_default())?;
    let fetch = params.limit + 1;
    let mut tasks = match (params.completed, params.after) {
        (None, _) => on_pool!(state, pool => sqlx::query_as::<_, Task>(LIST)
            .bind(&owner).bind(fetch).fetch_all(pool).await?),
        (Some(completed), None) => {
            on_pool!(state, pool => sqlx::query_as::<_, Task>(LIST_BY_COMPLETED)
            .bind(&owner).bind(completed).bind(fetch).fetch_all(pool).await?)
        }
        (Some(completed), Some((updated_at, id))) => {
            on_pool!(state, pool => sqlx::query_as::<_, Task>(LIST_BY_COMPLETED_AFTER)
            .bind(&owner).bind(completed).bind(updated_at).bind(id).bind(fetch).fetch_all(pool).await?)
        }
    };
    let more = tasks.len() > params.limit as usize;
    tasks.truncate(params.limit as usize);
    let link = match (more, params.completed, tasks.last()) {
        (true, Some(completed), Some(last)) => Some(format!(
            "</api/{owner}/tasks?completed={completed}&sort=-updated_at&limit={}&cursor={}>; rel=\"next\"",
            params.limit,
            encode_cursor(completed, last)
        )),
        _ => None,
    };
    let mut response = Json(tasks).into_response();
    if let Some(link) = link.and_then(|link| HeaderValue::try_from(link).ok()) {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Path(user_id): Path<String>,
    Body(input): Body,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let owner = owner(user, user_id)?;
    input.validate()?;
    let now = now();
    let task = on_pool!(state, pool => sqlx::query_as::<_, Task>(INSERT)
        .bind(&owner).bind(&input.title).bind(&input.description).bind(now).bind(now)
        .fetch_one(pool).await?);
    Ok((StatusCode::CREATED, Json(task)))
}

type ItemPath = Result<Path<(String, i64)>, PathRejection>;

async fn read(
    State(state): State<AppState>,
    user: User,
    path: ItemPath,
) -> Result<Json<Task>, ApiError> {
    let Path((user_id, id)) = path?;
    let owner = owner(user, user_id)?;
    let task = on_pool!(state, pool => sqlx::query_as::<_, Task>(GET).bind(id).bind(&owner).fetch_optional(pool).await?);
    task.map(Json).ok_or_else(ApiError::not_found)
}

async fn update(
    State(state): State<AppState>,
    user: User,
    path: ItemPath,
    Body(input): Body,
) -> Result<Json<Task>, ApiError> {
    let Path((user_id, id)) = path?;
    let owner = owner(user, user_id)?;
    input.validate()?;
    let task = on_pool!(state, pool => sqlx::query_as::<_, Task>(UPDATE)
        .bind(&input.title).bind(&input.description).bind(now()).bind(id).bind(&owner)
        .fetch_optional(pool).await?);
    task.map(Json).ok_or_else(ApiError::not_found)
}

async fn delete(
    State(state): State<AppState>,
    user: User,
    path: ItemPath,
) -> Result<Json<Task>, ApiError> {
    let Path((user_id, id)) = path?;
    let owner = owner(user, user_id)?;
    let task = on_pool!(state, pool => sqlx::query_as::<_, Task>(DELETE).bind(id).bind(&owner).fetch_optional(pool).await?);
    task.map(Json).ok_or_else(ApiError::not_found)
}

async fn toggle(
    State(state): State<AppState>,
    user: User,
    path: ItemPath,
) -> Result<Json<Task>, ApiError> {
    let Path((user_id, id)) = path?;
    let owner = owner(user, user_id)?;
    let task = on_pool!(state, pool => sqlx::query_as::<_, Task>(TOGGLE).bind(now()).bind(id).bind(&owner).fetch_optional(pool).await?);
    task.map(Json).ok_or_else(ApiError::not_found)
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")?;
    let secret = std::env::var("BETTER_AUTH_SECRET")?;
    let port: u16 = std::env::var("PORT").map_or(Ok(8001), |port| port.parse())?;
    let max_connections =
        std::env::var("DATABASE_MAX_CONNECTIONS").map_or(Ok(10), |n| n.parse())?;
    let pool = if url.starts_with("sqlite:") {
        let options = url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()?
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
        Pool::Sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(max_connections)
                .test_before_acquire(false)
                .connect_with(options)
                .await?,
        )
    } else {
        Pool::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(max_connections)
                .test_before_acquire(false)
                .connect(&url)
                .await?,
        )
    };
    let keys = Arc::new((
        DecodingKey::from_secret(secret.as_bytes()),
        Validation::new(Algorithm::HS256),
    ));
    let app = Router::new()
        .route("/api/{user_id}/tasks", get(list).post(create))
        .route(
            "/api/{user_id}/tasks/{id}",
            get(read).put(update).delete(delete),
        )
        .route("/api/{user_id}/tasks/{id}/complete", patch(toggle))
        .with_state(AppState { pool, keys });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "yardstick listening on {} ({COLUMNS})",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
