"""Measure the annotation store at scale: seeding, query latency, and create throughput over HTTP.

    python bench/server.py                      # 1,000,000 annotations, 20,000 posts, 2,000 users
    python bench/server.py --annotations 100000 --posts 2000 --users 200   # quicker

    python bench/server.py --db A.db --pg postgresql://USER:PW@HOST/EMPTY_DB   # both, side by side

Seeds a fresh SQLite database (or reuses one with --db PATH --reuse; with --pg URL a PostgreSQL
database too, measured after SQLite in the same run), then prints one table:
seeding rate; p50/p95 of the API's queries (in-process through the Flask app, so the numbers
include validation, visibility and JSON, not the network); and create-annotation throughput over
HTTP on the production server beside a trivial JSON endpoint of the same server, measured in the
same run, with their ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
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

from postil import create_app, db  # noqa: E402
from postil.models import (  # noqa: E402
    Annotation,
    AnnotationTag,
    Group,
    Membership,
    Post,
    Token,
    User,
    now_us,
)

SYLLABLES = ["ka", "lo", "mi", "ter", "van", "sul", "po", "ri", "den", "ax", "ol", "mer", "tu",
             "fin", "gra", "hel", "is", "jo", "nu", "pe", "qua", "ros", "sti", "ve", "wen", "yo"]
COLORS = ["yellow", "green", "blue", "pink", "purple"]


def vocabulary(rng: random.Random, n: int) -> list[str]:
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def seed(url: str, n_ann: int, n_posts: int, n_users: int, rng: random.Random) -> float:
    database = db.open_database(url)
    db.upgrade(database)
    db.database.initialize(database)
    words = vocabulary(rng, 5000)
    tags = vocabulary(random.Random(7), 200)
    start = time.perf_counter()
    with database.atomic():
        User.insert_many([{"name": f"user{i}", "name_key": f"user{i}", "password_hash": "x",
                           "created_us": now_us()}
                         for i in range(n_users)]).execute()
        for lo in range(0, n_posts, 5000):
            Post.insert_many([{
                "site": f"site{i % 200}.example.org", "post_id": i + 1,
                "url": f"https://site{i % 200}.example.org/?p={i + 1}", "title": f"Post {i}",
                "created_us": now_us(), "updated_us": now_us(),
            } for i in range(lo, min(n_posts, lo + 5000))]).execute()
        groups_of = seed_groups(n_users, rng)
    base = now_us() - n_ann * 1000
    batch = 5000
    for lo in range(0, n_ann, batch):
        rows, tag_rows = [], []
        for i in range(lo, min(n_ann, lo + batch)):
            quote = " ".join(rng.choices(words, k=rng.randint(5, 20)))
            note = " ".join(rng.choices(words, k=rng.randint(0, 15)))
            mine = rng.sample(tags, rng.randint(0, 3))
            created = base + i * 1000
            author = rng.randint(1, n_users)
            roll = rng.random()
            # 20% public, 10% in one of the author's groups (when they have one), the rest
            # private.
            group = rng.choice(groups_of[author]) if 0.2 <= roll < 0.3 and groups_of[
                author] else None
            rows.append({
                "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "post": rng.randint(1, n_posts), "user": author,
                "quote": quote, "selectors": json.dumps([{"type": "TextQuoteSelector",
                                                          "exact": quote}]),
                "note": note, "note_html": f"<p>{note}</p>" if note else "",
                "color": rng.choice(COLORS), "tags": json.dumps(mine), "tags_text": " ".join(mine),
                "visibility": "public" if roll < 0.2 else "group" if group else "private",
                "group": group,
                "created_us": created, "updated_us": created, "version": 1,
            })
            tag_rows.append(mine)
        with database.atomic():
            first = Annotation.insert_many(rows).execute()
            # insert_many returns the last rowid on SQLite; rows got consecutive primary keys.
            last_pk = first if isinstance(first, int) else Annotation.select(
                Annotation.pk).order_by(Annotation.pk.desc()).scalar()
            first_pk = last_pk - len(rows) + 1
            pairs = [{"annotation": first_pk + j, "name": t, "created_us": rows[j]["created_us"]}
                     for j, ts in enumerate(tag_rows) for t in ts]
            if pairs:
                AnnotationTag.insert_many(pairs).execute()
        if lo and lo % 100_000 == 0:
            print(f"  seeded {lo:,}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    database.execute_sql("ANALYZE")
    database.close()
    return elapsed


GROUP_SIZE = 20
VIEWER_GROUPS = 5  # user1, whose token the queries use, is in this many groups


def seed_groups(n_users: int, rng: random.Random) -> dict[int, list[int]]:
    """One reading group per GROUP_SIZE users, each user in up to three (user1 in
    VIEWER_GROUPS), so the visibility condition has memberships to look up; return each user's
    group ids."""
    n_groups = max(VIEWER_GROUPS, n_users // GROUP_SIZE)
    Group.insert_many([{"gid": f"g{i}", "name": f"Group {i}", "created_us": now_us(),
                        "updated_us": now_us()} for i in range(n_groups)]).execute()
    groups_of: dict[int, list[int]] = {u: [] for u in range(1, n_users + 1)}
    for user in groups_of:
        k = VIEWER_GROUPS if user == 2 else rng.randint(0, 3)  # "user1" has id 2
        groups_of[user] = rng.sample(range(1, n_groups + 1), k)
    rows = [{"group": g, "user": u, "role": "member", "joined_us": now_us()}
            for u, gs in groups_of.items() for g in gs]
    for lo in range(0, len(rows), 5000):
        Membership.insert_many(rows[lo:lo + 5000]).execute()
    return groups_of


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return p50 * 1000, p95 * 1000


def time_queries(client, headers, paths: list[str]) -> tuple[float, float, int]:
    samples, total = [], 0
    for path in paths:
        t0 = time.perf_counter()
        res = client.get(path, headers=headers)
        samples.append(time.perf_counter() - t0)
        assert res.status_code == 200, (path, res.get_json())
        total += len(res.get_json()["items"])
    p50, p95 = percentiles(samples)
    return p50, p95, total


def deep_paging(client, headers, user: str, pages: int) -> tuple[float, float, int]:
    samples, cursor, seen = [], None, 0
    for _ in range(pages):
        path = f"/api/annotations?user={user}&limit=20" + (f"&cursor={cursor}" if cursor else "")
        t0 = time.perf_counter()
        res = client.get(path, headers=headers)
        samples.append(time.perf_counter() - t0)
        body = res.get_json()
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    p50, p95 = percentiles(samples)
    return p50, p95, seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hammer(port: int, method: str, path: str, headers: dict, body_fn, total: int,
           threads: int) -> tuple[float, int]:
    """Send `total` requests from `threads` keep-alive connections; return (requests/s, sent)."""
    per = total // threads
    errors: list[str] = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(per):
            body = body_fn() if body_fn else None
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            res.read()
            if res.status >= 300:
                errors.append(f"{res.status}")
        conn.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. HTTP {errors[0]}")
    return per * threads / elapsed, per * threads


WRK_CREATE = r"""
-- Each request creates a new annotation with a fresh random UUID (the server would answer a
-- repeated id with 200 and no write).
local counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local function uuid4()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (t:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end
request = function()
  counter = counter + 1
  local body = string.format([[{"id":"%s","post":{"site":"bench.example.org","post_id":%d,
"url":"https://bench.example.org/a/","title":"Bench"},
"selectors":[{"type":"TextQuoteSelector","exact":"a passage worth keeping","prefix":"before ",
"suffix":" after"},{"type":"TextPositionSelector","start":10,"end":33}],
"note":"a *short* note","tags":["bench"],"color":"green"}]], uuid4(), counter % 50 + 1)
  return wrk.format("POST", nil, nil, body)
end
"""


def wrk_rate(port: int, path: str, seconds: int, connections: int, headers: dict,
             script: str | None = None) -> tuple[float, int]:
    """Run wrk (one thread: the other core is the server's); return (requests/s, requests)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, val in headers.items():
        cmd += ["-H", f"{k}: {val}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script or "")
    if script:
        cmd += ["-s", fh.name]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    os.unlink(fh.name)
    if "Non-2xx" in out:
        raise SystemExit("wrk saw errors:\n" + out)
    rate = float(next(line.split()[1] for line in out.splitlines()
                      if line.startswith("Requests/sec")))
    done = int(next(line.split()[0] for line in out.splitlines() if " requests in " in line))
    return rate, done


def cpu_seconds(pid: int) -> tuple[float, float] | None:
    """User and system CPU time a process has used so far (Linux), or None where /proc lacks
    them."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


# From the trivial endpoint to a create, each step doing more of what a create does.
LADDER = [
    ("GET", "/api", "GET /api, trivial JSON"),
    ("POST", "/bench/write", "POST, one durable one-row write, nothing else"),
    ("POST", "/bench/echo", "POST, JSON body parsed and answered back"),
    ("POST", "/bench/auth-echo", "  + signed in (token looked up)"),
    ("POST", "/bench/validate", "  + body validated, note rendered, nothing stored"),
    ("POST", "/api/annotations", "POST /api/annotations, a real create"),
]


def http_throughput(url: str, token: str, requests: int, threads: int, use_wrk: bool
                    ) -> tuple[list[tuple[str, float, float | None, float | None]], str]:
    """Return (label, requests/second, server CPU µs per request, of it the system's) for each
    step of LADDER, and the load generator's name."""
    port = free_port()
    env = dict(os.environ, POSTIL_DATABASE_URL=url, POSTIL_SAMPLE="0")
    # `postil serve` itself, with the ladder's partial endpoints added (bench/ladder_server.py).
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "ladder_server.py"), "serve",
                             "--port", str(port), "--threads", str(threads)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        rng = random.Random(5)

        def body():
            return json.dumps({
                "id": str(uuid.uuid4()),
                "post": {"site": "bench.example.org", "post_id": rng.randint(1, 50),
                         "url": "https://bench.example.org/a/", "title": "Bench"},
                "selectors": [{"type": "TextQuoteSelector", "exact": "a passage worth keeping",
                               "prefix": "before ", "suffix": " after"},
                              {"type": "TextPositionSelector", "start": 10, "end": 33}],
                "note": "a *short* note", "tags": ["bench"], "color": "green",
            })

        hammer(port, "GET", "/api", {}, None, 200, threads)  # warm up

        def load(method: str, path: str) -> tuple[float, int]:
            if use_wrk:
                # A C load generator, so the client's own cost does not cap the fast endpoint.
                seconds = max(3, requests // 500)
                if method == "GET":
                    return wrk_rate(port, path, seconds, threads, {})
                return wrk_rate(port, path, seconds, threads, auth, WRK_CREATE)
            if method == "GET":
                return hammer(port, "GET", path, {}, None, requests, threads)
            return hammer(port, "POST", path, auth, body, requests, threads)

        def rate(method: str, path: str) -> tuple[float, float | None, float | None]:
            # The server's CPU time (all its threads, user + system) over the requests it
            # answered: with the interpreter lock, the ratio of rates follows the ratio of these.
            # The system's share apart: the kernel's work (sockets, each commit's sync).
            before = cpu_seconds(proc.pid)
            per_s, done = load(method, path)
            after = cpu_seconds(proc.pid)
            if before is None or after is None:
                return per_s, None, None
            return (per_s, (sum(after) - sum(before)) / done * 1e6,
                    (after[1] - before[1]) / done * 1e6)

        rates = [(label, *rate(method, path)) for method, path, label in LADDER]
        # The baseline again at the end: the mean of both is the ratios' denominator, so a
        # machine that drifts during the run moves it less.
        rates.append(("GET /api again, after the others", *rate("GET", "/api")))
        return rates, "wrk" if use_wrk else "python http.client"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def measure(url: str, args, rows: list) -> None:
    """Seed `url` (unless --reuse), then append (measure, value, notes) rows for one database."""
    rng = random.Random(42)
    if not args.reuse:
        secs = seed(url, args.annotations, args.posts, args.users, rng)
        rows.append(("seed annotations (rows/s)", f"{args.annotations / secs:,.0f}",
                     f"{args.annotations:,} rows in {secs:.1f} s"))

    app = create_app({"DATABASE_URL": url, "SAMPLE": False, "AUTO_MIGRATE": True})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        n_users = User.select().count()
        if not User.by_name("bencher"):
            User.create(name="bencher", password_hash="x")
        token = Token.issue(User.by_name("user1"), "bench")
        bench_token = Token.issue(User.by_name("bencher"), "bench")
        tags = [r[0] for r in AnnotationTag.select(AnnotationTag.name).distinct()
                .order_by(AnnotationTag.name).limit(50).tuples()]
        # Words from seeded public annotations spread over the table (not the newest rows,
        # which earlier HTTP runs of this bench may have written).
        top = Annotation.select(Annotation.pk).order_by(Annotation.pk.desc()).limit(1).scalar()
        pick_rng = random.Random(3)
        picks = [pick_rng.randint(1, top) for _ in range(400)]
        sample_words = [a.quote.split()[0] for a in Annotation.select(Annotation.quote)
                        .where(Annotation.pk.in_(picks) & (Annotation.visibility == "public")
                               & (Annotation.quote != "a passage worth keeping"))
                        .order_by(Annotation.pk)][:50]
        # Posts as stored (a database copied --scale K times by bench/copy_to_pg.py numbers
        # its copies' posts past the seeded ones).
        top_post = Post.select(Post.id).order_by(Post.id.desc()).limit(1).scalar()
        post_rng = random.Random(11)
        post_keys = list(Post.select(Post.site, Post.post_id).where(
            Post.id.in_([post_rng.randint(1, top_post) for _ in range(4 * args.queries)])
            & Post.post_id.is_null(False)).order_by(Post.id).tuples())
        db.database.close()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    qr = random.Random(9)
    n = args.queries

    def post_path():
        site, post_id = qr.choice(post_keys)
        return f"/api/annotations?site={site}&post_id={post_id}&limit=50"

    kinds = [
        (f"query by post (viewer in {VIEWER_GROUPS} groups)", [post_path() for _ in range(n)]),
        ("query by user", [f"/api/annotations?user=user{qr.randint(0, n_users - 1)}&limit=50"
                           for _ in range(n)]),
        ("query by tag", [f"/api/annotations?tag={qr.choice(tags)}&limit=50" for _ in range(n)]),
        ("full-text q", [f"/api/annotations?q={qr.choice(sample_words)}&limit=50"
                         for _ in range(n)]),
        ("count only (limit=0, by post)", [post_path().replace("limit=50", "limit=0")
                                           for _ in range(n)]),
    ]
    for name, paths in kinds:
        time_queries(client, headers, paths[:10])  # warm caches
        p50, p95, got = time_queries(client, headers, paths)
        rows.append((f"{name} p50 / p95 (ms)", f"{p50:.2f} / {p95:.2f}",
                     f"{n} queries, {got / n:.1f} rows each"))
    p50, p95, seen = deep_paging(client, {}, "user1", 10_000)
    rows.append(("cursor paging, public of one user p50 / p95 (ms)", f"{p50:.2f} / {p95:.2f}",
                 f"{seen:,} rows paged 20 at a time to the end"))
    p50, p95, seen = deep_paging(client, headers, "user1", 10_000)
    rows.append(("cursor paging, own annotations p50 / p95 (ms)", f"{p50:.2f} / {p95:.2f}",
                 f"{seen:,} rows paged 20 at a time to the end"))
    if args.no_http:
        return

    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    rates, client_name = http_throughput(url, bench_token, args.requests, args.threads, use_wrk)
    trivial = (rates[0][1] + rates[-1][1]) / 2
    cpus = [r[2] for r in rates]
    base_cpu = None if None in (cpus[0], cpus[-1]) else (cpus[0] + cpus[-1]) / 2
    base_sys = None if base_cpu is None else (rates[0][3] + rates[-1][3]) / 2

    def cpu_note(cpu: float | None, system: float | None) -> str:
        if cpu is None or base_cpu is None:
            return ""
        return (f"; server CPU {cpu:,.0f} µs/request (system {system:,.0f}), "
                f"{cpu / base_cpu:.1f}x the baseline's")

    rows.append(("HTTP GET /api, trivial JSON: the baseline (req/s)", f"{trivial:,.0f}",
                 f"mean of {rates[0][1]:,.0f} first and {rates[-1][1]:,.0f} last; "
                 f"same server, load from {client_name}"
                 + (f"; server CPU {base_cpu:,.0f} µs/request (system {base_sys:,.0f})"
                    if base_cpu else "")))
    for step, rate, cpu, system in rates[1:-1]:
        times = "" if cpu is None or base_cpu is None else f" / {cpu / base_cpu:.1f}x"
        rows.append((f"HTTP {step} (req/s / CPU)", f"{rate:,.0f}{times}",
                     f"{rate / trivial:.0%} of the trivial endpoint{cpu_note(cpu, system)}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=200, help="samples per query kind")
    parser.add_argument("--requests", type=int, default=2_000, help="HTTP requests per endpoint")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", type=Path, help="database file (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse --db (and --pg) without seeding")
    parser.add_argument("--pg", metavar="URL",
                        help="also measure this PostgreSQL database (postgresql://…; seeded "
                             "unless --reuse: give an empty one) and print both side by side")
    parser.add_argument("--no-http", action="store_true", help="the in-process queries only")
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto",
                        help="the HTTP load generator: wrk (one thread, --threads connections), "
                             "Python's http.client on --threads threads, or wrk when installed "
                             "(auto)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="postil-bench-")
    path = args.db or Path(tmp) / "bench.db"
    if not args.reuse and path.exists():
        raise SystemExit(f"{path} exists; pass --reuse or remove it")
    results = {"SQLite": []}
    measure(f"sqlite:///{path}", args, results["SQLite"])
    if args.pg:
        results["PostgreSQL"] = []
        measure(args.pg, args, results["PostgreSQL"])

    names = [name for name, _, _ in results["SQLite"]]
    width = max(len(name) for name in names)
    print(f"\nPostil server bench — {args.annotations:,} annotations seeded, {args.posts:,} "
          f"posts, {args.users:,} users, {os.cpu_count()} cores\n")
    if len(results) == 1:
        rows = results["SQLite"]
        vwidth = max(len(r[1]) for r in rows)
        print(f"{'measure'.ljust(width)}  {'SQLite'.rjust(vwidth)}  notes")
        print(f"{'-' * width}  {'-' * vwidth}  {'-' * 30}")
        for name, value, note in rows:
            print(f"{name.ljust(width)}  {value.rjust(vwidth)}  {note}")
        return 0
    # Side by side: the values, then each database's notes on a line of its own.
    vwidth = max(len(r[1]) for rs in results.values() for r in rs)
    print(f"{'measure'.ljust(width)}  {'SQLite'.rjust(vwidth)}  {'PostgreSQL'.rjust(vwidth)}")
    print(f"{'-' * width}  {'-' * vwidth}  {'-' * vwidth}")
    pg = {name: value for name, value, _ in results["PostgreSQL"]}
    for name, value, _ in results["SQLite"]:
        print(f"{name.ljust(width)}  {value.rjust(vwidth)}  {pg.get(name, '').rjust(vwidth)}")
    print("\nnotes")
    for label, rows in results.items():
        for name, _, note in rows:
            print(f"{label}, {name}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
