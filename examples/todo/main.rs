//! The todo server: `Task`, a user-scoped resource of `crud-core`, on SQLite (the default, a
//! `todo.db` file) or PostgreSQL.
//!
//! ```sh
//! cargo run --example todo                     # serves on http://127.0.0.1:8000
//! cargo run --example todo -- token alice      # prints a token for user `alice`
//! cargo run --example todo -- openapi          # prints the API's OpenAPI document
//! cargo run --example todo -- --help           # every setting, and its variable
//! ```

use clap::Parser;
use crud_core::db::{masked_url, redact};
use crud_core::{AppState, Auth, BackendKind, Db, DbOptions};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use todo::{Cli, Command, ServeConfig, Task, app};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    // A missing `.env` is fine; everything has a default or comes from the environment.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Token { user_id, hours }) => token(&cli.serve, &user_id, hours),
        Some(Command::Schema { backend }) => {
            schema(&backend);
            Ok(())
        }
        Some(Command::Openapi) => openapi(),
        None | Some(Command::Serve) => serve_blocking(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the DDL of the tasks table, one statement per line.
fn schema(backend: &str) {
    let kind = match backend {
        "sqlite" => BackendKind::Sqlite,
        _ => BackendKind::Postgres,
    };
    for statement in crud_core::migrate::ddl::<Task>(kind) {
        println!("{statement};");
    }
}

/// Prints the OpenAPI document, indented.
fn openapi() -> Result<(), BoxError> {
    println!("{}", todo::openapi().to_pretty_json()?);
    Ok(())
}

fn token(config: &ServeConfig, user_id: &str, hours: u64) -> Result<(), BoxError> {
    let secret = config.secret.as_deref().ok_or(
        "BETTER_AUTH_SECRET is not set: the server would not accept a token signed with another secret",
    )?;
    println!(
        "{}",
        Auth::hs256(secret)?.issue(user_id, Duration::from_secs(hours * 3600))
    );
    Ok(())
}

fn serve_blocking(config: ServeConfig) -> Result<(), BoxError> {
    let filter = log_filter()?;
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_ansi(std::io::stdout().is_terminal()))
        .with(filter)
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(config))
}

/// The log filter from `RUST_LOG` (`info` when unset): a default level and/or `target=level`
/// directives, separated by commas.
fn log_filter() -> Result<Targets, BoxError> {
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => directives.parse().map_err(|error| {
            format!("RUST_LOG={directives:?} is not a log filter: {error}").into()
        }),
        _ => Ok(Targets::new().with_default(tracing::Level::INFO)),
    }
}

async fn serve(config: ServeConfig) -> Result<(), BoxError> {
    let (auth, demo_token) = match &config.secret {
        Some(secret) => (Auth::hs256(secret)?, None),
        None => {
            let secret = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            let auth = Auth::hs256(secret)?;
            let token = auth.issue("demo", Duration::from_secs(24 * 3600));
            tracing::warn!(
                "BETTER_AUTH_SECRET is not set: signing tokens with a random secret for this run only"
            );
            (auth, Some(token))
        }
    };
    let mut options = DbOptions::default()
        .with_max_connections(config.max_connections)
        .with_sqlite_sync_commits(config.sqlite_synchronous == "full");
    if let Some(timeout) = config.database_connect_timeout {
        options = options.with_connect_timeout(timeout);
    }
    if let Some(timeout) = config.database_timeout {
        options = options.with_operation_timeout(timeout);
    }
    let url = &config.database_url;
    let db = Db::connect_with(url, &options).await.map_err(|error| {
        let error = error.to_string();
        format!(
            "cannot open the database {}: {}",
            masked_url(url),
            redact(&error, url)
        )
    })?;
    db.create_table::<Task>()
        .await
        .map_err(|error| redact(&error.to_string(), url).into_owned())?;

    let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
    let address = listener.local_addr()?;
    if let Some(token) = demo_token {
        println!("A token for user `demo`, valid 24 hours on this run:\n\n  {token}\n");
        println!(
            "Try:\n\n  curl -H 'Authorization: Bearer {token}' http://{address}/api/demo/tasks\n"
        );
    }
    tracing::info!(%address, database = %masked_url(url), "todo server listening");
    crud_core::serve(
        listener,
        app(AppState::new(db.clone(), auth)),
        config.serve_options(),
        shutdown_signal(),
    )
    .await?;
    db.close().await;
    tracing::info!("todo server stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
