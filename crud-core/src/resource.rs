//! The description of a resource that `#[derive(Crud)]` generates, and the traits it implements.

use crate::column::{Encodable, IdType};
use crate::db::Backend;
use crate::dialect::{BackendKind, Statements};
use crate::patch::Patch;
use crate::schema::Schema;
use crate::validate::ValidationErrors;
use chrono::{DateTime, Utc};
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
    /// The request body that changes some of a resource's input fields: each a
    /// [`Patch`](crate::Patch).
    type Patch: Input;

    /// Table, path, columns and ordering.
    const SCHEMA: Schema;

    /// The resource's SQL on a backend, built on first use and kept.
    #[doc(hidden)]
    fn statements(backend: BackendKind) -> &'static Statements;

    /// Decodes a row selected with the columns of [`Schema::columns`], in their order.
    #[doc(hidden)]
    fn decode<DB: Backend>(row: &DB::Row) -> Result<Self, sqlx::Error>;

    /// The value of the `#[crud(updated_at)]` field, if the resource has one: the version of
    /// its row, from which its [`ETag`](crate::ETag) is made.
    #[doc(hidden)]
    fn updated_at(&self) -> Option<DateTime<Utc>>;
}

/// A request body: the input fields of a resource. Implemented by `#[derive(Crud)]`.
pub trait Input: DeserializeOwned + Send + 'static {
    /// The largest request body, in bytes, that may carry this input: the resource's
    /// [`Schema::body_limit`].
    const BODY_LIMIT: usize = crate::schema::DEFAULT_BODY_LIMIT;

    /// Checks every field against its `#[crud(...)]` rules, reporting every failure.
    fn validate(&self) -> Result<(), ValidationErrors>;

    /// Binds the input fields, in the order of the resource's input columns: for a patch,
    /// two parameters per field ([`Binder::push_patch`]).
    #[doc(hidden)]
    fn bind<DB: Backend>(self, binder: &mut Binder<DB>);
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

    /// Adds the two parameters of one field of a patch: whether it is set, then its value
    /// (`NULL` of the field's type when it is absent or `null`).
    pub fn push_patch<T: Encodable + 'static>(&mut self, patch: Patch<T>) {
        let (set, value) = patch.into_parts();
        self.push(set);
        self.push(value);
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
    slots: [OnceLock<Statements>; BackendKind::ALL.len()],
}

impl StatementCache {
    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            slots: [const { OnceLock::new() }; BackendKind::ALL.len()],
        }
    }

    /// The statements of `schema` on `backend`, built the first time.
    pub fn get(&'static self, schema: &Schema, backend: BackendKind) -> &'static Statements {
        self.slots[backend.index()].get_or_init(|| Statements::build(schema, backend))
    }
}
