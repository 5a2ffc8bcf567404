//! The description of a resource that `#[derive(Crud)]` generates, and the traits it implements.

use crate::column::{Encodable, IdType};
use crate::db::{Backend, BackendKind};
use crate::sql::Statements;
use crate::validate::ValidationErrors;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::error::BoxDynError;
use std::sync::OnceLock;

/// A user-scoped resource stored in one table. Implemented by `#[derive(Crud)]`.
///
/// The implementation only describes the resource: its [`Schema`], how to decode a row and
/// where its SQL is kept. The services in [`service`](crate::service) and the handlers in
/// [`routes`](crate::routes) do the work for every resource, and the
/// [`Crud`](trait@crate::Crud) trait offers them on the resource's type. The response body is
/// the resource's own `Serialize`, which the user derives.
pub trait Resource: Serialize + Send + Sync + Unpin + Sized + 'static {
    /// The type of the `#[crud(id)]` field.
    type Id: IdType;
    /// The request body that creates a resource.
    type Create: Input;
    /// The request body that replaces a resource's input fields.
    type Update: Input;

    /// Table, path, columns and ordering.
    const SCHEMA: Schema;

    /// The resource's SQL on a backend, built on first use and kept.
    fn statements(backend: BackendKind) -> &'static Statements;

    /// Decodes a row selected with the columns of [`Schema::columns`], in their order.
    fn decode<DB: Backend>(row: &DB::Row) -> Result<Self, sqlx::Error>;
}

/// A request body: the input fields of a resource. Implemented by `#[derive(Crud)]`.
pub trait Input: DeserializeOwned + Send + 'static {
    /// The largest request body, in bytes, that may carry this input: the resource's
    /// [`Schema::body_limit`].
    const BODY_LIMIT: usize = crate::DEFAULT_BODY_LIMIT;

    /// Checks every field against its `#[crud(...)]` rules, reporting every failure.
    fn validate(&self) -> Result<(), ValidationErrors>;

    /// Binds the input fields, in the order of the resource's input columns.
    fn bind<DB: Backend>(self, binder: &mut Binder<DB>);
}

/// What a resource looks like in SQL and HTTP.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    /// The resource's name in messages (`"Task not found"`).
    pub name: &'static str,
    /// The table name.
    pub table: &'static str,
    /// The collection path, containing `{user_id}` (`/api/{user_id}/tasks`).
    pub path: &'static str,
    /// Every column, in field order.
    pub columns: &'static [Column],
    /// The default order of a list, most significant first.
    pub order_by: &'static [OrderBy],
    /// The largest request body accepted, in bytes (`#[crud(body_limit = N)]`,
    /// [`DEFAULT_BODY_LIMIT`](crate::DEFAULT_BODY_LIMIT) by default); a larger one answers 413.
    pub body_limit: usize,
}

impl Schema {
    /// The columns with the given role.
    pub fn columns_where(&self, pick: fn(&Role) -> bool) -> impl Iterator<Item = &'static Column> {
        self.columns.iter().filter(move |column| pick(&column.role))
    }

    /// The `#[crud(id)]` column.
    pub fn id(&self) -> &'static Column {
        self.one(|role| matches!(role, Role::Id { .. }))
    }

    /// The `#[crud(owner)]` column.
    pub fn owner(&self) -> &'static Column {
        self.one(|role| matches!(role, Role::Owner))
    }

    /// The toggle columns, in field order.
    pub fn toggles(&self) -> impl Iterator<Item = (&'static Column, &'static str)> {
        self.columns.iter().filter_map(|column| match column.role {
            Role::Toggle { route } => Some((column, route)),
            _ => None,
        })
    }

    fn one(&self, pick: fn(&Role) -> bool) -> &'static Column {
        self.columns_where(pick)
            .next()
            .expect("the derive checks that a resource has an id and an owner")
    }
}

/// One column of a resource.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The column name in SQL: `#[crud(column = "...")]`, else the field's name.
    pub name: &'static str,
    /// The field's name in JSON bodies and validation errors, as the resource's
    /// `#[serde(rename_all = "...")]` and `#[serde(rename = "...")]` give it.
    pub json_name: &'static str,
    /// What the service does with the column.
    pub role: Role,
    /// The column's SQL type on each backend.
    pub sql_type: crate::column::SqlType,
}

/// What the service does with a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The primary key.
    Id {
        /// Whether the database assigns it (integer ids).
        database_generated: bool,
    },
    /// The owning user's id, from the token's `sub`; every query filters on it.
    Owner,
    /// Set by the client on create and update.
    Input,
    /// A `bool` starting `false`, flipped by `PATCH {path}/{id}/{route}`.
    Toggle {
        /// The last segment of the toggle's route.
        route: &'static str,
    },
    /// Set once, when the row is created.
    CreatedAt,
    /// Set on every write.
    UpdatedAt,
}

/// One key of a list's order. The `NULL`s of an optional column come last, ascending or
/// descending, on every backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderBy {
    /// The column to sort on.
    pub column: &'static str,
    /// Newest or largest first.
    pub descending: bool,
}

/// Collects the parameters of one query; the first encoding error is kept and reported when
/// the query runs.
pub struct Binder<DB: Backend> {
    args: DB::Arguments,
    error: Option<BoxDynError>,
}

impl<DB: Backend> Default for Binder<DB> {
    fn default() -> Self {
        Self {
            args: DB::Arguments::default(),
            error: None,
        }
    }
}

impl<DB: Backend> Binder<DB> {
    /// Adds the next parameter.
    pub fn push<T: Encodable>(&mut self, value: T) {
        if self.error.is_none()
            && let Err(error) = DB::add(&mut self.args, value)
        {
            self.error = Some(error);
        }
    }

    /// The parameters, or the first encoding error.
    pub(crate) fn finish(self) -> Result<DB::Arguments, sqlx::Error> {
        match self.error {
            None => Ok(self.args),
            Some(error) => Err(sqlx::Error::Encode(error)),
        }
    }
}

/// Where a resource keeps its SQL: one slot per backend, filled on first use.
///
/// `#[derive(Crud)]` declares one in a `static` for each resource.
#[derive(Debug, Default)]
pub struct StatementCache {
    sqlite: OnceLock<Statements>,
    postgres: OnceLock<Statements>,
}

impl StatementCache {
    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            sqlite: OnceLock::new(),
            postgres: OnceLock::new(),
        }
    }

    /// The statements of `schema` on `backend`, built the first time.
    pub fn get(&'static self, schema: &Schema, backend: BackendKind) -> &'static Statements {
        let slot = match backend {
            BackendKind::Sqlite => &self.sqlite,
            BackendKind::Postgres => &self.postgres,
        };
        slot.get_or_init(|| Statements::build(schema, backend))
    }
}
