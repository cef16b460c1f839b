"""The query by post alone, in-process: wall and CPU per request, a profile, or the answers.

    python bench/by_post.py --db COPY.db                      # p50 / p95, wall and thread CPU
    python bench/by_post.py --db COPY.db --profile            # cProfile of the same loop
    python bench/by_post.py --db COPY.db --dump OUT.json      # every answer, for a byte compare
    python bench/by_post.py --db COPY.db --instructions       # callgrind: instructions a request

Asks `GET /api/annotations?site=…&post_id=…&limit=50` as bench/server.py's "query by post" row
does (user1, in 5 groups, signed in; posts picked the same way), through `app.test_client()`.
`--root` names the checkout whose `server/` is imported, so two versions of the code can take
turns on one database copy (bench/README.md, "By post: a statement prepared once"). Timing
also says how much of each round Python's collector took and whether the slowest requests are
the same paths every round. `--dump` asks 120 posts for user1, user2, user7 and an anonymous
reader and writes each answer's status, body and headers, keyed by viewer and path.
It writes to the database (a token per user): give it a copy.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of the 1M SQLite bench database")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", metavar="PATH")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under valgrind's callgrind")
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        return count_instructions(args)
    sys.path.insert(0, str(Path(args.root) / "server"))
    from postil import create_app, db
    from postil.models import Post, Token, User

    app = create_app({"DATABASE_URL": f"sqlite:///{args.db}", "SAMPLE": False,
                      "AUTO_MIGRATE": False})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        tokens = {name: Token.issue(User.by_name(name), "bench")
                  for name in ("user1", "user2", "user7")}
        top_post = Post.select(Post.id).order_by(Post.id.desc()).limit(1).scalar()
        post_rng = random.Random(11)
        post_keys = list(Post.select(Post.site, Post.post_id).where(
            Post.id.in_([post_rng.randint(1, top_post) for _ in range(4 * 300)])
            & Post.post_id.is_null(False)).order_by(Post.id).tuples())
        db.database.close()
    client = app.test_client()
    qr = random.Random(9)
    paths = [f"/api/annotations?site={s}&post_id={p}&limit={args.limit}"
             for s, p in (qr.choice(post_keys) for _ in range(args.queries))]

    if args.dump:
        out = {}
        for viewer in ("user1", "user2", "user7", None):
            headers = {"Authorization": f"Bearer {tokens[viewer]}"} if viewer else {}
            for path in sorted(set(paths))[:120]:
                res = client.get(path, headers=headers)
                out[f"{viewer} {path}"] = [res.status_code, res.get_data(as_text=True),
                                           sorted(res.headers.items())]
        Path(args.dump).write_text(json.dumps(out, sort_keys=True))
        rows = sum(len(json.loads(v[1])["items"]) for v in out.values())
        print(f"{len(out)} answers, {rows} items written to {args.dump}")
        return 0

    headers = {"Authorization": f"Bearer {tokens['user1']}"}
    for path in paths[:20]:
        client.get(path, headers=headers)
    if args.quiet:  # counted under callgrind: the requests alone
        for path in paths:
            client.get(path, headers=headers)
        return 0
    if args.profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.rounds):
            for path in paths:
                client.get(path, headers=headers)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(40)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
        return 0
    gc_time = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
    started = {}

    def on_gc(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
        else:
            spent = gc_time[info["generation"]]
            spent[0] += 1
            spent[1] += time.perf_counter() - started["t"]

    gc.callbacks.append(on_gc)
    per_path: dict[int, list[float]] = {}
    for r in range(args.rounds):
        wall, cpu, items = [], [], 0
        for g in gc_time.values():
            g[:] = [0, 0.0]
        for path in paths:
            c0, t0 = time.thread_time(), time.perf_counter()
            res = client.get(path, headers=headers)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
            per_path.setdefault(len(cpu) - 1, []).append(cpu[-1])
            items += len(res.get_json()["items"])
        print(f"round {r + 1}: wall {pct(wall)}  cpu {pct(cpu)}  "
              f"({items / len(paths):.1f} rows a page; collections by generation, count/ms: "
              + ", ".join(f"{n} {t * 1000:.1f}" for n, t in gc_time.values()) + ")")
    if args.rounds > 1:
        # Whether the slow requests are the same paths each round (the data) or not (noise).
        ranks = [sorted(range(len(paths)), key=lambda i: per_path[i][r])
                 for r in range(args.rounds)]
        tails = [set(rank[int(0.9 * len(paths)):]) for rank in ranks]
        print(f"slowest tenth: {len(set.intersection(*tails))} of {len(tails[0])} paths in "
              "every round's")
    return 0


def count_instructions(args) -> int:
    """Instructions per request: two runs under callgrind, 60 and 60 + --queries requests (the
    same first 60 paths), the difference divided by the difference, so start-up cancels."""
    few, many = 60, 60 + args.queries
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for queries in (few, many):
            out = os.path.join(tmp, f"{queries}.out")
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                            sys.executable, __file__, "--db", args.db, "--root", args.root,
                            "--queries", str(queries), "--quiet"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, PYTHONHASHSEED="0"))
            with open(out) as file:
                totals.append(next(int(line.split()[1]) for line in file
                                   if line.startswith(("totals:", "summary:"))))
    print(f"instructions per query by post: {(totals[1] - totals[0]) / (many - few):,.0f} "
          f"({many - few} requests counted)")
    return 0


def pct(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return f"{statistics.median(s) * 1000:.2f} / {p95 * 1000:.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
