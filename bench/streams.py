"""Live-update streams: fan-out latency with many streams open on one post, memory per stream.

    python bench/streams.py [--streams 200] [--creates 60] [--interval 0.1]
                            [--db sqlite,postgres] [--readers anonymous,signed-in]

For each database: a fresh one, `postil serve` (one process, waitress, its default threads plus
POSTIL_MAX_STREAMS for streams) on it, N readers following one post (`GET
/api/stream?site=…&post_id=…`): anonymous (one viewer, so the streams share each read), or each
signed in as a reader of their own (each stream reads for itself); then public creates on that
post, one every `--interval` seconds, by a signed-in writer. Latency is from sending the create
to each stream's receiving its event (so it includes the create itself), over every (stream,
create) pair; memory is the server's resident set after the streams opened less before, divided
by N. The readers are one thread reading all sockets (selectors), on the same 2-core machine as
the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTIL = str(Path(sys.executable).with_name("postil"))
PG_URL = os.environ.get("POSTIL_TEST_PG_URL",
                        "postgresql://postil:postil@127.0.0.1:5432/postil_test")
DATA = re.compile(rb"^data: (\{.*\})\r?$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def prepare(url: str, readers: int = 0) -> tuple[str, list[str]]:
    """Migrate the database, make the writer and `readers` readers; return their tokens."""
    sys.path.insert(0, str(ROOT / "server"))
    from postil import db
    from postil.models import Token, User

    database = db.open_database(url)
    db.upgrade(database)
    db.database.initialize(database)
    with database.connection_context():
        user = User(name=f"writer{uuid.uuid4().hex[:6]}")
        user.set_password("bench password")
        user.save()
        token = Token.issue(user, "bench")
        tokens = []
        for i in range(readers):
            reader = User(name=f"reader{i}-{uuid.uuid4().hex[:6]}", password_hash="!")
            reader.save()
            tokens.append(Token.issue(reader, "bench"))
    database.close()
    if hasattr(database, "close_all"):
        database.close_all()
    return token, tokens


def fresh_pg() -> tuple[str, callable]:
    import psycopg2

    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    name = f"postil_bench_{uuid.uuid4().hex[:8]}"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        sys.path.insert(0, str(ROOT / "tests" / "server"))
        from pg_admin import drop_database

        drop_database(conn, name)
        conn.close()

    return PG_URL.rsplit("/", 1)[0] + "/" + name, drop


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(label: str, url: str, streams: int, creates: int, signed_in: bool, interval: float
        ) -> list[tuple[str, str]]:
    token, readers = prepare(url, streams if signed_in else 0)
    label += ", signed-in readers" if signed_in else ", anonymous readers"
    port = free_port()
    env = dict(os.environ, POSTIL_DATABASE_URL=url, POSTIL_SAMPLE="0",
               POSTIL_MAX_STREAMS=str(max(250, streams)))
    proc = subprocess.Popen([POSTIL, "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{label}: the server did not start")
            time.sleep(0.1)
        time.sleep(1)
        before = rss_kb(proc.pid)
        sel = selectors.DefaultSelector()
        request = (b"GET /api/stream?site=bench.example.org&post_id=1 HTTP/1.1\r\n"
                   b"Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        buffers: dict[socket.socket, bytes] = {}
        opened = 0
        for i in range(streams):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(request if not readers else request.replace(
                b"\r\n\r\n", f"\r\nAuthorization: Bearer {readers[i]}\r\n\r\n".encode()))
            sock.setblocking(False)
            sel.register(sock, selectors.EVENT_READ)
            buffers[sock] = b""
        sent: dict[str, float] = {}
        latencies: list[float] = []
        ready: set = set()
        received = 0

        def pump(until: float) -> None:
            nonlocal received
            while time.monotonic() < until:
                for key, _ in sel.select(timeout=0.05):
                    sock = key.fileobj
                    chunk = sock.recv(65536)
                    if not chunk:
                        sel.unregister(sock)
                        continue
                    now = time.perf_counter()
                    data = buffers[sock] + chunk
                    *lines, buffers[sock] = data.split(b"\n")
                    for line in lines:
                        if line.startswith(b"retry:"):
                            ready.add(sock)
                        match = DATA.match(line)
                        if match:
                            note = json.loads(match.group(1)).get("note", "")
                            if note in sent:
                                latencies.append((now - sent[note]) * 1000)
                                received += 1

        deadline = time.monotonic() + 60
        while len(ready) < streams and time.monotonic() < deadline:
            pump(time.monotonic() + 0.2)
        opened = len(ready)
        time.sleep(1)
        after = rss_kb(proc.pid)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def writer() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for i in range(creates):
                note = f"n{i}-{uuid.uuid4().hex[:8]}"
                body = json.dumps({
                    "id": str(uuid.uuid4()), "visibility": "public", "note": note,
                    "post": {"site": "bench.example.org", "post_id": 1,
                             "url": "https://bench.example.org/?p=1"},
                    "selectors": [{"type": "TextQuoteSelector", "exact": "words"}]})
                sent[note] = time.perf_counter()
                conn.request("POST", "/api/annotations", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                time.sleep(interval)

        thread = threading.Thread(target=writer)
        thread.start()
        expected = creates * opened
        deadline = time.monotonic() + 60 + creates * (interval + 0.5)
        while (thread.is_alive() or received < expected) and time.monotonic() < deadline:
            pump(time.monotonic() + 0.2)
        thread.join()
        for key in list(sel.get_map().values()):
            key.fileobj.close()
        rows = [
            (f"{label}: streams open", f"{opened:,} of {streams:,}"),
            (f"{label}: events delivered", f"{received:,} of {expected:,} ({creates} creates "
                                           f"{interval:g} s apart x {opened} streams)"),
        ]
        if latencies:
            rows.append((f"{label}: fan-out latency p50 / p95 (ms)",
                         f"{percentile(latencies, 50):.1f} / {percentile(latencies, 95):.1f}"))
        rows.append((f"{label}: server memory per open stream (KiB)",
                     f"{(after - before) / max(1, opened):.0f}  (RSS {before / 1024:.0f} MiB "
                     f"-> {after / 1024:.0f} MiB)"))
        return rows
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--creates", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between two creates")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--readers", default="anonymous,signed-in",
                        help="anonymous (one viewer: the streams share each read) and/or "
                             "signed-in (a viewer each: every stream reads for itself)")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    for kind in args.db.split(","):
        for readers in args.readers.split(","):
            signed_in = readers == "signed-in"
            if kind == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    rows += run("SQLite", f"sqlite:///{tmp}/bench.db", args.streams,
                                args.creates, signed_in, args.interval)
            elif kind == "postgres":
                url, drop = fresh_pg()
                try:
                    rows += run("PostgreSQL", url, args.streams, args.creates, signed_in,
                                args.interval)
                finally:
                    drop()
            else:
                raise SystemExit(f"unknown database {kind!r}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
