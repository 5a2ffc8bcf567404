//! The one connection that writes to a SQLite database, owned by a task that runs the writes
//! in the order they arrive.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// A piece of work on the writer connection.
type Job = Box<
    dyn for<'c> FnOnce(&'c mut SqliteConnection) -> Pin<Box<dyn Future<Output = ()> + Send + 'c>>
        + Send,
>;

enum Message {
    Run(Job),
    Close(oneshot::Sender<()>),
}

/// The writer of a SQLite database: one connection, owned by a task, running the writes one
/// after the other in the order they arrive; cheap to clone.
///
/// SQLite lets one writer in at a time. Connections that collide on its lock wait in its busy
/// handler, which sleeps by steps of up to 100 ms; a pooled connection also costs a task and a
/// ping each time it is given back. Here writes queue in a channel instead, and the connection
/// goes from one to the next at once.
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
        let mut connection = SqliteConnection::connect_with(options).await?;
        let (messages, mut inbox) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            while let Some(message) = inbox.recv().await {
                match message {
                    Message::Run(job) => job(&mut connection).await,
                    Message::Close(done) => {
                        inbox.close();
                        // Writes queued before the close still run.
                        while let Some(Message::Run(job)) = inbox.recv().await {
                            job(&mut connection).await;
                        }
                        if let Err(error) = connection.close().await {
                            tracing::warn!(%error, "closing the SQLite writer connection");
                        }
                        let _ = done.send(());
                        return;
                    }
                }
            }
        });
        Ok(Self { messages })
    }

    /// Runs `work` on the writer connection once the writes queued before it are done.
    ///
    /// Fails with [`sqlx::Error::PoolClosed`] once the writer is closed.
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
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            Box::pin(async move {
                let _ = reply.send(work(connection).await);
            })
        });
        self.messages
            .send(Message::Run(job))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Runs the writes already queued, then closes the connection.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.messages.send(Message::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
    }
}
