"""Export benchmark: stream every format of a large export and watch memory stay flat.

    python bench/export.py                 # 1,000,000 annotations (seeding takes minutes)
    python bench/export.py --n 50000       # a quick run

Seeds N annotations (one user, N/100 posts) into a fresh SQLite database in a temporary
directory with bulk inserts, then, in a fresh child process per format, streams
`GET /api/export?format=…` through the Flask app (the same code `postil serve` runs), reads the
body chunk by chunk and throws it away. Each child reports annotations/s, MB/s, its RSS before
the export started and as it went (at 10%, 50% and 100% of the rows), and its peak RSS.

Two baselines run the same way: `rows` only walks `store.iterate_by_post` (the database and
peewee, in the order every export reads them), and `to_json` also builds every annotation's dict;
the difference to a format is the formatter. `everything` streams `GET /api/me/export`, the zip
holding every format at once (its rows/s counts each annotation once, though it is written 7 times).
Last, each formatter alone runs over rows already in memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

# `everything` is GET /api/me/export: the zip of every format (CSV twice), posts and profile.
MODES = ["rows", "to_json", "json", "csv", "markdown", "html", "zip", "jsonld", "everything"]
WORDS = ("margin note reader text passage light harbour archive signal river quiet "
         "garden method promise ledger window").split()


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: after fork+exec the latter can report the parent's peak.
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_app(db_path: Path):
    from postil import create_app

    return create_app({"DATABASE_URL": f"sqlite:///{db_path}", "SAMPLE": False,
                       "TESTING": True})


def seed(db_path: Path, n: int, posts: int, batch: int = 20_000) -> str:
    """Bulk-insert N annotations with executemany, in transactions of `batch` rows."""
    from postil import db
    from postil.models import Token, User, now_us
    from postil.sanitize import render_note

    app = make_app(db_path)
    with app.app_context():
        database = db.database
        database.connect(reuse_if_open=True)
        user = User(name="bench")
        user.set_password("bench-password")
        user.save()
        token = Token.issue(user, "bench")
        stamp = now_us() - n * 1000
        with database.atomic():
            database.cursor().executemany(
                "INSERT INTO post (site, post_id, url, title, guid, type, slug, content_html, "
                "text, registered, created_us, updated_us, link_key) "
                "VALUES (?, ?, ?, ?, '', 'post', ?, '', '', 0, ?, ?, ?)",
                [(f"blog{p % 50}.example.org", p, f"https://blog{p % 50}.example.org/{p}/post-{p}/",
                  f"Post number {p}: a title", f"post-{p}", stamp, stamp,
                  f"blog{p % 50}.example.org/{p}/post-{p}") for p in range(1, posts + 1)])
        note = "A *note* on this passage, with a [link](https://example.org/) and more words."
        note_html = render_note(note)
        sql = ("INSERT INTO annotation (uid, post_id, user_id, quote, selectors, note, note_html, "
               "color, tags, tags_text, visibility, deleted, created_us, updated_us, version) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 1)")
        colors = ("yellow", "green", "blue", "pink", "purple")
        started = time.perf_counter()
        for first in range(0, n, batch):
            rows = []
            for i in range(first, min(n, first + batch)):
                words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(9)]
                quote = " ".join(words)
                selectors = json.dumps([
                    {"type": "TextQuoteSelector", "exact": quote,
                     "prefix": "the words that come before it ", "suffix": " and the words after"},
                    {"type": "TextPositionSelector", "start": i % 5000, "end": i % 5000 + 60}])
                tags = [WORDS[i % len(WORDS)], WORDS[(i // 3) % len(WORDS)]]
                rows.append((str(uuid.UUID(int=i + 1, version=4)), i % posts + 1, user.id, quote,
                             selectors, note, note_html, colors[i % 5], json.dumps(tags),
                             " ".join(tags), "public" if i % 4 == 0 else "private",
                             stamp + i * 1000, stamp + i * 1000))
            with database.atomic():
                database.cursor().executemany(sql, rows)
            done = min(n, first + batch)
            rate = done / (time.perf_counter() - started)
            print(f"\rseeded {done:,} of {n:,} ({rate:,.0f}/s)", end="", file=sys.stderr)
        print(file=sys.stderr)
        database.execute_sql("ANALYZE")
        database.close()
    return token


def child(db_path: Path, mode: str, token: str, n: int) -> dict:
    """Run one mode in this (fresh) process and return its numbers."""
    from postil import db, parse, present, store
    from postil.models import User

    app = make_app(db_path)
    trace: list[tuple[int, float]] = []  # (progress, RSS) about every 0.2 s
    next_sample = 0.0
    before = rss_mb()
    started = time.perf_counter()
    count = size = 0

    def sample(progress: int) -> None:
        nonlocal next_sample
        now = time.perf_counter()
        if now >= next_sample:
            trace.append((progress, rss_mb()))
            next_sample = now + 0.2

    if mode in ("rows", "to_json"):
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            user = User.by_name("bench")
            filters = parse.Filters(user=user.name)
            for annotation in store.iterate_by_post(user, filters):
                if mode == "to_json":
                    size += len(json.dumps(present.annotation_json(annotation, user)))
                count += 1
                sample(count)
        total = count
    else:
        client = app.test_client()
        path = "/api/me/export" if mode == "everything" else f"/api/export?format={mode}"
        res = client.get(path, headers={
            "Authorization": f"Bearer {token}"}, buffered=False)
        assert res.status_code == 200, res.status_code
        for chunk in res.response:
            size += len(chunk)
            sample(size)  # progress by output bytes, which grow linearly with rows
        res.close()
        count, total = n, size
    trace.append((total, rss_mb()))
    samples = {label: next(r for p, r in trace if p >= total * share)
               for label, share in (("10%", 0.1), ("50%", 0.5), ("100%", 1.0))}
    elapsed = time.perf_counter() - started
    return {"mode": mode, "n": count, "seconds": elapsed, "bytes": size,
            "rss_before": before, "samples": samples, "peak": peak_mb()}


def formatters_alone(db_path: Path, rows: int = 20_000, repeat: int = 5) -> None:
    """Time each formatter on rows already in memory: the export's cost without the database."""
    from postil import db, parse, present, store
    from postil.exports import FORMATS
    from postil.models import User

    app = make_app(db_path)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        user = User.by_name("bench")
        filters = parse.Filters(user=user.name, order="asc")
        walk = store.iterate_by_post(user, filters)
        items = [present.annotation_json(a, user) for _, a in zip(range(rows), walk, strict=False)]
    options = {"exported_at": "2026-11-29T00:00:00Z", "collection_iri": "https://h/export",
               "annotation_iri": lambda a: f"https://h/api/annotations/{a['id']}"}
    print(f"\nformatters alone ({len(items) * repeat:,} rows from memory):")
    for name, fmt in FORMATS.items():
        started = time.perf_counter()
        for _ in range(repeat):
            for _chunk in fmt.write(iter(items), **options):
                pass
        print(f"{name:<9} {len(items) * repeat / (time.perf_counter() - started):>9,.0f} rows/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="annotations to seed")
    parser.add_argument("--posts", type=int, help="posts (default: N/100)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated")
    parser.add_argument("--db", help="reuse a database seeded by an earlier run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(Path(args.db), args.child, args.token, args.n)))
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="postil-bench-export-"))
    if args.db:
        db_path = Path(args.db)
        token = (db_path.parent / "token").read_text()
    else:
        db_path = workdir / "postil.db"
        started = time.perf_counter()
        token = seed(db_path, args.n, args.posts or max(1, args.n // 100))
        (workdir / "token").write_text(token)
        print(f"seeded {args.n:,} annotations in {time.perf_counter() - started:.0f} s; "
              f"database {db_path.stat().st_size / 2**20:,.0f} MB at {db_path}")

    print(f"\n{'mode':<9} {'rows/s':>9} {'MB/s':>6} {'output':>9} {'seconds':>8} "
          f"{'RSS before':>10} {'10%':>7} {'50%':>7} {'100%':>7} {'peak':>7}  (MB)")
    for mode in args.modes.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", mode, "--db", str(db_path),
                              "--token", token, "--n", str(args.n)],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{mode}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        s = r["samples"]
        print(f"{mode:<9} {r['n'] / r['seconds']:>9,.0f} "
              f"{r['bytes'] / 2**20 / r['seconds']:>6.1f} {r['bytes'] / 2**20:>7,.1f}MB "
              f"{r['seconds']:>8.1f} {r['rss_before']:>10.0f} {s.get('10%', 0):>7.0f} "
              f"{s.get('50%', 0):>7.0f} {s['100%']:>7.0f} {r['peak']:>7.0f}", flush=True)
    formatters_alone(db_path)
    print(f"\nworking directory (delete when done): {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
