//! The command line and environment of the todo server.

use clap::{Parser, Subcommand};
use crud_core::ServeOptions;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// The todo server: a user-scoped task API on SQLite or PostgreSQL.
///
/// Every option can also be set in the environment or in a `.env` file.
#[derive(Debug, Parser)]
#[command(name = "todo", version)]
pub struct Cli {
    /// What to do; serves when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The server settings.
    #[command(flatten)]
    pub serve: ServeConfig,
}

/// The server settings. Its `Debug` shows the database URL without its password, and not the
/// secret.
#[derive(Clone, clap::Args)]
pub struct ServeConfig {
    /// The database: a `sqlite:` or `postgres:` URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://todo.db",
        hide_env_values = true
    )]
    pub database_url: String,
    /// The address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,
    /// The most database connections in the pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub max_connections: u32,
    /// SQLite only: `full` syncs each commit to the disk before answering, so an acknowledged
    /// write survives a power loss; `normal` survives a crash of the server but not of the
    /// machine, and writes faster.
    #[arg(long, env = "SQLITE_SYNCHRONOUS", default_value = "full", value_parser = ["full", "normal"])]
    pub sqlite_synchronous: String,
    /// How long, in seconds, a start-up keeps trying a database it cannot reach yet [default:
    /// 30].
    #[arg(long, env = "DATABASE_CONNECT_TIMEOUT", value_parser = seconds)]
    pub database_connect_timeout: Option<Duration>,
    /// The deadline of every database call, in seconds; one that passes answers 503 [default:
    /// 30].
    #[arg(long, env = "DATABASE_TIMEOUT", value_parser = seconds)]
    pub database_timeout: Option<Duration>,
    /// The HS256 secret that signs the tokens; a random one for this run when unset.
    #[arg(long, env = "BETTER_AUTH_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Seconds a client may take to send a request head; a new connection that sends nothing
    /// is closed after it too.
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value = "10", value_parser = seconds)]
    pub header_read_timeout: Duration,
    /// Seconds a keep-alive connection may wait for its next request before it is closed.
    #[arg(long, env = "IDLE_TIMEOUT", default_value = "60", value_parser = seconds)]
    pub idle_timeout: Duration,
    /// Seconds a request body may take to arrive once the server waits for it; then 408.
    #[arg(long, env = "BODY_READ_TIMEOUT", default_value = "30", value_parser = seconds)]
    pub body_read_timeout: Duration,
    /// The most client connections open at once; more wait until one closes.
    #[arg(long, env = "MAX_OPEN_CONNECTIONS", default_value_t = 512, value_parser = at_least_one)]
    pub max_open_connections: usize,
    /// Seconds a shutdown waits for the requests in flight before dropping them.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value = "10", value_parser = seconds)]
    pub shutdown_grace: Duration,
}

impl ServeConfig {
    /// The connection settings of [`crud_core::serve`].
    pub fn serve_options(&self) -> ServeOptions {
        ServeOptions::default()
            .with_header_read_timeout(self.header_read_timeout)
            .with_idle_timeout(self.idle_timeout)
            .with_body_read_timeout(self.body_read_timeout)
            .with_max_open_connections(self.max_open_connections)
            .with_shutdown_grace(self.shutdown_grace)
    }
}

impl fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeConfig")
            .field(
                "database_url",
                &crud_core::db::masked_url(&self.database_url),
            )
            .field("host", &self.host)
            .field("port", &self.port)
            .field("max_connections", &self.max_connections)
            .field("database_connect_timeout", &self.database_connect_timeout)
            .field("database_timeout", &self.database_timeout)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_open_connections", &self.max_open_connections)
            .field("shutdown_grace", &self.shutdown_grace)
            .finish()
    }
}

/// A duration in seconds, fractions allowed (`1.5`); more than zero.
fn seconds(value: &str) -> Result<Duration, String> {
    match value.trim().parse::<f64>() {
        Ok(seconds) if seconds > 0.0 => Duration::try_from_secs_f64(seconds)
            .map_err(|error| format!("`{value}` is not a duration in seconds: {error}")),
        Ok(_) => Err(format!("`{value}`: must be more than 0 seconds")),
        Err(error) => Err(format!("`{value}` is not a number of seconds: {error}")),
    }
}

/// A count of at least 1.
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(count) => Ok(count),
        Err(error) => Err(format!("`{value}` is not a count: {error}")),
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the API (the default).
    Serve,
    /// Prints a token for a user, signed with the configured secret.
    Token {
        /// The user id (the token's `sub`).
        user_id: String,
        /// How long the token is valid, in hours (1 to 87600, ten years).
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=87_600))]
        hours: u64,
    },
    /// Prints the DDL of the tasks table for a backend (`sqlite` or `postgres`), for a
    /// migration of your own; the server creates the table at start anyway.
    Schema {
        /// The backend whose SQL to print.
        #[arg(long, default_value = "postgres", value_parser = ["sqlite", "postgres"])]
        backend: String,
    },
    /// Prints the OpenAPI 3.1 document of the API, as JSON: what the server answers at
    /// `GET /openapi.json`.
    Openapi,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secrets() {
        let cli = Cli::try_parse_from([
            "todo",
            "--database-url",
            "postgres://u:hunter2@h/db",
            "--secret",
            "very-secret-signing-key",
        ])
        .expect("the flags parse");
        let shown = format!("{cli:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("very-secret-signing-key"), "{shown}");
        assert!(shown.contains("postgres://u:***@h/db"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn durations_are_seconds() {
        assert_eq!(seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(seconds("0.5"), Ok(Duration::from_millis(500)));
        assert!(seconds("0").is_err());
        assert!(seconds("-1").is_err());
        assert!(seconds("ten").is_err());
        assert!(seconds("inf").is_err());
        assert!(at_least_one("0").is_err());
        assert_eq!(at_least_one("5"), Ok(5));
    }

    #[test]
    fn serve_options_follow_the_flags() {
        let cli = Cli::try_parse_from([
            "todo",
            "--header-read-timeout",
            "1",
            "--idle-timeout",
            "2",
            "--body-read-timeout",
            "3",
            "--max-open-connections",
            "4",
            "--shutdown-grace",
            "5",
        ])
        .expect("the flags parse");
        let options = cli.serve.serve_options();
        assert_eq!(options.header_read_timeout, Duration::from_secs(1));
        assert_eq!(options.idle_timeout, Duration::from_secs(2));
        assert_eq!(options.body_read_timeout, Duration::from_secs(3));
        assert_eq!(options.max_open_connections, 4);
        assert_eq!(options.shutdown_grace, Duration::from_secs(5));
    }
}
