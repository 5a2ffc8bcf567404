//! The todo server as a child process, for the tests that run the real binary: the binary,
//! a command with a clean environment, and a running server with the lines it printed.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Every setting of the todo server that the environment could hold; cleared for each test.
pub const SETTINGS: [&str; 13] = [
    "DATABASE_URL",
    "BETTER_AUTH_SECRET",
    "HOST",
    "PORT",
    "DATABASE_MAX_CONNECTIONS",
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_TIMEOUT",
    "SQLITE_SYNCHRONOUS",
    "HEADER_READ_TIMEOUT",
    "IDLE_TIMEOUT",
    "BODY_READ_TIMEOUT",
    "MAX_OPEN_CONNECTIONS",
    "SHUTDOWN_GRACE",
];

/// The example binary, built by `cargo test` next to this test's own binary.
pub fn todo_binary() -> PathBuf {
    let deps = std::env::current_exe().expect("the test binary's path");
    let profile = deps
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile
        .join("examples")
        .join(format!("todo{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --example todo`",
        binary.display()
    );
    binary
}

/// Runs `command` in `dir` (so `./todo.db` is there and no `.env` is read) with none of the
/// server's settings from the environment, logs at `info`, and a free port.
pub fn clean_environment(command: &mut Command, dir: &Path) {
    command.current_dir(dir);
    for variable in SETTINGS {
        command.env_remove(variable);
    }
    command.env("RUST_LOG", "info").env("PORT", "0");
}

/// The todo command in `dir`, with a clean environment.
pub fn todo_command(dir: &Path) -> Command {
    let mut command = Command::new(todo_binary());
    clean_environment(&mut command, dir);
    command
}

/// A running server and the lines it printed.
pub struct Server {
    pub child: Child,
    pub address: String,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
}

impl Server {
    /// Starts the server and waits for its "listening" line.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        let mut printed = Vec::new();
        let address = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| {
                    panic!("the server never said it listens; it printed {printed:#?}")
                });
            let address = line
                .split_once("address=")
                .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_owned());
            printed.push(line);
            if let Some(address) = address {
                break address;
            }
        };
        Self {
            child,
            address,
            lines,
            printed,
        }
    }

    /// Every line printed so far.
    pub fn output(&mut self) -> &[String] {
        self.printed.extend(self.lines.try_iter());
        &self.printed
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
