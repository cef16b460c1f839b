"""The API query's SQL is made once per shape of filters, with each request's values bound.

`store.queries._compiled` keeps the SQL of a query's matches (and of its count) per shape:
which filters are given, how many tags, signed in or not. These tests show that what it
answers, for every shape the API's filters make, is exactly the SQL and the parameters the
query makes from scratch, for one reader after another, so no request runs with another's
values (nor an embed session's with another's rule); and that the shapes the bench's queries
use are kept, not made each time.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from postil import db
from postil.parse import Filters
from postil.store import queries

SHAPES = [
    {},
    {"site": "blog.example.org", "post_id": 42},
    {"site": "blog.example.org"},
    {"post_pk": 7},
    {"tags": ["history"]},
    {"tags": ["history", "margins"]},
    {"tags": ["History"], "color": "pink"},
    {"tags": ["history"], "sort": "updated"},
    {"q": "margin"},
    {"q": "margin* notes", "tags": ["history"]},
    {"q": "margin", "visibility": "public", "group": "g1"},
    {"color": "blue", "visibility": "group", "group": "gx"},
    {"updated_since": 5, "created_after": 1, "created_before": 10**15},
    {"replies": "include", "tags": ["history"]},
    {"replies": "only", "include_deleted": True},
    {"user": "alice"},
    {"url": "blog.example.org/2026/05/on-margins/"},
]


@pytest.mark.parametrize("kind", ["matches", "count"])
def test_kept_sql_is_the_fresh_sql_for_every_shape_and_reader(app, alice, bob, kind):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        from postil.models import User
        # An embed session's viewer (`User.embed_site`): the rule reads its site too.
        embedded = User.by_name("bob")
        embedded.embed_site = 12345
        readers = [User.by_name("alice"), None, embedded, User.by_name("bob")]
        for shape in SHAPES:
            for turn in range(2):  # the second turn answers from what the first kept
                for reader in readers:
                    # Values of the same shape differ per reader and per turn.
                    f = Filters(**shape)
                    if f.post_id is not None:
                        f = replace(f, post_id=f.post_id + turn)
                    if f.tags:
                        f = replace(f, tags=[t + str(turn) for t in f.tags])
                    if f.q is not None:
                        f = replace(f, q=f.q + f" word{turn}")
                    fresh_sql, fresh_params = queries._query(kind, reader, f).sql()
                    kept = queries._compiled(kind, reader, f)
                    # On SQLite the kept SQL has the rule's constants written in (the same
                    # statement once every value is in its place).
                    assert rendered(*kept) == rendered(fresh_sql, fresh_params), \
                        (shape, reader, turn)
                    if kept[0] != fresh_sql:
                        assert not db.is_postgres()
        db.database.close()


_PLACEHOLDER = re.compile(r"\?(?=(?:[^']*'[^']*')*[^']*$)")


def rendered(sql: str, params) -> str:
    """`sql` with each parameter written in its place (to compare two statements' meaning)."""
    # A placeholder outside the text's quoted strings (an even number of quotes after it).
    parts = sql.split("%s") if db.is_postgres() else _PLACEHOLDER.split(sql)
    assert len(parts) == len(params) + 1
    return parts[0] + "".join((queries._literal(v) or f"<{type(v).__name__}:{v!r}>") + part
                              for v, part in zip(params, parts[1:], strict=True))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_binds_only_the_requests_values(app, alice):
    """SQLite prepares a statement again each time a value its plan depended on is bound anew
    (the rule's 'public', which a partial index's condition names): the kept statement binds
    the request's values alone, the viewer and the post, and the rule's constants are in its
    text."""
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        from postil.models import User
        reader = User.by_name("alice")
        f = Filters(site="blog.example.org", post_id=42)
        queries._COMPILED.clear()
        for _ in range(2):
            sql, params = queries._compiled("matches", reader, f)
        assert set(params) == {reader.id, "blog.example.org", 42}
        assert "'public'" in sql and "'group'" in sql
        db.database.close()


def test_the_bench_shapes_are_kept(app, alice):
    """By post, by tag and by word, signed in or not: made once, then answered from the cache
    (a shape that could not be kept would be made on every request, correctly but slowly)."""
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        from postil.models import User
        reader = User.by_name("alice")
        queries._COMPILED.clear()
        for shape in ({"site": "blog.example.org", "post_id": 42}, {"tags": ["history"]},
                      {"q": "margin"}):
            for viewer in (reader, None):
                queries._compiled("matches", viewer, Filters(**shape))
        assert len(queries._COMPILED) == 6
        assert all(sql is not None for sql, _ in queries._COMPILED.values())
        db.database.close()
