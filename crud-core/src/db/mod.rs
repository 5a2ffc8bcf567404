//! Database connections: the [`Db`] pool handle and the [`Backend`]s it runs on.

pub(crate) mod backend;
mod connect;
pub mod failure;
mod runner;
mod sqlite_writer;
mod url;

pub use crate::dialect::BackendKind;
pub(crate) use backend::{Backend, BoxFuture};
pub use failure::Failure;
pub(crate) use runner::Runner;
pub use sqlite_writer::SqliteWriter;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
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
#[non_exhaustive]
pub struct SqlitePools {
    /// The connections that read (at most [`DbOptions::max_connections`]).
    pub reads: SqlitePool,
    /// The one connection that writes (and creates tables).
    pub writer: SqliteWriter,
}

/// Pool settings for [`Db::connect_with`]: [`DbOptions::default`], then a `with_*` setter for
/// each setting to change.
///
/// ```
/// use crud_core::DbOptions;
/// use std::time::Duration;
///
/// let options = DbOptions::default()
///     .with_max_connections(20)
///     .with_operation_timeout(Duration::from_secs(5));
/// assert_eq!(options.max_connections, 20);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
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
    /// Whether each SQLite commit is synced to the disk before it is acknowledged (default
    /// `true`: `synchronous = FULL`), so that an acknowledged write survives an OS crash or a
    /// power loss. With `false` (`synchronous = NORMAL`, WAL mode), a commit survives a crash
    /// of the process, but the last ones may be lost to an OS crash or a power cut; writes
    /// then cost no sync each.
    pub sqlite_sync_commits: bool,
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

impl DbOptions {
    /// Sets [`max_connections`](Self::max_connections).
    #[must_use]
    pub fn with_max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// Sets [`min_connections`](Self::min_connections).
    #[must_use]
    pub fn with_min_connections(mut self, min_connections: u32) -> Self {
        self.min_connections = min_connections;
        self
    }

    /// Sets [`acquire_timeout`](Self::acquire_timeout).
    #[must_use]
    pub fn with_acquire_timeout(mut self, acquire_timeout: Duration) -> Self {
        self.acquire_timeout = acquire_timeout;
        self
    }

    /// Sets [`test_before_acquire`](Self::test_before_acquire).
    #[must_use]
    pub fn with_test_before_acquire(mut self, test_before_acquire: bool) -> Self {
        self.test_before_acquire = test_before_acquire;
        self
    }

    /// Sets [`sqlite_sync_commits`](Self::sqlite_sync_commits).
    #[must_use]
    pub fn with_sqlite_sync_commits(mut self, sqlite_sync_commits: bool) -> Self {
        self.sqlite_sync_commits = sqlite_sync_commits;
        self
    }

    /// Sets [`sqlite_busy_timeout`](Self::sqlite_busy_timeout).
    #[must_use]
    pub fn with_sqlite_busy_timeout(mut self, sqlite_busy_timeout: Duration) -> Self {
        self.sqlite_busy_timeout = sqlite_busy_timeout;
        self
    }

    /// Sets [`postgres_statement_timeout`](Self::postgres_statement_timeout).
    #[must_use]
    pub fn with_postgres_statement_timeout(
        mut self,
        postgres_statement_timeout: Option<Duration>,
    ) -> Self {
        self.postgres_statement_timeout = postgres_statement_timeout;
        self
    }

    /// Sets [`operation_timeout`](Self::operation_timeout).
    #[must_use]
    pub fn with_operation_timeout(mut self, operation_timeout: Duration) -> Self {
        self.operation_timeout = operation_timeout;
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    #[must_use]
    pub fn with_connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }

    /// Sets [`ping_after_idle`](Self::ping_after_idle).
    #[must_use]
    pub fn with_ping_after_idle(mut self, ping_after_idle: Option<Duration>) -> Self {
        self.ping_after_idle = ping_after_idle;
        self
    }
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(5),
            test_before_acquire: false,
            sqlite_busy_timeout: Duration::from_secs(5),
            sqlite_sync_commits: true,
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
    /// A SQLite database file is created if missing, and runs in WAL mode, so readers never
    /// wait for the writer (see [`SqlitePools`]), with each commit synced unless
    /// [`DbOptions::sqlite_sync_commits`] says otherwise.
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
                        .synchronous(if options.sqlite_sync_commits {
                            SqliteSynchronous::Full
                        } else {
                            SqliteSynchronous::Normal
                        })
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

    /// The deadline of one call to the database ([`DbOptions::operation_timeout`]).
    pub fn operation_timeout(&self) -> Duration {
        self.operation_timeout
    }

    #[inline(never)]
    pub(crate) fn execute_ddl(
        &self,
        ddl: Vec<&'static str>,
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
