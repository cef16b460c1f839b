"""GET /api/annotations answers a page, its total and its reply counts from one statement
(`store.queries.page`): each must stay what every reader may see, on every page.

One post holds what a group's members, its moderator, an outsider and a signed-out reader each
see differently (own and others' private, public, a group's, a hidden one, threads with live,
deleted and hidden replies); every reader pages through it in several sizes and both orders.
"""

from __future__ import annotations

import pytest
from test_groups import invite, join, make_group

from conftest import annotation_body
from postil import db

POST = {"site": "blog.example.org", "post_id": 42}


def make(client, reader, **over) -> dict:
    res = client.post("/api/annotations", json=annotation_body(post=POST, **over),
                      headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def reply(client, reader, parent: dict, note: str) -> dict:
    res = client.post("/api/annotations", json={"reply_to": parent["id"], "note": note},
                      headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def get(client, reader, **params) -> dict:
    res = client.get("/api/annotations", query_string={"site": POST["site"],
                                                       "post_id": POST["post_id"], **params},
                     headers=reader.headers)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def walk(client, reader, limit: int, **params) -> tuple[list[dict], set[int]]:
    """Every item, page by page, and every total the pages said."""
    items, totals, cursor = [], set(), None
    while True:
        page = get(client, reader, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, totals


@pytest.fixture
def scene(client, alice, bob, make_user, anon):
    """alice owns a group with bob in it; carol is outside it. Returns the readers and, per
    reader, the ids they must see on the post (answering nothing) with each one's
    reply_count, and the replies they must see."""
    carol = make_user("carol")
    gid = make_group(client, alice)
    assert join(client, bob, invite(client, alice, gid)) == 200
    a_public = make(client, alice, visibility="public", note="alice public")
    a_private = make(client, alice, note="alice private")
    b_private = make(client, bob, note="bob private")
    b_group = make(client, bob, visibility="group", group=gid, note="bob to the group")
    b_hidden = make(client, bob, visibility="group", group=gid, note="hidden by alice")
    assert client.put(f"/api/annotations/{b_hidden['id']}/hidden",
                      headers=alice.headers).status_code == 200
    c_public = make(client, carol, visibility="public", note="carol public")
    c_private = make(client, carol, note="carol private")
    # Threads: a public one two deep with a deleted reply, a group one with a reply alice
    # hid, and a public one whose only reply was deleted.
    r1 = reply(client, bob, a_public, "bob answers alice")
    r2 = reply(client, carol, r1, "carol answers bob")
    gone = reply(client, carol, a_public, "carol takes it back")
    assert client.delete(f"/api/annotations/{gone['id']}",
                         headers=carol.headers).status_code == 204
    g1 = reply(client, alice, b_group, "alice answers in the group")
    g2 = reply(client, bob, b_group, "bob's reply alice hides")
    assert client.put(f"/api/annotations/{g2['id']}/hidden",
                      headers=alice.headers).status_code == 200
    lone = reply(client, alice, c_public, "alice's reply, deleted")
    assert client.delete(f"/api/annotations/{lone['id']}",
                         headers=alice.headers).status_code == 204
    public = {a_public["id"]: 2, c_public["id"]: 0}
    seen = {
        # The group's owner moderates it: the hidden ones are hers to see.
        "alice": public | {a_private["id"]: 0, b_group["id"]: 2, b_hidden["id"]: 0},
        # bob wrote the hidden one and the hidden reply: his own, so his to see.
        "bob": public | {b_private["id"]: 0, b_group["id"]: 2, b_hidden["id"]: 0},
        "carol": public | {c_private["id"]: 0},
        "anon": dict(public),
    }
    replies = {
        "alice": {r1["id"], r2["id"], g1["id"], g2["id"]},
        "bob": {r1["id"], r2["id"], g1["id"], g2["id"]},
        "carol": {r1["id"], r2["id"]},
        "anon": {r1["id"], r2["id"]},
    }
    readers = {"alice": alice, "bob": bob, "carol": carol, "anon": anon}
    return readers, seen, replies


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_every_page_of_every_reader_says_the_same_total_and_reply_counts(client, scene, order):
    readers, seen, _ = scene
    for name, reader in readers.items():
        whole = get(client, reader, limit=50, order=order)
        expected = seen[name]
        assert whole["total"] == len(expected), name
        assert {a["id"]: a["reply_count"] for a in whole["items"]} == expected, name
        stamps = [a["created"] for a in whole["items"]]
        assert stamps == sorted(stamps, reverse=order == "desc"), name
        for limit in (1, 2, 3):
            items, totals = walk(client, reader, limit, order=order)
            assert totals == {len(expected)}, (name, limit)
            assert [a["id"] for a in items] == [a["id"] for a in whole["items"]], (name, limit)
            assert [a["reply_count"] for a in items] == [a["reply_count"]
                                                         for a in whole["items"]]
        # A count alone says the same total.
        counted = get(client, reader, limit=0, order=order)
        assert (counted["total"], counted["items"]) == (len(expected), []), name


def test_with_replies_the_total_counts_the_replies_each_reader_may_see(client, scene):
    readers, seen, replies = scene
    for name, reader in readers.items():
        expected = set(seen[name]) | replies[name]
        for limit in (2, 50):
            items, totals = walk(client, reader, limit, replies="include")
            assert totals == {len(expected)}, (name, limit)
            assert {a["id"] for a in items} == expected, name
            assert len(items) == len(expected)
        only = get(client, reader, limit=50, replies="only")
        assert only["total"] == len(replies[name])
        assert {a["id"] for a in only["items"]} == replies[name], name


def test_a_page_after_the_last_match_still_says_the_total(client, alice, create):
    made = [create(alice, post=POST, note=f"note {i}")["id"] for i in range(3)]
    first = get(client, alice, limit=2)
    assert first["total"] == 3 and first["next_cursor"]
    # The one match after the cursor goes: the next page is empty, and the total is that of
    # every match still there.
    assert client.delete(f"/api/annotations/{made[0]}", headers=alice.headers).status_code \
        == 204
    after = get(client, alice, limit=2, cursor=first["next_cursor"])
    assert (after["items"], after["total"], after["next_cursor"]) == ([], 2, None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_query_by_post_on_sqlite_reads_the_post_index_alone(app, alice):
    """Migration 0017: the post's index carries what the visibility rule and the default
    filters read, so the page's matches come from it without the table. The plan of the
    query's own matches, for a signed-in reader and a signed-out one: a column the rule comes
    to read must join the index, or this fails. (PostgreSQL's index-only scans depend on its
    visibility map, which a fresh test table lacks.)"""
    from peewee import SQL, fn

    from postil.models import Annotation, User
    from postil.parse import Filters
    from postil.store import queries

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        f = Filters(site=POST["site"], post_id=POST["post_id"], limit=50)
        for viewer in (User.get(User.name == "alice"), None):
            matches = Annotation.select(Annotation.pk, Annotation.created_us,
                                        fn.COUNT(SQL("*")).over()).where(
                queries.condition(viewer, f)).order_by(Annotation.created_us.desc())
            sql, params = matches.sql()
            # Which index the planner takes depends on statistics a test table lacks; named,
            # the plan says whether it covers every column the query reads of the table.
            table = 'FROM "annotation" AS "t1"'
            assert sql.count(table) == 1, sql
            sql = sql.replace(table, table + " INDEXED BY annotation_post_visible")
            plan = [str(r[3]) for r in db.database.execute_sql(
                "EXPLAIN QUERY PLAN " + sql, params)]
            outer = [step for step in plan if " t1 " in f" {step} "]
            assert outer == ["SEARCH t1 USING COVERING INDEX annotation_post_visible "
                             "(post_id=?)"], plan
