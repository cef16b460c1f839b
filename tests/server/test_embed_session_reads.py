"""An embed session (the token the sign-in pop-up hands a registered site's page) reads and
writes the notes on that site's posts, and nothing else: a note on another site's post, or on a
page of no registered site, does not exist for it, whatever its visibility. Lists, totals,
cursors, single reads, threads, post lists and counts, flags and the live stream agree. The same
reader's own session (the extension's) still sees everything they may.

Before, such a session read every note its reader may see, so a publisher's page holding it
could list the reader's private notes on every other site."""

from __future__ import annotations

import uuid

import pytest
from test_stream import server, write  # noqa: F401 - the live server and writer fixtures

from conftest import annotation_body
from postil import db, parse
from postil.models import Post, Site
from postil.store import sites

HOME = "https://home.example"  # the site whose page holds the embed session
OTHER = "https://other.example"  # another registered site
SUB = "https://home.example/sub"  # a subsite under HOME's home: its own site, not HOME's

PLACES = {
    # A WordPress post of HOME's, and one of the other site's with the same post id.
    "this site": {"site": "home.example", "post_id": 7, "url": f"{HOME}/?p=7",
                  "title": "Home's post"},
    "other site": {"site": "other.example", "post_id": 7, "url": f"{OTHER}/?p=7",
                   "title": "Other's post"},
    "unregistered page": {"url": "https://nowhere.example/a-page/", "title": "Nowhere"},
}
VISIBILITIES = ("private", "group", "public")


def _register(app, url: str, embed: str = "signed-in") -> None:
    body = {"url": url, "policy": {"embed": embed}}
    if url.count("/") > 2:  # a subsite: its parent's origin is taken, so one of its own
        path = url.split("/", 3)[3].replace("/", "-")
        body["origins"] = [f"https://{path}.subsites.example"]
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, parse.site_body(body, partial=False))
        db.database.close()


class World:
    """Alice's embed session on HOME, her own session, and a note of each visibility in each
    place that she may see: her private one, bob's in their group, bob's public one; under
    bob's public note in each place, alice's reply."""

    def __init__(self, client, alice, bob, write) -> None:  # noqa: F811
        res = client.post(f"/embed/signin?origin={HOME}",
                          json={"username": "alice", "password": "correct horse"})
        assert res.status_code == 201, res.get_json()
        self.embed = {"Authorization": f"Bearer {res.get_json()['token']}"}
        self.own = alice.headers
        self.gid = write.group(bob, alice)
        self.notes: dict[tuple[str, str], dict] = {}
        self.replies: dict[str, dict] = {}
        for place, post in PLACES.items():
            self.notes[place, "private"] = write.create(alice, post=post, visibility="private",
                                                        note=f"alice's diary, {place}")
            self.notes[place, "group"] = write.create(bob, post=post, visibility="group",
                                                      group=self.gid, note="bob to the group")
            self.notes[place, "public"] = write.create(bob, post=post, visibility="public",
                                                       note=f"bob to all, {place}")
            res = client.post("/api/annotations", headers=alice.headers, json={
                "reply_to": self.notes[place, "public"]["id"], "note": "alice answers"})
            assert res.status_code == 201, res.get_json()
            self.replies[place] = res.get_json()

    def ids(self, place: str | None = None, replies: bool = False) -> set[str]:
        out = {n["id"] for (p, _), n in self.notes.items() if place in (None, p)}
        if replies:
            out |= {r["id"] for p, r in self.replies.items() if place in (None, p)}
        return out


@pytest.fixture
def world(app, client, alice, bob, write) -> World:  # noqa: F811
    _register(app, HOME)
    _register(app, OTHER)
    return World(client, alice, bob, write)


def _listed(client, headers, query: str = "") -> tuple[set[str], int]:
    res = client.get(f"/api/annotations?{query}", headers=headers)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    return {a["id"] for a in body["items"]}, body["total"]


def _walk(client, headers, query: str) -> list[str]:
    """Every id a query lists, one per page, following its cursors."""
    seen, cursor = [], None
    while True:
        page = client.get(f"/api/annotations?{query}&limit=1"
                          + (f"&cursor={cursor}" if cursor else ""), headers=headers).get_json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def _post_query(place: str) -> str:
    post = PLACES[place]
    if "post_id" in post:
        return f"site={post['site']}&post_id={post['post_id']}"
    return f"url={post['url']}"


def test_lists_and_totals_hold_only_the_site_s_notes(client, world):
    assert _listed(client, world.embed) == (world.ids("this site"), 3)
    assert _listed(client, world.embed, "replies=include") == (
        world.ids("this site", replies=True), 4)
    assert _listed(client, world.embed, "replies=only") == (
        {world.replies["this site"]["id"]}, 1)
    for visibility in VISIBILITIES:
        assert _listed(client, world.embed, f"visibility={visibility}") == (
            {world.notes["this site", visibility]["id"]}, 1)
    assert _listed(client, world.embed, "q=diary") == (
        {world.notes["this site", "private"]["id"]}, 1)
    assert _listed(client, world.embed, "user=alice&replies=include") == (
        {world.notes["this site", "private"]["id"], world.replies["this site"]["id"]}, 2)
    for place in PLACES:
        expected = world.ids(place) if place == "this site" else set()
        assert _listed(client, world.embed, _post_query(place)) == (expected, len(expected))
    # Cursors walk the same set, each once.
    assert sorted(_walk(client, world.embed, "replies=include")) == sorted(
        world.ids("this site", replies=True))
    # The reader's own session is unchanged: everything they may see, everywhere.
    assert _listed(client, world.own) == (world.ids(), 9)
    assert _listed(client, world.own, "replies=include") == (world.ids(replies=True), 12)
    for place in PLACES:
        assert _listed(client, world.own, _post_query(place)) == (world.ids(place), 3)
    assert sorted(_walk(client, world.own, "replies=include")) == sorted(
        world.ids(replies=True))


def test_a_note_elsewhere_is_a_made_up_id_to_the_embed_session(client, world):
    made_up = client.get(f"/api/annotations/{uuid.uuid4()}", headers=world.embed)
    assert made_up.status_code == 404
    for (place, visibility), note in world.notes.items():
        for path in (f"/api/annotations/{note['id']}",
                     f"/api/annotations/{world.replies[place]['id']}"):
            res = client.get(path, headers=world.embed)
            if place == "this site":
                assert res.status_code == 200, (place, visibility)
            else:
                assert res.status_code == 404, (place, visibility)
                assert res.get_json() == made_up.get_json(), (place, visibility)
            assert client.get(path, headers=world.own).status_code == 200, (place, visibility)


def test_threads_are_read_on_the_site_s_posts_only(client, world):
    for place in PLACES:
        head = world.notes[place, "public"]["id"]
        res = client.get(f"/api/annotations/{head}/replies", headers=world.embed)
        if place == "this site":
            assert res.status_code == 200
            assert [r["id"] for r in res.get_json()["items"]] == [world.replies[place]["id"]]
        else:
            assert res.status_code == 404, place
        res = client.get(f"/api/annotations/{head}/replies", headers=world.own)
        assert [r["id"] for r in res.get_json()["items"]] == [world.replies[place]["id"]]
    # The count each listed note carries is of the replies on the site's posts (its own).
    listed = client.get("/api/annotations?visibility=public", headers=world.embed).get_json()
    assert [(a["id"], a["reply_count"]) for a in listed["items"]] == [
        (world.notes["this site", "public"]["id"], 1)]


def test_posts_and_their_counts_are_the_site_s_alone(client, world):
    pks = {place: world.notes[place, "private"]["post"]["id"] for place in PLACES}
    res = client.get("/api/posts", headers=world.embed).get_json()
    assert [(p["id"], p["annotation_count"]) for p in res["items"]] == [
        (pks["this site"], 3)]
    assert res["total"] == 1
    res = client.get("/api/posts?site=other.example", headers=world.embed).get_json()
    assert (res["items"], res["total"]) == ([], 0)
    for place, pk in pks.items():
        res = client.get(f"/api/posts/{pk}", headers=world.embed)
        assert res.status_code == (200 if place == "this site" else 404), place
        res = client.get(f"/api/posts/{pk}", headers=world.own)
        assert (res.status_code, res.get_json()["annotation_count"]) == (200, 3), place
        query = f"post={pk}"
        expected = world.ids(place) if place == "this site" else set()
        assert _listed(client, world.embed, query) == (expected, len(expected))
    res = client.get("/api/posts", headers=world.own).get_json()
    assert {p["id"]: p["annotation_count"] for p in res["items"]} == {
        pk: 3 for pk in pks.values()}


def test_flags_reach_the_site_s_notes_only(client, world):
    for place in PLACES:
        note = world.notes[place, "public"]["id"]
        res = client.post(f"/api/annotations/{note}/flags", headers=world.embed,
                          json={"reason": "spam"})
        assert res.status_code == (201 if place == "this site" else 404), (place, res.get_json())


def _count_own(client, world) -> dict:
    return client.get("/api/annotations?replies=include&include_deleted=true",
                      headers=world.own).get_json()


@pytest.mark.parametrize("origin", [None, HOME])
def test_the_embed_session_writes_on_the_site_s_posts_only(client, world, origin):
    headers = {**world.embed, **({"Origin": origin} if origin else {})}
    before = _count_own(client, world)
    for place, post in PLACES.items():
        res = client.post("/api/annotations", headers=headers,
                          json=annotation_body(post=post, note="from the embed"))
        if place == "this site":
            assert res.status_code == 201, res.get_json()
            made = res.get_json()["id"]
            continue
        assert res.status_code == 403, (place, res.get_json())
        assert res.get_json()["error"]["code"] == "embed_other_site"
        # A post named by its row id the session does not know of is no post.
        pk = world.notes[place, "private"]["post"]["id"]
        res = client.post("/api/annotations", headers=headers,
                          json=annotation_body(post={"id": pk}, note="from the embed"))
        assert res.status_code == 400, (place, res.get_json())
        for visibility in VISIBILITIES:
            uid = world.notes[place, visibility]["id"]
            res = client.patch(f"/api/annotations/{uid}", headers=headers, json={"note": "x"})
            assert res.status_code == 404, (place, visibility)
            res = client.delete(f"/api/annotations/{uid}", headers=headers)
            assert res.status_code == 404, (place, visibility)
            res = client.post("/api/annotations", headers=headers,
                              json={"reply_to": uid, "note": "an answer"})
            assert res.status_code == 404, (place, visibility)
    after = _count_own(client, world)
    # Nothing changed but the one note made on the site's post.
    assert after["total"] == before["total"] + 1
    assert {a["id"]: a["version"] for a in after["items"] if a["id"] != made} == {
        a["id"]: a["version"] for a in before["items"]}
    # The same writes with the reader's own session go through, as before.
    uid = world.notes["other site", "private"]["id"]
    assert client.patch(f"/api/annotations/{uid}", headers=world.own,
                        json={"note": "x"}).status_code == 200
    res = client.post("/api/annotations", headers=world.own,
                      json=annotation_body(post=PLACES["unregistered page"]))
    assert res.status_code == 201


def test_a_subsite_s_pages_are_not_its_parent_site_s(app, client, alice, write):  # noqa: F811
    _register(app, HOME)
    _register(app, SUB)
    res = client.post(f"/embed/signin?origin={HOME}",
                      json={"username": "alice", "password": "correct horse"})
    embed = {"Authorization": f"Bearer {res.get_json()['token']}"}
    on_home = write.create(alice, post={"url": f"{HOME}/subscribe/"})
    on_sub = write.create(alice, post={"url": f"{SUB}/a-post/?page=2"})
    # A page whose path only begins with the subsite's ("/subway") is the parent site's.
    on_subway = write.create(alice, post={"url": f"{HOME}/subway/"})
    assert _listed(client, embed) == ({on_home["id"], on_subway["id"]}, 2)
    assert client.get(f"/api/annotations/{on_sub['id']}", headers=embed).status_code == 404


def test_the_rule_in_sql_is_the_rule_in_python(app, client, alice, write):  # noqa: F811
    """`Post.on_site` (what reads ask) names for each post the site `sites.site_for_post`
    (what moderation and writes ask) names, for WordPress posts and pages keyed by URL."""
    for url in (HOME, OTHER, SUB, "https://home.example/sub/deeper", "https://www.third.example"):
        _register(app, url)
    for post in [*PLACES.values(), {"url": f"{HOME}/"}, {"url": f"{HOME}/sub"},
                 {"url": f"{HOME}/sub/"}, {"url": f"{HOME}/sub/deeper/x"},
                 {"url": f"{HOME}/subway"}, {"url": f"{HOME}/?sub=1"},
                 {"url": f"{HOME}/sub?x=/deeper"}, {"url": "https://third.example/p"},
                 {"url": "https://home.example.org/sub/"},
                 {"site": "home.example/sub", "post_id": 3, "url": f"{SUB}/?p=3"},
                 {"site": "third.example", "post_id": 3, "url": "https://third.example/?p=3"}]:
        write.create(alice, post=post)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        posts = list(Post.select())
        ids = [s.id for s in Site.select()]
        expected = {(post.id, site.id if (site := sites.site_for_post(post)) else None)
                    for post in posts}
        found = set()
        for post in posts:
            on = [sid for sid in ids
                  if Post.select().where((Post.id == post.id)
                                         & Post.on_site(sid, Post.id)).exists()]
            assert len(on) <= 1, (post.url_key, on)
            found.add((post.id, on[0] if on else None))
        db.database.close()
    assert found == expected
    assert sum(1 for _, site in expected if site is not None) >= 8


def test_the_stream_tells_the_embed_session_of_the_site_s_notes_only(  # noqa: F811
        server, client, world, alice, bob, write):  # noqa: F811
    ticket = client.post("/api/stream/tickets", headers=world.embed,
                         json={}).get_json()["ticket"]
    by_ticket = server.stream(query=f"ticket={ticket}")
    by_header = server.stream(query="", headers=world.embed)
    # The same reader's own stream, open at once: it must not share reads with the embed's.
    own = server.stream(alice, query="")
    made = {}
    for place, post in PLACES.items():
        made[place, "private"] = write.create(alice, post=post, note="new diary")["id"]
        made[place, "group"] = write.create(bob, post=post, visibility="group",
                                            group=world.gid)["id"]
        made[place, "public"] = write.create(bob, post=post, visibility="public")["id"]
        # Changes to what was there: an edit, a note made private (removed for others' eyes).
        write.patch(alice, world.notes[place, "private"]["id"], note="edited")
        write.patch(bob, world.notes[place, "group"]["id"], visibility="private")
        write.delete(bob, world.notes[place, "public"]["id"])
    marker = write.create(bob, post=PLACES["this site"], visibility="public",
                          note="marker")["id"]
    here = {made["this site", v] for v in VISIBILITIES} | {
        world.notes["this site", "private"]["id"], world.notes["this site", "public"]["id"],
        marker}
    removed_here = {world.notes["this site", "group"]["id"]}
    for stream in (by_ticket, by_header):
        events = stream.events_until(marker)
        assert {e["data"]["id"] for e in events if e["event"] == "annotation"} == here
        assert {e["data"]["id"] for e in events if e["event"] == "removed"} == removed_here
        assert all(e["data"]["post"]["id"] == world.notes["this site", "private"]["post"]["id"]
                   for e in events if e["event"] == "annotation")
    events = own.events_until(marker)
    everywhere = {made[k] for k in made} | {world.notes[p, v]["id"] for p in PLACES
                                            for v in ("private", "public")} | {marker}
    assert {e["data"]["id"] for e in events if e["event"] == "annotation"} == everywhere
    assert {e["data"]["id"] for e in events if e["event"] == "removed"} == {
        world.notes[p, "group"]["id"] for p in PLACES}
