"""Measure what replies cost the reads: the query by post, threads, counts and replies to you.

    python bench/replies.py                          # 200,000 annotations, 4,000 posts, 400 users
    python bench/replies.py --annotations 1000000 --posts 20000 --users 2000

Seeds a fresh SQLite database as bench/server.py does, then answers a share of the public
annotations with threads (1 to 6 replies each, a third of them answering a reply), and prints
p50/p95 in-process through the Flask app (validation, visibility, reply counts and JSON
included): the query by post as clients send it (replies left out), the same with
`replies=include`, one annotation (its `reply_count`), a thread (`/replies`), and a reader's
replies to them (`/api/me/replies`) with its unread count.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peewee import fn  # noqa: E402

from postil import create_app, db  # noqa: E402
from postil.models import Annotation, Post, Token, User  # noqa: E402
from server import percentiles, seed  # noqa: E402


def add_threads(url: str, share: float, n_users: int, rng: random.Random) -> int:
    """Answer `share` of the public annotations with a thread; return how many replies."""
    database = db.open_database(url)
    db.database.initialize(database)
    tops = list(Annotation.select(Annotation.pk, Annotation.uid, Annotation.post,
                                  Annotation.created_us)
                .where(Annotation.visibility == "public").tuples())
    chosen = rng.sample(tops, int(len(tops) * share))
    rows = []
    next_pk = (Annotation.select(Annotation.pk).order_by(Annotation.pk.desc()).scalar() or 0) + 1
    for pk, uid, post, created in chosen:
        thread = [(pk, uid)]
        for i in range(rng.randint(1, 6)):
            parent_pk, parent_uid = rng.choice(thread) if rng.random() < 0.33 else thread[0]
            reply_uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            at = created + (i + 1) * 1_000_000
            rows.append({"pk": next_pk, "uid": reply_uid, "post": post,
                         "user": rng.randint(1, n_users), "note": "a reply",
                         "note_html": "<p>a reply</p>", "visibility": "public",
                         "created_us": at, "updated_us": at, "parent": parent_pk, "root": pk,
                         "reply_to": parent_uid, "selectors": "[]", "tags": "[]"})
            thread.append((next_pk, reply_uid))
            next_pk += 1
    with database.atomic():
        for lo in range(0, len(rows), 2000):
            Annotation.insert_many(rows[lo:lo + 2000]).execute()
    database.execute_sql("ANALYZE")
    database.close()
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annotations", type=int, default=200_000)
    parser.add_argument("--posts", type=int, default=4_000)
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--share", type=float, default=0.2,
                        help="share of public annotations answered with a thread")
    parser.add_argument("--queries", type=int, default=200, help="samples per query kind")
    args = parser.parse_args(argv)
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        seed(url, args.annotations, args.posts, args.users, rng)
        t0 = time.perf_counter()
        n_replies = add_threads(url, args.share, args.users, rng)
        seeded = time.perf_counter() - t0
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SAMPLE": False,
                          "CORS_ORIGINS": [], "OPEN_SIGNUP": False})
        client = app.test_client()
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            reader = User.get_by_id(rng.randint(1, args.users))
            headers = {"Authorization": f"Bearer {Token.issue(reader, 'bench')}"}
            posts = [(s, p) for s, p in Post.select(Post.site, Post.post_id).tuples()]
            roots = [uid for (uid,) in Annotation.select(Annotation.uid).where(
                Annotation.pk.in_(Annotation.select(Annotation.root).where(
                    Annotation.root.is_null(False)))).tuples()]
            # The readers with the most replies to them, for the replies-to-you endpoint.
            parent = Annotation.alias("parent")
            busy = [u for (u,) in parent.select(parent.user).join(
                Annotation, on=(Annotation.parent == parent.pk)).group_by(parent.user)
                .order_by(fn.COUNT(Annotation.pk).desc()).limit(20).tuples()]
            tokens = [{"Authorization": f"Bearer {Token.issue(User.get_by_id(u), 'bench')}"}
                      for u in busy]
            db.database.close()
        picks = [rng.choice(posts) for _ in range(args.queries)]
        threads = [rng.choice(roots) for _ in range(args.queries)]
        rows = []

        def row(name, paths, heads=None):
            samples = []
            total = 0
            for i, path in enumerate(paths):
                t = time.perf_counter()
                res = client.get(path, headers=heads[i % len(heads)] if heads else headers)
                samples.append(time.perf_counter() - t)
                assert res.status_code == 200, (path, res.get_json())
                total += len(res.get_json()["items"])
            p50, p95 = percentiles(samples)
            rows.append((name, f"{p50:.2f} / {p95:.2f}",
                         f"{len(paths)} queries, {total / len(paths):.1f} rows each"))

        row("query by post p50 / p95 (ms)",
            [f"/api/annotations?site={s}&post_id={p}" for s, p in picks])
        row("query by post, replies=include p50 / p95 (ms)",
            [f"/api/annotations?site={s}&post_id={p}&replies=include" for s, p in picks])
        row("thread (/replies) p50 / p95 (ms)",
            [f"/api/annotations/{uid}/replies" for uid in threads])
        row("replies to you p50 / p95 (ms)", ["/api/me/replies"] * args.queries, tokens)
        one = []
        for uid in threads:
            t = time.perf_counter()
            assert client.get(f"/api/annotations/{uid}", headers=headers).status_code == 200
            one.append(time.perf_counter() - t)
        p50, p95 = percentiles(one)
        rows.append(("one annotation with reply_count p50 / p95 (ms)", f"{p50:.2f} / {p95:.2f}",
                     f"{len(threads)} reads"))
        print(f"{'threads added':<52} {n_replies:>12,}  replies in {seeded:.1f} s")
        for name, value, note in rows:
            print(f"{name:<52} {value:>12}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
