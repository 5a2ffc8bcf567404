#!/usr/bin/env python3
"""Scale benchmark: the todo server's list pages as one user's list grows.

For each backend and size N (1,000, 100,000 and 1,000,000 tasks by default), a fresh database
(the table and indexes created by the todo server, which then stops) is seeded directly: user
`scale` with N tasks (every third one completed; `created_at` = `updated_at`, 1 ms apart and
increasing with the id), and user `wide` with 5,000 tasks of 1,000-character descriptions.
PostgreSQL then runs `VACUUM ANALYZE tasks`, as its autovacuum would after a bulk load; SQLite
runs no `ANALYZE`, as the todo server runs none. The release todo server starts on it and
answers, one request at a time on one keep-alive connection, after a warm-up:

  first     /api/scale/tasks                          the first page (limit 100 by default)
  cursor    /api/scale/tasks?limit=100&cursor=C       rows 0.9N+1 to 0.9N+100, where C is the
            cursor of the `Link` of the last page of a walk from the first page with limit=1000
            (its last page shorter, so that the walk ends after exactly 0.9N rows)
  offset    /api/scale/tasks?offset=0.9N&limit=100    the same rows, by offset
  filtered  /api/scale/tasks?completed=false&sort=-updated_at&limit=100
  count     /api/scale/tasks?count=true               the first page and `X-Total-Count`
  repeated  /api/scale/tasks?sort=completed&limit=100&cursor=C
            rows 0.9N+1 to 0.9N+100 in the order of a key of two values (the id breaks ties),
            C from a walk as above with sort=completed: a cursor within a run of equal first
            keys, which an index range on (key, id) finds as fast as any other

Each is timed over --requests requests, or as many as fit in --budget seconds (the table
says when fewer): first, cursor and filtered in turns (one request of each, round after
round), so that the machine's noise falls on the three alike; then offset, count and
repeated, each on its own. Each size keeps its database to the end, where the first pages of
the smallest and the largest are timed again in turns, each on its own server, for the
comparison of the two. At the largest size it also prints the query plan of each
statement, whose
text is what the server logs with RUST_LOG=sqlx::query=debug (PostgreSQL: EXPLAIN ANALYZE of a
PREPAREd statement with the same values, and its generic plan when that differs; SQLite:
EXPLAIN QUERY PLAN in the SQLite the server is built with), and the peak RSS (VmHWM) of a
freshly started server while 20 clients each read all of `wide` in pages of limit=1000 at once.

    bench/scale                          # both backends, 1,000 / 100,000 / 1,000,000 tasks (~5 min)
    bench/scale --sizes 1000,10000       # a quick run
    bench/scale --backend sqlite --requests 500
"""

import argparse
import base64
import datetime
import glob
import http.client
import json
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (POSTGRES_ADMIN, PORTS, ROOT, Server, ensure_postgres, log,  # noqa: E402
                 run, token)

OWNER, WIDE = "scale", "wide"
WIDE_TASKS, WIDE_CLIENTS, WIDE_ROUNDS = 5000, 20, 2
# 2024-06-01T00:00:00Z: task g of a user was created and last updated g ms after it.
EPOCH = 1717200000
KINDS = ["first", "cursor", "offset", "filtered", "count", "repeated"]
TITLES = {
    "first": "first page",
    "cursor": "cursor page at 90 %",
    "offset": "offset page at 90 %",
    "filtered": "filtered page",
    "count": "count=true",
    "repeated": "cursor page at 90 %, sort=completed",
}
FILTERED = "completed=false&sort=-updated_at&limit=100"
LOREM = "lorem ipsum dolor sit amet, " * 40
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def build(profile):
    flags = ["--release"] if profile == "release" else []
    log(f"building the todo server ({profile})")
    run(["cargo", "build", "-q", *flags, "--example", "todo", "-p", "crud-todo"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return target, os.path.join(target, profile, "examples", "todo")


def bundled_sqlite(target):
    """A shared library of the SQLite that the server is built with (the amalgamation that
    libsqlite3-sys bundles, with its planner-relevant options), so that EXPLAIN QUERY PLAN
    shows the server's plans; None (the system's SQLite, said in the output) if it cannot be
    built."""
    with open(os.path.join(ROOT, "Cargo.lock")) as lock:
        match = re.search(r'name = "libsqlite3-sys"\nversion = "([^"]+)"', lock.read())
    if not match:
        return None
    cargo_home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    sources = glob.glob(os.path.join(cargo_home, "registry", "src", "*",
                                     f"libsqlite3-sys-{match.group(1)}", "sqlite3", "sqlite3.c"))
    if not sources:
        return None
    out_dir = os.path.join(target, "scale-sqlite", match.group(1))
    library = os.path.join(out_dir, "libsqlite3.so.0")
    if not os.path.exists(library):
        log(f"building SQLite from libsqlite3-sys {match.group(1)} for EXPLAIN QUERY PLAN")
        os.makedirs(out_dir, exist_ok=True)
        result = subprocess.run(
            ["gcc", "-O1", "-shared", "-fPIC", "-DSQLITE_THREADSAFE=1", "-DSQLITE_ENABLE_STAT4",
             "-DSQLITE_ENABLE_COLUMN_METADATA", "-DSQLITE_DEFAULT_FOREIGN_KEYS=1",
             "-o", library + ".tmp", sources[0], "-lpthread", "-lm"], capture_output=True)
        if result.returncode != 0:
            log("could not build it; the system's SQLite explains instead")
            return None
        os.rename(library + ".tmp", library)
    return out_dir


def percentile(samples, percent):
    """Nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def link_target(response):
    link = response.getheader("Link")
    return re.match(r"<([^>]*)>", link).group(1) if link else None


def cursor_of(target):
    return re.search(r"[?&]cursor=([^&]+)", target).group(1)


class Client:
    """One keep-alive connection of user `user` to the server (on the todo server's port by
    default)."""

    def __init__(self, user, port=None):
        self.path = f"/api/{user}/tasks"
        self.auth = "Bearer " + token(user)
        self.connection = http.client.HTTPConnection("127.0.0.1", port or PORTS["todo"],
                                                     timeout=600)

    def get(self, query=""):
        target = query if query.startswith("/") else f"{self.path}?{query}" if query else self.path
        self.connection.request("GET", target, headers={"Authorization": self.auth})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"GET {target}: {response.status} {body[:300]!r}")
        return response, body

    def timed(self, queries, args):
        """Latencies (ms) of each of `queries` ({kind: query}), timed in turns (one request of
        each, round after round) after a warm-up of each: args.requests of each, or as many as
        fit in args.budget seconds of its own; and the last answer to each."""
        for query in queries.values():
            warm_until = time.perf_counter() + args.budget / 4
            for _ in range(args.warmup):
                self.get(query)
                if time.perf_counter() > warm_until:
                    break
        samples = {kind: [] for kind in queries}
        spent = dict.fromkeys(queries, 0.0)
        answers = {}
        for _ in range(args.requests):
            active = [kind for kind in queries if not samples[kind] or spent[kind] < args.budget]
            if not active:
                break
            for kind in active:
                start = time.perf_counter()
                answers[kind] = self.get(queries[kind])
                seconds = time.perf_counter() - start
                spent[kind] += seconds
                samples[kind].append(seconds * 1e3)
        return samples, answers

    def close(self):
        self.connection.close()


def walk(client, rows, query=""):
    """Follows the `Link`s from the first page of `query`, in pages of at most 1,000, until
    `rows` rows; returns the last page's cursor."""
    seen, pages, start = 0, 0, time.perf_counter()
    prefix = query + "&" if query else ""
    target = f"{prefix}limit={min(1000, rows)}"
    while True:
        response, body = client.get(target)
        seen += len(json.loads(body))
        pages += 1
        cursor = cursor_of(link_target(response))
        if seen >= rows:
            log(f"  walked {seen:,} rows{' with ' + query if query else ''} in {pages} pages "
                f"of up to 1,000 in {time.perf_counter() - start:.1f} s")
            return cursor
        target = f"{prefix}limit={min(1000, rows - seen)}&cursor={cursor}"


def first_id(body):
    return json.loads(body)[0]["id"]


def measure(n, args):
    """The latencies of each kind of page at size `n`, and the query of each."""
    client = Client(OWNER)
    try:
        deep = n * 9 // 10
        queries = {
            "first": "",
            "cursor": f"limit=100&cursor={walk(client, deep)}",
            "filtered": FILTERED,
            "offset": f"offset={deep}&limit=100",
            "count": "count=true",
            "repeated": f"sort=completed&limit=100&cursor={walk(client, deep, 'sort=completed')}",
        }
        together = ["first", "cursor", "filtered"]
        results, answers = client.timed({kind: queries[kind] for kind in together}, args)
        for kind in KINDS:
            if kind not in together:
                samples, answer = client.timed({kind: queries[kind]}, args)
                results.update(samples)
                answers.update(answer)
        # The scale user's tasks are ids 1..n, newest first: row deep+1 is task n - deep. In
        # the order of `completed`, then the id: the open tasks (ids not divisible by 3), then
        # the completed ones.
        assert len(json.loads(answers["first"][1])) == min(100, n)
        assert first_id(answers["cursor"][1]) == n - deep
        assert first_id(answers["offset"][1]) == n - deep
        assert all(not task["completed"] for task in json.loads(answers["filtered"][1]))
        assert answers["count"][0].getheader("X-Total-Count") == str(n)
        open_tasks = n - n // 3
        expected = (3 * (deep // 2) + deep % 2 + 1 if deep < open_tasks
                    else 3 * (deep - open_tasks + 1))
        assert first_id(answers["repeated"][1]) == expected
        for kind in KINDS:
            s = results[kind]
            slowest = sorted(range(len(s)), key=lambda i: s[i])[-3:][::-1]
            log(f"  {kind:9} p50 {percentile(s, 50):9.2f} ms  p99 {percentile(s, 99):9.2f} ms"
                f"  ({len(s)} requests; slowest "
                + ", ".join(f"{s[i]:.2f} ms (#{i + 1})" for i in slowest) + ")")
        return results, queries
    finally:
        client.close()


# Seeding, directly in the database.

def postgres_url(n):
    """The PostgreSQL database of size `n`: one per size, so that the first pages of the
    smallest and the largest can be timed in turns at the end."""
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/crud_scale_{n}"


def seed_postgres(url, n):
    sql = f"""
    INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at)
    SELECT '{OWNER}', 'Task ' || g, 'Seeded task number ' || g, g % 3 = 0, t, t
    FROM generate_series(1, {n}) AS g,
         LATERAL (SELECT TIMESTAMPTZ '2024-06-01 00:00:00+00' + g * INTERVAL '1 millisecond' AS t) AS ts;
    INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at)
    SELECT '{WIDE}', 'Wide task ' || g, left(g || ' ' || '{LOREM}', 1000), FALSE, t, t
    FROM generate_series(1, {WIDE_TASKS}) AS g,
         LATERAL (SELECT TIMESTAMPTZ '2024-06-01 00:00:00+00' + g * INTERVAL '1 millisecond' AS t) AS ts;
    """
    run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
    run(["psql", url, "-X", "-q", "-c", "VACUUM ANALYZE tasks", "-c", "CHECKPOINT"])


def sqlite_timestamp(g):
    """Task g's time as the server stores it: RFC 3339 text, microseconds, `+00:00`."""
    return (f"strftime('%Y-%m-%dT%H:%M:%S', {EPOCH} + {g} / 1000, 'unixepoch')"
            f" || printf('.%06d+00:00', ({g} % 1000) * 1000)")


def seed_sqlite(path, n):
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous = OFF")
        with connection:
            for user, count, title, description, completed in [
                (OWNER, n, "'Task ' || g", "'Seeded task number ' || g", "g % 3 = 0"),
                (WIDE, WIDE_TASKS, "'Wide task ' || g", "substr(g || ' ' || :lorem, 1, 1000)", "0"),
            ]:
                connection.execute(f"""
                    WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n)
                    INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at)
                    SELECT :user, {title}, {description}, {completed}, t, t
                    FROM (SELECT g, {sqlite_timestamp('g')} AS t FROM s)""",
                    {"n": count, "user": user, "lorem": LOREM})
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()


def sqlite_path(data_dir, n):
    return os.path.join(data_dir, f"scale-{n}.db")


def drop_database(backend, data_dir, n):
    if backend == "sqlite":
        for suffix in ["", "-wal", "-shm"]:
            if os.path.exists(sqlite_path(data_dir, n) + suffix):
                os.remove(sqlite_path(data_dir, n) + suffix)
    else:
        name = postgres_url(n).rsplit("/", 1)[1]
        run(["psql", POSTGRES_ADMIN, "-X", "-q", "-c", "SET client_min_messages = warning",
             "-c", f"DROP DATABASE IF EXISTS {name}"])


def seeded_database(backend, binary, data_dir, n):
    """A fresh database whose table the todo server created, seeded with `n` tasks."""
    drop_database(backend, data_dir, n)
    if backend == "sqlite":
        url = f"sqlite://{sqlite_path(data_dir, n)}"
    else:
        url = postgres_url(n)
        name = url.rsplit("/", 1)[1]
        run(["psql", POSTGRES_ADMIN, "-X", "-q", "-c", f"CREATE DATABASE {name}"])
    Server("todo", binary, url).stop()  # creates the table and its indexes
    log(f"{backend}: seeding {n:,} tasks")
    start = time.perf_counter()
    if backend == "sqlite":
        seed_sqlite(sqlite_path(data_dir, n), n)
    else:
        seed_postgres(url, n)
    log(f"  seeded in {time.perf_counter() - start:.1f} s")
    return url


# The statements and their plans.

def logged_statements(log_path, offset):
    """The SELECTs the server logged (sqlx::query at debug) after `offset` of its log."""
    with open(log_path, errors="replace") as lines:
        lines.seek(offset)
        text = ANSI.sub("", lines.read())
    statements = []
    for line in text.splitlines():
        if "sqlx::query" not in line:
            continue
        fields = dict(re.findall(r'(summary|db\.statement)="((?:[^"\\]|\\.)*)"', line))
        raw = fields.get("db.statement") or fields.get("summary", "")
        sql = json.loads(f'"{raw}"').strip()
        if sql.startswith("SELECT") and "tasks" in sql:
            statements.append(sql)
    return statements


def capture_statements(binary, url, data_dir, queries):
    """The text of each kind's statements, from the log of a server that logs them."""
    log_path = os.path.join(data_dir, "statements.log")
    with open(log_path, "w") as output:
        server = Server("todo", binary, url, rust_log="sqlx::query=debug", output=output)
    client = Client(OWNER)
    statements = {}
    try:
        for kind, query in queries.items():
            offset = os.path.getsize(log_path)
            client.get(query)
            time.sleep(0.2)
            statements[kind] = logged_statements(log_path, offset)
    finally:
        client.close()
        server.stop()
    return statements


def bind_values(sql, query):
    """The value of each placeholder of `sql`, the statement of `query`, in order of number:
    what the server binds, from what each is compared with."""
    parameters = dict(re.findall(r"(\w+)=([^&]*)", query))
    keys = []
    if "cursor" in parameters:
        cursor = parameters["cursor"]
        keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[12:])
    typed = {"id": int, "completed": lambda text: text == "true"}
    filters = {"user_id": OWNER, "completed": parameters.get("completed") == "true"}
    values = {}
    for column, number in re.findall(r'"(\w+)"(?: COLLATE "C")? (?:=|<>) [$?](\d+)', sql):
        values[int(number)] = filters[column]
    # A cursor: ("key", "id") < ($2, $3), its sort keys in order.
    for columns, numbers in re.findall(r"\(([^()]*)\) (?:<|>) \(([$?][^()]*)\)", sql):
        for column, number, key in zip(re.findall(r'"(\w+)"', columns),
                                       re.findall(r"\d+", numbers), keys):
            values[int(number)] = typed.get(column, str)(key)
    for number in re.findall(r"LIMIT [$?](\d+)", sql):
        values[int(number)] = int(parameters.get("limit", 100)) + 1
    for number in re.findall(r"OFFSET [$?](\d+)", sql):
        values[int(number)] = int(parameters["offset"])
    if sorted(values) != list(range(1, len(values) + 1)):
        sys.exit(f"could not tell the values of every parameter of {sql}")
    return [values[number] for number in sorted(values)]


def postgres_literal(value):
    if isinstance(value, bool):
        return "false" if not value else "true"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def plan_nodes(plan):
    """A plan's nodes (which scan of which index), without their conditions' values."""
    lines = plan.splitlines()
    return [line.strip() for line in lines[:1] + [line for line in lines if "->" in line]]


def label(kind, sql, statements):
    """The title of a statement: its kind's, and which of them if the kind runs several."""
    if len(statements[kind]) == 1:
        return TITLES[kind]
    return f"{TITLES[kind]}, the {'count' if sql.startswith('SELECT COUNT') else 'page'}"


def postgres_plans(url, statements, queries):
    """EXPLAIN ANALYZE of each statement PREPAREd and EXECUTEd with the server's values; its
    generic plan (the one a prepared statement may switch to after five runs) if different."""
    def psql(*commands):
        args = ["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        for command in commands:
            args += ["-c", command]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout.rstrip()

    plans = []
    for kind in KINDS:
        for sql in statements[kind]:
            values = ", ".join(map(postgres_literal, bind_values(sql, queries[kind])))
            prepare = f"PREPARE q AS {sql}"
            execute = f"EXECUTE q({values})"
            analyzed = psql(prepare, f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) {execute}")
            custom = psql(prepare, "SET plan_cache_mode = force_custom_plan",
                          f"EXPLAIN (COSTS OFF) {execute}")
            generic = psql(prepare, "SET plan_cache_mode = force_generic_plan",
                           f"EXPLAIN (COSTS OFF) {execute}")
            plan = analyzed
            if plan_nodes(generic) != plan_nodes(custom):
                plan += "\n-- generic plan:\n" + generic
            plans.append((label(kind, sql, statements), sql, f"-- values: {values}", plan))
    return plans


SQLITE_EXPLAIN = r"""
import json, sqlite3, statistics, sys, time
request = json.load(sys.stdin)
connection = sqlite3.connect(request["path"])
result = {"version": connection.execute("SELECT sqlite_version()").fetchone()[0], "plans": []}
for sql, values in request["statements"]:
    rows = connection.execute("EXPLAIN QUERY PLAN " + sql, values).fetchall()
    depth, lines = {0: -1}, []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        connection.execute(sql, values).fetchall()
        times.append((time.perf_counter() - start) * 1e3)
    lines.append(f"(run alone: {statistics.median(times):.2f} ms, median of 5)")
    result["plans"].append("\n".join(lines))
print(json.dumps(result))
"""


def sqlite_plans(path, statements, queries, library_dir):
    """EXPLAIN QUERY PLAN of each statement, in the SQLite the server is built with, and the
    time the statement takes alone in that SQLite."""
    def stored(value):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\dT", value):
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment.isoformat(timespec="microseconds")
        return value

    pairs = [(kind, sql, [stored(v) for v in bind_values(sql, queries[kind])])
             for kind in KINDS for sql in statements[kind]]
    env = dict(os.environ)
    if library_dir:
        env["LD_LIBRARY_PATH"] = library_dir
    output = subprocess.run(
        [sys.executable, "-c", SQLITE_EXPLAIN], env=env, capture_output=True, text=True,
        input=json.dumps({"path": path, "statements": [[s, v] for _, s, v in pairs]}))
    if output.returncode != 0:
        sys.exit(f"EXPLAIN QUERY PLAN failed:\n{output.stderr}")
    result = json.loads(output.stdout)
    plans = [(label(kind, sql, statements), sql, f"-- values: {values}", plan)
             for (kind, sql, values), plan in zip(pairs, result["plans"])]
    return result["version"], plans


# Peak memory under wide pages.

def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def wide_peak(binary, url):
    """Peak RSS (VmHWM) of a freshly started server while WIDE_CLIENTS clients each read all
    of `wide` (5,000 tasks of ~1 KB) in pages of limit=1000, WIDE_ROUNDS times, all at once."""
    server = Server("todo", binary, url)
    try:
        pid = server.process.pid
        baseline = status_kib(pid, "VmRSS") / 1024
        server.reset_peak_rss()
        barrier = threading.Barrier(WIDE_CLIENTS)
        failures, sizes = [], []

        def reader():
            client = Client(WIDE)
            try:
                barrier.wait()
                for _ in range(WIDE_ROUNDS):
                    query = "limit=1000"
                    while query:
                        response, body = client.get(query)
                        sizes.append(len(body))
                        query = link_target(response)
            except BaseException as error:  # noqa: BLE001: reported below
                failures.append(error)
            finally:
                client.close()

        threads = [threading.Thread(target=reader) for _ in range(WIDE_CLIENTS)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        if failures:
            sys.exit(f"wide pages failed: {failures[0]!r}")
        peak = status_kib(pid, "VmHWM") / 1024
        log(f"  wide pages: {len(sizes)} responses of {statistics.mean(sizes) / 1e6:.2f} MB "
            f"in {seconds:.1f} s; RSS {baseline:.1f} MiB at start, peak {peak:.1f} MiB")
        return {"baseline": baseline, "peak": peak, "bytes": statistics.mean(sizes)}
    finally:
        server.stop()


def first_pages_in_turns(binary, small_url, large_url, args):
    """The first page of the smallest and of the largest list, each on its own server, timed
    in turns (one request of each, round after round), so that the machine's noise falls on
    both alike."""
    small = Server("todo", binary, small_url, port=PORTS["yardstick"])
    large = Server("todo", binary, large_url)
    clients = {"small": Client(OWNER, PORTS["yardstick"]), "large": Client(OWNER)}
    try:
        for client in clients.values():
            for _ in range(args.warmup):
                client.get()
        samples = {name: [] for name in clients}
        for _ in range(args.requests):
            for name, client in clients.items():
                start = time.perf_counter()
                client.get()
                samples[name].append((time.perf_counter() - start) * 1e3)
        for name, s in samples.items():
            log(f"  first page in turns, {name}: p50 {percentile(s, 50):.2f} ms, "
                f"p99 {percentile(s, 99):.2f} ms")
        return samples
    finally:
        for client in clients.values():
            client.close()
        small.stop()
        large.stop()


def scale_backend(backend, binary, args, library_dir):
    data_dir = tempfile.mkdtemp(prefix="crud-scale-")
    results = {"sizes": {}, "load": {}}
    urls = {}
    if backend == "postgres":
        ensure_postgres()
    try:
        for n in args.sizes:
            url = urls[n] = seeded_database(backend, binary, data_dir, n)
            server = Server("todo", binary, url)
            try:
                load = os.getloadavg()[0]
                log(f"{backend}: {n:,} tasks (load average {load:.2f})")
                results["sizes"][n], queries = measure(n, args)
                results["load"][n] = (load, os.getloadavg()[0])
            finally:
                server.stop()
        largest, smallest = args.sizes[-1], args.sizes[0]
        log(f"{backend}: plans, peak memory and first pages in turns at {largest:,} tasks")
        statements = capture_statements(binary, urls[largest], data_dir, queries)
        if backend == "postgres":
            results["version"] = subprocess.run(
                ["psql", urls[largest], "-X", "-A", "-t", "-c", "SHOW server_version"],
                check=True, capture_output=True, text=True).stdout.strip()
            results["plans"] = postgres_plans(urls[largest], statements, queries)
        else:
            results["version"], results["plans"] = sqlite_plans(
                sqlite_path(data_dir, largest), statements, queries, library_dir)
        results["wide"] = wide_peak(binary, urls[largest])
        if smallest != largest:
            results["turns"] = first_pages_in_turns(binary, urls[smallest], urls[largest], args)
        return results
    finally:
        for n in urls:
            drop_database(backend, data_dir, n)
        shutil.rmtree(data_dir, ignore_errors=True)


# The report.

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def cell(samples, args):
    text = f"{percentile(samples, 50):.2f} / {percentile(samples, 99):.2f}"
    return text if len(samples) >= args.requests else f"{text} (n={len(samples)})"


def verdict(value, limit):
    return f"{value:.2f} ({'met' if value <= limit else '**missed**'})"


def report(all_results, args):
    largest, smallest = args.sizes[-1], args.sizes[0]
    print(f"\nLatency p50 / p99 in ms, one request at a time, {args.requests} requests after "
          f"{args.warmup} of warm-up (fewer when {args.budget:g} s ran out: n). One user with "
          f"N tasks, a third of them completed. Load: the machine's 1-minute load average "
          f"before and after the size's requests (the client and the server make about 1).\n")
    print("| backend | tasks | " + " | ".join(TITLES[k] for k in KINDS) + " | load |")
    print("|---|---:|" + "---:|" * len(KINDS) + "---:|")
    for backend, results in all_results.items():
        for n, by_kind in results["sizes"].items():
            load = " → ".join(f"{value:.1f}" for value in results["load"][n])
            print(f"| {NAMES[backend]} | {n:,} | "
                  + " | ".join(cell(by_kind[k], args) for k in KINDS) + f" | {load} |")

    print("\nTargets (p99 ratios; p50 ratios in brackets):\n")
    print("| target | " + " | ".join(NAMES[b] for b in all_results) + " |")
    print("|---|" + "---|" * len(all_results))
    row = [f"cursor page at 90 % / first page, {largest:,} tasks (≤ 1.3)"]
    for results in all_results.values():
        at = results["sizes"][largest]
        ratio = percentile(at["cursor"], 99) / percentile(at["first"], 99)
        row.append(f"{verdict(ratio, 1.3)} [{percentile(at['cursor'], 50) / percentile(at['first'], 50):.2f}]")
    print("| " + " | ".join(row) + " |")
    row = [f"first page at {largest:,} / at {smallest:,} tasks, timed in turns on two servers "
           f"(≤ 1.3)"]
    for results in all_results.values():
        if "turns" not in results:
            row.append("n/a: one size")
            continue
        big, small = results["turns"]["large"], results["turns"]["small"]
        ratio = percentile(big, 99) / percentile(small, 99)
        row.append(f"{verdict(ratio, 1.3)} [{percentile(big, 50) / percentile(small, 50):.2f}]; "
                   f"p99 {percentile(big, 99):.2f} / {percentile(small, 99):.2f} ms")
    print("| " + " | ".join(row) + " |")
    row = ["the same from the table above (each size at its own time)"]
    for results in all_results.values():
        big, small = results["sizes"][largest]["first"], results["sizes"][smallest]["first"]
        row.append(f"{percentile(big, 99) / percentile(small, 99):.2f} "
                   f"[{percentile(big, 50) / percentile(small, 50):.2f}]")
    print("| " + " | ".join(row) + " |")
    row = [f"peak RSS, {WIDE_CLIENTS} clients reading pages of 1,000 ~1 KB tasks at once (< 100 MiB)"]
    for results in all_results.values():
        wide = results["wide"]
        status = "met" if wide["peak"] < 100 else "**missed**"
        row.append(f"{wide['peak']:.1f} MiB ({status}; {wide['baseline']:.1f} at start, "
                   f"pages of {wide['bytes'] / 1e6:.2f} MB)")
    print("| " + " | ".join(row) + " |")

    for backend, results in all_results.items():
        print(f"\n#### Query plans, {NAMES[backend]} {results['version']}, {largest:,} tasks\n")
        for title, sql, values, plan in results["plans"]:
            print(f"{title}:\n\n```\n{sql}\n{values}\n{plan}\n```\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", default="1000,100000,1000000",
                        help="comma-separated task counts (default 1000,100000,1000000)")
    parser.add_argument("--requests", type=int, default=1000,
                        help="timed requests per page kind (1000: the p99 is the 10th slowest)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests before them")
    parser.add_argument("--budget", type=float, default=20,
                        help="seconds of timed requests per page kind at most")
    parser.add_argument("--debug", action="store_true", help="the debug build (to check the script)")
    args = parser.parse_args()
    args.sizes = sorted(int(size.replace("_", "")) for size in args.sizes.split(","))
    if args.sizes[0] < 10:
        sys.exit("--sizes: at least 10 tasks")
    target, binary = build("debug" if args.debug else "release")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    library_dir = bundled_sqlite(target) if "sqlite" in backends else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    all_results = {backend: scale_backend(backend, binary, args, library_dir)
                   for backend in backends}
    print(f"bench/scale {' '.join(sys.argv[1:])}: {datetime.date.today()}, commit {commit}, "
          f"{'debug' if args.debug else 'release'} build, {os.cpu_count()} cores; load average "
          f"(1 min) {load:.2f} before, {os.getloadavg()[0]:.2f} after: other work on the machine "
          f"shows in the p99s.")
    report(all_results, args)


if __name__ == "__main__":
    main()
