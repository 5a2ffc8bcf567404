//! The one connection that writes to a SQLite database, owned by a task that runs the writes
//! in the order they arrive.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use futures_util::FutureExt;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// A piece of work on the writer connection, given the time of its write.
type Job = Box<
    dyn for<'c> FnOnce(
            &'c mut SqliteConnection,
            DateTime<Utc>,
        ) -> Pin<Box<dyn Future<Output = ()> + Send + 'c>>
        + Send,
>;

enum Message {
    Run(Job),
    /// The clock gives only times after this one from now on.
    NotBefore(DateTime<Utc>),
    Close(oneshot::Sender<()>),
}

/// The writer of a SQLite database: one connection, owned by a task, running the writes one
/// after the other in the order they arrive; cheap to clone.
///
/// SQLite lets one writer in at a time. Connections that collide on its lock wait in its busy
/// handler, which sleeps by steps of up to 100 ms; a pooled connection also costs a task and a
/// ping each time it is given back. Here writes queue in a channel instead, and the connection
/// goes from one to the next at once.
///
/// The task is supervised: a job that panics fails alone (its caller gets
/// [`sqlx::Error::WorkerCrashed`]) and the writer goes on with the next one. A job whose caller
/// stopped waiting (its deadline passed while it was queued) is skipped, so a write answered
/// 503 is not applied later.
#[derive(Clone)]
pub struct SqliteWriter {
    messages: mpsc::Sender<Message>,
}

impl fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteWriter").finish_non_exhaustive()
    }
}

/// How many writes may wait for the writer before the next one waits to be queued.
const QUEUE: usize = 1024;

impl SqliteWriter {
    /// Opens the writer connection and starts its task.
    pub(crate) async fn connect(options: &SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let connection = SqliteConnection::connect_with(options).await?;
        let (messages, inbox) = mpsc::channel(QUEUE);
        tokio::spawn(serve(connection, inbox));
        Ok(Self { messages })
    }

    /// Runs `work` on the writer connection once the writes queued before it are done.
    ///
    /// An application's own writes to a SQLite database belong here, so that they queue with
    /// the services' writes instead of contending for SQLite's lock.
    ///
    /// Fails with [`sqlx::Error::PoolClosed`] once the writer is closed, and with
    /// [`sqlx::Error::WorkerCrashed`] if `work` panics.
    pub async fn run<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(
                &'c mut SqliteConnection,
            )
                -> Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>
            + Send
            + 'static,
    {
        self.run_at(move |connection, _| work(connection)).await
    }

    /// Like [`run`](Self::run), and gives `work` the time of its write, taken when the write's
    /// turn comes: strictly later than the time given to every write before it.
    pub(crate) async fn run_at<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(
                &'c mut SqliteConnection,
                DateTime<Utc>,
            )
                -> Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection, now| {
            Box::pin(async move {
                // The caller gave up (its deadline passed): the write must not happen.
                if reply.is_closed() {
                    return;
                }
                let _ = reply.send(work(connection, now).await);
            })
        });
        self.messages
            .send(Message::Run(job))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // The reply is dropped without an answer only when the job panicked.
        answer.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }

    /// From now on, gives writes only times after `time` (the latest `updated_at` a table
    /// holds, which a clock set back since it was written would otherwise undercut).
    pub(crate) async fn not_before(&self, time: DateTime<Utc>) {
        let _ = self.messages.send(Message::NotBefore(time)).await;
    }

    /// Runs the writes already queued, then closes the connection.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.messages.send(Message::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
    }
}

/// The writer task: runs each job in turn until the writer is closed.
async fn serve(mut connection: SqliteConnection, mut inbox: mpsc::Receiver<Message>) {
    let mut clock = Clock::default();
    while let Some(message) = inbox.recv().await {
        match message {
            Message::Run(job) => run_supervised(&mut connection, job, clock.next()).await,
            Message::NotBefore(time) => clock.not_before(time),
            Message::Close(done) => {
                inbox.close();
                // Writes queued before the close still run.
                while let Some(message) = inbox.recv().await {
                    if let Message::Run(job) = message {
                        run_supervised(&mut connection, job, clock.next()).await;
                    }
                }
                if let Err(error) = connection.close().await {
                    tracing::warn!(%error, "closing the SQLite writer connection");
                }
                let _ = done.send(());
                return;
            }
        }
    }
}

/// Runs one job; a panic fails that job alone.
async fn run_supervised(connection: &mut SqliteConnection, job: Job, now: DateTime<Utc>) {
    let outcome = AssertUnwindSafe(job(connection, now)).catch_unwind().await;
    if let Err(panic) = outcome {
        let message = panic
            .downcast_ref::<&str>()
            .map(|message| (*message).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = %message, "a job of the SQLite writer panicked; the writer goes on");
        // A transaction the job left open must not take the next writes with it.
        if let Err(error) = sqlx::raw_sql("ROLLBACK").execute(&mut *connection).await {
            tracing::debug!(%error, "no transaction to roll back after the panic");
        }
    }
}

/// The writes' clock: the current time at the precision every backend stores
/// (microseconds), strictly later than the time it gave before, even when the system clock
/// stands still or steps back.
#[derive(Default)]
struct Clock {
    last: Option<DateTime<Utc>>,
}

impl Clock {
    fn not_before(&mut self, time: DateTime<Utc>) {
        // At the stored precision: the next time, a microsecond later, is still after `time`.
        let time = time.trunc_subsecs(6);
        if self.last.is_none_or(|last| last < time) {
            self.last = Some(time);
        }
    }

    fn next(&mut self) -> DateTime<Utc> {
        let now = crate::column::now();
        let next = match self.last {
            Some(last) if now <= last => last + TimeDelta::microseconds(1),
            _ => now,
        };
        self.last = Some(next);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn writer() -> (SqliteWriter, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("writer.db"))
            .create_if_missing(true);
        let writer = SqliteWriter::connect(&options).await.expect("opens");
        writer
            .run(|c| {
                Box::pin(
                    async move { sqlx::raw_sql("CREATE TABLE t (n INTEGER)").execute(c).await },
                )
            })
            .await
            .expect("creates the table");
        (writer, dir)
    }

    async fn count(writer: &SqliteWriter) -> i64 {
        writer
            .run(|c| {
                Box::pin(async move {
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM t")
                        .fetch_one(c)
                        .await
                })
            })
            .await
            .expect("counts")
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let (writer, _dir) = writer().await;
        let error = writer
            .run::<(), _>(|c| {
                Box::pin(async move {
                    sqlx::raw_sql("BEGIN; INSERT INTO t VALUES (1)")
                        .execute(&mut *c)
                        .await?;
                    panic!("a bug in a job")
                })
            })
            .await
            .expect_err("the job panicked");
        assert!(matches!(error, sqlx::Error::WorkerCrashed), "{error:?}");
        // The writer goes on, and the panicked job's transaction was rolled back.
        writer
            .run(|c| {
                Box::pin(async move { sqlx::raw_sql("INSERT INTO t VALUES (2)").execute(c).await })
            })
            .await
            .expect("the next write runs");
        assert_eq!(count(&writer).await, 1);
    }

    #[tokio::test]
    async fn a_write_whose_caller_gave_up_is_not_applied() {
        let (writer, _dir) = writer().await;
        // A slow job holds the writer while the next one times out in the queue.
        let slow = writer.run(|_| {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok(())
            })
        });
        let abandoned = tokio::time::timeout(
            Duration::from_millis(50),
            writer.run(|c| {
                Box::pin(async move { sqlx::raw_sql("INSERT INTO t VALUES (1)").execute(c).await })
            }),
        );
        let (slow, abandoned) = tokio::join!(slow, abandoned);
        slow.expect("the slow job");
        assert!(abandoned.is_err(), "the caller timed out");
        assert_eq!(count(&writer).await, 0);
    }

    #[test]
    fn the_clock_never_repeats_or_steps_back() {
        let mut clock = Clock::default();
        let mut last = clock.next();
        for _ in 0..10_000 {
            let next = clock.next();
            assert!(next > last, "{next} after {last}");
            assert_eq!(next.timestamp_subsec_nanos() % 1000, 0);
            last = next;
        }
        // The system clock behind the last time given: still strictly later.
        let ahead = Utc::now().trunc_subsecs(6) + TimeDelta::hours(1);
        clock.not_before(ahead);
        assert_eq!(clock.next(), ahead + TimeDelta::microseconds(1));
        // An earlier time does not move it back.
        clock.not_before(ahead - TimeDelta::hours(2));
        assert_eq!(clock.next(), ahead + TimeDelta::microseconds(2));
    }
}
