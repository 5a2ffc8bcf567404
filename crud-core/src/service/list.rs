//! Lists: a page of the owner's rows, by a [`ListQuery`].

use super::{bounded, read_again_once, statements};
use crate::column::SqlKind;
use crate::db::{Backend, Db, Runner, with_pool};
use crate::error::Result;
use crate::operator::Operator;
use crate::query::plan::{Plan, in_arity};
use crate::query::{Cursor, ListQuery, Value};
use crate::resource::{Binder, Resource};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Database;
use uuid::Uuid;

/// One page of a list.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ListPage<R> {
    /// The page's resources, in the list's order.
    pub items: Vec<R>,
    /// Where the next page starts ([`ListQuery::after`]); `None` on the last page.
    pub next: Option<Cursor>,
    /// Every resource the filters keep, whatever the page, when the query asked
    /// ([`ListQuery::count`]).
    pub total: Option<u64>,
}

/// A page of the owner's resources: those `query`'s filters keep, in its order (the
/// resource's order by default, the id last), of its size (the resource's page size by
/// default), after its cursor or offset. An invalid query (a field that cannot be filtered or
/// sorted on, a value of the wrong type, a limit above the maximum, a cursor of another list)
/// is [`Error::BadRequest`](crate::Error::BadRequest), before any query.
pub async fn list<R: Resource>(db: &Db, owner: &str, query: ListQuery) -> Result<ListPage<R>> {
    let plan = Plan::new(&R::SCHEMA, &query)?;
    bounded(
        db,
        read_again_once(|| async {
            with_pool!(db, reads runner => run::<R, _>(runner, owner, &plan).await)
        }),
    )
    .await
}

async fn run<R: Resource, P: Runner>(runner: &P, owner: &str, plan: &Plan) -> Result<ListPage<R>> {
    let (rows, total) = tokio::try_join!(page::<R, P>(runner, owner, plan), async {
        match plan.count {
            true => count::<R, P>(runner, owner, plan).await.map(Some),
            false => Ok(None),
        }
    })?;
    let limit = usize::try_from(plan.limit).unwrap_or(usize::MAX);
    let next = match rows.get(limit) {
        // A row beyond the page: the next page starts after the page's last row.
        Some(_) => {
            let last = &rows[limit - 1];
            let keys = plan
                .sort
                .iter()
                .map(|key| read_value::<P::Database>(last, key.column, &R::SCHEMA))
                .collect::<Result<Vec<_>, _>>()?;
            Some(Cursor::encode(&R::SCHEMA, &plan.filters, &plan.sort, &keys))
        }
        None => None,
    };
    let items = rows
        .iter()
        .take(limit)
        .map(|row| R::decode::<P::Database>(row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListPage { items, next, total })
}

/// The page's rows, and one more if there is a next page.
async fn page<R: Resource, P: Runner>(
    runner: &P,
    owner: &str,
    plan: &Plan,
) -> Result<Vec<<P::Database as Database>::Row>> {
    let statements = statements::<R, P>();
    let mut binder = Binder::<P::Database>::default();
    binder.push(owner.to_owned());
    let fetch = i64::from(plan.limit) + 1;
    let first_page = plan.filters.is_empty()
        && plan.after.is_none()
        && plan.offset.is_none()
        && plan.sort == statements.list_sort;
    let sql = if first_page {
        binder.push(fetch);
        statements.list.clone()
    } else {
        let backend = <P::Database as Backend>::KIND;
        let statement = statements
            .lists
            .get(&R::SCHEMA, backend, &plan.page_shape());
        bind_filters(&mut binder, plan);
        if let Some(keys) = &plan.after {
            for &key in &statement.cursor_binds {
                push_value(&mut binder, &keys[key]);
            }
        }
        binder.push(fetch);
        if let Some(offset) = plan.offset {
            binder.push(i64::from(offset));
        }
        statement.sql.clone()
    };
    Ok(runner.fetch_all(sql, binder.finish()?).await?)
}

/// The number of rows the filters keep.
async fn count<R: Resource, P: Runner>(runner: &P, owner: &str, plan: &Plan) -> Result<u64> {
    let backend = <P::Database as Backend>::KIND;
    let statement = statements::<R, P>()
        .lists
        .get(&R::SCHEMA, backend, &plan.count_shape());
    let mut binder = Binder::<P::Database>::default();
    binder.push(owner.to_owned());
    bind_filters(&mut binder, plan);
    let row = runner
        .fetch_optional(statement.sql.clone(), binder.finish()?)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let count = <P::Database as Backend>::get::<i64>(&row, 0)?;
    Ok(u64::try_from(count).unwrap_or_default())
}

fn bind_filters<DB: Backend>(binder: &mut Binder<DB>, plan: &Plan) {
    for filter in &plan.filters {
        match filter.op {
            Operator::IsNull => {}
            Operator::In => {
                // Padded with the last value, as the statement's shape says.
                let padding = filter.values.last().into_iter().cycle();
                let values = filter.values.iter().chain(padding);
                for value in values.take(in_arity(filter.values.len())) {
                    push_value(binder, value);
                }
            }
            _ => {
                for value in &filter.values {
                    push_value(binder, value);
                }
            }
        }
    }
}

fn push_value<DB: Backend>(binder: &mut Binder<DB>, value: &Value) {
    match value.clone() {
        Value::Null => binder.push(None::<String>),
        Value::Boolean(value) => binder.push(value),
        Value::SmallInt(value) => binder.push(value),
        Value::Integer(value) => binder.push(value),
        Value::BigInt(value) => binder.push(value),
        Value::Real(value) => binder.push(value),
        Value::Double(value) => binder.push(value),
        Value::Uuid(value) => binder.push(value),
        Value::Timestamp(value) => binder.push(value),
        Value::Date(value) => binder.push(value),
        Value::Text(value) => binder.push(value),
    }
}

/// The value of the column at `index` of a row, by the column's type.
fn read_value<DB: Backend>(
    row: &DB::Row,
    index: usize,
    schema: &crate::schema::Schema,
) -> Result<Value, sqlx::Error> {
    fn read<DB: Backend, T>(row: &DB::Row, index: usize) -> Result<Value, sqlx::Error>
    where
        Option<T>: crate::column::ColumnType,
        T: Into<Value>,
    {
        Ok(DB::get::<Option<T>>(row, index)?.into())
    }
    match schema.columns[index].sql_type.kind {
        SqlKind::Boolean => read::<DB, bool>(row, index),
        SqlKind::SmallInt => read::<DB, i16>(row, index),
        SqlKind::Integer => read::<DB, i32>(row, index),
        SqlKind::BigInt => read::<DB, i64>(row, index),
        SqlKind::Real => read::<DB, f32>(row, index),
        SqlKind::Double => read::<DB, f64>(row, index),
        SqlKind::Uuid => read::<DB, Uuid>(row, index),
        SqlKind::Timestamp => read::<DB, DateTime<Utc>>(row, index),
        SqlKind::Date => read::<DB, NaiveDate>(row, index),
        SqlKind::Text => read::<DB, String>(row, index),
    }
}
