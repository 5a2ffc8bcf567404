//! List queries: which rows of a list, in which order, how many.
//!
//! A [`ListQuery`] is built in Rust (`ListQuery::new().filter("completed", Operator::Eq,
//! false).sort_desc("updated_at").limit(20)`) or parsed from a list route's query string
//! ([`ListQuery::parse`]); the services check it against the resource's
//! [`Schema`](crate::schema::Schema), which says what may be filtered and sorted (the derive's
//! `#[crud(filter)]` and `#[crud(sort)]`). Any problem is a [`QueryError`], a 400 whose
//! message says what is allowed.
//!
//! Pages are keyset pages: a [`Cursor`] holds the sort keys of the last row of a page, and the
//! next page starts strictly after it, so following cursors visits every row once, in order,
//! while rows are inserted or deleted elsewhere in the list.

mod cursor;
mod parse;
pub(crate) mod plan;
mod value;

pub use cursor::Cursor;
pub(crate) use parse::MAX_IN_VALUES;
pub use value::Value;

use crate::operator::Operator;

/// A list query: filters, sort, page size and position, and whether to count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u32>,
    pub(crate) cursor: Option<Cursor>,
    pub(crate) sort: Vec<SortKey>,
    pub(crate) filters: Vec<Filter>,
    pub(crate) count: bool,
}

/// One key of a list's order: a field, by its JSON name, and a direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    /// The field's JSON name.
    pub field: String,
    /// Largest or latest first.
    pub descending: bool,
}

/// One condition on a list's rows: a field, by its JSON name, an operator and its values
/// (one; several for [`Operator::In`]; a boolean for [`Operator::IsNull`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// The field's JSON name.
    pub field: String,
    /// The comparison.
    pub op: Operator,
    /// The values compared with.
    pub values: Vec<Value>,
}

/// Why a list query cannot run: a 400 whose message names the parameter and what it allows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

impl ListQuery {
    /// The first page in the resource's order, of its default size, unfiltered.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `limit` rows (1 to the resource's `max_page_size`).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` rows. Prefer [`after`](Self::after): an offset page costs
    /// the rows it skips, and shifts when rows are inserted or deleted before it.
    #[must_use]
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The page after the one that gave `cursor` ([`ListPage::next`](crate::service::ListPage)),
    /// with the same sort and filters.
    #[must_use]
    pub fn after(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }

    /// Sorts on `field` ascending, after the keys already given.
    #[must_use]
    pub fn sort_asc(self, field: &str) -> Self {
        self.sort_by(field, false)
    }

    /// Sorts on `field` descending, after the keys already given.
    #[must_use]
    pub fn sort_desc(self, field: &str) -> Self {
        self.sort_by(field, true)
    }

    fn sort_by(mut self, field: &str, descending: bool) -> Self {
        self.sort.push(SortKey {
            field: field.to_owned(),
            descending,
        });
        self
    }

    /// Keeps the rows whose `field` compares with `value` by `op` (for [`Operator::IsNull`],
    /// `value` is `true` or `false`).
    #[must_use]
    pub fn filter(mut self, field: &str, op: Operator, value: impl Into<Value>) -> Self {
        self.filters.push(Filter {
            field: field.to_owned(),
            op,
            values: vec![value.into()],
        });
        self
    }

    /// Keeps the rows whose `field` is one of `values` ([`Operator::In`]).
    #[must_use]
    pub fn filter_in<V: Into<Value>>(
        mut self,
        field: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.filters.push(Filter {
            field: field.to_owned(),
            op: Operator::In,
            values: values.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Also counts every row the filters keep, whatever the page
    /// ([`ListPage::total`](crate::service::ListPage)): one more query, which reads every
    /// matching row's index entry.
    #[must_use]
    pub fn count(mut self, count: bool) -> Self {
        self.count = count;
        self
    }

    /// Whether the query asks for the count of matching rows.
    pub fn counts(&self) -> bool {
        self.count
    }

    /// The filters, in the order given.
    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    /// The sort keys given; the resource's order when empty.
    pub fn sort_keys(&self) -> &[SortKey] {
        &self.sort
    }

    /// The cursor the page starts after, if any.
    pub fn cursor(&self) -> Option<&Cursor> {
        self.cursor.as_ref()
    }
}
