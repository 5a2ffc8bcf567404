//! The command line and environment of the todo server.

use clap::{Parser, Subcommand};
use std::net::IpAddr;

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

/// The server settings.
#[derive(Clone, Debug, clap::Args)]
pub struct ServeConfig {
    /// The database: a `sqlite:` or `postgres:` URL.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://todo.db")]
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
    /// The HS256 secret that signs the tokens; a random one for this run when unset.
    #[arg(long, env = "BETTER_AUTH_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
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
        /// How long the token is valid, in hours.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
}
