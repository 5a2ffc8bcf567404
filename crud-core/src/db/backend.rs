//! The sqlx databases the services run on, each implementing the few operations they need,
//! compiled once per backend.

use crate::column::{ColumnType, Encodable};
use crate::dialect::BackendKind;
use sqlx::error::BoxDynError;
use sqlx::{Arguments, Database, Pool, Postgres, Row, SqlStr, Sqlite};
use std::future::Future;
use std::pin::Pin;

/// A boxed future. The statements run behind one: sqlx's query and pool machinery is then
/// compiled once, in this crate, rather than again in every crate that awaits a query.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

mod sealed {
    pub trait Sealed {}
    impl Sealed for sqlx::Sqlite {}
    impl Sealed for sqlx::Postgres {}
}

/// A supported sqlx database: the operations the generic services need, implemented once per
/// backend. Sealed: the backends are SQLite and PostgreSQL.
pub trait Backend: Database + sealed::Sealed {
    /// Which backend this is.
    const KIND: BackendKind;

    /// Adds a query parameter.
    fn add<T: Encodable>(args: &mut Self::Arguments, value: T) -> Result<(), BoxDynError>;

    /// Reads the column at `index` of a row.
    fn get<T: ColumnType>(row: &Self::Row, index: usize) -> Result<T, sqlx::Error>;

    /// Runs a statement returning at most one row.
    fn fetch_optional<'p>(
        pool: &'p Pool<Self>,
        sql: SqlStr,
        args: Self::Arguments,
    ) -> BoxFuture<'p, Result<Option<Self::Row>, sqlx::Error>>;

    /// Runs a statement returning rows, to its end.
    fn fetch_all<'p>(
        pool: &'p Pool<Self>,
        sql: SqlStr,
        args: Self::Arguments,
    ) -> BoxFuture<'p, Result<Vec<Self::Row>, sqlx::Error>>;

    /// Runs a write returning at most one row, to its end: an error reported after the row
    /// (a failed commit, a deferred constraint) is the write's error.
    fn fetch_written<'p>(
        pool: &'p Pool<Self>,
        sql: &'static str,
        args: Self::Arguments,
    ) -> BoxFuture<'p, Result<Option<Self::Row>, sqlx::Error>>;
}

// The statements run in functions that are neither generic over the resource nor inlined
// elsewhere, behind a `BoxFuture`: sqlx's machinery is compiled once per backend, here.
macro_rules! backend {
    ($db:ty, $kind:expr, written: $written:expr) => {
        impl Backend for $db {
            const KIND: BackendKind = $kind;

            fn add<T: Encodable>(args: &mut Self::Arguments, value: T) -> Result<(), BoxDynError> {
                args.add(value)
            }

            fn get<T: ColumnType>(row: &Self::Row, index: usize) -> Result<T, sqlx::Error> {
                row.try_get(index)
            }

            #[inline(never)]
            fn fetch_optional<'p>(
                pool: &'p Pool<Self>,
                sql: SqlStr,
                args: Self::Arguments,
            ) -> BoxFuture<'p, Result<Option<Self::Row>, sqlx::Error>> {
                Box::pin(sqlx::query_with(sql, args).fetch_optional(pool))
            }

            #[inline(never)]
            fn fetch_all<'p>(
                pool: &'p Pool<Self>,
                sql: SqlStr,
                args: Self::Arguments,
            ) -> BoxFuture<'p, Result<Vec<Self::Row>, sqlx::Error>> {
                Box::pin(sqlx::query_with(sql, args).fetch_all(pool))
            }

            #[inline(never)]
            fn fetch_written<'p>(
                pool: &'p Pool<Self>,
                sql: &'static str,
                args: Self::Arguments,
            ) -> BoxFuture<'p, Result<Option<Self::Row>, sqlx::Error>> {
                $written(pool, sql, args)
            }
        }
    };
}

// sqlx-sqlite's `fetch_optional` stops stepping the statement at its first row, before the
// step that commits: a write is read with `fetch_all`, which steps it to its end.
backend!(Sqlite, BackendKind::Sqlite, written: |pool, sql, args| -> BoxFuture<'_, _> {
    let rows = sqlx::query_with(sql, args).fetch_all(pool);
    Box::pin(async move { Ok(rows.await?.into_iter().next()) })
});
// sqlx-postgres's `fetch_optional` reads every response of the statement (an error after the
// first row included) before it returns.
backend!(Postgres, BackendKind::Postgres, written: |pool, sql, args| -> BoxFuture<'_, _> {
    Box::pin(sqlx::query_with(sql, args).fetch_optional(pool))
});
