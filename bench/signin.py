"""CPU time per sign-in attempt: a wrong password checked (scrypt), and one refused while waiting.

Issue 12's guesser made the server hash every guess (scrypt, the default hash: tens of
milliseconds of CPU and 32 MB each). Failed sign-ins now make further attempts wait, and an
attempt refused with 429 is turned away before any hashing. This script calls the Flask app
in-process on one thread and reads the thread's own CPU clock (other processes disturb it far
less than wall time): on a fresh SQLite database with one user whose password is hashed as real
ones are, it times `POST /api/tokens` with a wrong password while every failure is still free
(a high POSTIL_SIGNIN_FREE_FAILURES), then the same request once the username waits (429), and
`GET /api` as the baseline; it prints the median of each and the ratios.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="timed attempts of each kind")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
    from postil import create_app, db
    from postil.models import User

    # Every failed sign-in is logged as a warning; thousands of lines would drown the table.
    logging.getLogger("postil.accounts").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        free = create_app({"DATABASE_URL": url, "SAMPLE": False,
                           "SIGNIN_FREE_FAILURES": 10**6, "SIGNIN_ADDRESS_FREE_FAILURES": 10**6})
        with free.app_context():
            db.database.connect(reuse_if_open=True)
            user = User(name="bench")
            user.set_password("the right password")
            user.save()
            db.database.close()
        guess = {"username": "bench", "password": "a wrong guess"}

        def cpu_per_request(client, method, path, expect, **kw) -> float:
            samples = []
            for _ in range(args.requests):
                start = time.thread_time_ns()
                res = client.open(path, method=method, **kw)
                samples.append(time.thread_time_ns() - start)
                assert res.status_code == expect, res.get_data(as_text=True)
            return statistics.median(samples) / 1000

        client = free.test_client()
        baseline = cpu_per_request(client, "GET", "/api", 200)
        checked = cpu_per_request(client, "POST", "/api/tokens", 401, json=guess)
        # The same database under the default limits: the username has failed often already.
        waiting = create_app({"DATABASE_URL": url, "SAMPLE": False}).test_client()
        refused = cpu_per_request(waiting, "POST", "/api/tokens", 429, json=guess)
        db.database.close()

    rows = [
        ("GET /api, the baseline (µs CPU/request)", f"{baseline:,.0f}", ""),
        ("POST /api/tokens, wrong password checked (µs CPU/request)", f"{checked:,.0f}",
         f"{checked / baseline:.0f}x the baseline"),
        ("POST /api/tokens, refused while waiting: 429 (µs CPU/request)", f"{refused:,.0f}",
         f"{refused / baseline:.1f}x the baseline, {checked / refused:.0f}x less than a check"),
    ]
    for name, value, note in rows:
        print(f"{name:<64}{value:>10}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
