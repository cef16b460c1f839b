"""`GET /api/stream` on a real HTTP server in this process, on SQLite and PostgreSQL: which
changes reach which reader, replay from Last-Event-ID, tickets, and the streams refused.

"Never for them" is checked without waiting on a clock: after the change a reader must not
hear of, a public marker is written; the reader's next event must be the marker.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from stream_client import Stream, StreamClosed
from werkzeug.serving import make_server

from conftest import annotation_body
from postil import db, live
from postil.models import StreamTicket, Token, User, now_us
from postil.store import accounts, changes

POST = "site=blog.example.org&post_id=42"
OTHER_POST = {"site": "blog.example.org", "post_id": 43,
              "url": "https://blog.example.org/2026/05/other/", "title": "Other"}


@pytest.fixture
def server(app):
    app.config["STREAM_HEARTBEAT_SECONDS"] = 1
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    opened: list[Stream] = []

    class Server:
        port = httpd.server_port

        def stream(self, reader=None, query: str = POST, headers: dict | None = None) -> Stream:
            path = "/api/stream" + (f"?{query}" if query else "")
            s = Stream(self.port, path, {**(reader.headers if reader else {}), **(headers or {})})
            opened.append(s)
            return s

    yield Server()
    for s in opened:
        s.close()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def write(client):
    """Write as a reader through the API; return the answer's JSON."""
    class Writer:
        def create(self, reader, **over) -> dict:
            res = client.post("/api/annotations", json=annotation_body(**over),
                              headers=reader.headers)
            assert res.status_code == 201, res.get_json()
            return res.get_json()

        def patch(self, reader, uid: str, **fields) -> dict:
            res = client.patch(f"/api/annotations/{uid}", json=fields, headers=reader.headers)
            assert res.status_code == 200, res.get_json()
            return res.get_json()

        def delete(self, reader, uid: str) -> None:
            assert client.delete(f"/api/annotations/{uid}",
                                 headers=reader.headers).status_code == 204

        def client_status(self, reader) -> int:
            return client.get("/api/me", headers=reader.headers).status_code

        def marker(self, reader) -> str:
            return self.create(reader, visibility="public", note="marker")["id"]

        def group(self, owner, *members) -> str:
            """A group of `owner`'s with `members` joined by invite; its id."""
            res = client.post("/api/groups", json={"name": "Close readers"},
                              headers=owner.headers)
            assert res.status_code == 201, res.get_json()
            gid = res.get_json()["id"]
            for member in members:
                token = client.post(f"/api/groups/{gid}/invites", json={},
                                    headers=owner.headers).get_json()["token"]
                assert client.post(f"/api/invites/{token}/accept",
                                   headers=member.headers).status_code == 200
            return gid

        def hide(self, moderator, uid: str) -> None:
            res = client.put(f"/api/annotations/{uid}/hidden", headers=moderator.headers)
            assert res.status_code in (200, 204), res.get_json()

    return Writer()


def test_a_reader_hears_creates_edits_and_deletes_they_may_see(server, write, alice, bob):
    following = server.stream(bob)
    assert following.status == 200
    assert following.headers["Content-Type"].startswith("text/event-stream")
    made = write.create(alice, visibility="public", note="first thoughts")
    event = following.next()
    assert event["event"] == "annotation"
    assert event["data"]["id"] == made["id"] and event["data"]["note"] == "first thoughts"
    assert event["data"]["user"] == "alice" and event["data"]["links"]["self"]
    write.patch(alice, made["id"], note="second thoughts")
    event = following.next()
    assert (event["event"], event["data"]["note"], event["data"]["version"]) == (
        "annotation", "second thoughts", 2)
    write.delete(alice, made["id"])
    event = following.next()
    assert event["event"] == "annotation" and event["data"]["deleted"] is True
    assert event["data"]["id"] == made["id"] and event["data"]["note"] == ""
    ids = [e["id"] for e in (event,)]
    assert all(ids)


def test_another_readers_private_annotation_never_reaches_a_stream(server, write, alice, bob,
                                                                  anon):
    bobs, anons, alices = server.stream(bob), server.stream(anon), server.stream(alice)
    secret = write.create(alice, visibility="private", note="for me alone")
    write.patch(alice, secret["id"], note="still mine")
    write.delete(alice, secret["id"])
    marker = write.marker(bob)
    for stream in (bobs, anons):
        (only,) = stream.events_until(marker)
        assert only["data"]["id"] == marker
    # Their author hears of them (changes read together come as one event: the latest).
    heard = alices.events_until(marker)
    assert {e["data"]["id"] for e in heard[:-1]} == {secret["id"]}
    assert heard[-2]["data"]["deleted"] is True


def test_an_annotation_made_private_is_removed_for_those_who_saw_it(server, write, alice, bob,
                                                                   anon):
    shared = write.create(alice, visibility="public")
    bobs, anons, alices = server.stream(bob), server.stream(anon), server.stream(alice)
    write.patch(alice, shared["id"], visibility="private")
    for stream in (bobs, anons):
        event = stream.next()
        assert event == {"id": event["id"], "event": "removed", "data": {"id": shared["id"]}}
    event = alices.next()
    assert event["event"] == "annotation" and event["data"]["visibility"] == "private"
    # Edited while private: nothing for the others, not even a removal again.
    write.patch(alice, shared["id"], note="edited in private")
    marker = write.marker(alice)
    for stream in (bobs, anons):
        assert [e["data"]["id"] for e in stream.events_until(marker)] == [marker]
    # Shared again: it comes back as an annotation.
    write.patch(alice, shared["id"], visibility="public")
    event = bobs.next()
    assert event["event"] == "annotation" and event["data"]["note"] == "edited in private"


def test_a_private_annotation_deleted_is_no_tombstone_for_others(server, write, alice, bob):
    secret = write.create(alice, visibility="private")
    bobs = server.stream(bob)
    write.delete(alice, secret["id"])
    marker = write.marker(alice)
    assert [e["data"]["id"] for e in bobs.events_until(marker)] == [marker]


def test_a_post_stream_hears_its_post_only_and_the_everything_stream_hears_all(
        server, write, alice, bob):
    by_site, by_url = server.stream(bob), server.stream(
        bob, "url=https%3A%2F%2Fblog.example.org%2F2026%2F05%2Fon-margins%2F")
    everything = server.stream(bob, query="")
    elsewhere = write.create(alice, visibility="public", post=OTHER_POST)
    here = write.create(alice, visibility="public")
    for stream in (by_site, by_url):
        assert [e["data"]["id"] for e in stream.events_until(here["id"])] == [here["id"]]
    assert [e["data"]["id"] for e in everything.events_until(here["id"])] == [
        elsewhere["id"], here["id"]]


def test_a_stream_on_a_post_nobody_annotated_yet_hears_the_first_annotation(server, write,
                                                                           alice, bob):
    stream = server.stream(bob, "site=blog.example.org&post_id=77")
    first = write.create(alice, visibility="public", post={
        "site": "blog.example.org", "post_id": 77, "url": "https://blog.example.org/77/"})
    assert stream.next()["data"]["id"] == first["id"]


def test_last_event_id_replays_what_was_missed_once(server, write, alice, bob):
    first = server.stream(bob)
    a = write.create(alice, visibility="public", note="a")
    seen = first.next()
    assert seen["data"]["id"] == a["id"]
    first.close()
    # While away: an edit, a new one, a private one (not theirs), one made and deleted (never
    # seen, so nothing to say of it).
    write.patch(alice, a["id"], note="a, edited")
    b = write.create(alice, visibility="public", note="b")
    write.create(alice, visibility="private", note="hidden")
    gone = write.create(alice, visibility="public", note="gone")
    write.delete(alice, gone["id"])
    back = server.stream(bob, headers={"Last-Event-ID": seen["id"]})
    marker = write.marker(alice)
    replayed = back.events_until(marker)
    assert [(e["data"]["id"], e["data"].get("note"), e["data"]["deleted"]) for e in replayed] == [
        (a["id"], "a, edited", False), (b["id"], "b", False), (marker, "marker", False)]
    assert len({e["id"] for e in replayed} | {seen["id"]}) == 4
    # The query-string form (EventSource polyfills), from the same place, says the same.
    again = server.stream(bob, query=f"{POST}&last_event_id={seen['id']}")
    assert [e["data"]["id"] for e in again.events_until(marker)] == [
        e["data"]["id"] for e in replayed]


def test_a_last_event_id_older_than_the_log_keeps_or_unknown_is_a_reset(server, write, app,
                                                                       alice, bob):
    stream = server.stream(bob)
    write.create(alice, visibility="public")
    old = stream.next()["id"]
    stream.close()
    write.create(alice, visibility="public")
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            changes.prune_now(now_us() + 1)
        finally:
            db.database.close()
    stale = server.stream(bob, headers={"Last-Event-ID": old})
    event = stale.next()
    assert event["event"] == "reset" and event["data"] == {"reason": "expired"}
    made = write.create(alice, visibility="public")
    assert stale.next()["data"]["id"] == made["id"]
    for junk in ("12", "not-an-id", "ffffffffffffffff"):
        odd = server.stream(bob, headers={"Last-Event-ID": junk})
        assert odd.next()["data"] == {"reason": "unknown_event_id"}


def test_an_access_change_resets_that_readers_streams_only(server, write, app, alice, bob):
    bobs, alices = server.stream(bob, query=""), server.stream(alice)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            changes.access_changed(User.get(User.name == "bob").id)
        finally:
            db.database.close()
    event = bobs.next()
    assert event["event"] == "reset" and event["data"] == {"reason": "access_changed"}
    marker = write.marker(bob)
    assert [e["data"]["id"] for e in alices.events_until(marker)] == [marker]
    assert [e["data"]["id"] for e in bobs.events_until(marker)] == [marker]


def test_a_deleted_account_s_public_annotations_reach_others_anonymised(server, write, client,
                                                                       alice, bob):
    public = write.create(alice, visibility="public", note="kept for all")
    write.create(alice, visibility="private", note="gone for good")
    bobs = server.stream(bob)
    res = client.delete("/api/me", json={"password": "correct horse",
                                         "public_annotations": "anonymise"},
                        headers=alice.headers)
    assert res.status_code == 204, res.get_json()
    event = bobs.next()
    assert event["event"] == "annotation" and event["data"]["id"] == public["id"]
    assert event["data"]["user"] is None and event["data"]["note"] == "kept for all"
    marker = write.marker(bob)
    assert [e["data"]["id"] for e in bobs.events_until(marker)] == [marker]


def test_a_ticket_opens_one_stream_once_as_its_reader(server, client, write, alice, bob):
    assert client.post("/api/stream/tickets").status_code == 401
    res = client.post("/api/stream/tickets", headers=alice.headers)
    assert res.status_code == 201
    ticket = res.get_json()["ticket"]
    assert res.get_json()["expires_in"] > 0
    stream = server.stream(query=f"{POST}&ticket={ticket}")
    assert stream.status == 200
    mine = write.create(alice, visibility="private")
    assert stream.next()["data"]["id"] == mine["id"]
    again = server.stream(query=f"{POST}&ticket={ticket}")
    assert again.status == 401 and again.body["error"]["code"] == "invalid_ticket"


def test_an_expired_or_made_up_ticket_is_refused_before_the_stream(server, client, app, alice):
    ticket = client.post("/api/stream/tickets", headers=alice.headers).get_json()["ticket"]
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            StreamTicket.update(expires_us=now_us() - 1).execute()
        finally:
            db.database.close()
    for made_up in (ticket, "pstk_" + uuid.uuid4().hex, "x"):
        refused = server.stream(query=f"ticket={made_up}")
        assert refused.status == 401
        assert refused.body["error"]["code"] == "invalid_ticket"
        assert refused.headers["Content-Type"] == "application/json"


def test_streams_a_viewer_may_not_open_are_json_errors(server, alice):
    bad_token = server.stream(headers={"Authorization": "Bearer pst_nonsense"})
    assert bad_token.status == 401 and bad_token.body["error"]["code"] == "invalid_token"
    for query, field in (("site=blog.example.org&post_id=x", "post_id"),
                         ("post_id=42", "post_id"), ("site=blog.example.org", "site"),
                         ("tag=x", "tag"), ("url=nonsense", "url")):
        refused = server.stream(alice, query=query)
        assert refused.status == 400, query
        assert refused.body["error"]["code"] == "validation_error", query
        assert refused.body["error"]["field"] == field, query


def test_a_process_full_of_streams_refuses_one_more_with_retry_after(server, alice,
                                                                    monkeypatch):
    first = server.stream(alice)
    assert first.status == 200
    # Full at one stream, which `first` holds: a limit of the count open right now would let one
    # in as soon as a stream an earlier test left behind noticed its client gone and closed.
    monkeypatch.setattr(live.hub, "limit", 1)
    refused = server.stream(alice)
    assert refused.status == 503
    assert refused.body["error"]["code"] == "too_many_streams"
    assert int(refused.headers["Retry-After"]) > 0


def test_a_signed_out_token_ends_its_stream(server, client, alice):
    stream = server.stream(alice)
    assert client.delete("/api/tokens/current", headers=alice.headers).status_code == 204
    with pytest.raises(Exception) as ended:
        while True:
            stream.next(timeout=15)
    assert ended.type.__name__ == "StreamClosed"


def test_a_session_that_expires_while_its_stream_is_open_ends_it(server, app, write, alice):
    """A token's absolute lifetime holds for a stream opened before it ran out: the next
    keepalive finds it expired and the stream ends, as any request of it would be refused."""
    stream = server.stream(alice, query="")
    before = write.marker(alice)
    assert stream.next()["data"]["id"] == before
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        # Made a year and a day ago: past the default 365 days, like a session that ran out.
        Token.update(created_us=now_us() - 366 * accounts.DAY_US).where(
            Token.user == User.get(User.name == "alice").id).execute()
        db.database.close()
    # Keepalives come every second: were the expiry missed, the stream would go on forever,
    # so it is cut from this side after 20 s, which the test then tells from the server's end.
    cut = threading.Event()
    timer = threading.Timer(20, lambda: (cut.set(), stream.close()))
    timer.start()
    try:
        with pytest.raises((StreamClosed, OSError)):
            while True:
                stream.next(timeout=15)
    finally:
        timer.cancel()
        stream.close()
    assert not cut.is_set(), "the stream went on after its session expired"
    assert write.client_status(alice) == 401  # the API says the same of that token


@pytest.mark.parametrize("ending", ["signed out", "ended elsewhere", "new password",
                                    "disabled", "ticket's session signed out"])
def test_an_ended_session_s_stream_sends_nothing_more_not_even_before_a_keepalive(
        server, client, app, write, alice, bob, ending):
    # No keepalive comes within the test: only the session's end may close the stream.
    app.config["STREAM_HEARTBEAT_SECONDS"] = 600
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        user = User.get(User.name == "bob")
        elsewhere = {"Authorization": f"Bearer {Token.issue(user, 'other')}"}
        db.database.close()
    if ending == "ticket's session signed out":
        ticket = client.post("/api/stream/tickets", headers=bob.headers).get_json()["ticket"]
        stream = Stream(server.port, f"/api/stream?ticket={ticket}")
    else:
        stream = server.stream(bob, query="")
    before = write.marker(alice)
    assert stream.next()["data"]["id"] == before
    if ending in ("signed out", "ticket's session signed out"):
        res = client.delete("/api/tokens/current", headers=bob.headers)
    elif ending == "ended elsewhere":
        res = client.delete("/api/tokens", headers=elsewhere)
    elif ending == "new password":
        res = client.put("/api/me/password", headers=elsewhere, json={
            "current_password": "correct horse", "new_password": "another fine horse"})
    else:
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            accounts.set_disabled(user, True)
            db.database.close()
        res = None
    assert res is None or res.status_code == 204
    write.marker(alice)
    try:
        with pytest.raises(StreamClosed):
            stream.next(timeout=15)
    finally:
        stream.close()
    # The session that stays goes on hearing (not for a disabled account: it has none).
    if ending in ("ended elsewhere", "new password"):
        still = server.stream(None, query="", headers=elsewhere)
        after = write.marker(alice)
        assert still.next()["data"]["id"] == after


def test_the_before_columns_answer_the_visibility_rule_as_the_annotation_does(
        app, write, alice, bob):
    """`changes.read` asks `Annotation.visible_to` of a log row's copy of an annotation's
    columns (`changes.BEFORE`); for every annotation and viewer it must answer as the
    annotation itself does. A column the rule comes to read must be copied too: this fails
    until it is."""
    from postil.models import Annotation, ChangeLog

    shared_id = str(uuid.uuid4())
    write.create(bob, visibility="private", id=shared_id)
    write.create(alice, visibility="public", id=shared_id)  # bob's own shadows it for him
    for reader in (alice, bob):
        for visibility in ("private", "public"):
            write.create(reader, visibility=visibility)
    gid = write.group(alice, bob)
    write.create(alice, visibility="group", group=gid)
    write.hide(alice, write.create(bob, visibility="group", group=gid)["id"])
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            viewers = [None, User.get(User.name == "alice"), User.get(User.name == "bob")]
            rows = list(Annotation.select())
            for a in rows:
                values = {ChangeLog._meta.columns[c].name: getattr(a, c)
                          for c in changes.BEFORE}
                ChangeLog.insert(kind="test", annotation=a.pk, uid=a.uid, at_us=0,
                                 **values).execute()
            for viewer in viewers:
                now = {a.pk for a in Annotation.select().where(Annotation.visible_to(viewer))}
                before = {c.annotation for c in ChangeLog.select().where(
                    (ChangeLog.kind == "test")
                    & Annotation.visible_to(viewer, alias=changes.AS_BEFORE))}
                assert before == now, viewer
                assert 0 < len(now) < len(rows)
        finally:
            db.database.close()


def test_a_group_annotation_reaches_its_members_only_and_leaves_with_them(
        server, write, client, make_user, alice, bob, anon):
    carol = make_user("carol")
    gid = write.group(alice, bob)
    bobs, carols, anons = server.stream(bob), server.stream(carol), server.stream(anon)
    everything = server.stream(bob, query="")
    made = write.create(alice, visibility="group", group=gid, note="for the group")
    for stream in (bobs, everything):
        event = stream.next()
        assert event["event"] == "annotation" and event["data"]["group"] == gid
    marker = write.marker(alice)
    for stream in (carols, anons):
        assert [e["data"]["id"] for e in stream.events_until(marker)] == [marker]
    assert bobs.next()["data"]["id"] == marker
    # Hidden by the group's owner: gone for a member who does not moderate, nothing to others.
    write.hide(alice, made["id"])
    assert bobs.next() == {"id": bobs.last_id, "event": "removed", "data": {"id": made["id"]}}
    marker = write.marker(alice)
    for stream in (carols, anons):
        assert [e["data"]["id"] for e in stream.events_until(marker)] == [marker]
    # Leaving the group changes what bob may see: his streams are told to reload.
    assert client.delete(f"/api/groups/{gid}/members/bob",
                         headers=bob.headers).status_code == 204
    for stream in (bobs, everything):
        event = stream.next()
        while event["event"] != "reset":
            event = stream.next()
        assert event["data"] == {"reason": "access_changed"}


def test_open_streams_are_counted_in_metrics(server, client, alice):
    def counted() -> tuple[float, int]:
        text = client.get("/metrics").get_data(as_text=True)
        line = next(x for x in text.splitlines() if x.startswith("postil_open_streams "))
        return float(line.split()[1]), live.hub.open

    def settles(check) -> bool:
        # Streams of earlier tests may still be closing: look until gauge and hub agree.
        for _ in range(100):
            gauge, held = counted()
            if gauge == held and check(held):
                return True
            time.sleep(0.05)
        return False

    stream = server.stream(alice)
    assert stream.status == 200
    assert settles(lambda held: held >= 1)
    before = live.hub.open
    stream.close()
    assert settles(lambda held: held < before)
