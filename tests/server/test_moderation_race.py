"""PostgreSQL: the hourly limit of public notes holds when two creates race (as they do from
two server processes): the author's row is locked while their notes are counted, so the second
waits for the first and is then refused. (SQLite's write transaction excludes other writers.)"""

from __future__ import annotations

import threading
import time

import pytest
from test_moderation_visibility import register_site

from conftest import _truncate_pg, annotation_body
from postil import db, parse, store
from postil.domain_errors import TooManyAttempts
from postil.models import Annotation, User

SITE = "quiet.example.net"


@pytest.fixture
def database_url(request):
    _truncate_pg(request.getfixturevalue("pg_database"))
    return request.getfixturevalue("pg_url")


def test_two_racing_public_creates_take_one_place(app, alice, make_user, monkeypatch):
    make_user("mona")
    register_site(app, moderation="post", per_hour=1)
    insert_new = Annotation.insert_new.__func__

    def slow_insert(cls, values):
        time.sleep(0.5)  # counted already: the other create would count before this commits
        return insert_new(cls, values)

    monkeypatch.setattr(Annotation, "insert_new", classmethod(slow_insert))
    outcomes: list[str] = []

    def create(post_id: int):
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            try:
                store.create_annotation(User.by_name("alice"), parse.create_body(
                    annotation_body(visibility="public", post={"site": SITE, "post_id": post_id})))
                outcomes.append("made")
            except TooManyAttempts:
                outcomes.append("429")
            finally:
                db.database.close()

    # Two posts of the site: nothing else they write is shared, so nothing else serialises them.
    threads = [threading.Thread(target=create, args=(post_id,)) for post_id in (77, 78)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(outcomes) == ["429", "made"]
