#!/usr/bin/env python3
"""Load benchmark: the todo server against the hand-written yardstick, side by side.

Starts PostgreSQL if needed, builds both servers, runs them on the same database (127.0.0.1
only), seeds 100 users with 20 tasks each (every third one completed), checks that both
servers answer the list requests alike, and runs each scenario with wrk, alternating the
servers (todo, yardstick, todo, yardstick, ...) so that drift on a shared machine cancels out.
Prints, per backend and scenario, the medians over the rounds: requests/s, p50, p99, non-2xx
responses, server CPU time per request, peak RSS during the scenario, and the ratios
todo / yardstick (per block of two rounds, AB then BA, the geometric mean of the two
side-by-side ratios, in which a linear drift cancels out; then the median over the blocks).

    bench/run                      # full run: 14 rounds of 4 s per scenario, both backends (~30 min)
    bench/run --smoke              # 1 round of 1 s, debug builds: checks that it works
    bench/run --backend sqlite --rounds 8 --seconds 10
    bench/run --instructions       # instructions per request under callgrind, no load
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "benchmark-secret-benchmark-secret"
SCENARIOS = ["list", "list-filtered", "get", "create", "update", "toggle", "mixed"]
# The query of `list-filtered`, as bench/scenario.lua sends it.
FILTERED_QUERY = "completed=false&sort=-updated_at&limit=20"
USERS, TASKS_PER_USER, WRITERS = 100, 20, 100
PORTS = {"todo": 18080, "yardstick": 18081}
POSTGRES_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
POSTGRES_BENCH = "postgres://postgres@127.0.0.1:5432/crud_bench"


def log(message):
    print(message, file=sys.stderr, flush=True)


def token(user):
    """An HS256 JWT for `user`, valid for a day."""
    encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=")
    header = encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = encode(json.dumps({"sub": user, "exp": int(time.time()) + 86400}).encode())
    signature = hmac.new(SECRET.encode(), header + b"." + claims, hashlib.sha256).digest()
    return (header + b"." + claims + b"." + encode(signature)).decode()


def run(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def ensure_tools(instructions):
    tool, package = ("callgrind_control", "valgrind") if instructions else ("wrk", "wrk")
    if shutil.which(tool) is None:
        log(f"installing {package} (Debian package)")
        run(["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL)
        run(["apt-get", "install", "-y", "-qq", package], stdout=subprocess.DEVNULL,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def ensure_postgres():
    ready = lambda: subprocess.run(
        ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0
    if not ready():
        for version in os.listdir("/etc/postgresql"):
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
        for _ in range(30):
            if ready():
                break
            time.sleep(1)
    if not ready():
        sys.exit("PostgreSQL is not reachable on 127.0.0.1:5432")
    run(["psql", POSTGRES_ADMIN, "-qc", "DROP DATABASE IF EXISTS crud_bench"])
    run(["psql", POSTGRES_ADMIN, "-qc", "CREATE DATABASE crud_bench"])
    # Disk flushes stall this machine's PostgreSQL at random, hitting whichever server is
    # under load; commits without waiting for the flush keep the comparison about the servers.
    run(["psql", POSTGRES_ADMIN, "-qc", "ALTER DATABASE crud_bench SET synchronous_commit = off"])


def build(profile):
    flags = ["--release"] if profile == "release" else []
    log(f"building the todo server and the yardstick ({profile})")
    run(["cargo", "build", "-q", *flags, "--example", "todo", "-p", "crud-todo"], cwd=ROOT)
    run(["cargo", "build", "-q", *flags, "-p", "crud-bench", "--bin", "yardstick"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return {
        "todo": os.path.join(target, profile, "examples", "todo"),
        "yardstick": os.path.join(target, profile, "yardstick"),
    }


class Server:
    def __init__(self, name, binary, database_url, wrapper=(), rust_log="warn", output=None,
                 port=None):
        """`output`: a file that receives the server's output (discarded by default); `port`:
        the name's port by default."""
        port = port or PORTS[name]
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                sys.exit(f"port {port} is taken: is another benchmark running?")
        # SQLite commits unsynced (WAL, synchronous = NORMAL), as the yardstick does: the todo
        # server syncs each commit by default.
        env = dict(os.environ, DATABASE_URL=database_url, BETTER_AUTH_SECRET=SECRET,
                   PORT=str(port), RUST_LOG=rust_log, SQLITE_SYNCHRONOUS="normal")
        self.name = name
        output = output or subprocess.DEVNULL
        self.process = subprocess.Popen([*wrapper, binary], env=env, cwd=tempfile.gettempdir(),
                                        stdout=output, stderr=output)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(1200):
            try:
                urllib.request.urlopen(self.url + "/", timeout=1)
            except urllib.error.HTTPError:
                return  # answering (404 or 401): ready
            except OSError:
                if self.process.poll() is not None:
                    sys.exit(f"{name} exited with {self.process.returncode}")
                time.sleep(0.05)
        sys.exit(f"{name} did not start")

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset_peak_rss(self):
        """Starts a new peak-RSS measurement (writing 5 to clear_refs resets VmHWM)."""
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def request(url, method, user, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": "Bearer " + token(user), "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return json.load(response)


def seed(url, data_dir):
    """100 users with 20 tasks each (readers), every third one completed so that the filter of
    `list-filtered` keeps 14 of them, and 100 writer users that receive the creates."""
    log(f"seeding {USERS} users x {TASKS_PER_USER} tasks")
    ids = {}

    def user_tasks(index):
        user = f"user{index}"
        ids[user] = [request(f"{url}/api/{user}/tasks", "POST", user,
                             {"title": f"Task {n} of {user}", "description": "seeded"})["id"]
                     for n in range(TASKS_PER_USER)]
        for task_id in ids[user][2::3]:
            request(f"{url}/api/{user}/tasks/{task_id}/complete", "PATCH", user)

    threads = [threading.Thread(target=user_tasks, args=(i,)) for i in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    readers = os.path.join(data_dir, "readers.txt")
    writers = os.path.join(data_dir, "writers.txt")
    with open(readers, "w") as out:
        for user, task_ids in ids.items():
            out.write(" ".join([user, token(user), *map(str, task_ids)]) + "\n")
    with open(writers, "w") as out:
        for index in range(WRITERS):
            user = f"writer{index}"
            out.write(f"{user} {token(user)}\n")
    return readers, writers


def wrk(url, scenario, seconds, readers, writers):
    env = dict(os.environ, BENCH_SCENARIO=scenario, BENCH_DATA=readers, BENCH_WRITERS=writers)
    output = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "5s", "--latency",
         "-s", os.path.join(ROOT, "bench", "scenario.lua"), url],
        env=env, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(match.group(1)) * unit[match.group(2)]

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "requests": requests,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def sqlite_file(data_dir):
    return os.path.join(data_dir, "bench.db")


def seeded_database(backend, binaries, data_dir):
    """Creates the backend's database and seeds it; returns its URL and the seed files.
    A first todo server creates the table and seeds it, then stops, so that the peak memory
    of the measured servers comes from the benchmark alone."""
    if backend == "sqlite":
        url = f"sqlite://{sqlite_file(data_dir)}"
    else:
        ensure_postgres()
        url = POSTGRES_BENCH
    seeder = Server("todo", binaries["todo"], url)
    try:
        return (url, *seed(seeder.url, data_dir))
    finally:
        seeder.stop()


def check_lists(servers, readers_file):
    """Checks that both servers answer the list requests alike: the same tasks for `list`, for
    `list-filtered`, for a smaller filtered page and for the page its `Link` leads to, and 400
    to bad parameter values."""
    with open(readers_file) as lines:
        user, auth = lines.readline().split()[:2]
    path = f"/api/{user}/tasks"

    def get(server, target):
        connection = http.client.HTTPConnection("127.0.0.1", PORTS[server.name], timeout=120)
        try:
            connection.request("GET", target, headers={"Authorization": "Bearer " + auth})
            response = connection.getresponse()
            body = response.read()
            return response.status, body, response.getheader("Link")
        finally:
            connection.close()

    answers = {}
    for name, server in servers.items():
        answer = []
        for query in ["", FILTERED_QUERY, "completed=false&sort=-updated_at&limit=5"]:
            status, body, link = get(server, f"{path}?{query}" if query else path)
            answer.append((query, status, json.loads(body), link is not None))
            if link:
                status, body, _ = get(server, re.match(r"<([^>]*)>", link).group(1))
                answer.append(("next page", status, json.loads(body)))
        for query in ["limit=0", "limit=1001", "completed=maybe", "sort=-nothing", "cursor=abc"]:
            answer.append((query, get(server, f"{path}?{query}")[0]))
        answers[name] = answer
    if answers["todo"] != answers["yardstick"]:
        for todo, yardstick in zip(answers["todo"], answers["yardstick"]):
            if todo != yardstick:
                log(f"todo:      {todo}\nyardstick: {yardstick}")
        sys.exit("the servers answer the list requests differently")
    log("both servers answer the list requests alike")


def bench_backend(backend, binaries, args):
    data_dir = tempfile.mkdtemp(prefix="crud-bench-")
    servers = {}
    try:
        url, readers, writers = seeded_database(backend, binaries, data_dir)
        servers["todo"] = Server("todo", binaries["todo"], url)
        servers["yardstick"] = Server("yardstick", binaries["yardstick"], url)
        check_lists(servers, readers)
        results = {}
        for scenario in args.scenarios:
            settle(backend, data_dir)
            runs = {"todo": [], "yardstick": []}
            for name, server in servers.items():
                wrk(server.url, scenario, 1, readers, writers)  # warm-up, not measured
                server.reset_peak_rss()
            for round_index in range(args.rounds):
                order = ["todo", "yardstick"] if round_index % 2 == 0 else ["yardstick", "todo"]
                for name in order:
                    server = servers[name]
                    if backend == "sqlite":
                        # The WAL one server's writes left is checkpointed before the other's
                        # round, so that neither pays for the other's checkpoint.
                        settle(backend, data_dir)
                    cpu_before = server.cpu_seconds()
                    result = wrk(server.url, scenario, args.seconds, readers, writers)
                    cpu = server.cpu_seconds() - cpu_before
                    result["cpu_us"] = cpu * 1e6 / max(result["requests"], 1)
                    runs[name].append(result)
                    log(f"{backend:8} {scenario:13} round {round_index + 1} {name:9} "
                        f"{result['rps']:9.0f} req/s  p99 {result['p99']:7.2f} ms  "
                        f"{result['cpu_us']:5.0f} us CPU/req  non-2xx {result['non_2xx']} "
                        f"{result['socket_errors']}")
            results[scenario] = {name: summarize(rs) for name, rs in runs.items()}
            results[scenario]["ratios"] = pair_ratios(runs["todo"], runs["yardstick"])
            for name, server in servers.items():
                results[scenario][name]["rss"] = server.peak_rss_mib()
        return results
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


INSTRUCTION_SCENARIOS = ["list", "list-filtered", "get", "create", "update", "toggle"]


def scenario_request(scenario, index, readers, writers):
    """The `index`-th request of a scenario, as `bench/scenario.lua` makes them."""
    user, auth, *ids = readers[index % len(readers)]
    item = f"/api/{user}/tasks/{ids[(index * 13) % len(ids)]}"
    body = json.dumps({"title": "Benchmark task", "description": "written by the load generator"})
    if scenario == "list":
        return "GET", f"/api/{user}/tasks", auth, None
    if scenario == "list-filtered":
        return "GET", f"/api/{user}/tasks?{FILTERED_QUERY}", auth, None
    if scenario == "get":
        return "GET", item, auth, None
    if scenario == "update":
        return "PUT", item, auth, body
    if scenario == "toggle":
        return "PATCH", item + "/complete", auth, None
    writer, writer_auth = writers[index % len(writers)]
    return "POST", f"/api/{writer}/tasks", writer_auth, body


def count_instructions(server, scenario, requests, readers, writers, out_dir):
    """Instructions the server executes per request of `scenario` (one client, keep-alive),
    from callgrind's counters, zeroed after a warm-up and dumped after the requests."""
    connection = http.client.HTTPConnection("127.0.0.1", PORTS[server.name], timeout=120)

    def send(count, offset):
        for index in range(offset, offset + count):
            method, path, auth, body = scenario_request(scenario, index, readers, writers)
            headers = {"Authorization": "Bearer " + auth, "Content-Type": "application/json"}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                sys.exit(f"{server.name} answered {response.status} to {method} {path}")

    send(100, 0)  # warm-up: statements prepared, pools filled
    pid = str(server.process.pid)
    run(["callgrind_control", "--zero", pid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    send(requests, 100)
    run(["callgrind_control", "--dump=" + scenario, pid], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    connection.close()
    dumps = sorted((os.path.join(out_dir, name) for name in os.listdir(out_dir)
                    if name.startswith(f"{server.name}.out.")), key=os.path.getmtime)
    with open(dumps[-1]) as dump:
        totals = next(line for line in dump if line.startswith(("summary:", "totals:")))
    return int(totals.split()[1]) / requests


def instructions_backend(backend, binaries, args):
    """Both servers run under callgrind at once, and each scenario runs on one, then on the
    other, so that both see the same data: `list-filtered` before any toggle, and each
    server's toggles flip the same tasks back and forth."""
    data_dir = tempfile.mkdtemp(prefix="crud-bench-")
    servers = {}
    try:
        url, readers_file, writers_file = seeded_database(backend, binaries, data_dir)
        with open(readers_file) as lines:
            readers = [line.split() for line in lines]
        with open(writers_file) as lines:
            writers = [line.split() for line in lines]
        for name in ["todo", "yardstick"]:
            out = os.path.join(data_dir, f"{name}.out")
            servers[name] = Server(name, binaries[name], url, wrapper=[
                "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
        check_lists(servers, readers_file)
        results = {}
        for scenario in args.scenarios:
            for name, server in servers.items():
                per_request = count_instructions(server, scenario, args.requests, readers,
                                                 writers, data_dir)
                results.setdefault(scenario, {})[name] = per_request
                log(f"{backend:8} {scenario:13} {name:9} {per_request:10.0f} instructions/request")
        return results
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def report_instructions(backend, results, args):
    print(f"\n### {backend}: instructions per request, {args.requests} requests per scenario\n")
    print("| scenario | todo | yardstick | ratio |")
    print("|---|---:|---:|---:|")
    for scenario, counts in results.items():
        todo, yardstick = counts["todo"], counts["yardstick"]
        print(f"| {scenario} | {todo:,.0f} | {yardstick:,.0f} | {todo / yardstick:.3f} |")


def settle(backend, data_dir):
    """Starts a scenario from a settled database, the same for both servers: the SQLite WAL
    that earlier writes left is checkpointed and emptied; PostgreSQL's dead rows are vacuumed
    and its dirty pages written out (a checkpoint), so that no flush of earlier writes falls
    on one server's rounds. Otherwise the first rounds after the write scenarios pay for
    them, whichever server runs first."""
    if backend == "sqlite":
        connection = sqlite3.connect(sqlite_file(data_dir), timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            connection.close()
    else:
        run(["psql", POSTGRES_BENCH, "-q", "-c", "VACUUM ANALYZE tasks", "-c", "CHECKPOINT"])


def pair_ratios(todo, yardstick):
    """Ratios todo / yardstick that cancel drift: rounds run in the orders AB, BA, AB, BA...,
    so a slow drift of the machine (or of the database, as its tables grow) favours the
    server that runs first, and in turn each server. Each block of two rounds (AB then BA)
    gives the geometric mean of its two side-by-side ratios, in which a linear drift cancels
    out; the result is the median over the blocks (a lone last round counts as a block)."""
    def ratio(key):
        rounds = [t[key] / y[key] for t, y in zip(todo, yardstick)]
        blocks = [statistics.geometric_mean(rounds[i:i + 2]) for i in range(0, len(rounds), 2)]
        return statistics.median(blocks)
    return {"rps": ratio("rps"), "p99": ratio("p99"), "cpu_us": ratio("cpu_us")}


def summarize(runs):
    median = lambda key: statistics.median(run[key] for run in runs)
    return {"rps": median("rps"), "p50": median("p50"), "p99": median("p99"),
            "cpu_us": median("cpu_us"), "non_2xx": sum(run["non_2xx"] for run in runs)}


def report(backend, results, args):
    print(f"\n### {backend}: {args.rounds} rounds of {args.seconds} s per server and scenario\n")
    print("Medians over the rounds. Ratios todo / yardstick: the median over blocks of two rounds "
          "(AB, BA) of the geometric mean of their two side-by-side ratios.\n")
    print("| scenario | req/s todo | req/s yardstick | req/s ratio | p50 ms todo / yardstick "
          "| p99 ms todo | p99 ms yardstick | p99 ratio | CPU µs/req todo / yardstick | CPU ratio "
          "| peak RSS MiB todo / yardstick | RSS ratio | non-2xx todo / yardstick |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    clean = True
    for scenario, by_server in results.items():
        todo, yard, ratio = by_server["todo"], by_server["yardstick"], by_server["ratios"]
        clean &= todo["non_2xx"] == 0 and yard["non_2xx"] == 0
        print(f"| {scenario} | {todo['rps']:.0f} | {yard['rps']:.0f} | {ratio['rps']:.2f} "
              f"| {todo['p50']:.2f} / {yard['p50']:.2f} | {todo['p99']:.2f} | {yard['p99']:.2f} "
              f"| {ratio['p99']:.2f} | {todo['cpu_us']:.0f} / {yard['cpu_us']:.0f} | {ratio['cpu_us']:.2f} "
              f"| {todo['rss']:.1f} / {yard['rss']:.1f} | {todo['rss'] / yard['rss']:.2f} "
              f"| {todo['non_2xx']} / {yard['non_2xx']} |")
    return clean


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="1 round of 1 s on debug builds")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=14)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS)
    parser.add_argument("--instructions", action="store_true",
                        help="count the instructions per request under callgrind instead")
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per scenario with --instructions")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.seconds, args.requests = 1, 1, 20
    ensure_tools(args.instructions)
    binaries = build("debug" if args.smoke else "release")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if args.instructions:
        args.scenarios = [s for s in args.scenarios or INSTRUCTION_SCENARIOS if s != "mixed"]
        print("Instructions the server runs per request (callgrind; one client, keep-alive), "
              "counted after a warm-up of 100 requests.")
        for backend in backends:
            report_instructions(backend, instructions_backend(backend, binaries, args), args)
        return
    args.scenarios = args.scenarios or SCENARIOS
    print(f"Machine: {os.cpu_count()} cores shared by the servers, the database and wrk "
          f"(2 threads, 32 connections); pools of 10 connections.")
    clean = True
    for backend in backends:
        results = bench_backend(backend, binaries, args)
        clean &= report(backend, results, args)
    if not clean:
        sys.exit("some responses were not 2xx")


if __name__ == "__main__":
    main()
