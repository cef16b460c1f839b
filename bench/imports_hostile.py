"""Send hostile import bodies to a real `postil serve` and measure what each costs the server.

    python bench/imports_hostile.py                 # SQLite, and PostgreSQL when reachable
    python bench/imports_hostile.py --no-pg         # SQLite only
    python bench/imports_hostile.py --code /work/main/server --only jsonld-0.8MB
                                                    # the same against another checkout's code

Each hostile body goes to a fresh server process (so its peak memory is that body's alone) on a
temporary database: JSON-LD lists of one annotation padded with zeros (0.8 MB and 1.6 MB), a
20 MB Postil export whose annotations are all 0, and a 3 MB import of notes like "![" * 25000
(slow for markdown-it). One table row per body: size, status, wall seconds, the server's CPU
seconds (user + system, /proc/PID/stat) and its peak RSS (VmHWM). Then another user's small
create, sent one after another: its p50/p95 latency with no import running (the baseline), and
while a 20 MB import of ordinary annotations and the 3 MB note import run, each beside the
baseline as a ratio. No assertion: the numbers go to bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from postil import db  # noqa: E402
from postil.models import Token, User  # noqa: E402

PG_URL = os.environ.get("POSTIL_TEST_PG_URL", "postgresql://postil:postil@127.0.0.1:5432/postil_test")
MAX_IMPORT_BYTES = 20 * 1024 * 1024  # the server's default POSTIL_MAX_IMPORT_BYTES
ANNOTATION = b'{"type":"Annotation","target":"https://a.example/"}'


# ---------------------------------------------------------------- the bodies

def padded_jsonld(size: int) -> bytes:
    """`[{"type":"Annotation","target":…},0,0,…]` of `size` bytes (the issue's first body)."""
    zeros = (size - len(ANNOTATION) - 2) // 2
    return b"[" + ANNOTATION + b",0" * zeros + b"]"


def native_zeros(size: int) -> bytes:
    """`{"format":"postil-export","annotations":[0,0,…]}` of about `size` bytes."""
    head, tail = b'{"format":"postil-export","annotations":[0', b"]}"
    zeros = (size - len(head) - len(tail)) // 2
    return head + b",0" * zeros + tail


def slow_notes(size: int) -> bytes:
    """A Postil export of notes `"![" * 25000`, each 0.4-0.7 s in markdown-it unbounded."""
    note = "![" * 25000
    items, total = [], 0
    while total < size:
        item = {"id": str(uuid.uuid4()), "note": note,
                "post": {"site": "bench.example.org", "post_id": 1 + len(items) % 20,
                         "url": "https://bench.example.org/a/", "title": "Bench"}}
        items.append(item)
        total += len(json.dumps(item))
    return json.dumps({"format": "postil-export", "annotations": items}).encode()


def ordinary(size: int) -> bytes:
    """A Postil export of ordinary annotations (a quote, a paragraph of note, tags)."""
    words = "margin reading note passage annotation highlight gloss".split()
    items, total = [], 0
    while total < size:
        n = len(items)
        prose = " ".join(words[(n + i) % len(words)] for i in range(120))
        item = {"id": str(uuid.uuid4()), "note": prose, "tags": ["bench", f"t{n % 50}"],
                "quote": "a passage worth keeping", "color": "green",
                "selectors": [{"type": "TextQuoteSelector", "exact": "a passage worth keeping"},
                              {"type": "TextPositionSelector", "start": n % 900,
                               "end": n % 900 + 23}],
                "post": {"site": "bench.example.org", "post_id": 1 + n % 200,
                         "url": f"https://bench.example.org/?p={1 + n % 200}", "title": "Bench"}}
        items.append(item)
        total += len(json.dumps(item)) + 2
    return json.dumps({"format": "postil-export", "annotations": items}).encode()


HOSTILE = {
    "jsonld-0.8MB": ("JSON-LD [annotation, 0, 0, ...]", lambda: padded_jsonld(800_000)),
    "jsonld-1.6MB": ("JSON-LD [annotation, 0, 0, ...]", lambda: padded_jsonld(1_600_000)),
    "native-20MB": ("native annotations: [0, 0, ...]",
                    lambda: native_zeros(MAX_IMPORT_BYTES - 1024)),
    "notes-3MB": ('native, notes "![" * 25000', lambda: slow_notes(3_000_000)),
}


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int, key: str) -> float:
    """A /proc/PID/status memory line (VmRSS, VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """`postil serve` on a free port, from this checkout or the one `code` names."""

    def __init__(self, url: str, code: str | None) -> None:
        self.port = free_port()
        env = dict(os.environ, POSTIL_DATABASE_URL=url, POSTIL_SAMPLE="0")
        if code:
            env["PYTHONPATH"] = code
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "postil.cli", "serve", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("postil serve did not start")

    def request(self, method: str, path: str, body: bytes | None, token: str,
                timeout: float = 3600) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------- databases

def prepare(url: str) -> dict[str, str]:
    """Migrate the database and make two users; return their tokens."""
    database = db.open_database(url)
    db.upgrade(database)
    db.database.initialize(database)
    with database.connection_context():
        tokens = {}
        for name in ("importer", "writer"):
            user = User.create(name=name, password_hash="x")
            tokens[name] = Token.issue(user, "bench")
    database.close()
    return tokens


def postgres_url() -> tuple[str, callable] | None:
    """A fresh PostgreSQL database of the bench's own, and how to drop it; None if unreachable."""
    try:
        import psycopg2

        conn = psycopg2.connect(PG_URL, connect_timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return None
    conn.autocommit = True
    name = f"postil_bench_{os.getpid()}"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        sys.path.insert(0, str(ROOT / "tests" / "server"))
        from pg_admin import drop_database

        drop_database(conn, name)
        conn.close()

    return PG_URL.rsplit("/", 1)[0] + "/" + name, drop


# ---------------------------------------------------------------- measurements

def hostile_rows(url: str, tokens: dict, code: str | None, only: list[str]) -> list[tuple]:
    rows = []
    for key, (label, make) in HOSTILE.items():
        if only and key not in only:
            continue
        body = make()
        server = Server(url, code)
        try:
            cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
            status, _ = server.request("POST", "/api/import", body, tokens["importer"])
            wall = time.perf_counter() - t0
            cpu = cpu_seconds(server.proc.pid) - cpu0
            peak = proc_status(server.proc.pid, "VmHWM")
        finally:
            server.stop()
        rows.append((f"{label} ({key})", len(body) / 1e6, status, wall, cpu, peak))
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    return rows


def small_create(n: int) -> bytes:
    return json.dumps({
        "id": str(uuid.uuid4()), "note": f"a *small* note {n}", "color": "blue",
        "selectors": [{"type": "TextQuoteSelector", "exact": "a passage"}],
        "post": {"site": "other.example.org", "post_id": 1 + n % 10,
                 "url": f"https://other.example.org/?p={1 + n % 10}", "title": "Other"},
    }).encode()


def creates_while(server: Server, token: str, busy: threading.Thread | None,
                  count: int) -> list[float]:
    """Send small creates one after another (while `busy` runs, if given); return seconds each."""
    latencies = []
    n = 0
    while (busy.is_alive() if busy else n < count):
        t0 = time.perf_counter()
        status, _ = server.request("POST", "/api/annotations", small_create(n), token)
        latencies.append(time.perf_counter() - t0)
        if status != 201:
            raise SystemExit(f"a small create answered {status}")
        n += 1
        time.sleep(0.02)
    return latencies


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1e3,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1e3)


STALL_BODIES = {
    "ordinary": ("during a 20 MB import of ordinary annotations",
                 lambda: ordinary(MAX_IMPORT_BYTES - 64 * 1024)),
    "notes": ('during the 3 MB import of notes "![" * 25000', lambda: slow_notes(3_000_000)),
}


def stall_rows(url: str, tokens: dict, code: str | None, which: list[str]) -> list[tuple]:
    """Another user's creates alone, then during each import: (label, n, p50, p95, import)."""
    server = Server(url, code)
    rows = []
    try:
        creates_while(server, tokens["writer"], None, 20)  # warm up
        base = creates_while(server, tokens["writer"], None, 100)
        rows.append(("no import running (baseline)", len(base), *percentiles(base), ""))
        for key in which:
            label, make = STALL_BODIES[key]
            body = make()
            answer: dict = {}

            def run(body=body, answer=answer):
                t0 = time.perf_counter()
                answer["status"], raw = server.request("POST", "/api/import", body,
                                                       tokens["importer"])
                answer["seconds"] = time.perf_counter() - t0
                if answer["status"] == 200:
                    summary = json.loads(raw)
                    answer["created"] = summary["created"]
                    answer["failed"] = len(summary["failed"])

            worker = threading.Thread(target=run)
            worker.start()
            time.sleep(0.05)
            during = creates_while(server, tokens["writer"], worker, 0)
            worker.join()
            what = (f"import {answer.get('status')} in {answer.get('seconds', 0):.1f} s, "
                    f"{answer.get('created', 0)} created, {answer.get('failed', 0)} failed, "
                    f"{len(body) / 1e6:.1f} MB")
            rows.append((label, len(during), *percentiles(during), what))
            print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    finally:
        server.stop()
    return rows


def print_tables(name: str, hostile: list[tuple], stalls: list[tuple]) -> None:
    print(f"\n{name}: hostile bodies, each to a fresh server")
    print(f"{'body':<58} {'MB':>6} {'status':>6} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>11}")
    for label, size, status, wall, cpu, peak in hostile:
        print(f"{label:<58} {size:>6.2f} {status:>6} {wall:>7.2f} {cpu:>7.2f} {peak:>11.0f}")
    if not stalls:
        return
    print(f"\n{name}: another user's small create, sent one after another")
    base = stalls[0][3]
    print(f"{'':<48} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>8}  import")
    for label, n, p50, p95, what in stalls:
        print(f"{label:<48} {n:>4} {p50:>8.1f} {p95:>8.1f} {p95 / base:>7.1f}x  {what}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--code", help="run the server from this directory's postil package "
                                       "(e.g. another checkout's server/)")
    parser.add_argument("--only", nargs="*", default=[], choices=list(HOSTILE),
                        help="send only these hostile bodies")
    parser.add_argument("--no-stall", action="store_true",
                        help="skip the concurrent-create latency")
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile bodies")
    parser.add_argument("--stall", nargs="*", default=list(STALL_BODIES),
                        choices=list(STALL_BODIES), help="imports to send creates beside")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/postil.db"
        tokens = prepare(url)
        hostile = [] if args.no_hostile else hostile_rows(url, tokens, args.code, args.only)
        stalls = [] if args.no_stall else stall_rows(url, tokens, args.code, args.stall)
        print_tables("SQLite", hostile, stalls)
    pg = None if args.no_pg else postgres_url()
    if pg is not None:
        url, drop = pg
        try:
            tokens = prepare(url)
            hostile = [] if args.no_hostile else hostile_rows(url, tokens, args.code, args.only)
            stalls = [] if args.no_stall else stall_rows(url, tokens, args.code, args.stall)
            print_tables("PostgreSQL", hostile, stalls)
        finally:
            drop()
    elif not args.no_pg:
        print(f"\nPostgreSQL not reachable at {PG_URL}: skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
