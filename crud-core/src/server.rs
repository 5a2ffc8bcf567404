//! A hardened replacement for `axum::serve`: [`serve`] with time limits on every phase of a
//! connection, a cap on open connections, and a bounded graceful shutdown ([`ServeOptions`]).
//!
//! `axum::serve` waits for ever: for a request head, for a body, for the next request on a
//! keep-alive connection, and at shutdown for every connection to finish. A few thousand
//! clients that connect and send nothing exhaust the process's file descriptors, and one
//! client holding a partial request keeps a stopping server alive. [`serve`] bounds each of
//! these:
//!
//! | Phase | Limit | What happens |
//! |---|---|---|
//! | From accept, or from the first byte of a later request, to a complete head | [`header_read_timeout`](ServeOptions::header_read_timeout) | The connection is closed. |
//! | Between the end of a response and the next request's first byte | [`idle_timeout`](ServeOptions::idle_timeout) | The connection is closed. |
//! | Waiting for a request body | [`body_read_timeout`](ServeOptions::body_read_timeout) | The request answers 408 `{"detail": "..."}` and the connection is closed. |
//! | Open connections | [`max_open_connections`](ServeOptions::max_open_connections) | No more are accepted until one closes; the others wait in the listen backlog. |
//! | Shutdown | [`shutdown_grace`](ServeOptions::shutdown_grace) | Connections still open after it are dropped. |
//!
//! The timers are per connection: one timer, moved only when a deadline comes nearer, so a
//! request in steady keep-alive traffic costs a few atomic operations and no timer update. It
//! serves HTTP/1.1 (and 1.0), as `axum::serve` does with axum's default features; protocol
//! upgrades (WebSocket) are not supported.
//!
//! ```no_run
//! use crud_core::{ServeOptions, serve};
//! use std::time::Duration;
//!
//! # async fn run(app: axum::Router) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! let options = ServeOptions::default().with_idle_timeout(Duration::from_secs(30));
//! let shutdown = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! serve(listener, app, options, shutdown).await
//! # }
//! ```

use crate::error::Error;
use axum::Router;
use axum::body::{Body as AxumBody, Bytes};
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

/// How long [`serve`] waits before accepting again after an error such as `EMFILE` (too many
/// open files): long enough not to spin, short enough to pick up a freed descriptor soon.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The settings of [`serve`]. Build it from [`ServeOptions::default`] and the `with_*` setters
/// (or by assigning its fields).
///
/// A duration too large to add to the current time (`Duration::MAX`) means no limit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeOptions {
    /// How long a client may take to send a request head (request line and headers), after
    /// which the connection is closed without an answer (default 10 s).
    ///
    /// On a new connection it counts from the accept, so a connection that sends nothing is
    /// closed after it too; on a keep-alive connection, from the first byte of the next
    /// request (the wait before that byte is the [`idle_timeout`](Self::idle_timeout)).
    pub header_read_timeout: Duration,
    /// How long a keep-alive connection may stay without a request in progress, from the end
    /// of one response to the first byte of the next request, after which it is closed
    /// (default 60 s).
    pub idle_timeout: Duration,
    /// How long a request body may take to arrive once the handler has to wait for it
    /// (default 30 s). The whole rest of the body must arrive within it, however it trickles
    /// in; a body already received with its head is never timed. When it passes, the handler
    /// sees a body error, the request answers 408 `{"detail": "..."}` instead of the handler's
    /// response, and the connection is closed after it.
    pub body_read_timeout: Duration,
    /// The most connections open at once (default 512, well under the usual soft limit of
    /// 1024 file descriptors, leaving room for the database and log files). At the cap the
    /// server stops accepting until a connection closes: new clients wait in the listen
    /// backlog, the open connections and the listener keep working. Must be at least 1.
    pub max_open_connections: usize,
    /// How long a shutdown waits for the requests in flight (default 10 s). Once the shutdown
    /// future of [`serve`] resolves, the listener is closed (new connections are refused),
    /// idle connections are closed, a connection with a request in flight is closed after its
    /// response, and whatever is still open after this period is dropped.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
            max_open_connections: 512,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServeOptions {
    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    #[must_use]
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`body_read_timeout`](Self::body_read_timeout).
    #[must_use]
    pub fn with_body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Sets [`max_open_connections`](Self::max_open_connections).
    #[must_use]
    pub fn with_max_open_connections(mut self, connections: usize) -> Self {
        self.max_open_connections = connections;
        self
    }

    /// Sets [`shutdown_grace`](Self::shutdown_grace).
    #[must_use]
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }
}

/// Serves `app` on `listener` over HTTP/1.1 with the limits of `options`, until `shutdown`
/// resolves; then shuts down gracefully within [`ServeOptions::shutdown_grace`] and returns
/// `Ok(())`.
///
/// Errors accepting a connection never end the server: one aborted by its client is skipped,
/// any other (`EMFILE`, `ENFILE`, `ENOBUFS`...) is logged (once per run of failures) and
/// accepting is tried again every 100 ms.
///
/// # Errors
///
/// An [`io::ErrorKind::InvalidInput`] error, before serving, when
/// [`max_open_connections`](ServeOptions::max_open_connections) is 0.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    if options.max_open_connections == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "max_open_connections must be at least 1",
        ));
    }
    let slots = Arc::new(Semaphore::new(
        options.max_open_connections.min(Semaphore::MAX_PERMITS),
    ));
    let mut builder = http1::Builder::new();
    // No hyper timer: its header timeout would also cut idle keep-alive connections short.
    // The connection driver below keeps both deadlines.
    builder.header_read_timeout(None).keep_alive(true);
    let shared = Arc::new(Shared {
        app,
        builder,
        options: options.clone(),
    });
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut failed_accepts = 0_u64;

    'serve: loop {
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break 'serve,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                // The semaphore is never closed.
                Err(_) => break 'serve,
            },
        };
        let stream = loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break 'serve,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        if failed_accepts > 0 {
                            tracing::info!(failed_accepts, "accepting connections again");
                            failed_accepts = 0;
                        }
                        break stream;
                    }
                    Err(error) if is_connection_error(&error) => {}
                    Err(error) => {
                        // The first failure of a run is a warning; the retries, every
                        // 100 ms, would flood the log.
                        if failed_accepts == 0 {
                            tracing::warn!(
                                %error,
                                retry_every = ?ACCEPT_RETRY,
                                "cannot accept a connection"
                            );
                        } else {
                            tracing::debug!(%error, "cannot accept a connection");
                        }
                        failed_accepts += 1;
                        tokio::select! {
                            biased;
                            () = &mut shutdown => break 'serve,
                            () = tokio::time::sleep(ACCEPT_RETRY) => {}
                        }
                    }
                },
            }
        };
        while connections.try_join_next().is_some() {}
        let shared = Arc::clone(&shared);
        let watcher = graceful.watcher();
        connections.spawn(async move {
            shared.connection(stream, watcher).await;
            drop(slot);
        });
    }

    // New connections are refused from here on.
    drop(listener);
    while connections.try_join_next().is_some() {}
    tracing::info!(
        connections = connections.len(),
        grace = ?options.shutdown_grace,
        "no longer accepting; waiting for the requests in flight"
    );
    if tokio::time::timeout(options.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        while connections.try_join_next().is_some() {}
        tracing::warn!(
            connections = connections.len(),
            "shutdown grace period over: dropping the connections still open"
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// An accept error that concerns one connection only, which its client gave up on.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// What every connection of one [`serve`] call shares.
struct Shared {
    app: Router,
    builder: http1::Builder,
    options: ServeOptions,
}

impl Shared {
    /// Serves one connection until it ends, fails or passes one of its deadlines.
    async fn connection(&self, stream: TcpStream, watcher: Watcher) {
        let state = Arc::new(ConnectionState::new());
        let io = TokioIo::new(Io {
            stream,
            state: Arc::clone(&state),
        });
        let service = Service {
            app: self.app.clone(),
            state: Arc::clone(&state),
            body_read_timeout: self.options.body_read_timeout,
        };
        let connection = watcher.watch(self.builder.serve_connection(io, service));
        let deadlines = Deadlines {
            // A timeout too large to add (`Duration::MAX`) is no limit: a timer that never fires.
            timer: tokio::time::sleep_until(
                state
                    .start
                    .checked_add(self.options.header_read_timeout)
                    .unwrap_or_else(far_future),
            ),
            connection,
            state,
            header_read_timeout: self.options.header_read_timeout,
            idle_timeout: self.options.idle_timeout,
        };
        match deadlines.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(%error, "connection failed"),
            Err(Expired(phase)) => tracing::debug!("connection closed: {phase} timed out"),
        }
    }
}

/// The phase of a connection, in the two low bits of [`ConnectionState::phase`].
const HEAD: u64 = 0;
/// No request in progress: after a response, before the next request's first byte.
const IDLE: u64 = 1;
/// A request in progress, from its complete head to the end of its response.
const BUSY: u64 = 2;

/// Where a connection stands, shared by its stream, its service and its response bodies.
/// All of them run in the connection's task, so the atomics are never contended.
#[derive(Debug)]
struct ConnectionState {
    /// When the connection was accepted.
    start: Instant,
    /// The phase (low two bits) and when it began, in milliseconds since `start`.
    phase: AtomicU64,
    /// The number of the request in progress or last served (1 for the first).
    request: AtomicU64,
    /// The number of the request whose body timed out, 0 for none.
    body_timed_out: AtomicU64,
}

impl ConnectionState {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            phase: AtomicU64::new(HEAD),
            request: AtomicU64::new(0),
            body_timed_out: AtomicU64::new(0),
        }
    }

    fn set_phase(&self, phase: u64) {
        let elapsed = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.phase
            .store((elapsed.min(u64::MAX >> 2) << 2) | phase, Ordering::Release);
    }

    /// Bytes arrived: an idle connection starts reading a request head.
    fn on_read(&self) {
        if self.phase.load(Ordering::Acquire) & 3 == IDLE {
            self.set_phase(HEAD);
        }
    }

    /// A complete request head: the request is in progress. Returns its number.
    fn begin_request(&self) -> u64 {
        self.phase.store(BUSY, Ordering::Release);
        self.request.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// The response of request `number` is written (or given up): the connection is idle,
    /// unless a later request has begun.
    fn end_request(&self, number: u64) {
        if self.request.load(Ordering::Acquire) == number {
            self.set_phase(IDLE);
        }
    }

    /// The current phase's deadline, if it has one.
    fn deadline(
        &self,
        header_read_timeout: Duration,
        idle_timeout: Duration,
    ) -> Option<PhaseDeadline> {
        let word = self.phase.load(Ordering::Acquire);
        let (phase, timeout) = match word & 3 {
            HEAD => (Phase::Head, header_read_timeout),
            IDLE => (Phase::Idle, idle_timeout),
            _ => return None,
        };
        let deadline = self
            .start
            .checked_add(Duration::from_millis(word >> 2))?
            .checked_add(timeout)?;
        Some(PhaseDeadline { phase, deadline })
    }
}

/// A time no deadline reaches: about thirty years from now (tokio's own "far future").
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// A connection phase with a deadline.
#[derive(Clone, Copy, Debug)]
enum Phase {
    Head,
    Idle,
}

/// A phase and when it times out.
#[derive(Clone, Copy, Debug)]
struct PhaseDeadline {
    phase: Phase,
    deadline: Instant,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Head => "reading the request head",
            Self::Idle => "the idle keep-alive wait",
        })
    }
}

/// A connection passed the deadline of this phase.
#[derive(Debug)]
struct Expired(Phase);

pin_project! {
    /// Drives a connection and closes it (by dropping it) when its phase's deadline passes.
    ///
    /// The timer is moved only when a deadline comes nearer; when it fires early (the deadline
    /// moved later since) it is set again. Everything that changes the phase runs inside
    /// `connection.poll`, so the deadline is checked right after.
    struct Deadlines<F> {
        #[pin]
        connection: F,
        #[pin]
        timer: Sleep,
        state: Arc<ConnectionState>,
        header_read_timeout: Duration,
        idle_timeout: Duration,
    }
}

impl<F: Future> Future for Deadlines<F> {
    type Output = Result<F::Output, Expired>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(output) = this.connection.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        loop {
            let Some(PhaseDeadline { phase, deadline }) = this
                .state
                .deadline(*this.header_read_timeout, *this.idle_timeout)
            else {
                return Poll::Pending;
            };
            if deadline < this.timer.deadline() {
                this.timer.as_mut().reset(deadline);
            }
            ready!(this.timer.as_mut().poll(cx));
            if Instant::now() >= deadline {
                return Poll::Ready(Err(Expired(phase)));
            }
            this.timer.as_mut().reset(deadline);
        }
    }
}

/// The TCP stream of a connection, noting when bytes arrive on an idle connection.
struct Io {
    stream: TcpStream,
    state: Arc<ConnectionState>,
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.state.on_read();
        }
        poll
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The hyper service of one connection: the router, with the request body timed and the
/// response body watched for its end.
#[derive(Clone)]
struct Service {
    app: Router,
    state: Arc<ConnectionState>,
    body_read_timeout: Duration,
}

impl hyper::service::Service<Request<Incoming>> for Service {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let number = self.state.begin_request();
        let request = request.map(|body| {
            AxumBody::new(RequestBody {
                body,
                state: Arc::clone(&self.state),
                number,
                timeout: self.body_read_timeout,
                timer: None,
            })
        });
        let mut app = self.app.clone();
        ResponseFuture {
            inner: tower_service::Service::call(&mut app, request),
            state: Arc::clone(&self.state),
            number,
            body_read_timeout: self.body_read_timeout,
        }
    }
}

pin_project! {
    /// The router's response, or 408 if the request body timed out meanwhile.
    struct ResponseFuture {
        #[pin]
        inner: <Router as tower_service::Service<Request<AxumBody>>>::Future,
        state: Arc<ConnectionState>,
        number: u64,
        body_read_timeout: Duration,
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response<ResponseBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = ready!(this.inner.poll(cx));
        if this.state.body_timed_out.load(Ordering::Acquire) == *this.number {
            response = Error::Status {
                status: StatusCode::REQUEST_TIMEOUT,
                message: format!(
                    "Request body not received within {:?}",
                    this.body_read_timeout
                ),
            }
            .into_response();
            // The rest of the body is unread: the connection cannot carry another request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        let state = Arc::clone(this.state);
        let number = *this.number;
        Poll::Ready(Ok(response.map(|body| ResponseBody {
            body,
            state,
            number,
        })))
    }
}

/// The request body failed to arrive within [`ServeOptions::body_read_timeout`].
#[derive(Debug)]
struct BodyTimedOut(Duration);

impl fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request body not received within {:?}", self.0)
    }
}

impl std::error::Error for BodyTimedOut {}

/// A request body with a deadline, started the first time the handler has to wait for it.
struct RequestBody {
    body: Incoming,
    state: Arc<ConnectionState>,
    number: u64,
    timeout: Duration,
    /// Set on the first wait; boxed so that a body that never waits costs no timer.
    timer: Option<Pin<Box<Sleep>>>,
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.state.body_timed_out.load(Ordering::Acquire) == this.number {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(this.timeout)))));
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let timeout = this.timeout;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(timer.as_mut().poll(cx));
        this.state
            .body_timed_out
            .store(this.number, Ordering::Release);
        Poll::Ready(Some(Err(Box::new(BodyTimedOut(timeout)))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A response body that marks the connection idle when hyper is done with it.
struct ResponseBody {
    body: AxumBody,
    state: Arc<ConnectionState>,
    number: u64,
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        self.state.end_request(self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn timeouts_too_large_to_add_are_no_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("an address");
        let app = Router::new().route("/", axum::routing::post(|body: String| async move { body }));
        let options = ServeOptions::default()
            .with_header_read_timeout(Duration::MAX)
            .with_idle_timeout(Duration::MAX)
            .with_body_read_timeout(Duration::MAX)
            .with_shutdown_grace(Duration::MAX);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, options, async {
            let _ = stopped.await;
        }));
        let mut client = TcpStream::connect(address).await.expect("connects");
        client
            .write_all(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
            )
            .await
            .expect("sends");
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.expect("reads");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
        let _ = stop.send(());
        server.await.expect("joins").expect("serves");
    }

    #[test]
    fn defaults_and_setters() {
        let options = ServeOptions::default();
        assert_eq!(options.header_read_timeout, Duration::from_secs(10));
        assert_eq!(options.idle_timeout, Duration::from_secs(60));
        assert_eq!(options.body_read_timeout, Duration::from_secs(30));
        assert_eq!(options.max_open_connections, 512);
        assert_eq!(options.shutdown_grace, Duration::from_secs(10));
        let options = options
            .with_header_read_timeout(Duration::from_secs(1))
            .with_idle_timeout(Duration::from_secs(2))
            .with_body_read_timeout(Duration::from_secs(3))
            .with_max_open_connections(4)
            .with_shutdown_grace(Duration::from_secs(5));
        assert_eq!(
            (
                options.header_read_timeout,
                options.idle_timeout,
                options.body_read_timeout,
                options.max_open_connections,
                options.shutdown_grace
            ),
            (
                Duration::from_secs(1),
                Duration::from_secs(2),
                Duration::from_secs(3),
                4,
                Duration::from_secs(5)
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn phases_and_their_deadlines() {
        let header = Duration::from_secs(10);
        let idle = Duration::from_secs(60);
        let state = ConnectionState::new();
        let deadline = state.deadline(header, idle).expect("a head deadline");
        assert!(matches!(deadline.phase, Phase::Head));
        assert_eq!(deadline.deadline, state.start + header);

        let first = state.begin_request();
        assert_eq!(first, 1);
        assert!(
            state.deadline(header, idle).is_none(),
            "no deadline when busy"
        );
        state.on_read();
        assert!(
            state.deadline(header, idle).is_none(),
            "bytes of a busy request do not start a head"
        );

        tokio::time::advance(Duration::from_secs(5)).await;
        state.end_request(first);
        let deadline = state.deadline(header, idle).expect("an idle deadline");
        assert!(matches!(deadline.phase, Phase::Idle));
        assert_eq!(
            deadline.deadline,
            state.start + Duration::from_secs(5) + idle
        );

        tokio::time::advance(Duration::from_secs(7)).await;
        state.on_read();
        let deadline = state.deadline(header, idle).expect("a head deadline");
        assert!(matches!(deadline.phase, Phase::Head));
        assert_eq!(
            deadline.deadline,
            state.start + Duration::from_secs(12) + header
        );

        let second = state.begin_request();
        state.end_request(first);
        assert!(
            state.deadline(header, idle).is_none(),
            "the end of an earlier response does not make a busy connection idle"
        );
        state.end_request(second);
        assert!(state.deadline(header, idle).is_some());
    }

    #[test]
    fn no_limit_for_a_huge_timeout() {
        let state = ConnectionState::new();
        assert!(state.deadline(Duration::MAX, Duration::MAX).is_none());
    }
}
