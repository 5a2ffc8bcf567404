//! What a resource looks like, as the derive describes it: its table, path, columns and
//! their roles, and the order of its lists. Read-only for applications (the derive builds it);
//! every type may gain fields in a minor version.

use crate::column::SqlType;
use crate::operator::Operators;

/// The body limit of a resource without `#[crud(body_limit = N)]`: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The rows of a list page without `limit`, for a resource without
/// `#[crud(page_size = N)]`.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The largest `limit` of a list page, for a resource without `#[crud(max_page_size = N)]`.
pub const DEFAULT_MAX_PAGE_SIZE: u32 = 1000;

/// The most entity tags an `If-Match` may list (and an [`IfMatch`](crate::IfMatch) hold); a
/// longer list answers 400.
pub const MAX_IF_MATCH: usize = 16;

/// What a resource looks like in SQL and HTTP.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
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
    /// [`DEFAULT_BODY_LIMIT`] by default); a larger one answers 413.
    pub body_limit: usize,
    /// The rows of a list page without `limit` (`#[crud(page_size = N)]`,
    /// [`DEFAULT_PAGE_SIZE`] by default).
    pub page_size: u32,
    /// The largest `limit` of a list page (`#[crud(max_page_size = N)]`,
    /// [`DEFAULT_MAX_PAGE_SIZE`] by default).
    pub max_page_size: u32,
    /// The sets of columns unique within one owner (`#[crud(unique)]` on a field,
    /// `#[crud(unique(a, b))]` on the struct), by column name.
    pub unique: &'static [&'static [&'static str]],
    /// The struct's doc comment, if it has one: the resource's description in its
    /// [OpenAPI document](crate::openapi).
    pub description: Option<&'static str>,
    /// Whether a write (`PUT`, `PATCH`, `DELETE`, a toggle) must carry `If-Match`
    /// (`#[crud(require_if_match)]`); without it, it answers 428.
    pub require_if_match: bool,
}

impl Schema {
    /// A schema; what the derive writes.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        table: &'static str,
        path: &'static str,
        columns: &'static [Column],
        order_by: &'static [OrderBy],
        body_limit: usize,
    ) -> Self {
        Self {
            name,
            table,
            path,
            columns,
            order_by,
            body_limit,
            page_size: DEFAULT_PAGE_SIZE,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            unique: &[],
            description: None,
            require_if_match: false,
        }
    }

    /// The same schema with these unique keys; what the derive writes.
    #[doc(hidden)]
    pub const fn with_unique(self, unique: &'static [&'static [&'static str]]) -> Self {
        Self { unique, ..self }
    }

    /// The same schema with these page sizes; what the derive writes.
    #[doc(hidden)]
    pub const fn with_page_sizes(self, page_size: u32, max_page_size: u32) -> Self {
        Self {
            page_size,
            max_page_size,
            ..self
        }
    }

    /// The same schema with this description; what the derive writes.
    #[doc(hidden)]
    pub const fn with_description(self, description: &'static str) -> Self {
        Self {
            description: Some(description),
            ..self
        }
    }

    /// The same schema, whose writes require `If-Match`; what the derive writes.
    #[doc(hidden)]
    pub const fn with_require_if_match(self) -> Self {
        Self {
            require_if_match: true,
            ..self
        }
    }

    /// The column whose JSON name is `json_name`.
    pub fn column(&self, json_name: &str) -> Option<&'static Column> {
        self.columns
            .iter()
            .find(|column| column.json_name == json_name)
    }

    /// The columns a list may be filtered on, in field order.
    pub fn filterable(&self) -> impl Iterator<Item = &'static Column> {
        self.columns
            .iter()
            .filter(|column| !column.filters.is_empty())
    }

    /// The columns a list may be sorted on, in field order.
    pub fn sortable(&self) -> impl Iterator<Item = &'static Column> {
        self.columns.iter().filter(|column| column.sortable)
    }

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

    /// The `#[crud(updated_at)]` column, if any: the version of a row, which its ETag is.
    pub fn updated_at(&self) -> Option<&'static Column> {
        self.columns_where(|role| *role == Role::UpdatedAt).next()
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
#[non_exhaustive]
pub struct Column {
    /// The column name in SQL: `#[crud(column = "...")]`, else the field's name.
    pub name: &'static str,
    /// The field's name in JSON bodies and validation errors, as the resource's
    /// `#[serde(rename_all = "...")]` and `#[serde(rename = "...")]` give it.
    pub json_name: &'static str,
    /// What the service does with the column.
    pub role: Role,
    /// The column's SQL type.
    pub sql_type: SqlType,
    /// The operators a list may filter it with (`#[crud(filter)]`); none by default.
    pub filters: Operators,
    /// Whether a list may be sorted on it (`#[crud(sort)]`).
    pub sortable: bool,
    /// The rules of an input field, `#[crud(length(...), range(...))]`; none for the others.
    pub rules: Rules,
    /// The field's doc comment, if it has one: its description in the resource's
    /// [OpenAPI document](crate::openapi).
    pub description: Option<&'static str>,
}

impl Column {
    /// A column; what the derive writes.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        json_name: &'static str,
        role: Role,
        sql_type: SqlType,
    ) -> Self {
        Self {
            name,
            json_name,
            role,
            sql_type,
            filters: Operators::NONE,
            sortable: false,
            rules: Rules::NONE,
            description: None,
        }
    }

    /// The same column, filterable with `filters`; what the derive writes.
    #[doc(hidden)]
    pub const fn with_filters(self, filters: Operators) -> Self {
        Self { filters, ..self }
    }

    /// The same column, sortable; what the derive writes.
    #[doc(hidden)]
    pub const fn with_sort(self) -> Self {
        Self {
            sortable: true,
            ..self
        }
    }

    /// The same column with the bounds of `#[crud(length(min = .., max = ..))]`; what the
    /// derive writes.
    #[doc(hidden)]
    pub const fn with_length(self, min: Option<usize>, max: Option<usize>) -> Self {
        Self {
            rules: Rules {
                min_length: min,
                max_length: max,
                ..self.rules
            },
            ..self
        }
    }

    /// The same column with the bounds of `#[crud(range(min = .., max = ..))]`; what the
    /// derive writes.
    #[doc(hidden)]
    pub const fn with_range(self, min: Option<f64>, max: Option<f64>) -> Self {
        Self {
            rules: Rules {
                minimum: min,
                maximum: max,
                ..self.rules
            },
            ..self
        }
    }

    /// The same column with this description; what the derive writes.
    #[doc(hidden)]
    pub const fn with_description(self, description: &'static str) -> Self {
        Self {
            description: Some(description),
            ..self
        }
    }
}

/// The rules `#[crud(length(...), range(...))]` put on an input field, as described: the
/// derive's generated validation checks them on every create and update (a value outside them
/// is a 400 naming the field), and the [OpenAPI document](crate::openapi) states them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Rules {
    /// The fewest characters (not bytes) a text may have: `length(min = N)`.
    pub min_length: Option<usize>,
    /// The most characters (not bytes) a text may have: `length(max = N)`.
    pub max_length: Option<usize>,
    /// The smallest value a number may have: `range(min = X)`, as an `f64` (exact for
    /// integers up to 2^53 in magnitude).
    pub minimum: Option<f64>,
    /// The largest value a number may have: `range(max = X)`, as an `f64`.
    pub maximum: Option<f64>,
}

impl Rules {
    /// No rule.
    pub const NONE: Self = Self {
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
    };
}

/// What the service does with a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct OrderBy {
    /// The column to sort on.
    pub column: &'static str,
    /// Newest or largest first.
    pub descending: bool,
}

impl OrderBy {
    /// An order key; what the derive writes.
    #[doc(hidden)]
    pub const fn new(column: &'static str, descending: bool) -> Self {
        Self { column, descending }
    }
}

/// How a table differs from the struct of its resource.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the table \"{table}\" does not match {resource}: {}", .differences.join("; "))]
#[non_exhaustive]
pub struct TableMismatch {
    /// The resource's name.
    pub resource: &'static str,
    /// The table's name.
    pub table: &'static str,
    /// Each difference, in words ("column \"title\" is missing").
    pub differences: Vec<String>,
}
