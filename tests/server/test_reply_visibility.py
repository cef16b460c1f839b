"""Who sees which reply: a thread has its first annotation's visibility, and a reply the viewer
may not see does not exist for them on any path (reading it, the thread, counts, the query,
replies to you, exports, the W3C container).

The thread: alice's annotation and alice's own reply to it, and bob's reply when he may see what
he answers (a public thread). A private thread has no reply of bob's (his try is a 404, as for an
annotation that does not exist), and once he has replied to a public one its visibility stays
(tests/server/test_replies.py), so no reply of his is ever private to him inside her thread.
"""

from __future__ import annotations

import uuid

import pytest

POST = {"site": "threads.example.net", "post_id": 9,
        "url": "https://threads.example.net/a-thread/", "title": "A thread"}


@pytest.fixture
def thread(client, alice, bob, create):
    def make(visibility: str) -> dict:
        top = create(alice, post=POST, visibility=visibility)
        own = client.post("/api/annotations", json={"reply_to": top["id"], "note": "alice's own"},
                          headers=alice.headers).get_json()
        other = client.post("/api/annotations", json={"reply_to": top["id"],
                                                      "note": "bob's answer"},
                            headers=bob.headers)
        if visibility == "public":
            assert other.status_code == 201
            return {"top": top["id"], "own": own["id"], "other": other.get_json()["id"]}
        assert other.status_code == 404
        return {"top": top["id"], "own": own["id"], "other": str(uuid.uuid4())}
    return make


def _names(ids: dict, found) -> str:
    """Name the thread's members among `found` ids, in a fixed order: 'own+other', or '-'."""
    names = [name for name in ("top", "own", "other") if ids[name] in found]
    return "+".join(names) or "-"


def _read(c, r, ids):
    return "/".join(str(c.get(f"/api/annotations/{ids[k]}", headers=r.headers).status_code)
                    for k in ("own", "other"))


def _thread(c, r, ids):
    res = c.get(f"/api/annotations/{ids['top']}/replies", headers=r.headers)
    if res.status_code != 200:
        return str(res.status_code)
    return _names(ids, [a["id"] for a in res.get_json()["items"]])


def _count(c, r, ids):
    res = c.get(f"/api/annotations/{ids['top']}", headers=r.headers)
    return str(res.get_json()["reply_count"]) if res.status_code == 200 else str(res.status_code)


def _query(c, r, ids):
    body = c.get("/api/annotations", query_string={"replies": "include", "site": POST["site"]},
                 headers=r.headers).get_json()
    assert body["total"] == len(body["items"])
    return _names(ids, [a["id"] for a in body["items"]])


def _me(c, r, ids):
    if not r.token:
        return "401"
    body = c.get("/api/me/replies", headers=r.headers).get_json()
    assert body["total"] == len(body["items"]) and body["unread"] == body["total"]
    return _names(ids, [a["id"] for a in body["items"]])


def _export(c, r, ids):
    """Every author's annotations the viewer may see, in the native JSON export."""
    found = []
    for author in ("alice", "bob"):
        res = c.get(f"/api/export?format=json&user={author}", headers=r.headers)
        found += [a["id"] for a in res.get_json()["annotations"]]
    return _names(ids, found)


def _w3c(c, r, ids):
    res = c.get("/w3c/annotations/?page=0&iris=1", headers=r.headers)
    if res.status_code != 200:
        return str(res.status_code)
    return _names(ids, [iri.rsplit("/", 1)[1] for iri in res.get_json()["items"]])


ENDPOINTS = {"read own/other": _read, "thread": _thread, "reply_count": _count,
             "query": _query, "replies to me": _me, "exports": _export, "w3c": _w3c}

EXPECTED = {
    ("alice", "public"): {"read own/other": "200/200", "thread": "own+other", "reply_count": "2",
                          "query": "top+own+other", "replies to me": "other",
                          "exports": "top+own+other", "w3c": "top+own+other"},
    ("alice", "private"): {"read own/other": "200/404", "thread": "own", "reply_count": "1",
                           "query": "top+own", "replies to me": "-", "exports": "top+own",
                           "w3c": "top+own"},
    ("bob", "public"): {"read own/other": "200/200", "thread": "own+other", "reply_count": "2",
                        "query": "top+own+other", "replies to me": "-",
                        "exports": "top+own+other", "w3c": "top+own+other"},
    ("bob", "private"): {"read own/other": "404/404", "thread": "404", "reply_count": "404",
                         "query": "-", "replies to me": "-", "exports": "-", "w3c": "-"},
    ("anonymous", "public"): {"read own/other": "200/200", "thread": "own+other",
                              "reply_count": "2", "query": "top+own+other",
                              "replies to me": "401", "exports": "top+own+other",
                              "w3c": "top+own+other"},
    ("anonymous", "private"): {"read own/other": "404/404", "thread": "404",
                               "reply_count": "404", "query": "-", "replies to me": "401",
                               "exports": "-", "w3c": "-"},
}

CASES = [(viewer, visibility, endpoint, outcome)
         for (viewer, visibility), row in EXPECTED.items()
         for endpoint, outcome in row.items()]


def test_the_table_covers_every_endpoint_for_every_viewer():
    for row in EXPECTED.values():
        assert set(row) == set(ENDPOINTS)


@pytest.mark.parametrize("viewer, visibility, endpoint, outcome", CASES,
                         ids=[f"{v}-{vis}-{e}" for v, vis, e, _ in CASES])
def test_reply_visibility_matrix(client, alice, bob, anon, thread, viewer, visibility, endpoint,
                                 outcome):
    ids = thread(visibility)
    reader = {"alice": alice, "bob": bob, "anonymous": anon}[viewer]
    assert ENDPOINTS[endpoint](client, reader, ids) == outcome
