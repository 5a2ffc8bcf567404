//! Database connections: the [`Db`] pool handle and the [`Backend`]s it runs on.

mod connect;
pub mod failure;
mod sqlite_writer;
mod url;

use crate::column::{ColumnType, Encodable};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
pub use failure::Failure;
pub use sqlite_writer::SqliteWriter;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Arguments, Database, PgPool, Pool, Postgres, Row, Sqlite, SqlitePool};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;
pub use url::{masked_url, redact};

/// Runs `$body` with `$pool` bound to the [`Runner`] of a [`Db`] that serves reads or
/// writes.
macro_rules! with_pool {
    ($db:expr, reads $pool:ident => $body:expr) => {
        match &$db.pools {
            $crate::db::Pools::Sqlite(sqlite) => {
                let $pool = &sqlite.reads;
                $body
            }
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
    ($db:expr, writes $pool:ident => $body:expr) => {
        match &$db.pools {
            $crate::db::Pools::Sqlite(sqlite) => {
                let $pool = &sqlite.writer;
                $body
            }
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// The SQL backends a [`Db`] can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// SQLite, embedded: a file or an in-memory database.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl BackendKind {
    /// The backend a database URL names (`sqlite:` or `postgres:`/`postgresql:`).
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

/// A connection pool on one of the supported backends; cheap to clone.
///
/// Every service function and handler of a resource takes a `Db`, so one resource definition
/// runs unchanged on SQLite and PostgreSQL. Every call it makes to the database is bounded by
/// [`DbOptions::operation_timeout`].
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pools: Pools,
    operation_timeout: Duration,
}

/// The pools of a [`Db`], by backend.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    /// SQLite pools: readers and the one writer.
    Sqlite(SqlitePools),
    /// A PostgreSQL pool.
    Postgres(PgPool),
}

/// A SQLite database as [`Db`] uses it: reads on a pool of connections, writes on one
/// connection of their own, the [`SqliteWriter`], where they queue in order. Readers (WAL
/// mode) never wait for the writer.
#[derive(Clone, Debug)]
pub struct SqlitePools {
    /// The connections that read (at most [`DbOptions::max_connections`]).
    pub reads: SqlitePool,
    /// The one connection that writes (and creates tables).
    pub writer: SqliteWriter,
}

/// Pool settings for [`Db::connect_with`].
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// The most connections the pool opens (default 10). On SQLite, the readers'; the writer
    /// has one more of its own.
    pub max_connections: u32,
    /// The connections the pool keeps open when idle (default 0).
    pub min_connections: u32,
    /// How long a request waits for a free connection before it fails with 503 (default 5 s).
    /// SQLite writes wait in the [`SqliteWriter`]'s queue instead.
    pub acquire_timeout: Duration,
    /// Whether to ping each connection when it is taken from the pool (default `false`).
    ///
    /// A ping costs one round trip per query; a broken connection is detected by the query
    /// itself and dropped from the pool, so the default leaves it off.
    pub test_before_acquire: bool,
    /// How long a SQLite write waits for another writer's lock (default 5 s).
    pub sqlite_busy_timeout: Duration,
    /// How long a PostgreSQL statement may run before the server cancels it (default 30 s;
    /// `None` for no limit). A cancelled statement answers 503. A `statement_timeout` set in
    /// the connect options (the URL's `options[statement_timeout]=5s`, say) takes precedence.
    pub postgres_statement_timeout: Option<Duration>,
    /// The deadline of one call to the database, from waiting for a connection (or for the
    /// SQLite writer) to the last row (default 30 s). When it passes the call answers 503,
    /// even if the database stopped answering altogether; a write that had not started by
    /// then is not applied.
    pub operation_timeout: Duration,
    /// How long [`Db::connect_with`] keeps trying a database that cannot be reached yet (the
    /// connection is refused, the server is starting up...), with a growing pause between
    /// attempts, each failure logged with its cause (default 30 s). Errors that waiting cannot
    /// fix (a wrong password, a missing database) fail at once.
    pub connect_timeout: Duration,
    /// A pooled PostgreSQL connection idle for longer than this is checked with a ping before
    /// use, and replaced if it turns out dead (a server restart while the pool was quiet);
    /// `None` never checks (default 1 s). Connections in steady use are not pinged.
    pub ping_after_idle: Option<Duration>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(5),
            test_before_acquire: false,
            sqlite_busy_timeout: Duration::from_secs(5),
            postgres_statement_timeout: Some(Duration::from_secs(30)),
            operation_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(30),
            ping_after_idle: Some(Duration::from_secs(1)),
        }
    }
}

impl Db {
    /// Connects to a `sqlite:` or `postgres:` URL with the default [`DbOptions`].
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(url, &DbOptions::default()).await
    }

    /// Connects to a `sqlite:` or `postgres:` URL.
    ///
    /// A SQLite database file is created if missing, and runs in WAL mode with
    /// `synchronous = NORMAL`, so readers never wait for the writer (see [`SqlitePools`]).
    /// `sqlite::memory:` gives one reading connection beside the writer.
    ///
    /// A database that cannot be reached yet is tried again for
    /// [`DbOptions::connect_timeout`]; the error is then the last attempt's own (the connection
    /// refused, say), never a bare pool timeout.
    pub async fn connect_with(url: &str, options: &DbOptions) -> Result<Self, sqlx::Error> {
        Self::open(url, options).await
    }

    #[inline(never)]
    fn open<'a>(url: &'a str, options: &'a DbOptions) -> BoxFuture<'a, Result<Self, sqlx::Error>> {
        Box::pin(async move {
            match BackendKind::from_url(url) {
                Some(BackendKind::Sqlite) => {
                    let connect = SqliteConnectOptions::from_str(url)?
                        .create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(options.sqlite_busy_timeout);
                    // The writer connects first: it creates the file.
                    let writer =
                        connect::retrying(options, || SqliteWriter::connect(&connect)).await?;
                    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                    // An in-memory database is shared by the connections of the same options.
                    let readers = if in_memory {
                        1
                    } else {
                        options.max_connections
                    };
                    let reads = SqlitePoolOptions::new()
                        .max_connections(readers)
                        .min_connections(options.min_connections.min(readers))
                        .acquire_timeout(options.acquire_timeout)
                        .test_before_acquire(options.test_before_acquire)
                        .connect_with(connect)
                        .await?;
                    Ok(Self::new(
                        Pools::Sqlite(SqlitePools { reads, writer }),
                        options,
                    ))
                }
                Some(BackendKind::Postgres) => {
                    Self::connect_postgres(PgConnectOptions::from_str(url)?, options).await
                }
                None => Err(sqlx::Error::Configuration(
                    format!(
                        "unsupported database URL {}: expected a `sqlite:` or `postgres:` URL",
                        crate::db::masked_url(url)
                    )
                    .into(),
                )),
            }
        })
    }

    fn new(pools: Pools, options: &DbOptions) -> Self {
        Self {
            pools,
            operation_timeout: options.operation_timeout,
        }
    }

    /// Connects to PostgreSQL with explicit connect options (a schema's `search_path`, TLS...).
    pub async fn connect_postgres(
        connect: PgConnectOptions,
        options: &DbOptions,
    ) -> Result<Self, sqlx::Error> {
        Self::open_postgres(connect, options).await
    }

    #[inline(never)]
    fn open_postgres(
        mut connect: PgConnectOptions,
        options: &DbOptions,
    ) -> BoxFuture<'_, Result<Self, sqlx::Error>> {
        let set_by_caller = connect
            .get_options()
            .is_some_and(|set| set.contains("statement_timeout"));
        if let Some(timeout) = options
            .postgres_statement_timeout
            .filter(|_| !set_by_caller)
        {
            let milliseconds = timeout.as_millis().to_string();
            connect = connect.options([("statement_timeout", milliseconds.as_str())]);
        }
        Box::pin(async move {
            // One connection first, to learn the real cause while the database cannot be
            // reached; the pool then opens its own.
            let probe = connect::retrying(options, || {
                <sqlx::PgConnection as sqlx::Connection>::connect_with(&connect)
            })
            .await?;
            let _ = sqlx::Connection::close(probe).await;
            let pool = Self::postgres_pool(options).connect_with(connect).await?;
            Ok(Self::new(Pools::Postgres(pool), options))
        })
    }

    fn postgres_pool(options: &DbOptions) -> PgPoolOptions {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .min_connections(options.min_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(options.test_before_acquire);
        match options.ping_after_idle {
            Some(idle) if !options.test_before_acquire => {
                pool.before_acquire(move |connection, meta| {
                    Box::pin(async move {
                        if meta.idle_for > idle {
                            sqlx::Connection::ping(connection).await?;
                        }
                        Ok(true)
                    })
                })
            }
            _ => pool,
        }
    }

    /// Which backend this pool runs on.
    pub fn backend(&self) -> BackendKind {
        match &self.pools {
            Pools::Sqlite(_) => BackendKind::Sqlite,
            Pools::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// The SQLite pools, for queries of the application's own; `None` on another backend.
    pub fn sqlite(&self) -> Option<&SqlitePools> {
        match &self.pools {
            Pools::Sqlite(sqlite) => Some(sqlite),
            Pools::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for queries of the application's own; `None` on another backend.
    pub fn postgres(&self) -> Option<&PgPool> {
        match &self.pools {
            Pools::Postgres(pool) => Some(pool),
            Pools::Sqlite(_) => None,
        }
    }

    /// Runs one call to the database within [`DbOptions::operation_timeout`]: 503 when it
    /// passes.
    pub(crate) async fn bounded<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::time::timeout(self.operation_timeout, call)
            .await
            .unwrap_or(Err(Error::DatabaseTimeout(self.operation_timeout)))
    }

    #[inline(never)]
    pub(crate) fn execute_ddl(
        &self,
        ddl: [&'static str; 2],
    ) -> BoxFuture<'_, Result<(), sqlx::Error>> {
        Box::pin(async move {
            for ddl in ddl {
                let ddl = sqlx::AssertSqlSafe(ddl);
                match &self.pools {
                    Pools::Sqlite(sqlite) => {
                        sqlite
                            .writer
                            .run(move |connection| {
                                Box::pin(
                                    async move { sqlx::raw_sql(ddl).execute(connection).await },
                                )
                            })
                            .await?;
                    }
                    Pools::Postgres(pool) => {
                        sqlx::raw_sql(ddl).execute(pool).await?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Closes every connection, waiting for the ones in use.
    pub async fn close(&self) {
        self.close_all().await;
    }

    #[inline(never)]
    fn close_all(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            match &self.pools {
                Pools::Sqlite(sqlite) => {
                    sqlite.reads.close().await;
                    sqlite.writer.close().await;
                }
                Pools::Postgres(pool) => pool.close().await,
            }
        })
    }
}

/// A boxed future. The statements run behind one: sqlx's query and pool machinery is then
/// compiled once, in this crate, rather than again in every crate that awaits a query.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The parameters of a write, bound once the write's time is known (on SQLite, when the
/// writer takes it up, so that times follow the order of the writes).
pub type BindAt<DB> =
    Box<dyn FnOnce(DateTime<Utc>) -> Result<<DB as Database>::Arguments, sqlx::Error> + Send>;

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
        sql: &'static str,
        args: Self::Arguments,
    ) -> BoxFuture<'p, Result<Option<Self::Row>, sqlx::Error>>;

    /// Runs a statement returning rows, to its end.
    fn fetch_all<'p>(
        pool: &'p Pool<Self>,
        sql: &'static str,
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
                sql: &'static str,
                args: Self::Arguments,
            ) -> BoxFuture<'p, Result<Option<Self::Row>, sqlx::Error>> {
                Box::pin(sqlx::query_with(sql, args).fetch_optional(pool))
            }

            #[inline(never)]
            fn fetch_all<'p>(
                pool: &'p Pool<Self>,
                sql: &'static str,
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

/// Where a statement runs: a pool, or the [`SqliteWriter`].
pub trait Runner: Sync {
    /// The backend the statements run on.
    type Database: Backend;

    /// Runs a statement that reads at most one row.
    fn fetch_optional(
        &self,
        sql: &'static str,
        args: <Self::Database as Database>::Arguments,
    ) -> BoxFuture<'_, Result<Option<<Self::Database as Database>::Row>, sqlx::Error>>;

    /// Runs a statement that reads rows.
    fn fetch_all(
        &self,
        sql: &'static str,
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
        sql: &'static str,
        args: DB::Arguments,
    ) -> BoxFuture<'_, Result<Option<DB::Row>, sqlx::Error>> {
        DB::fetch_optional(self, sql, args)
    }

    fn fetch_all(
        &self,
        sql: &'static str,
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
        sql: &'static str,
        args: SqliteArguments,
    ) -> BoxFuture<'_, Result<Option<SqliteRow>, sqlx::Error>> {
        Box::pin(self.run(move |connection| {
            Box::pin(sqlx::query_with(sql, args).fetch_optional(connection))
        }))
    }

    #[inline(never)]
    fn fetch_all(
        &self,
        sql: &'static str,
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

#[cfg(test)]
mod tests {
    use super::BackendKind;

    #[test]
    fn url_scheme_names_the_backend() {
        assert_eq!(
            BackendKind::from_url("sqlite://todo.db"),
            Some(BackendKind::Sqlite)
        );
        assert_eq!(
            BackendKind::from_url("sqlite::memory:"),
            Some(BackendKind::Sqlite)
        );
        assert_eq!(
            BackendKind::from_url("postgres://u@h/db"),
            Some(BackendKind::Postgres)
        );
        assert_eq!(
            BackendKind::from_url("postgresql://u@h/db"),
            Some(BackendKind::Postgres)
        );
        assert_eq!(BackendKind::from_url("mysql://u@h/db"), None);
        assert_eq!(BackendKind::from_url("todo.db"), None);
    }
}
