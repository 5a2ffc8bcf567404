//! The OpenAPI 3.1 document of a set of resources, built at run time from their
//! [`Schema`]s: nothing is written per resource.
//!
//! ```
//! use crud_core::Crud;
//! use crud_core::openapi::{self, OpenApiDoc};
//! use serde::Serialize;
//!
//! /// A task on a user's list.
//! #[derive(Serialize, Crud)]
//! pub struct Task {
//!     #[crud(id)]
//!     pub id: i64,
//!     #[crud(owner)]
//!     pub user_id: String,
//!     /// What to do.
//!     #[crud(length(min = 1, max = 200), filter, sort)]
//!     pub title: String,
//!     #[crud(toggle = "complete")]
//!     pub completed: bool,
//! }
//!
//! let document = OpenApiDoc::new("Todo API", "1.0").resource::<Task>().build();
//! let json = document.to_pretty_json().unwrap();
//! assert!(json.contains(r#""operationId": "completeTask""#));
//! // Served as JSON at `GET /openapi.json`, serialized once, here:
//! let app: axum::Router<crud_core::AppState> = axum::Router::new()
//!     .merge(Task::router())
//!     .merge(openapi::route("/openapi.json", &document));
//! ```
//!
//! For each resource, the document holds:
//!
//! - every route its [`router`](crate::routes::router) mounts, and no other, each an
//!   operation with a unique id (`listTasks`, `createTask`, `getTask`, `updateTask`,
//!   `deleteTask`, and per toggle its route and the name: `completeTask`), tagged with the
//!   resource's name;
//! - the path parameters `user_id` (a string) and `id` (typed by the id: an `int64` or
//!   `int32` integer within its width, a `uuid` string, a string);
//! - the list's query parameters: `limit` (1 to `max_page_size`, `page_size` by default),
//!   `cursor`, `offset`, `sort` (the sortable fields, each at most once, `-` for descending,
//!   separated by commas), `count`, and each filter as a parameter of its own, `FIELD` and
//!   `FIELD__OP`, typed by its field (`FIELD__in` its values separated by commas,
//!   `FIELD__isnull` a boolean);
//! - the preconditions of an operation on one resource: `If-Match` (`*` or at most
//!   [`MAX_IF_MATCH`](crate::MAX_IF_MATCH) entity tags, required with
//!   `#[crud(require_if_match)]`) on its reads and writes, `If-None-Match` on its read, each
//!   with the pattern of what the server reads;
//! - the schemas `Task` (every field under its JSON name, with its format; a nullable field
//!   is `["...", "null"]`), and `TaskCreate`, `TaskUpdate` and `TaskPatch`, the request bodies
//!   of `POST`, `PUT` and `PATCH`: the input fields, required unless optional (none in the
//!   patch), with their rules (`length` as `minLength`/`maxLength`, `range` as
//!   `minimum`/`maximum`), an enum's variants, and no other property
//!   (`additionalProperties: false`); every value within what the server takes: an integer
//!   within its width, text without NUL;
//! - the responses: the resource with its `ETag` header, 304 to a read whose `If-None-Match`
//!   holds, a list's page with its `Link` and `X-Total-Count` headers, and each error status
//!   the operation may answer (400, 401, 403, 404, 408, 409, 412, 413, 415, 428 where
//!   `If-Match` is required, 500, 503 with `Retry-After`, 507), with the problem document
//!   (`application/problem+json`: `type`, `title`, `status`, `detail`, and `errors` after a
//!   failed validation);
//! - the bearer JWT security scheme `bearerAuth`, required by every operation.
//!
//! A 405 (a known path with another method) is not an operation's answer: the document's
//! methods are exactly those the paths take.
//!
//! The document is [utoipa](https://docs.rs/utoipa)'s [`OpenApi`], re-exported as
//! `crud_core::utoipa`: an application may add servers, paths of its own, or another
//! document (`document.merge(...)`) before serving it.

mod paths;
mod schemas;

use crate::resource::Resource;
use crate::schema::Schema;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Components, Info, OpenApi, OpenApiBuilder, Paths, Tag};

/// The name of the bearer JWT security scheme every operation requires.
const BEARER_AUTH: &str = "bearerAuth";

/// The name of the error body's schema.
const ERROR_SCHEMA: &str = "Error";

/// An OpenAPI 3.1 document being built: a title and a version, then resources.
///
/// ```
/// # use crud_core::Crud;
/// # #[derive(serde::Serialize, Crud)]
/// # pub struct Task {
/// #     #[crud(id)]
/// #     pub id: i64,
/// #     #[crud(owner)]
/// #     pub user_id: String,
/// #     pub title: String,
/// # }
/// use crud_core::openapi::OpenApiDoc;
///
/// let document = OpenApiDoc::new("Todo API", "1.0")
///     .description("The tasks of each user.")
///     .resource::<Task>()
///     .build();
/// assert!(document.paths.paths.contains_key("/api/{user_id}/tasks/{id}"));
/// ```
#[derive(Clone)]
pub struct OpenApiDoc {
    info: Info,
    paths: Paths,
    components: Components,
    tags: Vec<Tag>,
}

impl OpenApiDoc {
    /// A document of no resource yet, with the API's title and version.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        let mut components = Components::new();
        components.schemas.insert(
            ERROR_SCHEMA.to_owned(),
            schemas::error()
                .description(Some("An error: its `detail`, and the fields that failed."))
                .into(),
        );
        for (status, name, description) in paths::ERRORS {
            let response = paths::error_response(status, description);
            components
                .responses
                .insert(name.to_owned(), response.into());
        }
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("A JWT whose `sub` is the caller's user id."))
            .build();
        components
            .security_schemes
            .insert(BEARER_AUTH.to_owned(), SecurityScheme::Http(bearer));
        Self {
            info: Info::new(title.into(), version.into()),
            paths: Paths::new(),
            components,
            tags: Vec::new(),
        }
    }

    /// The API's description (Markdown).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.info.description = Some(description.into());
        self
    }

    /// Adds resource `R`: its routes, its schemas, and a tag of its name.
    ///
    /// # Panics
    /// If the document already has a resource of the same name or path: the operation ids,
    /// schemas and paths of the two would be one.
    #[must_use]
    pub fn resource<R: Resource>(mut self) -> Self {
        self.add(&R::SCHEMA);
        self
    }

    fn add(&mut self, schema: &'static Schema) {
        let names = Names::of(schema);
        let taken = [&names.name, &names.create, &names.update, &names.patch]
            .into_iter()
            .find(|name| self.components.schemas.contains_key(*name));
        if let Some(name) = taken {
            panic!("two resources of one OpenAPI document define the schema `{name}`");
        }
        if self.paths.paths.contains_key(schema.path) {
            panic!(
                "two resources of one OpenAPI document have the path `{}`",
                schema.path
            );
        }
        paths::add(&mut self.paths, schema, &names);
        let components = &mut self.components.schemas;
        components.insert(names.name.clone(), schemas::resource(schema).into());
        let create = format!("The body that creates a {}.", names.words);
        let update = format!(
            "The body that replaces the input fields of a {}.",
            names.words
        );
        components.insert(names.create, schemas::input(schema, &create).into());
        components.insert(names.update, schemas::input(schema, &update).into());
        let patch = format!(
            "The body that sets some input fields of a {} (RFC 7396): a field left out is \
             unchanged, `null` clears an optional one.",
            names.words
        );
        components.insert(names.patch, schemas::patch(schema, &patch).into());
        let mut tag = Tag::new(&names.name);
        tag.description = schema.description.map(str::to_owned);
        self.tags.push(tag);
    }

    /// The document.
    pub fn build(self) -> OpenApi {
        OpenApiBuilder::new()
            .info(self.info)
            .paths(self.paths)
            .components(Some(self.components))
            .tags(Some(self.tags))
            .build()
    }
}

/// A router answering `GET {path}` with `document` as JSON, without authentication. The
/// document is serialized once, here; each request is sent the same bytes.
pub fn route<S>(path: &str, document: &OpenApi) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let json = Bytes::from(
        document
            .to_json()
            .expect("an OpenAPI document, of string keys only, serializes"),
    );
    let content_type = HeaderValue::from_static("application/json");
    Router::new().route(
        path,
        get(move || async move { ([(header::CONTENT_TYPE, content_type)], json) }),
    )
}

/// How a resource is named in its document.
struct Names {
    /// The resource's name: its schema's and the end of its operation ids (`Task`).
    name: String,
    /// Its collection, for `list{plural}` (`Tasks`): the last segment of its path.
    plural: String,
    /// The name in words, for descriptions (`task`; `todo item` for `TodoItem`).
    words: String,
    /// The collection in words (`tasks`).
    plural_words: String,
    /// The schema of the `POST` body (`TaskCreate`).
    create: String,
    /// The schema of the `PUT` body (`TaskUpdate`).
    update: String,
    /// The schema of the `PATCH` body (`TaskPatch`).
    patch: String,
}

impl Names {
    fn of(schema: &Schema) -> Self {
        let name = schema.name;
        let mut words = String::new();
        let mut previous: Option<char> = None;
        for c in name.chars() {
            // A word starts at a capital after a small letter or a digit: `TodoItem`, `HTTPLog`.
            if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_numeric()) {
                words.push(' ');
            }
            words.extend(c.to_lowercase());
            previous = Some(c);
        }
        let segment = schema
            .path
            .rsplit('/')
            .find(|segment| !segment.is_empty())
            .filter(|segment| !segment.starts_with('{'));
        let (plural, plural_words) = match segment {
            Some(segment) => {
                let words = segment.replace(['-', '_'], " ");
                let pascal = words
                    .split(' ')
                    .map(|word| {
                        let mut chars = word.chars();
                        chars.next().map_or_else(String::new, |first| {
                            first.to_uppercase().chain(chars).collect()
                        })
                    })
                    .collect();
                (pascal, words)
            }
            None => (format!("{name}s"), format!("{words}s")),
        };
        Self {
            name: name.to_owned(),
            plural,
            words,
            plural_words,
            create: format!("{name}Create"),
            update: format!("{name}Update"),
            patch: format!("{name}Patch"),
        }
    }
}
