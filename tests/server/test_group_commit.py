"""SQLite writes go through one writer that commits them in groups: what a client must still see.

Every create answered is stored; a write that fails, or that makes its group's commit fail,
fails alone (the group is rolled back and written again write by write), and nothing of it is
acknowledged. The groups are made real here by holding the write lock while writes queue up
behind it.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid

import pytest

from conftest import annotation_body
from postil import db
from postil.domain_errors import Conflict
from postil.parse import create_body


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """SQLite only: PostgreSQL commits concurrent writers itself, in the callers' threads."""
    path = tmp_path / "postil.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_app(app):
    assert db.is_sqlite()
    return app


def _total(client, reader) -> int:
    return client.get("/api/annotations?limit=0", headers=reader.headers).get_json()["total"]


def _queue_behind_held_lock(app, first, *rest):
    """Let the writer take `first` alone, queue `rest` behind it as one group; return outcomes.

    Each job is handed to the writer from a thread of its own, as requests do; the outcome is its
    result or exception.
    """
    outcomes: dict[int, object] = {}

    def call(i, job):
        with app.app_context():
            try:
                outcomes[i] = db.run_write(job)
            except Exception as exc:  # noqa: BLE001 — the outcome under test
                outcomes[i] = exc
            finally:
                if not db.database.is_closed():
                    db.database.close()

    def wait_for(condition):
        deadline = time.monotonic() + 5
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert condition()

    threads = [threading.Thread(target=call, args=(i, job))
               for i, job in enumerate([first, *rest])]
    with db._sqlite_writer:  # the writer takes a group, then waits here for the lock
        threads[0].start()
        time.sleep(0.05)
        wait_for(lambda: len(db._writer._queue) == 0)
        for t in threads[1:]:
            t.start()
        wait_for(lambda: len(db._writer._queue) == len(rest))
    for t in threads:
        t.join(10)
    return outcomes


def test_concurrent_creates_are_all_stored_and_each_answered_once(sqlite_app, client, alice):
    bodies = [annotation_body(note=f"note {i}") for i in range(40)]
    statuses: list[int] = []

    def send(chunk):
        c = sqlite_app.test_client()
        for body in chunk:
            statuses.append(c.post("/api/annotations", json=body,
                                   headers=alice.headers).status_code)

    threads = [threading.Thread(target=send, args=(bodies[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [201] * 40
    assert _total(client, alice) == 40
    for body in bodies:
        got = client.get(f"/api/annotations/{body['id']}", headers=alice.headers).get_json()
        assert got["note"] == body["note"]


def test_a_failing_write_leaves_the_rest_of_its_group_stored(sqlite_app, client, alice, bob):
    from postil import store
    from postil.models import User

    with sqlite_app.app_context():
        db.database.connect(reuse_if_open=True)
        alice_user, bob_user = User.by_name("alice"), User.by_name("bob")
        db.database.close()
    taken = str(uuid.uuid4())  # shared, so Bob's create with it is refused
    client.post("/api/annotations", json=annotation_body(id=taken, visibility="public"),
                headers=alice.headers)
    good = [annotation_body(note=f"kept {i}") for i in range(3)]
    def create_then_fail():
        # Bob's create is inserted, then his write fails after it: none of it may remain.
        store.create_annotation(bob_user, create_body(annotation_body(note="bob's")))
        store.create_annotation(bob_user, create_body(annotation_body(id=taken, note="bob's")))

    jobs = [
        lambda: store.create_annotation(alice_user, create_body(good[0])),
        lambda: store.create_annotation(alice_user, create_body(good[1])),
        create_then_fail,
        lambda: store.create_annotation(alice_user, create_body(good[2])),
    ]
    outcomes = _queue_behind_held_lock(sqlite_app, lambda: None, *jobs)
    assert isinstance(outcomes[3], Conflict)  # answered 409
    assert all(outcomes[i][1] is True for i in (1, 2, 4)), outcomes
    assert _total(client, alice) == 4
    assert client.get("/api/annotations?limit=0&user=bob",
                      headers=bob.headers).get_json()["total"] == 0
    for body in good:
        assert client.get(f"/api/annotations/{body['id']}",
                          headers=alice.headers).status_code == 200


def test_a_write_that_breaks_its_groups_commit_fails_alone(sqlite_app, client, alice):
    from postil.models import AnnotationTag

    def insert_then_break():
        # Writes, then leaves the transaction impossible to commit (as a full disk would).
        db.database.execute_sql("PRAGMA defer_foreign_keys = ON")
        db.database.execute_sql(
            "INSERT INTO annotation_tag (annotation_id, name) VALUES (999999, 'orphan')")
        return "written"

    before = _total(client, alice)
    body = annotation_body(note="in the broken group")

    def create():
        from postil import store
        from postil.models import User

        return store.create_annotation(User.by_name("alice"), create_body(body))

    outcomes = _queue_behind_held_lock(sqlite_app, lambda: None, create, insert_then_break)
    assert isinstance(outcomes[2], Exception), outcomes  # never acknowledged
    assert outcomes[1][1] is True, outcomes  # acknowledged, so it must be stored
    assert _total(client, alice) == before + 1
    got = client.get(f"/api/annotations/{body['id']}", headers=alice.headers)
    assert got.status_code == 200 and got.get_json()["note"] == body["note"]
    with sqlite_app.app_context():
        db.database.connect(reuse_if_open=True)
        assert not AnnotationTag.select().where(AnnotationTag.name == "orphan").exists()
        db.database.close()
    # Writing carries on: the next create is stored and answered.
    res = client.post("/api/annotations", json=annotation_body(), headers=alice.headers)
    assert res.status_code == 201
    assert _total(client, alice) == before + 2


def test_an_import_in_a_group_that_is_written_again_counts_each_item_once(
        sqlite_app, client, alice):
    from postil.export_api import import_document
    from postil.models import User

    doc = {"format": "postil-export", "format_version": 1,
           "annotations": [annotation_body(note=f"imported {i}") for i in range(3)]}

    def fail():
        raise RuntimeError("this write fails, so its group is written again, write by write")

    def run_import():
        return import_document(User.by_name("alice"), doc)

    outcomes = _queue_behind_held_lock(sqlite_app, lambda: None, run_import, fail)
    assert isinstance(outcomes[2], RuntimeError)
    assert outcomes[1]["created"] == 3 and outcomes[1]["unchanged"] == 0, outcomes[1]
    assert outcomes[1]["failed"] == []
    assert _total(client, alice) == 3


def test_a_leader_commits_its_own_group_and_hands_the_rest_on(sqlite_app):
    """Whoever leads answers its own client after its own group, not after everyone's."""
    ran_in: dict[str, str] = {}

    def job(name):
        def work():
            ran_in[name] = threading.current_thread().name
            return name
        return work

    outcomes = _queue_behind_held_lock(sqlite_app, job("first"), job("a"), job("b"), job("c"))
    assert sorted(outcomes.values()) == ["a", "b", "c", "first"]
    assert len({ran_in["a"], ran_in["b"], ran_in["c"]}) == 1  # one group, one leader
    assert ran_in["a"] != ran_in["first"]  # not the first leader, who had gone back to its client


def test_a_write_that_cannot_connect_fails_and_is_never_committed(sqlite_app, client, alice,
                                                                 monkeypatch):
    from postil.models import User

    before = _total(client, alice)
    failures = []

    def create():
        from postil import store

        return store.create_annotation(User.by_name("alice"), create_body(annotation_body()))

    def without_a_connection():
        real_connect = type(db.database.obj).connect

        def refuse(self, *args, **kwargs):
            if threading.current_thread().name == "no-connection":
                raise RuntimeError("cannot connect")
            return real_connect(self, *args, **kwargs)

        monkeypatch.setattr(type(db.database.obj), "connect", refuse)
        with sqlite_app.app_context():
            try:
                db.run_write(create)
            except RuntimeError as exc:
                failures.append(exc)

    t = threading.Thread(target=without_a_connection, name="no-connection")
    t.start()
    t.join(10)
    monkeypatch.undo()
    assert len(failures) == 1
    assert len(db._writer._queue) == 0  # nothing left behind for a later leader to commit
    res = client.post("/api/annotations", json=annotation_body(), headers=alice.headers)
    assert res.status_code == 201
    assert _total(client, alice) == before + 1


def test_every_write_of_the_process_runs_on_the_writers_own_connection(sqlite_app, client, alice):
    """One connection writes everything, so that its pages stay in memory from one write to the
    next (a connection drops them when another connection wrote); `close_all`, as after a
    restore, closes it too, and the next write takes a new one and is stored."""
    used: list[int] = []
    requests: list[int] = []

    def job():
        used.append(id(db.database.connection()))

    def write_from_requests(n):
        # Each request holds its own connection until all have written, one after another.
        turns = [threading.Event() for _ in range(n + 1)]

        def call(i):
            with sqlite_app.app_context():
                db.database.connect(reuse_if_open=True)
                requests.append(id(db.database.connection()))
                turns[i].wait(10)
                db.run_write(job)
                turns[i + 1].set()
                turns[n].wait(10)
                db.database.close()

        threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        turns[0].set()
        for t in threads:
            t.join(10)

    write_from_requests(3)
    assert len(set(requests)) == 3  # three requests, each on a connection of its own
    assert len(set(used)) == 1  # one writer's connection
    first = used[0]

    db.database.obj.close_all()
    body = annotation_body(note="after close_all")
    assert client.post("/api/annotations", json=body, headers=alice.headers).status_code == 201
    write_from_requests(1)
    assert used[-1] != first
    got = client.get(f"/api/annotations/{body['id']}", headers=alice.headers)
    assert got.status_code == 200 and got.get_json()["note"] == "after close_all"
