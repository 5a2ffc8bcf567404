//! Connecting at start-up to a database that may not be reachable yet.

use super::DbOptions;
use super::failure::transient_at_connect;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// The first pause between two attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// The least time an attempt gets, even when the connect timeout has (almost) passed.
const MIN_ATTEMPT: Duration = Duration::from_millis(100);

/// Runs `connect` until it succeeds, fails with an error that waiting cannot fix, or
/// [`DbOptions::connect_timeout`] has passed; every failed attempt is logged with its cause,
/// and the last one's error is returned.
pub(super) async fn retrying<T, F, Fut>(
    options: &DbOptions,
    mut connect: F,
) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let deadline = Instant::now() + options.connect_timeout;
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1_u32;
    loop {
        // An attempt gets what is left of the time: a server that accepts the connection and
        // then never answers (a frozen one) must not hold the start-up for ever.
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match tokio::time::timeout(left.max(MIN_ATTEMPT), connect()).await {
            Ok(Ok(connected)) => return Ok(connected),
            Ok(Err(error)) => error,
            Err(_) => sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the database did not answer within {:?}",
                    left.max(MIN_ATTEMPT)
                ),
            )),
        };
        let now = Instant::now();
        if !transient_at_connect(&error) || now + pause > deadline {
            return Err(error);
        }
        tracing::warn!(
            %error,
            attempt,
            retry_in = ?pause,
            "the database cannot be reached yet; trying again"
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn options(connect_timeout: Duration) -> DbOptions {
        DbOptions {
            connect_timeout,
            ..DbOptions::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn tries_again_until_the_database_answers() {
        let attempts = AtomicU32::new(0);
        let connected = retrying(&options(Duration::from_secs(5)), || async {
            match attempts.fetch_add(1, Ordering::SeqCst) {
                0..3 => Err(sqlx::Error::Io(
                    std::io::ErrorKind::ConnectionRefused.into(),
                )),
                _ => Ok("connected"),
            }
        })
        .await;
        assert_eq!(connected.ok(), Some("connected"));
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_with_the_real_cause() {
        let started = Instant::now();
        let error = retrying::<(), _, _>(&options(Duration::from_secs(3)), || async {
            Err(sqlx::Error::Io(
                std::io::ErrorKind::ConnectionRefused.into(),
            ))
        })
        .await
        .expect_err("never reachable");
        assert!(
            matches!(&error, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused)
        );
        assert!(
            started.elapsed() <= Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_that_never_answers_is_cut_at_the_connect_timeout() {
        let started = Instant::now();
        let error = retrying::<(), _, _>(&options(Duration::from_secs(3)), || {
            std::future::pending::<Result<(), sqlx::Error>>()
        })
        .await
        .expect_err("never answers");
        assert!(
            matches!(&error, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut),
            "{error:?}"
        );
        assert!(
            started.elapsed() <= Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_waiting_cannot_fix_fails_at_once() {
        let attempts = AtomicU32::new(0);
        let error = retrying::<(), _, _>(&options(Duration::from_secs(30)), || async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err(sqlx::Error::Configuration("no such database".into()))
        })
        .await
        .expect_err("fails");
        assert!(matches!(error, sqlx::Error::Configuration(_)));
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }
}
