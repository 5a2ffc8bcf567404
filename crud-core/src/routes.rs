//! The HTTP side: a resource's axum routes, its handlers and their extractors.
//!
//! | Route | Method | Success |
//! |---|---|---|
//! | `{path}` | `GET` | 200, a page of the caller's resources: see [List queries](#list-queries) |
//! | `{path}` | `POST` | 201, the created resource |
//! | `{path}/{id}` | `GET` | 200, the resource; 304 under a matching `If-None-Match` |
//! | `{path}/{id}` | `PUT` | 200, the resource with every input field replaced |
//! | `{path}/{id}` | `PATCH` | 200, the resource with the input fields of a JSON Merge Patch set (see [Partial updates](#partial-updates)) |
//! | `{path}/{id}` | `DELETE` | 200, the deleted resource |
//! | `{path}/{id}/{toggle}` | `PATCH` | 200, the resource with the toggle flipped |
//!
//! Every route first checks the bearer token (401) and that the path's `{user_id}` is the
//! token's `sub` (403), before any query. Every response of one resource carries its `ETag`
//! (see [Conditional requests](#conditional-requests)).
//!
//! # Partial updates
//!
//! `PATCH {path}/{id}` takes a JSON object (RFC 7396, `Content-Type:
//! application/merge-patch+json` or `application/json`; another type answers 415, another
//! JSON value 400): a field left out is left as it is, `null` clears an `Option` field, a value
//! sets the field. Anything a `PUT` refuses is refused with the same 400: `null` on a field
//! that is not an `Option`, an unknown field or one the service sets, a wrong type, a broken
//! rule. `{}` is a write too: `updated_at` moves. One statement, like a `PUT`.
//!
//! # Conditional requests
//!
//! A resource's `ETag` is its `#[crud(updated_at)]` field, a strong validator that changes on
//! every write of its row and only then ([`ETag`]).
//!
//! | Header | On | Effect |
//! |---|---|---|
//! | `If-None-Match: "e1", W/"e2"` or `*` | `GET {path}/{id}` | 304 without a body (with the `ETag`) when the current ETag is listed (weak comparison) |
//! | `If-Match: "e1", "e2"` or `*` | `PUT`, `PATCH`, `DELETE`, toggles, `GET {path}/{id}` | 412 `{"detail": ...}`, nothing written, unless the current ETag is listed (strong comparison: a `W/` tag never matches); `*` is any current row |
//!
//! The condition of a write is part of its statement (`AND updated_at IN (...)`), so of
//! concurrent writes carrying the same ETag exactly one applies. A write that finds no row
//! reads it again: 404 if the owner has no such row, 412 if it changed. A malformed header, or
//! an `If-Match` of more than [`MAX_IF_MATCH`](crate::MAX_IF_MATCH) tags, answers 400. With
//! `#[crud(require_if_match)]`, a write without `If-Match` answers 428. A resource without
//! `updated_at` has no ETag: an `If-Match` other than `*` answers 412 (or 404), and
//! `If-None-Match: *` 304. `If-None-Match` on a write, `If-Modified-Since` and
//! `If-Unmodified-Since` are ignored.
//!
//! # List queries
//!
//! `GET {path}` answers a JSON array: one page of the caller's resources. Its query string
//! ([`ListQuery::parse`]) may hold:
//!
//! | Parameter | Meaning |
//! |---|---|
//! | `limit=N` | page size, 1 to the resource's `max_page_size`; its `page_size` when absent |
//! | `cursor=C` | the page after the one whose `Link: rel="next"` gave `C` |
//! | `offset=N` | skips N rows (not with `cursor`) |
//! | `sort=a,-b` | sortable fields, `-` for descending; the id is always the last key |
//! | `FIELD=V`, `FIELD__OP=V` | a filter on a filterable field: see [`Operator`](crate::Operator) |
//! | `count=true` | adds `X-Total-Count`: every row the filters keep |
//!
//! Anything else is a 400 naming the parameter. When a next page exists, the response has
//! `Link: <{path}?...&cursor=C>; rel="next"` with the same limit, sort and filters.

use crate::auth::{Auth, Caller};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::precondition::{self, ETag, IfMatch, IfNoneMatch};
use crate::query::{Cursor, ListQuery};
use crate::resource::{Input, Resource};
use crate::schema::{Column, Schema};
use crate::service;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    FromRef, FromRequest, FromRequestParts, OriginalUri, RawPathParams, Request, State,
};
use axum::http::header::{self, HeaderName};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter, Router};
use std::marker::PhantomData;

/// The routes of resource `R` (the table above), for any state that holds a [`Db`] and an
/// [`Auth`].
pub fn router<R, S>() -> Router<S>
where
    R: Resource,
    S: Clone + Send + Sync + 'static,
    Db: FromRef<S>,
    Auth: FromRef<S>,
{
    let mut router = Router::new();
    for route in Route::all(&R::SCHEMA) {
        let handler: MethodRouter<S> = match route {
            Route::List => routing::get(list::<R>),
            Route::Create => routing::post(create::<R>),
            Route::Read => routing::get(read::<R>),
            Route::Update => routing::put(update::<R>),
            Route::Patch => routing::patch(patch_fields::<R>),
            Route::Delete => routing::delete(delete::<R>),
            Route::Toggle { column, .. } => routing::patch(
                move |scope: ItemScope<R>, condition: WriteCondition<R>, State(db): State<Db>| async move {
                    let toggled = service::toggle_if::<R>(
                        &db,
                        &scope.owner,
                        scope.id,
                        column.json_name,
                        condition.0,
                    )
                    .await?;
                    found::<R>(toggled)
                },
            ),
        };
        // Routes of one path, each with its own method, make one route of that path.
        router = router.route(&route.path(&R::SCHEMA), handler);
    }
    router
}

/// One route that [`router`] mounts for a resource: what its
/// [OpenAPI document](crate::openapi) describes, route by route. A new route is a variant
/// here, its handler in [`router`], and its operation in the document's paths.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Route {
    /// `GET {path}`: a page of the caller's resources.
    List,
    /// `POST {path}`: creates one.
    Create,
    /// `GET {path}/{id}`: reads one.
    Read,
    /// `PUT {path}/{id}`: replaces its input fields.
    Update,
    /// `PATCH {path}/{id}`: sets some of its input fields (RFC 7396).
    Patch,
    /// `DELETE {path}/{id}`: deletes one.
    Delete,
    /// `PATCH {path}/{id}/{segment}`: flips a toggle.
    Toggle {
        /// The toggle's column.
        column: &'static Column,
        /// The last segment of the route.
        segment: &'static str,
    },
}

impl Route {
    /// Every route of a resource of `schema`, in the order they are mounted.
    pub(crate) fn all(schema: &'static Schema) -> Vec<Self> {
        let mut routes = vec![
            Self::List,
            Self::Create,
            Self::Read,
            Self::Update,
            Self::Patch,
            Self::Delete,
        ];
        routes.extend(
            schema
                .toggles()
                .map(|(column, segment)| Self::Toggle { column, segment }),
        );
        routes
    }

    /// The route's method.
    pub(crate) fn method(self) -> Method {
        match self {
            Self::List | Self::Read => Method::GET,
            Self::Create => Method::POST,
            Self::Update => Method::PUT,
            Self::Delete => Method::DELETE,
            Self::Patch | Self::Toggle { .. } => Method::PATCH,
        }
    }

    /// The route's path, with its `{user_id}` and `{id}` captures.
    pub(crate) fn path(self, schema: &Schema) -> String {
        let collection = schema.path;
        match self {
            Self::List | Self::Create => collection.to_owned(),
            Self::Read | Self::Update | Self::Patch | Self::Delete => {
                format!("{collection}/{{id}}")
            }
            Self::Toggle { segment, .. } => format!("{collection}/{{id}}/{segment}"),
        }
    }

    /// Whether the route's path captures an `{id}`.
    pub(crate) fn has_id(self) -> bool {
        match self {
            Self::List | Self::Create => false,
            Self::Read | Self::Update | Self::Patch | Self::Delete | Self::Toggle { .. } => true,
        }
    }

    /// Whether the route takes a request body.
    pub(crate) fn has_body(self) -> bool {
        match self {
            Self::Create | Self::Update | Self::Patch => true,
            Self::List | Self::Read | Self::Delete | Self::Toggle { .. } => false,
        }
    }

    /// Whether the route writes to the database.
    pub(crate) fn writes(self) -> bool {
        match self {
            Self::List | Self::Read => false,
            Self::Create | Self::Update | Self::Patch | Self::Delete | Self::Toggle { .. } => true,
        }
    }
}

async fn list<R: Resource>(
    scope: OwnerScope,
    State(db): State<Db>,
    OriginalUri(uri): OriginalUri,
) -> Result<(HeaderMap, Json<Vec<R>>)> {
    let query = ListQuery::parse(&R::SCHEMA, uri.query().unwrap_or_default())?;
    let page = service::list::<R>(&db, &scope.owner, query).await?;
    let mut headers = HeaderMap::new();
    if let Some(next) = &page.next {
        headers.insert(header::LINK, next_link(&uri, next));
    }
    if let Some(total) = page.total {
        headers.insert(X_TOTAL_COUNT, HeaderValue::from(total));
    }
    Ok((headers, Json(page.items)))
}

/// The header of the count of a list's matching rows, `count=true`.
const X_TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// `Link: <{path}?{query}>; rel="next"` (RFC 8288): the request's path and parameters, but
/// `offset`, `cursor` and `count`, then the next page's cursor.
fn next_link(uri: &Uri, next: &Cursor) -> HeaderValue {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let pairs = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes());
    // A client following links need not count the list again on every page.
    let kept = |name: &str| !matches!(name, "offset" | "cursor" | "count");
    for (name, value) in pairs.filter(|(name, _)| kept(name)) {
        query.append_pair(&name, &value);
    }
    query.append_pair("cursor", next.as_str());
    let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.finish());
    // The path came as a valid header-safe URI and the query is percent-encoded.
    HeaderValue::try_from(link).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn create<R: Resource>(
    scope: OwnerScope,
    State(db): State<Db>,
    Body(input): Body<R::Create>,
) -> Result<Item<R>> {
    let created = service::create::<R>(&db, &scope.owner, input).await?;
    Ok(Item {
        status: StatusCode::CREATED,
        resource: created,
    })
}

async fn read<R: Resource>(
    scope: ItemScope<R>,
    condition: ReadCondition,
    State(db): State<Db>,
) -> Result<Response> {
    let resource = found::<R>(service::get::<R>(&db, &scope.owner, scope.id).await?)?.resource;
    let etag = ETag::of(&resource);
    if let Some(if_match) = &condition.if_match
        && !if_match.matches(etag)
    {
        return Err(Error::PreconditionFailed(R::SCHEMA.name));
    }
    if let Some(if_none_match) = &condition.if_none_match
        && if_none_match.matches(etag)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Some(etag) = etag {
            response
                .headers_mut()
                .insert(header::ETAG, etag.header_value());
        }
        return Ok(response);
    }
    Ok(Item {
        status: StatusCode::OK,
        resource,
    }
    .into_response())
}

async fn update<R: Resource>(
    scope: ItemScope<R>,
    condition: WriteCondition<R>,
    State(db): State<Db>,
    Body(input): Body<R::Update>,
) -> Result<Item<R>> {
    found::<R>(service::update_if::<R>(&db, &scope.owner, scope.id, input, condition.0).await?)
}

async fn patch_fields<R: Resource>(
    scope: ItemScope<R>,
    condition: WriteCondition<R>,
    State(db): State<Db>,
    MergePatch(fields): MergePatch<R::Patch>,
) -> Result<Item<R>> {
    found::<R>(service::patch_if::<R>(&db, &scope.owner, scope.id, fields, condition.0).await?)
}

async fn delete<R: Resource>(
    scope: ItemScope<R>,
    condition: WriteCondition<R>,
    State(db): State<Db>,
) -> Result<Item<R>> {
    found::<R>(service::delete_if::<R>(&db, &scope.owner, scope.id, condition.0).await?)
}

fn found<R: Resource>(resource: Option<R>) -> Result<Item<R>> {
    match resource {
        Some(resource) => Ok(Item {
            status: StatusCode::OK,
            resource,
        }),
        None => Err(Error::NotFound(R::SCHEMA.name)),
    }
}

/// A response of one resource: its JSON, with its `ETag` when it has one.
struct Item<R> {
    status: StatusCode,
    resource: R,
}

impl<R: Resource> IntoResponse for Item<R> {
    fn into_response(self) -> Response {
        let etag = ETag::of(&self.resource);
        let mut response = (self.status, Json(self.resource)).into_response();
        if let Some(etag) = etag {
            response
                .headers_mut()
                .insert(header::ETAG, etag.header_value());
        }
        response
    }
}

/// The `If-Match` of a write: [`IfMatch::Any`] without one, unless the resource has
/// `#[crud(require_if_match)]` (then 428); 400 when it is malformed or lists more than
/// [`MAX_IF_MATCH`](crate::MAX_IF_MATCH) tags.
struct WriteCondition<R>(IfMatch, PhantomData<fn() -> R>);

impl<R: Resource, S: Send + Sync> FromRequestParts<S> for WriteCondition<R> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let if_match = precondition::if_match(&parts.headers)
            .map_err(|error| Error::BadRequest(error.message()))?;
        match if_match {
            Some(if_match) => Ok(Self(if_match, PhantomData)),
            None if R::SCHEMA.require_if_match => Err(Error::PreconditionRequired(R::SCHEMA.name)),
            None => Ok(Self(IfMatch::Any, PhantomData)),
        }
    }
}

/// The conditions of a read: `If-Match` (412 when it fails) and `If-None-Match` (304 when it
/// holds); 400 when either is malformed.
struct ReadCondition {
    if_match: Option<IfMatch>,
    if_none_match: Option<IfNoneMatch>,
}

impl<S: Send + Sync> FromRequestParts<S> for ReadCondition {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let bad = |error: precondition::HeaderError| Error::BadRequest(error.message());
        Ok(Self {
            if_match: precondition::if_match(&parts.headers).map_err(bad)?,
            if_none_match: precondition::if_none_match(&parts.headers).map_err(bad)?,
        })
    }
}

/// The owner a collection route acts for: the authenticated caller, who must be the path's
/// `{user_id}`.
#[derive(Clone, Debug)]
pub struct OwnerScope {
    /// The caller's user id.
    pub owner: String,
}

impl<S> FromRequestParts<S> for OwnerScope
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let (owner, _) = owner_and_params(parts, state).await?;
        Ok(Self { owner })
    }
}

/// Authenticates the caller, reads the path parameters once, and checks that the path's
/// `{user_id}` is the caller: 401, then 403.
async fn owner_and_params<S>(parts: &mut Parts, state: &S) -> Result<(String, RawPathParams)>
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    let caller = Caller::from_request_parts(parts, state).await?;
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
    let path_user = params.iter().find(|(name, _)| *name == "user_id");
    match path_user {
        Some((_, user_id)) if user_id == caller.user_id => Ok((caller.user_id, params)),
        _ => Err(Error::Forbidden),
    }
}

/// The resource an item route acts on: the caller's scope and the parsed `{id}`.
pub struct ItemScope<R: Resource> {
    /// The caller's user id.
    pub owner: String,
    /// The id from the path.
    pub id: R::Id,
    resource: PhantomData<fn() -> R>,
}

impl<R, S> FromRequestParts<S> for ItemScope<R>
where
    R: Resource,
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let (owner, params) = owner_and_params(parts, state).await?;
        let raw = params
            .iter()
            .find(|(name, _)| *name == "id")
            .map_or("", |(_, value)| value);
        let id = raw
            .parse()
            .map_err(|error| Error::BadRequest(format!("Invalid id `{raw}`: {error}")))?;
        Ok(Self {
            owner,
            id,
            resource: PhantomData,
        })
    }
}

pub use crate::schema::DEFAULT_BODY_LIMIT;

/// A JSON request body of a resource, with unknown fields refused. A failure is an [`Error`]
/// with the right status: 400 (malformed or mistyped), 413 (larger than the resource's body
/// limit, `#[crud(body_limit = N)]` or [`DEFAULT_BODY_LIMIT`], or than an application's
/// `DefaultBodyLimit`, whichever is smaller), 415 (not JSON). The services validate the fields.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: Input, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self> {
        // The resource's own limit, without a router layer: axum's extractor reports the
        // overflow as 413, and still applies the application's `DefaultBodyLimit`.
        let request = request
            .map(|body| axum::body::Body::new(http_body_util::Limited::new(body, T::BODY_LIMIT)));
        let Json(input) = Json::<T>::from_request(request, state)
            .await
            .map_err(json_error)?;
        Ok(Self(input))
    }
}

/// A JSON Merge Patch body (RFC 7396) of a resource: a JSON object, sent as
/// `application/merge-patch+json` or `application/json` (any other type answers 415), read as
/// a [`Body`] is (400, 413), and any other JSON value refused with 400.
#[derive(Debug)]
pub struct MergePatch<T>(pub T);

impl<T: Input, S: Send + Sync> FromRequest<S> for MergePatch<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self> {
        let media_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or_default().trim());
        let accepted = media_type.is_some_and(|media_type| {
            media_type.eq_ignore_ascii_case("application/json")
                || media_type.eq_ignore_ascii_case("application/merge-patch+json")
        });
        if !accepted {
            return Err(Error::Status {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "Expected request with `Content-Type: application/merge-patch+json` \
                          or `application/json`"
                    .to_owned(),
            });
        }
        let request = request
            .map(|body| axum::body::Body::new(http_body_util::Limited::new(body, T::BODY_LIMIT)));
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Error::Status {
                status: rejection.status(),
                message: rejection.body_text(),
            })?;
        // Any other JSON value would replace the whole resource (RFC 7396), and serde would
        // read an array as the fields in order.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(Error::BadRequest(
                "Invalid merge patch: the body must be a JSON object of the fields to change"
                    .to_owned(),
            ));
        }
        let Json(fields) = Json::<T>::from_bytes(&bytes).map_err(json_error)?;
        Ok(Self(fields))
    }
}

fn json_error(rejection: JsonRejection) -> Error {
    let status = match rejection.status() {
        // A body of the wrong shape is a bad request, like a malformed one.
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        status => status,
    };
    Error::Status {
        status,
        message: rejection.body_text(),
    }
}

/// A fallback for unknown routes: 404 in the crate's JSON shape.
pub async fn not_found() -> Error {
    Error::Status {
        status: StatusCode::NOT_FOUND,
        message: "Not Found".to_owned(),
    }
}

/// A fallback for known routes called with another method: 405 in the crate's JSON shape.
pub async fn method_not_allowed() -> Error {
    Error::Status {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: "Method Not Allowed".to_owned(),
    }
}
