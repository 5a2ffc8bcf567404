#!/usr/bin/env python3
"""Runs the README's `console` examples against the todo server and writes what it answered.

Every `$ curl ...` line of a ```console block is run, in order, against a fresh todo server
(SQLite in a temporary directory, the README's secret, port 8000), and the lines after it, up
to the next command or the end of the block, are replaced by its output. The "Querying lists"
examples start from a server of their own holding the five tasks they describe; a command's
`cursor=` is the one of the last `link:` answered before it, and an entity tag in a command is
the one answered (`etag:`) where the README showed that tag before.

    cargo build --example todo && python3 tests/readme/console.py
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                      "debug", "examples", "todo")
SECRET = "change-me-to-a-long-random-string"
LISTS_SETUP = [
    '{"title": "Buy milk", "description": "Oat, 2 litres"}',
    '{"title": "Water the plants"}',
    '{"title": "Call the plumber"}',
    '{"title": "Book 50% off train tickets"}',
    '{"title": "Pay the milk bill"}',
]


class Server:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        env = dict(os.environ, BETTER_AUTH_SECRET=SECRET, PORT="8000", RUST_LOG="warn",
                   DATABASE_URL=f"sqlite://{self.dir.name}/todo.db")
        self.env = env
        self.process = subprocess.Popen([BINARY], env=env, cwd=self.dir.name,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen("http://127.0.0.1:8000/", timeout=1)
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.05)
        token = subprocess.run([BINARY, "token", "alice"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        self.env = dict(env, TOKEN=token)

    def run(self, command):
        return subprocess.run(["bash", "-c", command], env=self.env, capture_output=True,
                              text=True).stdout

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.dir.cleanup()


def main():
    try:
        urllib.request.urlopen("http://127.0.0.1:8000/", timeout=1)
    except urllib.error.HTTPError:
        sys.exit("something already answers on port 8000: stop it first")
    except OSError:
        pass
    lines = open(README).read().split("\n")
    out, server, in_console, section, cursor = [], None, False, "", None
    # The entity tags the README showed, and what the server answered in their place.
    etags = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line
        if line.startswith("```console"):
            in_console = True
            if server is None or (section == "## Querying lists" and not getattr(server, "lists", False)):
                if server:
                    server.stop()
                server = Server()
                if section == "## Querying lists":
                    server.lists = True
                    for body in LISTS_SETUP:
                        server.run("curl -s -X POST localhost:8000/api/alice/tasks -H \"Authorization: Bearer $TOKEN\" "
                                   f"-H 'Content-Type: application/json' -d '{body}'")
                    server.run("curl -s -X PATCH localhost:8000/api/alice/tasks/2/complete -H \"Authorization: Bearer $TOKEN\"")
            out.append(line)
            index += 1
            continue
        if in_console and line.startswith("```"):
            in_console = False
        if in_console and line.startswith("$ "):
            if cursor:
                line = re.sub(r"cursor=[A-Za-z0-9_-]+", "cursor=" + cursor, line)
            line = re.sub(r'"[^"\s]*"', lambda tag: etags.get(tag.group(0), tag.group(0)), line)
            out.append(line)
            answer = server.run(line[2:]).replace("\r\n", "\n").rstrip("\n")
            found = re.search(r"^link: <[^>]*cursor=([A-Za-z0-9_-]+)>", answer, re.M | re.I)
            if found:
                cursor = found.group(1)
            out.extend(answer.split("\n"))
            index += 1
            shown = []
            while index < len(lines) and not lines[index].startswith("$ ") \
                    and not lines[index].startswith("```"):
                shown.append(lines[index])
                index += 1
            tag = re.compile(r'^etag: ("[^"]*")', re.M | re.I)
            etags.update(zip(tag.findall("\n".join(shown)), tag.findall(answer)))
            if index < len(lines) and lines[index].startswith("$ "):
                out.append("")
            continue
        out.append(line)
        index += 1
    if server:
        server.stop()
    open(README, "w").write("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
