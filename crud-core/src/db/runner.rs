//! Where a statement runs: a pool, or the SQLite writer.

use super::SqliteWriter;
use super::backend::{Backend, BoxFuture};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Database, Pool, SqlStr, Sqlite};

/// The parameters of a write, bound once the write's time is known (on SQLite, when the
/// writer takes it up, so that times follow the order of the writes).
pub(crate) type BindAt<DB> =
    Box<dyn FnOnce(DateTime<Utc>) -> Result<<DB as Database>::Arguments, sqlx::Error> + Send>;

/// Where a statement runs: a pool, or the [`SqliteWriter`].
pub(crate) trait Runner: Sync {
    /// The backend the statements run on.
    type Database: Backend;

    /// Runs a statement that reads at most one row.
    fn fetch_optional(
        &self,
        sql: SqlStr,
        args: <Self::Database as Database>::Arguments,
    ) -> BoxFuture<'_, Result<Option<<Self::Database as Database>::Row>, sqlx::Error>>;

    /// Runs a statement that reads rows.
    fn fetch_all(
        &self,
        sql: SqlStr,
        args: <Self::Database as Database>::Arguments,
    ) -> BoxFuture<'_, Result<Vec<<Self::Database as Database>::Row>, sqlx::Error>>;

    /// Runs a write returning at most one row, with the parameters `bind` gives for the
    /// write's time. The statement is run to its end before the row is returned, so that an
    /// error of the step that commits (a full disk, say) is never missed.
    fn write(
        &self,
        sql: &'static str,
        bind: BindAt<Self::Database>,
    ) -> BoxFuture<'_, Result<Option<<Self::Database as Database>::Row>, sqlx::Error>>;
}

impl<DB: Backend> Runner for Pool<DB> {
    type Database = DB;

    fn fetch_optional(
        &self,
        sql: SqlStr,
        args: DB::Arguments,
    ) -> BoxFuture<'_, Result<Option<DB::Row>, sqlx::Error>> {
        DB::fetch_optional(self, sql, args)
    }

    fn fetch_all(
        &self,
        sql: SqlStr,
        args: DB::Arguments,
    ) -> BoxFuture<'_, Result<Vec<DB::Row>, sqlx::Error>> {
        DB::fetch_all(self, sql, args)
    }

    fn write(
        &self,
        sql: &'static str,
        bind: BindAt<DB>,
    ) -> BoxFuture<'_, Result<Option<DB::Row>, sqlx::Error>> {
        match bind(crate::column::now()) {
            Ok(args) => DB::fetch_written(self, sql, args),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

impl Runner for SqliteWriter {
    type Database = Sqlite;

    #[inline(never)]
    fn fetch_optional(
        &self,
        sql: SqlStr,
        args: SqliteArguments,
    ) -> BoxFuture<'_, Result<Option<SqliteRow>, sqlx::Error>> {
        Box::pin(self.run(move |connection| {
            Box::pin(sqlx::query_with(sql, args).fetch_optional(connection))
        }))
    }

    #[inline(never)]
    fn fetch_all(
        &self,
        sql: SqlStr,
        args: SqliteArguments,
    ) -> BoxFuture<'_, Result<Vec<SqliteRow>, sqlx::Error>> {
        Box::pin(
            self.run(move |connection| Box::pin(sqlx::query_with(sql, args).fetch_all(connection))),
        )
    }

    #[inline(never)]
    fn write(
        &self,
        sql: &'static str,
        bind: BindAt<Sqlite>,
    ) -> BoxFuture<'_, Result<Option<SqliteRow>, sqlx::Error>> {
        Box::pin(self.run_at(move |connection, now| {
            Box::pin(async move {
                let rows = sqlx::query_with(sql, bind(now)?)
                    .fetch_all(connection)
                    .await?;
                Ok(rows.into_iter().next())
            })
        }))
    }
}
