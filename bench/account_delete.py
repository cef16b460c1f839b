"""Account deletion benchmark: how long `DELETE /api/me` holds SQLite's one write lock.

    python bench/account_delete.py --n 50000
    python bench/account_delete.py --db /tmp/postil-bench-export-…/postil.db   # reuse a seed

Seeds N annotations for one user (as bench/export.py does: N/100 posts, a quarter public) into
a fresh SQLite database, then, each on its own copy of it, deletes the account with each choice
for public annotations through `store.delete_account` (a write per batch of annotations), and as a
baseline runs the least any deletion must do: one `DELETE` of the user's annotation rows (the
tag rows and the full-text index follow by trigger and cascade) and of the user. Prints seconds
and the ratio to the baseline, and the longest single write transaction: how long other
writers wait at most.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export import make_app, seed  # noqa: E402 - bench/ is not a package


def run(db_path: Path, mode: str) -> tuple[float, float]:
    """Delete the bench user; return the seconds it took and the longest single write."""
    from postil import db, store
    from postil.models import User
    from postil.store import account_deletion as accounts

    writes: list[float] = []
    plain_write = accounts.run_write

    def timed_write(work):
        started = time.perf_counter()
        try:
            return plain_write(work)
        finally:
            writes.append(time.perf_counter() - started)

    accounts.run_write = timed_write

    app = make_app(db_path)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        user = User.by_name("bench")
        (count,) = db.database.execute_sql("SELECT COUNT(*) FROM annotation WHERE user_id = ?",
                                           [user.id]).fetchone()
        assert count > 0, "the seeded database has no annotations"
        started = time.perf_counter()
        if mode == "baseline":
            with db.database.atomic():
                db.database.execute_sql("DELETE FROM annotation WHERE user_id = ?", [user.id])
                db.database.execute_sql('DELETE FROM "user" WHERE id = ?', [user.id])
        else:
            store.delete_account(user, mode)
        elapsed = time.perf_counter() - started
        db.database.close()
    accounts.run_write = plain_write
    return elapsed, max(writes, default=elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="annotations to seed")
    parser.add_argument("--db", help="reuse a database seeded by bench/export.py")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="postil-bench-delete-"))
    source = Path(args.db) if args.db else workdir / "seed.db"
    if not args.db:
        seed(source, args.n, max(1, args.n // 100))
    print(f"\n{'mode':<10} {'seconds':>8} {'× baseline':>11} {'longest write':>14}")
    times = {}
    for mode in ("baseline", "anonymise", "delete"):
        copy = workdir / f"{mode}.db"
        # The backup API, not a file copy: the seed's last writes may still be in its WAL.
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        times[mode], longest = run(copy, mode)
        print(f"{mode:<10} {times[mode]:>8.2f} {times[mode] / times['baseline']:>11.2f} "
              f"{longest:>14.2f}", flush=True)
    shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
