"""CPU time per request of the trivial endpoint with and without metrics, in-process, one thread.

    python bench/metrics_overhead.py                  # metrics kept in memory (one process)
    python bench/metrics_overhead.py --multiprocess   # in files, as `serve --workers` keeps them

Makes two apps on one fresh SQLite database, one with metrics on (the default) and one with
`POSTIL_METRICS=0`, and a third with metrics and the JSON request log; times `GET /api` on
each in alternating blocks on the thread's own CPU clock (see bench/create_cpu.py for why),
and prints the median CPU per request of each and what metrics (and the log) add, and the
same for the fastest block of each (the one other processes disturbed least).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--block", type=int, default=200)
    parser.add_argument("--multiprocess", action="store_true",
                        help="keep the metrics in files in a temporary PROMETHEUS_MULTIPROC_DIR")
    parser.add_argument("--only", choices=["off", "on", "log"],
                        help="make and time that one app alone (for counting instructions "
                             "under valgrind, whose totals cover the whole process)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

    with tempfile.TemporaryDirectory() as tmp:
        if args.multiprocess:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tmp
        from postil import create_app

        url = f"sqlite:///{tmp}/bench.db"
        # The log's lines go nowhere: what is measured is making them, not the terminal.
        logging.getLogger("postil.requests").addHandler(logging.NullHandler())
        logging.getLogger("postil.requests").propagate = False
        clients = {
            "metrics off": create_app({"DATABASE_URL": url, "SAMPLE": False,
                                       "METRICS": False}).test_client(),
            "metrics on": create_app({"DATABASE_URL": url, "SAMPLE": False}).test_client(),
            "metrics on + JSON request log": create_app(
                {"DATABASE_URL": url, "SAMPLE": False, "REQUEST_LOG": "json"}).test_client(),
        }
        logging.getLogger("postil.requests").handlers[:] = [logging.NullHandler()]
        if args.only:
            name = {"off": "metrics off", "on": "metrics on",
                    "log": "metrics on + JSON request log"}[args.only]
            client = clients[name]
            for _ in range(args.requests):
                client.get("/api")
            return 0
        for client in clients.values():  # warm imports and caches
            for _ in range(200):
                assert client.get("/api").status_code == 200
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(args.requests // args.block):
            for name, client in clients.items():
                start = time.thread_time()
                for _ in range(args.block):
                    client.get("/api")
                cpu[name].append((time.thread_time() - start) / args.block * 1e6)
    mode = "in files (multi-process)" if args.multiprocess else "in memory"
    base = statistics.median(cpu["metrics off"])
    print(f"GET /api, CPU µs per request, metrics {mode}, median of "
          f"{args.requests // args.block} blocks of {args.block}")
    low = min(cpu["metrics off"])
    print(f"  {'':<32}{'median':>8}{'':<24}{'fastest block':>14}")
    for name, samples in cpu.items():
        us, fast = statistics.median(samples), min(samples)
        extra = "" if name == "metrics off" else f"+{us - base:,.1f} µs ({us / base - 1:+.1%})"
        fast_extra = "" if name == "metrics off" else f"  +{fast - low:,.1f} µs"
        print(f"  {name:<32}{us:>8,.1f}  {extra:<22}{fast:>14,.1f}{fast_extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
