//! The todo server's connection handling, measured on the real binary over raw TCP: the
//! header-read, idle and body-read timeouts, the cap on open connections, accept errors,
//! graceful shutdown, and acknowledged writes surviving `kill -9`.
//!
//! Every test runs its own server on 127.0.0.1 with a temporary SQLite file and timeouts of a
//! second or two, and prints what it measured (`cargo test --test server -- --nocapture`).

use process::{Server, clean_environment, todo_binary};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod process;

const SECRET: &str = "server-test-secret";

/// The todo command in `dir` (see [`clean_environment`]), with a fixed secret and the
/// server's connection events logged.
fn todo_command(dir: &Path) -> Command {
    let mut command = Command::new(todo_binary());
    todo_environment(&mut command, dir);
    command
}

fn todo_environment(command: &mut Command, dir: &Path) {
    clean_environment(command, dir);
    command
        .env("RUST_LOG", "info,crud_core::server=debug")
        .env("BETTER_AUTH_SECRET", SECRET);
}

/// A token for `user`, from the binary's `token` subcommand.
fn mint(dir: &Path, user: &str) -> String {
    let output = todo_command(dir)
        .args(["token", user])
        .output()
        .expect("the token command runs");
    assert!(output.status.success(), "token fails: {output:?}");
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

impl Server {
    /// Starts the server in `dir` with these extra arguments, and waits until it listens.
    fn start(dir: &Path, args: &[&str]) -> Self {
        let mut command = todo_command(dir);
        command.args(args);
        Server::spawn(command)
    }

    /// Every line printed so far, as one text.
    fn log(&mut self) -> String {
        self.output().join("\n")
    }

    /// The port the server listens on.
    fn port(&self) -> u16 {
        self.address
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .expect("a port")
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} works");
    }

    /// Waits up to `limit` for the process to exit; how long it took and its status.
    fn wait_exit(&mut self, limit: Duration) -> (Duration, ExitStatus) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                return (started.elapsed(), status);
            }
            assert!(
                started.elapsed() < limit,
                "the server still runs after {limit:?}; output: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.address)
            .await
            .expect("the server accepts connections")
    }

    /// One request on a new connection.
    async fn request(&self, method: &str, path: &str, token: &str, body: Option<&str>) -> Reply {
        let mut stream = self.connect().await;
        stream
            .write_all(request(method, path, token, body).as_bytes())
            .await
            .expect("the request is sent");
        read_reply(&mut stream, Duration::from_secs(10)).await
    }

    /// The connections to the server's port that the server's process holds open
    /// (established TCP sockets among its file descriptors).
    fn open_connections(&self) -> usize {
        let mut inodes = BTreeSet::new();
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let Ok(table) = std::fs::read_to_string(file) else {
                continue;
            };
            for line in table.lines().skip(1) {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let local_port = fields
                    .get(1)
                    .and_then(|local| local.rsplit_once(':'))
                    .and_then(|(_, port)| u16::from_str_radix(port, 16).ok());
                // State 01 is ESTABLISHED.
                if local_port == Some(self.port()) && fields.get(3) == Some(&"01") {
                    inodes.extend(fields.get(9).map(|inode| (*inode).to_owned()));
                }
            }
        }
        let Ok(descriptors) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else {
            return 0;
        };
        descriptors
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter_map(|target| {
                let target = target.to_string_lossy().into_owned();
                Some(
                    target
                        .strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .to_owned(),
                )
            })
            .filter(|inode| inodes.contains(inode))
            .count()
    }
}

/// An HTTP/1.1 request, keep-alive, with a JSON body if any.
fn request(method: &str, path: &str, token: &str, body: Option<&str>) -> String {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n");
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    request
}

/// A response read off a raw connection.
#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: serde_json::Value,
}

/// Reads one response (a `Content-Length` body), within `limit`.
async fn read_reply(stream: &mut TcpStream, limit: Duration) -> Reply {
    tokio::time::timeout(limit, try_read_reply(stream))
        .await
        .unwrap_or_else(|_| panic!("no response within {limit:?}"))
        .expect("a response before the connection closed")
}

/// Waits up to `limit` for the server to close `stream`; how long it took and the bytes it
/// sent meanwhile. A reset counts as closed.
async fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        match tokio::time::timeout_at(
            tokio::time::Instant::from_std(started + limit),
            stream.read(&mut chunk),
        )
        .await
        {
            Ok(Ok(0) | Err(_)) => return (started.elapsed(), bytes),
            Ok(Ok(read)) => bytes.extend_from_slice(&chunk[..read]),
            Err(_) => panic!(
                "the connection is still open after {limit:?}; it received {:?}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
}

/// Whether `elapsed` is `expected`, give or take scheduling: not before it (less 100 ms of
/// timer granularity), at most `slack` after it.
fn assert_about(what: &str, elapsed: Duration, expected: Duration, slack: Duration) {
    assert!(
        elapsed + Duration::from_millis(100) >= expected && elapsed <= expected + slack,
        "{what}: {elapsed:?}, expected {expected:?} (+{slack:?})"
    );
}

const SLACK: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn request_heads_must_arrive_within_the_header_read_timeout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let mut server = Server::start(
        dir.path(),
        &["--header-read-timeout", "1", "--idle-timeout", "30"],
    );
    let timeout = Duration::from_secs(1);

    let silent = async {
        let mut stream = server.connect().await;
        time_until_closed(&mut stream, Duration::from_secs(10)).await
    };
    let partial = async {
        let mut stream = server.connect().await;
        stream
            .write_all(b"GET /api/alice/tasks HTTP/1.1\r\nHost: test\r\nAuthor")
            .await
            .expect("sent");
        time_until_closed(&mut stream, Duration::from_secs(10)).await
    };
    let blank_lines = async {
        let mut stream = server.connect().await;
        stream.write_all(b"\r\n\r\n").await.expect("sent");
        time_until_closed(&mut stream, Duration::from_secs(10)).await
    };
    let trickled = async {
        // One byte every 200 ms: each read is prompt, the head as a whole is late.
        let mut stream = server.connect().await;
        let started = Instant::now();
        for byte in b"GET /api/alice/tasks HTTP/1.1\r\nHost: test\r\n".iter() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut probe = [0_u8; 1];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::ZERO, stream.read(&mut probe)).await
            {
                break;
            }
        }
        let (_, bytes) = time_until_closed(&mut stream, Duration::from_secs(10)).await;
        (started.elapsed(), bytes)
    };
    let (silent, partial, blank_lines, trickled) =
        tokio::join!(silent, partial, blank_lines, trickled);
    println!(
        "header-read timeout 1 s; closed after: silent {:?}, partial head {:?}, \\r\\n\\r\\n {:?}, trickled head {:?}",
        silent.0, partial.0, blank_lines.0, trickled.0
    );
    assert_about("a silent connection", silent.0, timeout, SLACK);
    assert_about("a partial head", partial.0, timeout, SLACK);
    assert_about("a trickled head", trickled.0, timeout, SLACK);
    assert!(blank_lines.0 <= timeout + SLACK, "{:?}", blank_lines.0);
    for (what, bytes) in [
        ("silent", &silent.1),
        ("partial", &partial.1),
        ("trickled", &trickled.1),
    ] {
        assert!(
            bytes.is_empty(),
            "{what}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }

    let reply = server
        .request("GET", "/api/alice/tasks", &token, None)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let output = server.log();
    assert!(
        output.contains("reading the request head timed out"),
        "{output}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let server = Server::start(
        dir.path(),
        &["--header-read-timeout", "1", "--idle-timeout", "2.5"],
    );
    let mut stream = server.connect().await;
    stream
        .write_all(request("GET", "/api/alice/tasks", &token, None).as_bytes())
        .await
        .expect("sent");
    assert_eq!(read_reply(&mut stream, SLACK).await.status, 200);

    // Longer than the header-read timeout: that one does not cut an idle connection.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream
        .write_all(request("GET", "/api/alice/tasks", &token, None).as_bytes())
        .await
        .expect("sent");
    let reply = read_reply(&mut stream, SLACK).await;
    assert_eq!(reply.status, 200, "the connection is kept alive: {reply:?}");

    let (closed, bytes) = time_until_closed(&mut stream, Duration::from_secs(10)).await;
    println!("idle timeout 2.5 s: an idle keep-alive connection closed after {closed:?}");
    assert_about(
        "an idle connection",
        closed,
        Duration::from_millis(2500),
        SLACK,
    );
    assert!(bytes.is_empty(), "{:?}", String::from_utf8_lossy(&bytes));
}

#[tokio::test]
async fn a_stalled_body_answers_408_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let server = Server::start(
        dir.path(),
        &["--body-read-timeout", "1", "--header-read-timeout", "5"],
    );
    let timeout = Duration::from_secs(1);

    let stalled = async {
        let mut stream = server.connect().await;
        stream
            .write_all(b"POST /api/alice/tasks HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ")
            .await
            .expect("sent");
        stream
            .write_all(
                format!(
                    "{token}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"title\": \"sta"
                )
                .as_bytes(),
            )
            .await
            .expect("sent");
        let started = Instant::now();
        let reply = read_reply(&mut stream, Duration::from_secs(10)).await;
        let answered = started.elapsed();
        let (closed, _) = time_until_closed(&mut stream, Duration::from_secs(5)).await;
        (answered, reply, closed)
    };
    let trickled = async {
        // A byte every 300 ms: the body as a whole is late.
        let mut stream = server.connect().await;
        let body = r#"{"title": "trickled in, never finished"}"#;
        let head = request("POST", "/api/alice/tasks", &token, Some(body));
        let head = &head[..head.len() - body.len()];
        stream.write_all(head.as_bytes()).await.expect("sent");
        let started = Instant::now();
        let reply = async {
            let mut reply = None;
            for byte in body.bytes() {
                tokio::time::sleep(Duration::from_millis(300)).await;
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                let mut probe = [0_u8; 1];
                if let Ok(Ok(1)) =
                    tokio::time::timeout(Duration::from_millis(1), stream.peek(&mut probe)).await
                {
                    reply = Some(read_reply(&mut stream, Duration::from_secs(5)).await);
                    break;
                }
            }
            reply.expect("an answer before the body is complete")
        }
        .await;
        (started.elapsed(), reply)
    };
    let ((answered, reply, closed), (trickled_answered, trickled_reply)) =
        tokio::join!(stalled, trickled);
    println!(
        "body-read timeout 1 s: a stalled body answered {} after {answered:?} (closed {closed:?} later), a trickled one {} after {trickled_answered:?}",
        reply.status, trickled_reply.status
    );
    for (what, reply, elapsed) in [
        ("stalled", &reply, answered),
        ("trickled", &trickled_reply, trickled_answered),
    ] {
        assert_eq!(reply.status, 408, "{what}: {reply:?}");
        assert!(
            reply.body["detail"]
                .as_str()
                .is_some_and(|detail| detail.contains("Request body not received")),
            "{what}: {reply:?}"
        );
        assert!(
            reply
                .head
                .to_ascii_lowercase()
                .contains("connection: close"),
            "{what}: {reply:?}"
        );
        assert_about(what, elapsed, timeout, SLACK);
    }
    assert!(closed <= Duration::from_millis(500), "{closed:?}");

    let listed = server
        .request("GET", "/api/alice/tasks", &token, None)
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, serde_json::json!([]), "nothing was written");
}

#[tokio::test]
async fn at_the_connection_cap_new_clients_wait_for_a_free_slot() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let mut server = Server::start(
        dir.path(),
        &[
            "--max-open-connections",
            "5",
            "--idle-timeout",
            "2",
            "--header-read-timeout",
            "2",
        ],
    );
    let cap = 5;

    let mut idle = Vec::new();
    for _ in 0..cap {
        let mut stream = server.connect().await;
        stream
            .write_all(request("GET", "/api/alice/tasks", &token, None).as_bytes())
            .await
            .expect("sent");
        assert_eq!(read_reply(&mut stream, SLACK).await.status, 200);
        idle.push(stream);
    }
    let held_at = Instant::now();
    assert_eq!(server.open_connections(), cap);

    // Twenty more clients: each one connects (the kernel's backlog takes it) and sends its
    // request; the server accepts them as slots free up.
    let waiting = (0..20).map(|_| {
        let address = server.address.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(&address).await.expect("connects");
            stream
                .write_all(request("GET", "/api/alice/tasks", &token, None).as_bytes())
                .await
                .expect("sent");
            let reply = read_reply(&mut stream, Duration::from_secs(20)).await;
            (held_at.elapsed(), reply.status)
        })
    });
    let waiting: Vec<_> = waiting.collect();
    let mut most = 0;
    while !waiting.iter().all(tokio::task::JoinHandle::is_finished) {
        most = most.max(server.open_connections());
        assert!(
            held_at.elapsed() < Duration::from_secs(20),
            "the waiting clients are not served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut served = Vec::new();
    for client in waiting {
        let (after, status) = client.await.expect("the client task");
        assert_eq!(status, 200);
        served.push(after);
    }
    served.sort();
    println!(
        "cap 5, 5 idle connections held (idle timeout 2 s): 20 waiting clients served after {:?} to {:?}; at most {most} connections open",
        served[0],
        served[served.len() - 1]
    );
    assert!(
        served[0] >= Duration::from_millis(1900),
        "a client was served before an idle connection timed out: {:?}",
        served[0]
    );
    assert_about(
        "the first waiting client",
        served[0],
        Duration::from_secs(2),
        SLACK,
    );
    assert!(
        most <= cap,
        "{most} connections open, over the cap of {cap}"
    );

    drop(idle);
    let reply = server
        .request("GET", "/api/alice/tasks", &token, None)
        .await;
    assert_eq!(reply.status, 200);
    let output = server.log();
    assert!(!output.contains("Too many open files"), "{output}");
}

#[tokio::test]
async fn running_out_of_file_descriptors_does_not_stop_the_server() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    // A descriptor limit of 40: the server itself holds about 20; the connection cap (the
    // default 512) does not protect it, so accepting fails with EMFILE.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -n 40 && exec \"$0\" \"$@\"")
        .arg(todo_binary())
        .args(["--header-read-timeout", "2"]);
    todo_environment(&mut command, dir.path());
    let mut server = Server::spawn(command);
    let reply = server
        .request("GET", "/api/alice/tasks", &token, None)
        .await;
    assert_eq!(reply.status, 200);

    let mut silent = Vec::new();
    for _ in 0..60 {
        silent.push(server.connect().await);
    }
    let flooded_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        server.child.try_wait().expect("a status").is_none(),
        "the server is still running"
    );

    // The silent connections time out, descriptors free up, and a request goes through.
    let reply = server
        .request("GET", "/api/alice/tasks", &token, None)
        .await;
    println!(
        "descriptor limit 40, 60 silent connections: a request answered {} after {:?}",
        reply.status,
        flooded_at.elapsed()
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    drop(silent);
    let output = server.log();
    assert!(output.contains("cannot accept a connection"), "{output}");
    assert!(output.contains("Too many open files"), "{output}");
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_refuses_new_connections() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let mut server = Server::start(
        dir.path(),
        &["--shutdown-grace", "5", "--body-read-timeout", "10"],
    );
    let idle_before = {
        let mut stream = server.connect().await;
        stream
            .write_all(request("GET", "/api/alice/tasks", &token, None).as_bytes())
            .await
            .expect("sent");
        assert_eq!(read_reply(&mut stream, SLACK).await.status, 200);
        stream
    };
    let mut silent = server.connect().await;

    // A slow request: its head and half its body, then SIGTERM, then the rest.
    let body = r#"{"title": "sent across a shutdown"}"#;
    let whole = request("POST", "/api/alice/tasks", &token, Some(body));
    let (first, rest) = whole.split_at(whole.len() - body.len() / 2);
    let mut slow = server.connect().await;
    slow.write_all(first.as_bytes()).await.expect("sent");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    server.signal("TERM");
    let mut idle_before = idle_before;
    let (idle_closed, _) = time_until_closed(&mut idle_before, Duration::from_secs(3)).await;
    let (silent_closed, _) = time_until_closed(&mut silent, Duration::from_secs(3)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = TcpStream::connect(&server.address).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|error| error.kind() == std::io::ErrorKind::ConnectionRefused),
        "new connections are refused during the shutdown: {refused:?}"
    );

    slow.write_all(rest.as_bytes()).await.expect("sent");
    let reply = read_reply(&mut slow, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["title"], "sent across a shutdown");
    assert!(
        reply
            .head
            .to_ascii_lowercase()
            .contains("connection: close"),
        "{reply:?}"
    );
    let (_, status) = server.wait_exit(Duration::from_secs(10));
    let exited = signalled.elapsed();
    println!(
        "SIGTERM: idle keep-alive connection closed after {idle_closed:?}, silent one after {silent_closed:?}; slow request answered 201; {status} {exited:?} after the signal"
    );
    assert!(status.success(), "exit 0, got {status}: {}", server.log());
    assert!(idle_closed < Duration::from_secs(1), "{idle_closed:?}");
    assert!(silent_closed < Duration::from_secs(1), "{silent_closed:?}");
    assert!(exited < Duration::from_secs(5), "{exited:?}");
    assert!(server.log().contains("todo server stopped"));

    let restarted = Server::start(dir.path(), &[]);
    let listed = restarted
        .request("GET", "/api/alice/tasks", &token, None)
        .await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1), "{listed:?}");
}

#[tokio::test]
async fn sigterm_with_a_partial_request_held_exits_after_the_grace_period() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = Server::start(
        dir.path(),
        &["--shutdown-grace", "1", "--header-read-timeout", "60"],
    );
    let mut holder = server.connect().await;
    holder
        .write_all(b"GET /api/alice/tasks HTTP/1.1\r\nHost: te")
        .await
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let signalled = Instant::now();
    server.signal("TERM");
    let (_, status) = server.wait_exit(Duration::from_secs(10));
    let exited = signalled.elapsed();
    let (closed, _) = time_until_closed(&mut holder, Duration::from_secs(1)).await;
    println!(
        "SIGTERM, partial request held, grace 1 s: {status} after {exited:?} (connection closed by then, {closed:?} after the exit)"
    );
    assert!(status.success(), "exit 0, got {status}: {}", server.log());
    assert_about(
        "the exit",
        exited,
        Duration::from_secs(1),
        Duration::from_secs(2),
    );
    let output = server.log();
    assert!(output.contains("shutdown grace period over"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_acknowledged_before_kill_9_are_kept() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = mint(dir.path(), "alice");
    let server = Server::start(dir.path(), &[]);

    let started = Instant::now();
    let writers = (0..4).map(|writer| {
        let address = server.address.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let Ok(mut stream) = TcpStream::connect(&address).await else {
                return acknowledged;
            };
            for n in 0.. {
                let body = format!(r#"{{"title": "writer {writer}, task {n}"}}"#);
                let sent = request("POST", "/api/alice/tasks", &token, Some(&body));
                if stream.write_all(sent.as_bytes()).await.is_err() {
                    break;
                }
                let Some(reply) = try_read_reply(&mut stream).await else {
                    break;
                };
                assert_eq!(reply.status, 201, "{reply:?}");
                acknowledged.push(reply.body["id"].as_i64().expect("an id"));
            }
            acknowledged
        })
    });
    let writers: Vec<_> = writers.collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.signal("KILL");
    let mut acknowledged = BTreeSet::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("the writer task"));
    }
    let killed_after = started.elapsed();
    drop(server);

    let restarted = Server::start(dir.path(), &[]);
    // Every row, a page at a time: nothing writes any more, so offsets are stable.
    let mut stored = BTreeSet::new();
    for page in 0.. {
        let uri = format!("/api/alice/tasks?limit=1000&offset={}", page * 1000);
        let listed = restarted.request("GET", &uri, &token, None).await;
        assert_eq!(listed.status, 200);
        let tasks = listed.body.as_array().expect("a list");
        stored.extend(tasks.iter().map(|task| task["id"].as_i64().expect("an id")));
        if tasks.len() < 1000 {
            break;
        }
    }
    let missing: Vec<_> = acknowledged.difference(&stored).collect();
    println!(
        "kill -9 after {killed_after:?} of 4 writers: {} writes acknowledged with 201, {} rows after the restart, {} acknowledged ones missing",
        acknowledged.len(),
        stored.len(),
        missing.len()
    );
    assert!(!acknowledged.is_empty(), "no write was acknowledged");
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
}

/// One response (a `Content-Length` body), or `None` if the connection closed or broke first.
async fn try_read_reply(stream: &mut TcpStream) -> Option<Reply> {
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => bytes.extend_from_slice(&chunk[..read]),
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    while bytes.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => bytes.extend_from_slice(&chunk[..read]),
        }
    }
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = serde_json::from_slice(&bytes[head_end..head_end + length]).ok()?;
    Some(Reply { status, head, body })
}
