#!/usr/bin/env python3
"""Runs Schemathesis against the live todo server, on SQLite and on PostgreSQL.

For each backend, a fresh todo server (a new SQLite file, or a new PostgreSQL database
`crud_schemathesis`, created and dropped with psql) is started on a free port in 18200-18299
with a fixed secret, `todo token alice` mints a token, and `schemathesis run` tests every
operation of the server's own document (`GET /openapi.json`) with every check (`--checks all`):
the responses against the document (statuses, media types, headers, bodies), requests the
document allows being accepted and those it forbids being refused, methods it does not list
answering 405, authentication not ignored, a deleted task gone, another user's ids absent, and
its stateful sequences (create, then read, write, delete what was created). Any failure fails
the script; so does a server that does not stop cleanly.

The configuration is tests/openapi/schemathesis.toml (the path's `user_id` is the token's user)
and tests/openapi/schemathesis_hooks.py (the two answers it lets through, and why).

Schemathesis is installed from PyPI, pinned, into the virtual environment
target/ci-tools/schemathesis (created if missing, as .ci/run does for its tools), and the
script runs itself again in it.

    python3 tests/openapi/schemathesis.py [--max-examples N] [--backend sqlite|postgres]
                                          [-- schemathesis run options...]

PostgreSQL is reached at CRUD_TEST_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/test): the database `crud_schemathesis` is made beside it.
"""

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VENV = ROOT / "target" / "ci-tools" / "schemathesis"
PACKAGE = "schemathesis"
VERSION = "4.32.5"
BINARY = TARGET / "debug" / "examples" / "todo"
PORTS = range(18200, 18300)
USER = "alice"
DATABASE = "crud_schemathesis"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
# The todo server's settings that the environment could hold: none of them may leak in.
SETTINGS = [
    "DATABASE_URL", "BETTER_AUTH_SECRET", "HOST", "PORT", "DATABASE_MAX_CONNECTIONS",
    "DATABASE_CONNECT_TIMEOUT", "DATABASE_TIMEOUT", "SQLITE_SYNCHRONOUS",
    "HEADER_READ_TIMEOUT", "IDLE_TIMEOUT", "BODY_READ_TIMEOUT", "MAX_OPEN_CONNECTIONS",
    "SHUTDOWN_GRACE", "RUST_LOG",
]


def in_venv():
    """Runs the script again in target/ci-tools/schemathesis, with Schemathesis installed."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    installed = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version('{PACKAGE}'))"],
        capture_output=True, text=True).stdout.strip()
    if installed != VERSION:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"{PACKAGE}=={VERSION}"],
                       check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def free_port():
    """A port of 18200-18299 that nothing listens on now."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit("no free port in 18200-18299")


def psql(url, *commands):
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    for command in commands:
        subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", command],
                       check=True, stdout=subprocess.DEVNULL, env=env)


def with_database(url, name):
    """`url` with its database replaced by `name`."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class Server:
    """A todo server started on a free port, stopped (SIGTERM, then a check of its exit) on
    leaving."""

    def __init__(self, env, database_url, directory):
        self.port = free_port()
        self.env = dict(env, HOST="127.0.0.1", PORT=str(self.port), RUST_LOG="warn",
                        DATABASE_URL=database_url)
        self.log = open(Path(directory) / "server.log", "w+", encoding="utf-8")
        self.directory = directory
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen([str(BINARY)], env=self.env, cwd=self.directory,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/openapi.json", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError) as error:
                if self.process.poll() is not None:
                    sys.exit(f"the todo server exited: {self.output()}")
                if time.monotonic() > deadline:
                    self.process.kill()
                    sys.exit(f"the todo server did not answer within 60 s: {error}")
                time.sleep(0.1)

    def __exit__(self, *_):
        self.process.terminate()
        try:
            status = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            sys.exit(f"the todo server did not stop within 30 s: {self.output()}")
        output = self.output()
        self.log.close()
        if status != 0:
            sys.exit(f"the todo server exited with {status}: {output}")
        if "panicked" in output:
            sys.exit(f"the todo server panicked: {output}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()


def run(backend, env, max_examples, extra):
    """Schemathesis against a fresh server on `backend`; returns its exit code and summary."""
    secret = secrets.token_hex(32)
    env = dict(env, BETTER_AUTH_SECRET=secret)
    token = subprocess.run([str(BINARY), "token", USER], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    admin = os.environ.get("CRUD_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as directory:
        if backend == "sqlite":
            database_url = f"sqlite://{directory}/todo.db"
        else:
            psql(admin, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
                 f"CREATE DATABASE {DATABASE}")
            database_url = with_database(admin, DATABASE)
        try:
            with Server(env, database_url, directory) as server:
                print(f"\n--- {backend}: the todo server at {server.url}, "
                      f"schemathesis {VERSION}, {max_examples} examples per operation",
                      flush=True)
                started = time.monotonic()
                command = [
                    str(VENV / "bin" / "schemathesis"),
                    "--config-file", str(HERE / "schemathesis.toml"),
                    "--no-color",
                    "run", f"{server.url}/openapi.json",
                    "--checks", "all",
                    "--max-examples", str(max_examples),
                    "--continue-on-failure",
                    "--generation-database", "none",
                    "--report", "junit",
                    "--report-junit-path", str(TARGET / "schemathesis" / f"{backend}.xml"),
                    *extra,
                ]
                st_env = dict(os.environ, SCHEMATHESIS_TOKEN=token,
                              SCHEMATHESIS_HOOKS=str(HERE / "schemathesis_hooks.py"))
                result = subprocess.run(command, env=st_env, cwd=directory,
                                        capture_output=True, text=True)
                elapsed = time.monotonic() - started
                print(result.stdout, end="")
                print(result.stderr, end="", file=sys.stderr)
        finally:
            if backend == "postgres":
                psql(admin, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    cases = re.search(r"^\s*(\d+) generated.*$", result.stdout, re.MULTILINE)
    summary = cases.group(0).strip() if cases else "no test cases reported"
    return result.returncode, f"{backend}: {summary} in {elapsed:.0f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=200,
                        help="test cases per operation and phase (default 200)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append",
                        help="only this backend (default: both)")
    parser.add_argument("extra", nargs="*", help="more options of `schemathesis run`")
    args = parser.parse_args()
    in_venv()

    subprocess.run(["cargo", "build", "-q", "--example", "todo"], cwd=ROOT, check=True)
    (TARGET / "schemathesis").mkdir(parents=True, exist_ok=True)
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    results = [run(backend, env, args.max_examples, args.extra)
               for backend in args.backend or ["sqlite", "postgres"]]
    print()
    for code, summary in results:
        print(f"Schemathesis {'passed' if code == 0 else 'FAILED'} on {summary}")
    if any(code != 0 for code, _ in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
