"""PostgreSQL: a public annotation and a private one racing on one post leave no private URL
shown to everyone.

Under read committed, a private create that read the post before a concurrent public create
committed used to apply its URL and title on top, marked as everyone's. The post row is now read
FOR UPDATE inside the write. (SQLite's write transaction excludes other writers already.)
"""

from __future__ import annotations

import threading
import time

import pytest

from conftest import _truncate_pg, annotation_body
from postil import db, parse, store
from postil.models import Annotation, User

SITE = {"site": "blog.example.org", "post_id": 42}
PUBLIC_URL = "https://blog.example.org/2026/05/on-margins/"


@pytest.fixture
def database_url(request):
    _truncate_pg(request.getfixturevalue("pg_database"))
    return request.getfixturevalue("pg_url")


def test_a_private_create_racing_a_public_one_shows_no_private_url(app, client, alice, bob,
                                                                  anon, monkeypatch):
    first = client.post("/api/annotations", headers=alice.headers, json=annotation_body(
        post=SITE | {"url": "https://blog.example.org/?p=42&preview=true&key=FIRST",
                     "title": "Draft v1"})).get_json()
    bob_may_commit = threading.Event()
    insert_new = Annotation.insert_new.__func__

    def held_insert(cls, values):
        if threading.current_thread().name == "bob":
            bob_may_commit.wait(10)  # Bob has updated the post row and holds its lock
        return insert_new(cls, values)

    monkeypatch.setattr(Annotation, "insert_new", classmethod(held_insert))

    def create(who, visibility, url, title):
        def run():
            with app.app_context():
                db.database.connect(reuse_if_open=True)
                try:
                    store.create_annotation(User.by_name(who), parse.create_body(annotation_body(
                        visibility=visibility, post=SITE | {"url": url, "title": title})))
                finally:
                    db.database.close()
        thread = threading.Thread(target=run, name=who)
        thread.start()
        return thread

    bob_thread = create("bob", "public", PUBLIC_URL, "On margins")
    time.sleep(0.3)
    alice_thread = create("alice", "private",
                          "https://blog.example.org/?p=42&preview=true&key=S3CRET",
                          "Draft v2: unannounced")
    time.sleep(0.3)  # Alice's write has read the post (or waits for its lock) by now
    bob_may_commit.set()
    bob_thread.join(10)
    alice_thread.join(10)
    for reader in (bob, anon):
        shown = client.get(f"/api/posts/{first['post']['id']}", headers=reader.headers).get_json()
        assert "S3CRET" not in shown["url"] and "unannounced" not in shown["title"], shown
        assert shown["url"] == PUBLIC_URL
