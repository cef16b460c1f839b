"""CPU time per request of a create and of the trivial endpoint, in-process, one thread.

The HTTP ladder (bench/server.py) measures under load through waitress; on a busy machine its
rates swing by a factor of two from run to run. This script calls the Flask app's WSGI entry
directly on one thread and reads the thread's own CPU clock, which other processes disturb far
less, so two versions of the code can be compared on the same machine: `--root` names the
checkout whose `server/` is imported (default: this one). Each round makes a fresh SQLite
database (the default settings, `synchronous=FULL`), signs a user in, then times `GET /api` and
`POST /api/annotations` (a new annotation each time, a note in Markdown, two tags) alternately
in blocks, and prints the median CPU per request of each and their ratio, and the lowest
block's (what the other processes on a shared machine disturb least). `--pg URL` runs the same
on a PostgreSQL database instead (one of its own: the script adds a user and annotations to it).

`--instructions` counts instead of timing: it runs this script under valgrind's callgrind
(installed apart: `apt-get install valgrind`), making only creates and then only `GET /api`,
each at two request counts, and divides the difference in instructions executed by the
difference in requests, so start-up, imports and warm-up cancel. What other processes do to
the machine cannot change that count, so it compares two versions of the code on a busy
machine where the CPU clock cannot. It counts user-space instructions only (not the kernel's
work for each commit's sync) and the test client's side of each request as well as the app's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--block", type=int, default=100)
    parser.add_argument("--only", choices=("trivial", "create"),
                        help="make only this kind of request (to count one kind's instructions "
                             "under valgrind: bench/README.md)")
    parser.add_argument("--pg", metavar="URL",
                        help="a PostgreSQL database URL to write to instead of a new SQLite file")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under callgrind instead of timing")
    args = parser.parse_args()
    if args.instructions:
        return count_instructions(args)
    sys.path.insert(0, str(Path(args.root) / "server"))
    from postil import create_app, db
    from postil.models import Token, User
    from postil.store import accounts

    if args.only:
        # Counted under callgrind (`--instructions`), each request takes some 50 times as long
        # in wall time: the two things the server does by the clock would come on some
        # requests and not others, as the machine's load decides. Stretched by as much, they
        # come as often per request as at full speed: the pool's "alive" window on PostgreSQL
        # (else it asks the server, one round trip, when a connection came back over 0.5 s
        # ago), and a token's last-use stamp (a write a minute).
        accounts.TOUCH_US *= 50
        pool = getattr(db, "_PostgresPool", None)
        if pool is not None:
            pool.ALIVE_WINDOW *= 50

    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite:///{tmp}/bench.db"
        app = create_app({"DATABASE_URL": url, "SAMPLE": False})
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            user = User(name=f"bench-{uuid.uuid4().hex[:8]}")
            user.set_password("bench-password")
            user.save()
            token = Token.issue(user, "bench")
            db.database.close()
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}

        def create():
            body = {"id": str(uuid.uuid4()),
                    "post": {"site": "blog.example.org", "post_id": 42,
                             "url": "https://blog.example.org/on-margins/",
                             "title": "On margins"},
                    "selectors": [{"type": "TextQuoteSelector", "exact": "notes in the margin",
                                   "prefix": "Readers have ", "suffix": " of books"},
                                  {"type": "TextPositionSelector", "start": 120, "end": 139}],
                    "note": "a *short* note", "tags": ["history", "margins"]}
            res = client.post("/api/annotations", data=json.dumps(body), headers=auth,
                              content_type="application/json")
            assert res.status_code == 201, res.get_data(as_text=True)

        def trivial():
            assert client.get("/api").status_code == 200

        for _ in range(50):  # warm caches, imports and the first pages of the database
            create()
            trivial()
        cpu: dict[str, list[float]] = {"trivial": [], "create": []}
        for _ in range(args.requests // args.block):
            for name, call in (("trivial", trivial), ("create", create)):
                if args.only and name != args.only:
                    cpu[name].append(1.0)  # not measured
                    continue
                start = time.thread_time()
                for _ in range(args.block):
                    call()
                cpu[name].append((time.thread_time() - start) / args.block * 1e6)
    for how, pick in (("median", statistics.median), ("lowest", min)):
        trivial_us, create_us = pick(cpu["trivial"]), pick(cpu["create"])
        if args.only:
            us = create_us if args.only == "create" else trivial_us
            print(f"{args.only + ' (CPU µs/request, ' + how + ')':<56}{us:>8,.0f}")
            continue
        print(f"{'GET /api, trivial JSON (CPU µs/request, ' + how + ')':<56}{trivial_us:>8,.0f}")
        print(f"{'POST /api/annotations, a create (' + how + ')':<56}{create_us:>8,.0f}"
              f"  {create_us / trivial_us:.1f}x the trivial endpoint's")
    return 0


def count_instructions(args) -> int:
    """Print instructions per create and per `GET /api` and their ratio (module docstring)."""
    few, many = 50, 50 + max(args.requests, 50)
    per: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("create", "trivial"):
            totals = []
            for requests in (few, many):
                out = os.path.join(tmp, f"{kind}-{requests}.out")
                command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                           sys.executable, __file__, "--root", args.root, "--only", kind,
                           "--requests", str(requests), "--block", str(requests)]
                if args.pg:
                    command += ["--pg", args.pg]
                # One hash seed for every run: the same dicts and sets, the same count.
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               env=dict(os.environ, PYTHONHASHSEED="0"))
                totals.append(_callgrind_total(out))
            per[kind] = (totals[1] - totals[0]) / (many - few)
    database = "PostgreSQL" if args.pg else "SQLite"
    print(f"instructions per request ({database}, {many - few} requests counted)")
    print(f"{'GET /api, trivial JSON':<40}{per['trivial']:>12,.0f}")
    print(f"{'POST /api/annotations, a create':<40}{per['create']:>12,.0f}"
          f"  {per['create'] / per['trivial']:.2f}x the trivial endpoint's")
    return 0


def _callgrind_total(path: str) -> int:
    with open(path) as file:
        for line in file:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise SystemExit(f"no total in callgrind's output {path}")


if __name__ == "__main__":
    sys.exit(main())
