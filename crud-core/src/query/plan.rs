//! A list query checked against a resource's schema: columns by index, filters in one
//! canonical order, the full sort with the id last, the cursor's keys read. Its [`Shape`] is
//! what its SQL depends on.

use super::parse::limit_message;
use super::value::quoted;
use super::{ListQuery, QueryError, Value};
use crate::operator::Operator;
use crate::schema::{Column, Schema};
use chrono::DateTime;

/// A [`ListQuery`] ready to run on a resource.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The filters, ordered by column, then operator.
    pub(crate) filters: Vec<Planned>,
    /// Every key of the order, the id last.
    pub(crate) sort: Vec<SortColumn>,
    pub(crate) limit: u32,
    pub(crate) offset: Option<u32>,
    /// The sort keys of the row the page starts after.
    pub(crate) after: Option<Vec<Value>>,
    pub(crate) count: bool,
}

/// A filter on the column at `column` of the schema.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Planned {
    pub(crate) column: usize,
    pub(crate) op: Operator,
    pub(crate) values: Vec<Value>,
}

/// A key of the order: the column at `column` of the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SortColumn {
    pub(crate) column: usize,
    pub(crate) descending: bool,
}

/// What a list statement's text depends on: one statement per shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    /// Whether the statement counts rows rather than selecting a page.
    pub(crate) count: bool,
    pub(crate) filters: Vec<FilterShape>,
    pub(crate) sort: Vec<SortColumn>,
    /// Which keys of the cursor are `NULL`, if the page starts after one.
    pub(crate) after: Option<Vec<bool>>,
    pub(crate) offset: bool,
}

/// A filter's part of a shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FilterShape {
    pub(crate) column: usize,
    pub(crate) op: Operator,
    /// The number of values, `in`'s padded by [`in_arity`]; for `isnull`, whether `NULL` is
    /// wanted (1) or not (0).
    pub(crate) arity: usize,
}

/// The number of parameters of an `in` list of `len` values: the next power of two, the last
/// value repeated, so that lists of any length make few statements.
pub(crate) fn in_arity(len: usize) -> usize {
    len.next_power_of_two()
}

/// The column a filter on `field` with `op` reads, if it may.
pub(crate) fn filter_column(
    schema: &Schema,
    field: &str,
    op: Operator,
) -> Result<&'static Column, QueryError> {
    let column = schema
        .column(field)
        .filter(|column| !column.filters.is_empty())
        .ok_or_else(|| {
            let filterable = schema.filterable().map(|c| c.json_name).collect::<Vec<_>>();
            QueryError(if filterable.is_empty() {
                format!("`{field}` cannot be filtered on: this list has no filterable fields")
            } else {
                format!(
                    "`{field}` cannot be filtered on; the filterable fields are {}",
                    quoted(&filterable)
                )
            })
        })?;
    if column.filters.contains(op) {
        Ok(column)
    } else {
        Err(QueryError(format!(
            "`{field}` cannot be filtered with `{op}`; it takes {}",
            quoted(
                &column
                    .filters
                    .iter()
                    .map(Operator::name)
                    .collect::<Vec<_>>()
            )
        )))
    }
}

impl Plan {
    /// Checks `query` against `schema`.
    pub(crate) fn new(schema: &Schema, query: &ListQuery) -> Result<Self, QueryError> {
        let limit = match query.limit {
            None => schema.page_size,
            Some(limit) if (1..=schema.max_page_size).contains(&limit) => limit,
            Some(_) => return Err(limit_message(schema)),
        };
        if query.offset.is_some() && query.cursor.is_some() {
            return Err(QueryError(
                "`offset` and `cursor` cannot be used together: a cursor already says where \
                 the page starts"
                    .to_owned(),
            ));
        }
        let filters = filters(schema, query)?;
        let sort = sort(schema, query)?;
        let after = query
            .cursor
            .as_ref()
            .map(|cursor| cursor.decode(schema, &filters, &sort))
            .transpose()?;
        Ok(Self {
            filters,
            sort,
            limit,
            offset: query.offset,
            after,
            count: query.count,
        })
    }

    /// The shape of the statement selecting the page.
    pub(crate) fn page_shape(&self) -> Shape {
        Shape {
            count: false,
            filters: self.filter_shapes(),
            sort: self.sort.clone(),
            after: self
                .after
                .as_ref()
                .map(|keys| keys.iter().map(|key| *key == Value::Null).collect()),
            offset: self.offset.is_some(),
        }
    }

    /// The shape of the statement counting the rows the filters keep.
    pub(crate) fn count_shape(&self) -> Shape {
        Shape {
            count: true,
            filters: self.filter_shapes(),
            sort: Vec::new(),
            after: None,
            offset: false,
        }
    }

    fn filter_shapes(&self) -> Vec<FilterShape> {
        self.filters
            .iter()
            .map(|filter| FilterShape {
                column: filter.column,
                op: filter.op,
                arity: match (filter.op, filter.values.first()) {
                    (Operator::IsNull, Some(Value::Boolean(null))) => usize::from(*null),
                    (Operator::In, _) => in_arity(filter.values.len()),
                    _ => filter.values.len(),
                },
            })
            .collect()
    }
}

fn filters(schema: &Schema, query: &ListQuery) -> Result<Vec<Planned>, QueryError> {
    let mut planned = Vec::with_capacity(query.filters.len());
    for filter in &query.filters {
        let column = filter_column(schema, &filter.field, filter.op)?;
        let index = index_of(schema, column);
        if planned
            .iter()
            .any(|other: &Planned| other.column == index && other.op == filter.op)
        {
            return Err(QueryError(format!(
                "`{}` is filtered with `{}` more than once",
                filter.field, filter.op
            )));
        }
        let field = |message: String| QueryError(format!("`{}` {message}", filter.field));
        let values = match (filter.op, filter.values.as_slice()) {
            (Operator::IsNull, [Value::Boolean(null)]) => vec![Value::Boolean(*null)],
            (Operator::IsNull, _) => {
                return Err(field("takes `true` or `false` with `isnull`".to_owned()));
            }
            (Operator::In, []) => {
                return Err(field("takes at least one value with `in`".to_owned()));
            }
            (Operator::In, values) if values.len() > super::parse::MAX_IN_VALUES => {
                return Err(field(format!(
                    "takes at most {} values with `in`",
                    super::parse::MAX_IN_VALUES
                )));
            }
            (Operator::In, values) => values
                .iter()
                .map(
                    |value| match value.clone().fit(column.sql_type).map_err(field)? {
                        Value::Null => Err(field(
                            "cannot be compared with null by `in`; use `isnull`".to_owned(),
                        )),
                        value => Ok(value),
                    },
                )
                .collect::<Result<_, _>>()?,
            (op, [value]) => {
                let value = value.clone().fit(column.sql_type).map_err(field)?;
                if value == Value::Null {
                    return Err(field(format!(
                        "cannot be compared with null by `{op}`; use `isnull`"
                    )));
                }
                vec![value]
            }
            (op, _) => return Err(field(format!("takes one value with `{op}`"))),
        };
        let (op, values) = within_columns(filter.op, values);
        planned.push(Planned {
            column: index,
            op,
            values,
        });
    }
    planned.sort_by_key(|filter| (filter.column, filter.op));
    Ok(planned)
}

/// A comparison with a timestamp after the latest a column holds (a time of year 9999 whose
/// offset puts it in year 10000 in UTC) as the same comparison with that latest timestamp: on
/// SQLite timestamps compare as text, where year 10000's (`+10000-...`) sorts first. Those
/// before year 1 (`0000-...`, `-0001-...`) sort first there as they should.
fn within_columns(op: Operator, values: Vec<Value>) -> (Operator, Vec<Value>) {
    let latest = DateTime::from_timestamp_micros(crate::column::LATEST_TIMESTAMP_MICROS)
        .expect("the last microsecond of year 9999 is a timestamp");
    match (op, values.as_slice()) {
        (Operator::Lt | Operator::Lte, [Value::Timestamp(time)]) if *time > latest => {
            (Operator::Lte, vec![Value::Timestamp(latest)])
        }
        (Operator::Gt | Operator::Gte, [Value::Timestamp(time)]) if *time > latest => {
            (Operator::Gt, vec![Value::Timestamp(latest)])
        }
        _ => (op, values),
    }
}

fn sort(schema: &Schema, query: &ListQuery) -> Result<Vec<SortColumn>, QueryError> {
    let id = index_of(schema, schema.id());
    let mut keys = Vec::with_capacity(query.sort.len() + 1);
    if query.sort.is_empty() {
        for key in schema.order_by {
            let column = schema.columns.iter().position(|c| c.name == key.column);
            keys.extend(column.map(|column| SortColumn {
                column,
                descending: key.descending,
            }));
        }
    }
    for key in &query.sort {
        let column = schema
            .column(&key.field)
            .filter(|column| column.sortable)
            .ok_or_else(|| {
                let sortable = schema.sortable().map(|c| c.json_name).collect::<Vec<_>>();
                QueryError(if sortable.is_empty() {
                    format!(
                        "`sort`: `{}` cannot be sorted on: this list has no sortable fields",
                        key.field
                    )
                } else {
                    format!(
                        "`sort`: `{}` cannot be sorted on; the sortable fields are {}",
                        key.field,
                        quoted(&sortable)
                    )
                })
            })?;
        let column = index_of(schema, column);
        if keys.iter().any(|key: &SortColumn| key.column == column) {
            return Err(QueryError(format!(
                "`sort`: `{}` is given more than once",
                key.field
            )));
        }
        keys.push(SortColumn {
            column,
            descending: key.descending,
        });
    }
    if !keys.iter().any(|key| key.column == id) {
        // A unique last key makes the order total, so pages neither skip nor repeat rows.
        let descending = keys.last().is_some_and(|key| key.descending);
        keys.push(SortColumn {
            column: id,
            descending,
        });
    }
    Ok(keys)
}

fn index_of(schema: &Schema, column: &Column) -> usize {
    schema
        .columns
        .iter()
        .position(|c| std::ptr::eq(c, column))
        .unwrap_or_default()
}
