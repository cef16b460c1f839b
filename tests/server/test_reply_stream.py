"""Replies on live-update streams: a reply reaches who may see its thread, and a thread made
private is removed, replies and all, for those who saw it."""

from __future__ import annotations

from test_stream import server, write  # noqa: F401 - the live server and writer fixtures


def test_a_reply_reaches_the_thread_s_readers_and_leaves_with_the_thread(server, write,  # noqa: F811
                                                                         client, alice, bob,
                                                                         make_user):
    carol = make_user("carol")
    top = write.create(alice, visibility="public", note="a passage worth a talk")
    bobs, alices = server.stream(bob), server.stream(alice)
    res = client.post("/api/annotations", json={"reply_to": top["id"], "note": "carol answers"},
                      headers=carol.headers)
    assert res.status_code == 201
    answer = res.get_json()
    for stream in (bobs, alices):
        event = stream.next()
        assert event["event"] == "annotation"
        assert (event["data"]["id"], event["data"]["reply_to"]) == (answer["id"], top["id"])
    # A thread of alice's own notes goes private with its first annotation.
    mine = write.create(alice, visibility="public", note="a first thought")
    res = client.post("/api/annotations", json={"reply_to": mine["id"], "note": "a second"},
                      headers=alice.headers)
    assert res.status_code == 201
    second = res.get_json()
    for stream in (bobs, alices):
        assert [stream.next()["data"]["id"] for _ in range(2)] == [mine["id"], second["id"]]
    write.patch(alice, mine["id"], visibility="private")
    # Bob could see both; now neither: both removed (in one read, in any order).
    removed = {bobs.next()["data"]["id"], bobs.next()["data"]["id"]}
    assert removed == {mine["id"], second["id"]}
    # Alice keeps both, now private.
    heard = {e["data"]["id"]: (e["event"], e["data"]["visibility"])
             for e in (alices.next(), alices.next())}
    assert heard == {mine["id"]: ("annotation", "private"),
                     second["id"]: ("annotation", "private")}


def test_hiding_a_thread_removes_every_reply_for_members_and_showing_brings_them_back(
        server, write, client, alice, bob, make_user):  # noqa: F811
    carol = make_user("carol")
    gid = write.group(alice, bob, carol)
    top = write.create(alice, visibility="group", group=gid, note="for the group")
    answers = []
    for to in (top["id"], None):
        res = client.post("/api/annotations", headers=carol.headers,
                          json={"reply_to": to or answers[-1], "note": "carol answers"})
        assert res.status_code == 201
        answers.append(res.get_json()["id"])
    bobs = server.stream(bob)
    write.hide(alice, top["id"])
    marker = write.marker(alice)
    heard = {(e["event"], e["data"]["id"]) for e in bobs.events_until(marker)}
    assert heard == {("removed", top["id"]), ("removed", answers[0]), ("removed", answers[1]),
                     ("annotation", marker)}
    assert client.delete(f"/api/annotations/{top['id']}/hidden",
                         headers=alice.headers).status_code == 200
    marker = write.marker(alice)
    heard = {(e["event"], e["data"]["id"]) for e in bobs.events_until(marker)}
    assert heard == {("annotation", top["id"]), ("annotation", answers[0]),
                     ("annotation", answers[1]), ("annotation", marker)}


def test_an_event_counts_the_replies_below_it_that_its_reader_may_see(
        server, write, client, alice, bob, make_user):  # noqa: F811
    """A page note has no passage for its tombstone to keep: the count the event carries (as
    GET's answer does) is what tells a reader's open page it still heads a thread; a reply
    hidden from the group is counted for those who may see it, and for nobody else."""
    carol = make_user("carol")
    gid = write.group(alice, bob, carol)
    page_note = write.create(alice, visibility="group", group=gid, selectors=[],
                             note="on the whole page")
    answers = []
    for who, text in ((carol, "carol answers"), (bob, "bob answers")):
        res = client.post("/api/annotations", headers=who.headers,
                          json={"reply_to": page_note["id"], "note": text})
        assert res.status_code == 201
        answers.append(res.get_json()["id"])
    write.hide(alice, answers[0])  # carol's: alice (the owner) and carol still see it
    streams = {"alice": server.stream(alice), "bob": server.stream(bob),
               "carol": server.stream(carol)}
    write.patch(alice, page_note["id"], note="on the whole page, again")
    write.delete(alice, page_note["id"])
    marker = write.marker(alice)
    seen = {}
    for name, stream in streams.items():
        events = [e for e in stream.events_until(marker) if e["data"]["id"] == page_note["id"]]
        # The edit and the delete, read together or not: the last says the tombstone.
        assert events and events[-1]["event"] == "annotation"
        assert events[-1]["data"]["deleted"] is True
        seen[name] = events[-1]["data"]["reply_count"]
    assert seen == {"alice": 2, "bob": 1, "carol": 2}
    # As the thread's own read answers each of them.
    for name, reader in (("alice", alice), ("bob", bob), ("carol", carol)):
        res = client.get(f"/api/annotations/{page_note['id']}/replies", headers=reader.headers)
        assert len(res.get_json()["items"]) == seen[name], name


def test_a_page_notes_tombstone_is_sent_again_when_its_last_reply_goes(  # noqa: F811
        server, write, client, alice, bob):  # noqa: F811
    """A passage's tombstone loses its passage with its last reply; a page note's has none to
    lose, yet an open page must hear that it heads nothing now: an event with a count of 0."""
    page_note = write.create(alice, visibility="public", selectors=[], note="on the whole page")
    res = client.post("/api/annotations", headers=bob.headers,
                      json={"reply_to": page_note["id"], "note": "bob answers"})
    assert res.status_code == 201
    answer = res.get_json()
    write.delete(alice, page_note["id"])
    following = server.stream(alice)
    write.delete(bob, answer["id"])
    marker = write.marker(alice)
    heard = {e["data"]["id"]: e["data"] for e in following.events_until(marker)}
    assert heard[answer["id"]]["deleted"] is True
    head = heard[page_note["id"]]
    assert (head["deleted"], head["reply_count"]) == (True, 0)
    assert head["version"] == page_note["version"] + 2
    q = {"site": "blog.example.org", "post_id": "42", "replies": "include"}
    listed = client.get("/api/annotations", query_string=q, headers=alice.headers)
    assert page_note["id"] not in [a["id"] for a in listed.get_json()["items"]]
