"""Measure what the visibility rule's clauses cost: "own id first", then groups.

`Annotation.visible_to` leaves out, for a signed-in viewer, a public annotation whose id the
viewer's own annotation has too (ids are unique per author, docs/api.md "Annotation ids"). This
runs the same API queries on one database in one process, alternating the rule with and without
that clause (the baseline), and the rule with the group branch (membership looked up; the
seeded `user1` is in 5 groups), both as peewee compiles the rule's tree on every query and as
it runs (`models.VisibleTo`: its SQL made once, the viewer bound), and prints each query's p50 and
the ratios. Seed the database first:
`python bench/server.py --annotations 100000 --posts 2000 --users 200 --db PATH`, then
`python bench/visibility_rule.py --db PATH`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from peewee import SQL, fn

from postil import create_app, db
from postil.models import Annotation, Token, User


def without_own_first(cls, viewer):
    """The rule as it was before ids were per author: own or public."""
    if viewer is None:
        return cls.visibility == "public"
    return (cls.visibility == "public") | (cls.user == viewer.id)


def before_groups(cls, viewer, alias=None):
    """The rule before groups (migration 0012): own, or public unless own id first shadows it."""
    if viewer is None:
        return cls.visibility == "public"
    own = Annotation.alias("own")
    shadowed = (cls.shares_id == True) & fn.EXISTS(own.select(SQL("1")).where(  # noqa: E712
        (own.uid == cls.uid) & (own.user == viewer.id)))
    return (cls.user == viewer.id) | ((cls.visibility == "public") & ~shadowed)


def rule_tree(cls, viewer, alias=None):
    """The rule with groups, its tree compiled by peewee in every query (before VisibleTo)."""
    return cls._rule(None if viewer is None else viewer.id, alias or cls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a database bench/server.py seeded")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": f"sqlite:///{args.db}", "SAMPLE": False})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        token = Token.issue(User.by_name("user1"), "bench")
        tags = [r[0].split()[0] for r in Annotation.select(Annotation.tags_text)
                .where(Annotation.tags_text != "").limit(30).tuples()]
        db.database.close()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(5)
    queries = {
        "by post": [f"/api/annotations?site=site{i % 200}.example.org&post_id={i + 1}&limit=50"
                    for i in (rng.randint(0, 1999) for _ in range(60))],
        "by user": [f"/api/annotations?user=user{rng.randint(0, 199)}&limit=50"
                    for _ in range(60)],
        "by tag": [f"/api/annotations?tag={rng.choice(tags)}&limit=50" for _ in range(60)],
        "everything, count only": ["/api/annotations?limit=0"] * 20,
        "everything, newest 50": ["/api/annotations?limit=50"] * 60,
    }
    rules = {"baseline": classmethod(without_own_first),
             "own id first": classmethod(before_groups),
             "with groups": classmethod(rule_tree),
             "compiled once": Annotation.__dict__["visible_to"]}
    times: dict[tuple[str, str], list[float]] = {}
    for name, paths in queries.items():
        for _ in range(args.rounds):  # alternate, so load on the machine hits both alike
            for label, rule in rules.items():
                Annotation.visible_to = rule
                for path in paths:
                    start = time.perf_counter()
                    assert client.get(path, headers=headers).status_code == 200
                    times.setdefault((name, label), []).append(time.perf_counter() - start)
    Annotation.visible_to = rules["compiled once"]
    print(f"\nThe visibility rule's clauses — SQLite, {args.db.name}, signed in\n")
    print(f"{'query':24}  {'baseline p50 ms':>15}  {'own id first p50 ms':>19}  ratio  "
          f"{'with groups p50 ms':>18}  ratio to own id first  {'compiled once p50 ms':>20}  "
          "ratio to with groups")
    for name in queries:
        base = statistics.median(times[(name, "baseline")]) * 1000
        own = statistics.median(times[(name, "own id first")]) * 1000
        new = statistics.median(times[(name, "with groups")]) * 1000
        once = statistics.median(times[(name, "compiled once")]) * 1000
        print(f"{name:24}  {base:15.2f}  {own:19.2f}  {own / base:5.2f}  {new:18.2f}  "
              f"{new / own:21.2f}  {once:20.2f}  {once / new:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
