"""Creates per second and server CPU per create with one process and with several, per database.

    python bench/workers.py                         # SQLite and PostgreSQL, 1 and 2 processes
    python bench/workers.py --databases sqlite --seconds 3

For each database (a fresh SQLite file; a fresh PostgreSQL database made beside the one
POSTIL_TEST_PG_URL names, dropped afterwards) and each process count, starts `postil serve` on a
free port (one process: waitress, the default; N: `--workers N`, gunicorn), then loads in one run
the trivial `GET /api` (the baseline), `POST /api/annotations` (real creates, a fresh id each),
and `GET /api` again. Load comes from `wrk` when it is installed (bench/server.py's way), else
from Python threads. Beside each rate, the server's CPU time per request: user + system of every
process of the server (the master and its workers), read from /proc before and after the load.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import server as server_bench  # noqa: E402  (bench/server.py: load and CPU helpers)
from postil import create_app, db  # noqa: E402
from postil.models import Token, User  # noqa: E402

ROOT = BENCH.parent
PG_URL = os.environ.get("POSTIL_TEST_PG_URL",
                        "postgresql://postil:postil@127.0.0.1:5432/postil_test")


def server_pids(master: int) -> list[int]:
    """The server's processes: the one started and its children (gunicorn's workers)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        children = []
    return [master, *map(int, children)]


def server_cpu(master: int) -> float:
    return sum(server_bench.cpu_seconds(pid) or 0.0 for pid in server_pids(master))


def prepare(url: str) -> str:
    """Migrate the database, make the bench user; return its token."""
    app = create_app({"DATABASE_URL": url, "SAMPLE": False})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        user = User.create(name="bencher", name_key="bencher", password_hash="x")
        token = Token.issue(user, "bench")
        db.database.close()
    close_all = getattr(db.database.obj, "close_all", None)
    if close_all:
        close_all()
    return token


def measure(url: str, token: str, processes: int, seconds: int, connections: int,
            threads: int) -> list[tuple[str, float, float]]:
    """Return (what, requests/s, server CPU µs/request) for GET /api, creates, GET /api again."""
    port = server_bench.free_port()
    env = dict(os.environ, POSTIL_DATABASE_URL=url, POSTIL_SAMPLE="0")
    cmd = [str(Path(sys.executable).with_name("postil")), "serve", "--port", str(port),
           "--threads", str(threads)]
    if processes > 1:
        cmd += ["--workers", str(processes)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while len(server_pids(proc.pid)) < (1 if processes == 1 else processes + 1) \
                or not answers(port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"postil serve ({processes} processes) did not start")
            time.sleep(0.1)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        use_wrk = shutil.which("wrk") is not None

        def body():
            return json.dumps({
                "id": str(uuid.uuid4()),
                "post": {"site": "bench.example.org", "post_id": 1,
                         "url": "https://bench.example.org/a/", "title": "Bench"},
                "selectors": [{"type": "TextQuoteSelector", "exact": "a passage worth keeping",
                               "prefix": "before ", "suffix": " after"},
                              {"type": "TextPositionSelector", "start": 10, "end": 33}],
                "note": "a *short* note", "tags": ["bench"], "color": "green"})

        def load(kind: str) -> tuple[float, int]:
            if use_wrk:
                if kind == "get":
                    return server_bench.wrk_rate(port, "/api", seconds, connections, {})
                return server_bench.wrk_rate(port, "/api/annotations", seconds, connections,
                                             auth, server_bench.WRK_CREATE)
            total = 400 * seconds
            if kind == "get":
                return server_bench.hammer(port, "GET", "/api", {}, None, total, connections)
            return server_bench.hammer(port, "POST", "/api/annotations", auth, body, total,
                                       connections)

        load("get")  # warm up every worker
        rows = []
        for label, kind in (("GET /api", "get"), ("creates", "create"),
                            ("GET /api again", "get")):
            before = server_cpu(proc.pid)
            rate, done = load(kind)
            rows.append((label, rate, (server_cpu(proc.pid) - before) / done * 1e6))
        return rows
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def pg_database() -> tuple[str, Callable[[], None]]:
    import psycopg2

    name = f"postil_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        sys.path.insert(0, str(ROOT / "tests" / "server"))
        from pg_admin import drop_database

        drop_database(admin, name)
        admin.close()

    return PG_URL.rsplit("/", 1)[0] + "/" + name, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2, help="processes of the second run")
    parser.add_argument("--seconds", type=int, default=5, help="load per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4, help="threads of each process")
    args = parser.parse_args()

    table = []
    for name in args.databases.split(","):
        if name == "sqlite":
            tmp = Path(tempfile.mkdtemp(prefix="postil-bench-workers-"))
            url, cleanup = f"sqlite:///{tmp / 'bench.db'}", lambda t=tmp: shutil.rmtree(t)
        else:
            url, cleanup = pg_database()
        try:
            token = prepare(url)
            for processes in (1, args.workers):
                get1, create, get2 = measure(url, token, processes, args.seconds,
                                             args.connections, args.threads)
                trivial_rate = (get1[1] + get2[1]) / 2
                trivial_cpu = (get1[2] + get2[2]) / 2
                table.append((name, processes, trivial_rate, trivial_cpu, create[1], create[2]))
        finally:
            cleanup()

    print(f"\nPostil server processes — {os.cpu_count()} cores, {args.connections} connections, "
          f"{args.threads} threads a process, load from "
          f"{'wrk' if shutil.which('wrk') else 'python http.client'}, {args.seconds} s each\n")
    head = ("database", "processes", "GET /api req/s", "CPU µs/req", "creates/s",
            "CPU µs/create", "create CPU / GET CPU")
    print(" | ".join(head))
    print(" | ".join("-" * len(h) for h in head))
    for name, processes, t_rate, t_cpu, c_rate, c_cpu in table:
        server = "waitress" if processes == 1 else "gunicorn"
        cells = (name, f"{processes} ({server})", f"{t_rate:,.0f}", f"{t_cpu:,.0f}",
                 f"{c_rate:,.0f}", f"{c_cpu:,.0f}", f"{c_cpu / t_cpu:.1f}x")
        print(" | ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
