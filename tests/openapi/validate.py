#!/usr/bin/env python3
"""Validates the todo server's OpenAPI document as OpenAPI 3.1, with openapi-spec-validator.

The document is read twice: as `todo openapi` prints it, and as a running todo server answers
it at `GET /openapi.json` (SQLite in a temporary directory, a free port, no token); the two must
be the same document, which openapi-spec-validator then checks against the OpenAPI 3.1 schema
and its rules (unique operation ids, path parameters declared, references resolved, every
schema valid JSON Schema).

openapi-spec-validator is installed from PyPI into the virtual environment target/ci-tools
(created if missing, as .ci/run does for cargo-deny), and the script runs itself again in it.

    python3 tests/openapi/validate.py
"""

import importlib.metadata
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VENV = ROOT / "target" / "ci-tools"
VALIDATOR = "openapi-spec-validator"
VERSION = "0.9.0"
BINARY = TARGET / "debug" / "examples" / "todo"
# The todo server's settings that the environment could hold: none of them may leak in.
SETTINGS = [
    "DATABASE_URL", "BETTER_AUTH_SECRET", "HOST", "PORT", "DATABASE_MAX_CONNECTIONS",
    "DATABASE_CONNECT_TIMEOUT", "DATABASE_TIMEOUT", "SQLITE_SYNCHRONOUS",
    "HEADER_READ_TIMEOUT", "IDLE_TIMEOUT", "BODY_READ_TIMEOUT", "MAX_OPEN_CONNECTIONS",
    "SHUTDOWN_GRACE",
]


def in_venv():
    """Runs the script again in target/ci-tools, with the validator installed there."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    installed = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version('{VALIDATOR}'))"],
        capture_output=True, text=True).stdout.strip()
    if installed != VERSION:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"{VALIDATOR}=={VERSION}"],
                       check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_document(env):
    """The document a fresh todo server answers at `GET /openapi.json`, without a token."""
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        env = dict(env, HOST="127.0.0.1", PORT=str(port), RUST_LOG="warn",
                   BETTER_AUTH_SECRET=secrets.token_hex(32),
                   DATABASE_URL=f"sqlite://{directory}/todo.db")
        server = subprocess.Popen([str(BINARY)], env=env, cwd=directory,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/openapi.json"
                    with urllib.request.urlopen(url, timeout=2) as response:
                        content_type = response.headers.get("content-type")
                        if content_type != "application/json":
                            sys.exit(f"GET /openapi.json: content-type {content_type!r}")
                        return json.load(response)
                except (urllib.error.URLError, ConnectionError) as error:
                    if server.poll() is not None:
                        sys.exit(f"the todo server exited: {server.stderr.read()}")
                    if time.monotonic() > deadline:
                        sys.exit(f"GET /openapi.json did not answer within 30 s: {error}")
                    time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main():
    in_venv()
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    subprocess.run(["cargo", "build", "-q", "--example", "todo"], cwd=ROOT, check=True)
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    printed = json.loads(subprocess.run([str(BINARY), "openapi"], env=env, check=True,
                                        capture_output=True, text=True).stdout)
    served = served_document(env)
    if served != printed:
        sys.exit("GET /openapi.json and `todo openapi` answer different documents")
    if not printed.get("openapi", "").startswith("3.1."):
        sys.exit(f"the document is OpenAPI {printed.get('openapi')!r}, not 3.1")
    validate(printed, cls=OpenAPIV31SpecValidator)
    operations = sum(1 for item in printed["paths"].values()
                     for method in item if method != "parameters")
    version = importlib.metadata.version(VALIDATOR)
    print(f"The todo server's OpenAPI {printed['openapi']} document is valid "
          f"({VALIDATOR} {version}): {len(printed['paths'])} paths, {operations} operations, "
          f"{len(printed['components']['schemas'])} schemas.")


if __name__ == "__main__":
    main()
