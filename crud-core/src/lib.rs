//! User-scoped REST resources on SQL databases, for axum.
//!
//! Derive [`Crud`](macro@Crud) (beside serde's `Serialize`) on a struct and get, for that
//! resource: its request schemas, its service functions (every one scoped to the owning user)
//! and its axum routes, with JWT bearer authentication, validation, and JSON errors of the
//! shape `{"detail": "..."}`. The same resource runs on SQLite and PostgreSQL. The services
//! and routes are associated functions of the [`Crud`](trait@Crud) trait, which
//! `use crud_core::Crud` brings in scope with the derive.
//!
//! ```no_run
//! use crud_core::chrono::{DateTime, Utc};
//! use crud_core::{AppState, Auth, Crud, Db};
//! use serde::Serialize;
//!
//! #[derive(Debug, Serialize, Crud)]
//! #[crud(table = "tasks", path = "/api/{user_id}/tasks", order_by = "created_at desc")]
//! pub struct Task {
//!     #[crud(id)]
//!     pub id: i64,
//!     #[crud(owner)]
//!     pub user_id: String,
//!     #[crud(input, length(min = 1, max = 200))]
//!     pub title: String,
//!     #[crud(input, length(max = 1000))]
//!     pub description: Option<String>,
//!     #[crud(toggle = "complete")]
//!     pub completed: bool,
//!     #[crud(created_at)]
//!     pub created_at: DateTime<Utc>,
//!     #[crud(updated_at)]
//!     pub updated_at: DateTime<Utc>,
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let db = Db::connect("sqlite://todo.db").await?;
//! db.create_table::<Task>().await?;
//! // Where the secret comes from is the application's choice: here, an environment variable.
//! let secret = std::env::var("TOKEN_SECRET")?;
//! let state = AppState::new(db, Auth::hs256(secret)?);
//! let app = axum::Router::new().merge(Task::router()).with_state(state);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! // `axum::serve` without its unbounded waits: time limits on slow and idle clients, a cap
//! // on open connections, a bounded graceful shutdown.
//! let shutdown = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! crud_core::serve(listener, app, crud_core::ServeOptions::default(), shutdown).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The derive's attributes are documented on [`Crud`](macro@Crud), the functions it gives a
//! resource on the [`Crud`](trait@Crud) trait, and the operations on [`service`] and
//! [`routes`].
//!
//! # What is stable
//!
//! The public API is what this documentation shows; it follows semantic versioning:
//!
//! - the derives and their attributes, the [`Crud`](trait@Crud) trait, [`service`],
//!   [`routes`], [`Db`] and [`DbOptions`], [`Auth`] and [`Caller`], [`serve`] and
//!   [`ServeOptions`], [`migrate`], [`openapi`], [`Error`] and its statuses, the JSON shapes
//!   of responses, [`Patch`], and the [`precondition`]s: [`ETag`] (its text is opaque) and
//!   [`IfMatch`];
//! - [`schema`] and [`column`](mod@column) as descriptions to read: the derive builds them.
//!
//! Enums and option structs that will grow are `#[non_exhaustive]`: a new variant or setting
//! comes in a minor version. Option structs are built from their `Default` and `with_*`
//! setters.
//!
//! Not stable: the SQL text the library writes (it may change in any version, the tables'
//! DDL only with a note), the wording of the OpenAPI document's descriptions, log messages,
//! and everything under `__private`, which only the derive's generated code may use.
//! [`utoipa`] is re-exported: its major version is part of this crate's.

// The crate in four groups, from the description of a resource up to its HTTP routes. A module
// imports only from its own group and those above it, and no two modules import each other.
//
// What a resource is:
pub mod column;
pub mod operator;
mod patch;
pub mod query;
pub mod schema;
pub mod validate;

// Its SQL, one dialect per backend:
mod dialect;

// Running it on a database:
pub mod db;
pub mod error;
mod resource;

// Its operations, their HTTP side, and the server:
pub mod auth;
mod ext;
pub mod migrate;
pub mod openapi;
pub mod precondition;
pub mod routes;
pub mod server;
pub mod service;
mod state;

pub use auth::{Auth, Caller, Claims};
/// Re-exported: the date and time types of timestamp fields.
pub use chrono;
pub use column::ColumnType;
#[doc = include_str!("../docs/derive.md")]
pub use crud_derive::Crud;
#[doc = include_str!("../docs/crud_enum.md")]
pub use crud_derive::CrudEnum;
pub use db::{BackendKind, Db, DbOptions, Failure, SqlitePools, SqliteWriter};
pub use error::{Error, Result};
pub use ext::Crud;
pub use operator::{Operator, Operators};
pub use patch::Patch;
pub use precondition::{ETag, IfMatch};
pub use query::{Cursor, ListQuery, Value};
pub use resource::{Input, Resource};
pub use schema::{DEFAULT_BODY_LIMIT, DEFAULT_MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, MAX_IF_MATCH};
pub use server::{ServeOptions, serve};
pub use service::ListPage;
/// Re-exported: the driver behind [`Db`], for custom queries on its pools.
pub use sqlx;
pub use state::AppState;
/// Re-exported: the OpenAPI document types of [`openapi`].
pub use utoipa;
/// Re-exported: the `Uuid` type of UUID fields.
pub use uuid;

/// The names a module declaring or using resources needs: `use crud_core::prelude::*;`.
pub mod prelude {
    /// The derive and the trait of its services and routes.
    pub use crate::Crud;
    pub use crate::CrudEnum;
}

/// What the derive's generated code refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use axum;
    pub use serde;
    pub use sqlx;

    pub use crate::column::{ColumnType, IdType, OwnerType, TimestampType, ToggleType};
    pub use crate::db::backend::Backend;
    pub use crate::dialect::{BackendKind, Statements};
    pub use crate::operator::{Operator, Operators};
    pub use crate::resource::{Binder, Input, Resource, StatementCache};
    pub use crate::schema::{Column, OrderBy, Role, Schema};
    pub use crate::validate::ValidationErrors;
    pub use crate::validate::rules::{check_length, check_patch, check_range, check_value};

    /// The bound of [`assert_serialize`], saying what is missing.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` must implement `serde::Serialize` to be a crud resource",
        label = "add `#[derive(serde::Serialize)]` beside `#[derive(Crud)]`",
        note = "a resource's responses are its `Serialize`; `#[derive(Crud)]` reads its `#[serde(...)]` attributes for the JSON names"
    )]
    pub trait SerializableResource {}
    impl<T: serde::Serialize> SerializableResource for T {}

    /// Compiles only if the resource implements `Serialize`; spanned on its name.
    pub const fn assert_serialize<T: SerializableResource>() {}
    /// Compiles only if `T` satisfies the bound; the derive spans the call on the field.
    pub const fn assert_column<T: ColumnType>() {}
    /// Compiles only if `T` can be an id.
    pub const fn assert_id<T: IdType>() {}
    /// Compiles only if `T` can be an owner.
    pub const fn assert_owner<T: OwnerType>() {}
    /// Compiles only if `T` can be a toggle.
    pub const fn assert_toggle<T: ToggleType>() {}
    /// Compiles only if `T` can be a timestamp.
    pub const fn assert_timestamp<T: TimestampType>() {}
}
