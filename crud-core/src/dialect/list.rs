//! The statements of list queries: one per resource, backend and [`Shape`], written on first
//! use and kept.

use super::{BackendKind, Dialect, Params};
use crate::column::SqlKind;
use crate::operator::Operator;
use crate::query::plan::{FilterShape, Shape, SortColumn};
use crate::schema::Schema;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The most shapes kept per resource and backend; a query of another shape has its
/// statement written for it alone. Shapes come from clients (which filters, which sort), so
/// the cache must not grow with them; `in` lists are padded to a power of two values so that
/// their lengths make few shapes.
const MAX_SHAPES: usize = 256;

/// A list statement and where its parameters go.
///
/// Parameters, in bind order: the owner; each filter's values, in the plan's order (none for
/// `isnull`); for a page, the cursor's keys at the indexes of `cursor_binds` (a key may be
/// bound more than once), the limit, then the offset if the shape has one.
#[derive(Debug)]
pub(crate) struct ListStatement {
    /// The statement's text.
    pub(crate) sql: SqlStr,
    /// For each cursor parameter, in order, the index of the cursor key it binds.
    pub(crate) cursor_binds: Vec<usize>,
}

/// The list statements of one resource on one backend, by shape.
#[derive(Debug, Default)]
pub(crate) struct ListStatements {
    shapes: RwLock<HashMap<Shape, Arc<ListStatement>>>,
}

impl ListStatements {
    /// The statement of `shape`, written the first time.
    pub(crate) fn get(
        &self,
        schema: &Schema,
        backend: BackendKind,
        shape: &Shape,
    ) -> Arc<ListStatement> {
        let cached = self
            .shapes
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(shape)
            .map(Arc::clone);
        if let Some(statement) = cached {
            return statement;
        }
        // Written outside the lock: readers of other shapes never wait for it.
        let statement = Arc::new(build(schema, backend.dialect(), shape));
        let mut shapes = self
            .shapes
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        if shapes.len() < MAX_SHAPES {
            shapes.insert(shape.clone(), Arc::clone(&statement));
        }
        statement
    }
}

/// Writes the statement of `shape`.
pub(crate) fn build(schema: &Schema, dialect: &dyn Dialect, shape: &Shape) -> ListStatement {
    let quote = |identifier: &str| dialect.quote(identifier);
    let table = quote(schema.table);
    let mut params = Params::new(dialect);
    let mut conditions = vec![format!(
        "{} = {}",
        quote(schema.owner().name),
        params.next()
    )];
    for filter in &shape.filters {
        conditions.push(filter_condition(schema, dialect, filter, &mut params));
    }
    if shape.count {
        return ListStatement {
            sql: sql(format!(
                "SELECT COUNT(*) FROM {table} WHERE {}",
                conditions.join(" AND ")
            )),
            cursor_binds: Vec::new(),
        };
    }
    let mut cursor_binds = Vec::new();
    if let Some(nulls) = &shape.after {
        conditions.extend(keyset(
            schema,
            dialect,
            &shape.sort,
            nulls,
            &mut params,
            &mut cursor_binds,
        ));
    }
    let columns = schema
        .columns
        .iter()
        .map(|column| quote(column.name))
        .collect::<Vec<_>>()
        .join(", ");
    let order = shape
        .sort
        .iter()
        .map(|key| order_key(schema, dialect, *key))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "SELECT {columns} FROM {table} WHERE {} ORDER BY {order} LIMIT {}",
        conditions.join(" AND "),
        params.next()
    );
    if shape.offset {
        text.push_str(&format!(" OFFSET {}", params.next()));
    }
    ListStatement {
        sql: sql(text),
        cursor_binds,
    }
}

/// Text written here from a schema (its identifiers quoted) and placeholders: every value is
/// a bound parameter. Shared, so that running it copies nothing.
fn sql(text: String) -> SqlStr {
    AssertSqlSafe(Arc::<str>::from(text)).into_sql_str()
}

/// A column as it compares and sorts: text by bytes on every backend.
pub(super) fn comparable(schema: &Schema, dialect: &dyn Dialect, column: usize) -> String {
    let column = &schema.columns[column];
    let name = dialect.quote(column.name);
    if column.sql_type.kind == SqlKind::Text {
        format!("{name}{}", dialect.text_order())
    } else {
        name
    }
}

fn filter_condition(
    schema: &Schema,
    dialect: &dyn Dialect,
    filter: &FilterShape,
    params: &mut Params<'_>,
) -> String {
    let column = &schema.columns[filter.column];
    let name = dialect.quote(column.name);
    let compare = |op: &str, params: &mut Params<'_>| {
        format!(
            "{} {op} {}",
            comparable(schema, dialect, filter.column),
            params.next()
        )
    };
    match filter.op {
        Operator::Eq => format!("{name} = {}", params.next()),
        // A `NULL` is not equal to any value.
        Operator::Ne if column.sql_type.nullable => {
            format!("({name} <> {} OR {name} IS NULL)", params.next())
        }
        Operator::Ne => format!("{name} <> {}", params.next()),
        Operator::In => {
            let values = (0..filter.arity)
                .map(|_| params.next())
                .collect::<Vec<_>>()
                .join(", ");
            format!("{name} IN ({values})")
        }
        Operator::Lt => compare("<", params),
        Operator::Lte => compare("<=", params),
        Operator::Gt => compare(">", params),
        Operator::Gte => compare(">=", params),
        Operator::Contains => format!("{} > 0", dialect.position(&name, &params.next())),
        Operator::IContains => format!(
            "{} > 0",
            dialect.position(
                &format!("lower({name})"),
                &format!("lower({})", params.next())
            )
        ),
        Operator::StartsWith => format!("{} = 1", dialect.position(&name, &params.next())),
        Operator::IsNull if filter.arity == 1 => format!("{name} IS NULL"),
        Operator::IsNull => format!("{name} IS NOT NULL"),
    }
}

/// The conditions of the rows strictly after the cursor's keys in the order `sort`, whose
/// `NULL`s come last.
///
/// When every key has the same direction and neither a key's column nor its cursor value can
/// be `NULL`, one row-value comparison, `(a, b, id) > (x, y, z)`, which both backends read as
/// a range of the `(owner, a, b, id)` index: a page deep in the list costs what the first one
/// does, however often `a` repeats. Otherwise, a bound on the first key that an index can seek
/// to, then the exact condition (`a > x OR (a = x AND b > y) OR ...`).
fn keyset(
    schema: &Schema,
    dialect: &dyn Dialect,
    sort: &[SortColumn],
    nulls: &[bool],
    params: &mut Params<'_>,
    binds: &mut Vec<usize>,
) -> Vec<String> {
    let nullable = |index: usize| schema.columns[sort[index].column].sql_type.nullable;
    let uniform = sort.iter().all(|key| key.descending == sort[0].descending);
    if uniform && (0..sort.len()).all(|index| !nulls[index] && !nullable(index)) {
        let columns = sort
            .iter()
            .map(|key| comparable(schema, dialect, key.column))
            .collect::<Vec<_>>();
        let values = (0..sort.len())
            .map(|index| {
                binds.push(index);
                params.next()
            })
            .collect::<Vec<_>>();
        let op = if sort[0].descending { "<" } else { ">" };
        return vec![format!(
            "({}) {op} ({})",
            columns.join(", "),
            values.join(", ")
        )];
    }
    let mut conditions = Vec::new();
    if !nulls[0] && !nullable(0) {
        let op = if sort[0].descending { "<=" } else { ">=" };
        conditions.push(format!(
            "{} {op} {}",
            comparable(schema, dialect, sort[0].column),
            params.next()
        ));
        binds.push(0);
    }
    let mut disjuncts = Vec::new();
    for index in 0..sort.len() {
        if nulls[index] {
            // Nothing sorts after a `NULL` but other `NULL`s, ordered by the next keys.
            continue;
        }
        let mut terms = Vec::new();
        for before in 0..index {
            let name = dialect.quote(schema.columns[sort[before].column].name);
            if nulls[before] {
                terms.push(format!("{name} IS NULL"));
            } else {
                terms.push(format!("{name} = {}", params.next()));
                binds.push(before);
            }
        }
        let op = if sort[index].descending { "<" } else { ">" };
        let after = format!(
            "{} {op} {}",
            comparable(schema, dialect, sort[index].column),
            params.next()
        );
        binds.push(index);
        terms.push(if nullable(index) {
            let name = dialect.quote(schema.columns[sort[index].column].name);
            format!("({after} OR {name} IS NULL)")
        } else {
            after
        });
        disjuncts.push(terms.join(" AND "));
    }
    conditions.push(format!("({})", disjuncts.join(" OR ")));
    conditions
}

/// One key of `ORDER BY`: the `NULL`s of an optional column last in either direction, text
/// by bytes.
fn order_key(schema: &Schema, dialect: &dyn Dialect, key: SortColumn) -> String {
    let column = &schema.columns[key.column];
    format!(
        "{}{}{}",
        comparable(schema, dialect, key.column),
        if key.descending { " DESC" } else { "" },
        if column.sql_type.nullable {
            " NULLS LAST"
        } else {
            ""
        }
    )
}
