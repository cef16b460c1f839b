"""Reading groups over the API: making and managing them, invites, roles, leaving, hiding.

A group you are not in does not exist for you (404, as for a made-up id); an invite token is the
one way in. Leaving takes the group's annotations out of sight on the next request; deleting a
group gives every annotation in it back to its author as a private one.
"""

from __future__ import annotations

import copy

import pytest

from conftest import annotation_body
from postil import models


@pytest.fixture
def carol(make_user):
    return make_user("carol")


def make_group(client, reader, name="Close readers", **more) -> str:
    res = client.post("/api/groups", json={"name": name, **more}, headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def invite(client, reader, gid, **limits) -> str:
    res = client.post(f"/api/groups/{gid}/invites", json=limits, headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()["token"]


def join(client, reader, token) -> int:
    return client.post(f"/api/invites/{token}/accept", headers=reader.headers).status_code


@pytest.fixture
def group(client, alice, bob):
    """alice's group, with bob as a member."""
    gid = make_group(client, alice)
    assert join(client, bob, invite(client, alice, gid)) == 200
    return gid


def members(client, reader, gid) -> dict[str, str]:
    res = client.get(f"/api/groups/{gid}/members", headers=reader.headers)
    assert res.status_code == 200
    return {m["user"]: m["role"] for m in res.get_json()["items"]}


def test_a_new_group_has_its_maker_as_owner_and_is_listed_to_them_alone(client, alice, bob):
    gid = make_group(client, alice, description="We read slowly.")
    mine = client.get("/api/groups", headers=alice.headers).get_json()["items"]
    assert [(g["id"], g["name"], g["description"], g["role"], g["member_count"])
            for g in mine] == [(gid, "Close readers", "We read slowly.", "owner", 1)]
    assert client.get("/api/groups", headers=bob.headers).get_json() == {"items": []}
    assert members(client, alice, gid) == {"alice": "owner"}


def test_a_group_you_are_not_in_answers_exactly_as_one_that_does_not_exist(client, alice, bob,
                                                                           anon):
    gid = make_group(client, alice)
    for path, method, body in [
            ("/api/groups/{}", "get", None), ("/api/groups/{}", "patch", {"name": "x"}),
            ("/api/groups/{}", "delete", None), ("/api/groups/{}/members", "get", None),
            ("/api/groups/{}/members/alice", "delete", None),
            ("/api/groups/{}/members/alice", "patch", {"role": "member"}),
            ("/api/groups/{}/invites", "post", {}), ("/api/groups/{}/invites", "get", None)]:
        real = getattr(client, method)(path.format(gid), json=body, headers=bob.headers)
        made_up = getattr(client, method)(path.format("nosuchgroup0"), json=body,
                                          headers=bob.headers)
        assert real.status_code == made_up.status_code == 404, path
        assert real.get_json() == made_up.get_json()
        assert getattr(client, method)(path.format(gid), json=body,
                                       headers=anon.headers).status_code == 401
    assert members(client, alice, gid) == {"alice": "owner"}


def test_group_annotations_need_a_group_of_ones_own(client, alice, bob, group, carol):
    # Not a member: the same 400 as for a group that does not exist, and nothing stored.
    outsider = client.post("/api/annotations", json=annotation_body(visibility="group",
                                                                    group=group),
                           headers=carol.headers)
    made_up = client.post("/api/annotations", json=annotation_body(visibility="group",
                                                                   group="nosuchgroup0"),
                          headers=carol.headers)
    assert outsider.status_code == made_up.status_code == 400
    assert outsider.get_json() == made_up.get_json()
    assert outsider.get_json()["error"]["field"] == "group"
    no_group = client.post("/api/annotations", json=annotation_body(visibility="group"),
                           headers=bob.headers)
    assert no_group.status_code == 400 and no_group.get_json()["error"]["field"] == "group"
    mixed = client.post("/api/annotations", json=annotation_body(visibility="public",
                                                                 group=group),
                        headers=bob.headers)
    assert mixed.status_code == 400
    assert client.get("/api/annotations", headers=carol.headers).get_json()["total"] == 0
    made = client.post("/api/annotations", json=annotation_body(visibility="group", group=group),
                       headers=bob.headers)
    assert made.status_code == 201
    assert (made.get_json()["group"], made.get_json()["group_name"]) == (group, "Close readers")


def test_leaving_takes_the_groups_annotations_out_of_sight_at_once(client, alice, bob, group,
                                                                   create):
    made = create(alice, visibility="group", group=group)
    own = create(bob, visibility="group", group=group, note="bob's in the group")
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 200
    assert client.delete(f"/api/groups/{group}/members/bob",
                         headers=bob.headers).status_code == 204
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 404
    seen = client.get("/api/annotations", headers=bob.headers).get_json()
    # Their own stays theirs (and in the group, for those still in it).
    assert [a["id"] for a in seen["items"]] == [own["id"]] and seen["total"] == 1
    assert client.get(f"/api/annotations/{own['id']}",
                      headers=alice.headers).get_json()["group"] == group
    assert client.get(f"/api/groups/{group}", headers=bob.headers).status_code == 404


def test_an_author_who_left_sees_their_annotation_and_nothing_more_of_the_group(
        client, alice, bob, group, create):
    own = create(bob, visibility="group", group=group, note="bob's in the group")
    assert client.get(f"/api/annotations/{own['id']}",
                      headers=bob.headers).get_json()["group_name"] == "Close readers"
    assert client.delete(f"/api/groups/{group}/members/bob",
                         headers=bob.headers).status_code == 204
    # The group renames itself and hides bob's annotation after he left: he learns neither.
    assert client.patch(f"/api/groups/{group}", json={"name": "Secret circle"},
                        headers=alice.headers).status_code == 200
    assert client.put(f"/api/annotations/{own['id']}/hidden",
                      headers=alice.headers).status_code == 200
    answers = [client.get(f"/api/annotations/{own['id']}", headers=bob.headers).get_json(),
               client.get("/api/annotations", headers=bob.headers).get_json()["items"][0],
               client.get("/api/export?format=json",
                          headers=bob.headers).get_json()["annotations"][0]]
    for seen in answers:
        assert (seen["id"], seen["group"], seen["group_name"], seen["hidden"]) == (
            own["id"], group, None, False)
    csv = client.get("/api/export?format=csv", headers=bob.headers).get_data(as_text=True)
    assert "Secret circle" not in csv and "Close readers" not in csv
    # Members still see it all.
    theirs = client.get(f"/api/annotations/{own['id']}", headers=alice.headers).get_json()
    assert (theirs["group_name"], theirs["hidden"]) == ("Secret circle", True)


def test_a_removed_member_loses_access_and_moderators_remove_only_members(client, alice, bob,
                                                                         carol, group, create):
    assert join(client, carol, invite(client, alice, group)) == 200
    made = create(alice, visibility="group", group=group)
    res = client.patch(f"/api/groups/{group}/members/bob", json={"role": "moderator"},
                       headers=alice.headers)
    assert res.status_code == 200 and res.get_json()["role"] == "moderator"
    assert client.delete(f"/api/groups/{group}/members/alice",
                         headers=bob.headers).status_code == 403
    assert client.delete(f"/api/groups/{group}/members/carol",
                         headers=bob.headers).status_code == 204
    assert client.get(f"/api/annotations/{made['id']}", headers=carol.headers).status_code == 404
    assert members(client, alice, group) == {"alice": "owner", "bob": "moderator"}


def test_only_the_owner_changes_roles_and_a_group_always_keeps_an_owner(client, alice, bob,
                                                                        group):
    assert client.patch(f"/api/groups/{group}/members/alice", json={"role": "member"},
                        headers=bob.headers).status_code == 403
    last = client.patch(f"/api/groups/{group}/members/alice", json={"role": "member"},
                        headers=alice.headers)
    assert last.status_code == 409
    assert client.delete(f"/api/groups/{group}/members/alice",
                         headers=alice.headers).status_code == 409
    bad = client.patch(f"/api/groups/{group}/members/bob", json={"role": "king"},
                       headers=alice.headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "role"
    assert client.patch(f"/api/groups/{group}/members/bob", json={"role": "owner"},
                        headers=alice.headers).status_code == 200
    assert client.delete(f"/api/groups/{group}/members/alice",
                         headers=alice.headers).status_code == 204
    assert members(client, bob, group) == {"bob": "owner"}


def test_only_the_owner_renames_a_group(client, alice, bob, group):
    assert client.patch(f"/api/groups/{group}", json={"name": "Mine now"},
                        headers=bob.headers).status_code == 403
    res = client.patch(f"/api/groups/{group}", json={"name": "  Slow readers ",
                                                     "description": "Weekly."},
                       headers=alice.headers)
    assert res.status_code == 200
    got = client.get(f"/api/groups/{group}", headers=bob.headers).get_json()
    assert (got["name"], got["description"], got["role"], got["member_count"]) == (
        "Slow readers", "Weekly.", "member", 2)


@pytest.mark.parametrize("body, field", [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "a\nb"}, "name"),
    ({"name": "x" * 101}, "name"), ({"name": "ok", "colour": "red"}, "colour"),
    ({"name": 7}, "name"), ({"name": "ok", "description": "d" * 2001}, "description")])
def test_a_bad_group_body_is_refused_and_makes_nothing(client, alice, body, field):
    res = client.post("/api/groups", json=body, headers=alice.headers)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == field
    assert client.get("/api/groups", headers=alice.headers).get_json() == {"items": []}


def test_deleting_a_group_gives_every_annotation_back_to_its_author(client, alice, bob, group,
                                                                    create):
    theirs = create(bob, visibility="group", group=group, note="bob's")
    mine = create(alice, visibility="group", group=group, note="alice's")
    assert client.delete(f"/api/groups/{group}", headers=bob.headers).status_code == 403
    assert client.delete(f"/api/groups/{group}", headers=alice.headers).status_code == 204
    for reader, made, other in ((bob, theirs, mine), (alice, mine, theirs)):
        got = client.get(f"/api/annotations/{made['id']}", headers=reader.headers).get_json()
        assert (got["visibility"], got["group"], got["note"]) == ("private", None, made["note"])
        assert got["version"] == made["version"] + 1  # a syncing client hears of it
        assert client.get(f"/api/annotations/{other['id']}",
                          headers=reader.headers).status_code == 404
    assert client.get(f"/api/groups/{group}", headers=alice.headers).status_code == 404


def test_an_invite_works_until_its_use_limit(client, alice, bob, carol, make_user):
    gid = make_group(client, alice)
    token = invite(client, alice, gid, max_uses=2)
    assert join(client, bob, token) == 200
    assert join(client, bob, token) == 200  # already in: joins nothing, uses nothing
    assert join(client, carol, token) == 200
    dave = make_user("dave")
    preview = client.get(f"/api/invites/{token}", headers=dave.headers)
    assert preview.status_code == 410
    assert join(client, dave, token) == 410
    assert set(members(client, alice, gid)) == {"alice", "bob", "carol"}
    listed = client.get(f"/api/groups/{gid}/invites", headers=alice.headers).get_json()["items"]
    assert [(i["uses"], i["max_uses"], i["status"]) for i in listed] == [(2, 2, "used up")]
    assert "token" not in listed[0]


def test_an_invite_stops_working_when_it_expires(client, alice, bob, monkeypatch):
    gid = make_group(client, alice)
    token = invite(client, alice, gid, expires_in=3600)
    preview = client.get(f"/api/invites/{token}", headers=bob.headers)
    assert preview.status_code == 200
    assert (preview.get_json()["name"], preview.get_json()["member"]) == ("Close readers", False)
    later = models.now_us() + 3601 * 1_000_000
    monkeypatch.setattr(models, "now_us", lambda: later)
    assert client.get(f"/api/invites/{token}", headers=bob.headers).status_code == 410
    assert join(client, bob, token) == 410
    assert client.get(f"/api/groups/{gid}", headers=bob.headers).status_code == 404


def test_a_revoked_invite_stops_working_and_members_cannot_invite(client, alice, bob, carol,
                                                                  group):
    token = invite(client, alice, group)
    invite_id = client.get(f"/api/groups/{group}/invites",
                           headers=alice.headers).get_json()["items"][0]["id"]
    assert client.post(f"/api/groups/{group}/invites", json={},
                       headers=bob.headers).status_code == 403
    assert client.delete(f"/api/groups/{group}/invites/{invite_id}",
                         headers=bob.headers).status_code == 403
    assert client.delete(f"/api/groups/{group}/invites/{invite_id}",
                         headers=alice.headers).status_code == 204
    assert join(client, carol, token) == 410
    assert client.get("/api/invites/pgi_madeup", headers=carol.headers).status_code == 404
    assert join(client, carol, "pgi_madeup") == 404


@pytest.mark.parametrize("way", ["removed", "left", "demoted"])
def test_a_moderator_who_goes_or_is_demoted_cannot_come_back_through_their_own_invite(
        client, alice, bob, group, way):
    assert client.patch(f"/api/groups/{group}/members/bob", json={"role": "moderator"},
                        headers=alice.headers).status_code == 200
    token = invite(client, bob, group)
    kept = invite(client, alice, group)
    if way == "demoted":
        res = client.patch(f"/api/groups/{group}/members/bob", json={"role": "member"},
                           headers=alice.headers)
        assert res.status_code == 200
    else:
        who = alice if way == "removed" else bob
        assert client.delete(f"/api/groups/{group}/members/bob",
                             headers=who.headers).status_code == 204
    listed = client.get(f"/api/groups/{group}/invites", headers=alice.headers).get_json()
    assert [(i["created_by"], i["status"]) for i in listed["items"]] == [
        ("alice", "active"), ("bob", "revoked"), ("alice", "active")]
    if way != "demoted":
        assert join(client, bob, token) == 410
        assert "bob" not in members(client, alice, group)
    assert join(client, bob, kept) == 200


@pytest.mark.parametrize("body, field", [
    ({"max_uses": 0}, "max_uses"), ({"max_uses": "3"}, "max_uses"),
    ({"expires_in": 5}, "expires_in"), ({"expires_in": 10**12}, "expires_in"),
    ({"uses": 1}, "uses")])
def test_a_bad_invite_body_is_refused(client, alice, body, field):
    gid = make_group(client, alice)
    res = client.post(f"/api/groups/{gid}/invites", json=body, headers=alice.headers)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == field
    assert client.get(f"/api/groups/{gid}/invites", headers=alice.headers).get_json() == {
        "items": []}


def test_moderators_hide_an_annotation_from_members_but_not_from_its_author(
        client, alice, bob, carol, group, create):
    assert join(client, carol, invite(client, alice, group)) == 200
    made = create(bob, visibility="group", group=group, note="off topic")
    assert client.put(f"/api/annotations/{made['id']}/hidden",
                      headers=carol.headers).status_code == 403
    hid = client.put(f"/api/annotations/{made['id']}/hidden", headers=alice.headers)
    assert hid.status_code == 200 and hid.get_json()["hidden"] is True
    assert client.get(f"/api/annotations/{made['id']}", headers=carol.headers).status_code == 404
    assert client.get("/api/annotations", headers=carol.headers).get_json()["total"] == 0
    mine = client.get(f"/api/annotations/{made['id']}", headers=bob.headers).get_json()
    assert mine["hidden"] is True and mine["note"] == "off topic"
    assert client.delete(f"/api/annotations/{made['id']}/hidden",
                         headers=alice.headers).status_code == 200
    assert client.get(f"/api/annotations/{made['id']}", headers=carol.headers).status_code == 200


def test_only_a_groups_annotation_can_be_hidden(client, alice, bob, group, create):
    public = create(bob, visibility="public")
    assert client.put(f"/api/annotations/{public['id']}/hidden",
                      headers=alice.headers).status_code == 403
    private = create(bob, visibility="private")
    assert client.put(f"/api/annotations/{private['id']}/hidden",
                      headers=alice.headers).status_code == 404


def test_an_annotation_moves_between_private_a_group_and_public(client, alice, bob, carol,
                                                                group, create):
    made = create(alice)
    res = client.patch(f"/api/annotations/{made['id']}", json={"visibility": "group",
                                                              "group": group},
                       headers=alice.headers)
    assert res.status_code == 200 and res.get_json()["group"] == group
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 200
    # Sent back as it came, with only the note changed: stays in its group.
    kept = client.patch(f"/api/annotations/{made['id']}",
                        json=res.get_json() | {"note": "again"}, headers=alice.headers)
    assert kept.status_code == 200 and kept.get_json()["group"] == group
    public = client.patch(f"/api/annotations/{made['id']}", json={"visibility": "public"},
                          headers=alice.headers).get_json()
    assert (public["visibility"], public["group"]) == ("public", None)
    assert client.get(f"/api/annotations/{made['id']}", headers=carol.headers).status_code == 200
    other = make_group(client, carol, "Carol's")
    refused = client.patch(f"/api/annotations/{made['id']}", json={"group": other},
                           headers=alice.headers)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "group"


def test_an_id_in_a_group_is_taken_for_its_members_and_free_for_everyone_else(
        client, alice, bob, carol, make_user, anon, group, create):
    made = create(alice, visibility="group", group=group)
    # A member sees it, so hearing the id is taken tells them nothing new.
    taken = client.post("/api/annotations", json=annotation_body(id=made["id"]),
                        headers=bob.headers)
    assert taken.status_code == 409
    # Outside the group it does not exist: the id is answered as a free one, public too.
    dave = make_user("dave")
    for reader, visibility in ((carol, "private"), (dave, "public")):
        res = client.post("/api/annotations", json=annotation_body(
            id=made["id"], visibility=visibility, note=f"{reader.name}'s"),
            headers=reader.headers)
        assert res.status_code == 201, visibility
    # Each reader sees each id once: their own first, else the oldest they may see.
    for reader, note in ((alice, made["note"]), (bob, made["note"]), (carol, "carol's"),
                         (dave, "dave's"), (anon, "dave's")):
        assert client.get(f"/api/annotations/{made['id']}",
                          headers=reader.headers).get_json()["note"] == note, reader.name
        page = client.get("/api/annotations", headers=reader.headers).get_json()
        assert [a["note"] for a in page["items"]] == [note] and page["total"] == 1, reader.name


def hypothesis_entry(n: int, group: str, read: list[str], **more) -> dict:
    return {"id": f"hyp{n}", "uri": f"https://blog.example.org/?p={40 + n}", "text": f"note {n}",
            "tags": [], "group": group, "permissions": {"read": read},
            "target": [{"selector": [{"type": "TextQuoteSelector", "exact": f"quote {n}"}]}],
            **more}


def test_a_hypothesis_import_puts_group_annotations_in_a_group_of_that_name(client, alice, bob,
                                                                            group):
    doc = {"annotations": [
        # alice is in "Close readers" already: it goes there.
        hypothesis_entry(1, "k1Ab2", ["group:k1Ab2"], group_name="close readers"),
        # A group she is in under no such name: made, with her as its owner.
        hypothesis_entry(2, "Zz9yX", ["group:Zz9yX"], group_name="Seminar"),
        hypothesis_entry(3, "Zz9yX", ["group:Zz9yX"], group_name="Seminar"),
        # No name in the file: named after the Hypothesis group's id.
        hypothesis_entry(4, "Qq7", ["group:Qq7"]),
        hypothesis_entry(5, "__world__", ["group:__world__"]),
        hypothesis_entry(6, "Zz9yX", ["acct:alice@hypothes.is"]),
    ]}
    for attempt in range(2):  # sent again: the same groups, nothing new
        res = client.post("/api/import", json=doc, headers=alice.headers)
        assert res.status_code == 200, res.get_json()
        assert (res.get_json()["created"], res.get_json()["failed"]) == (
            (6, []) if attempt == 0 else (0, []))
    mine = client.get("/api/groups", headers=alice.headers).get_json()["items"]
    assert sorted((g["name"], g["role"]) for g in mine) == [
        ("Close readers", "owner"), ("Hypothesis Qq7", "owner"), ("Seminar", "owner")]
    got = {a["note"]: (a["visibility"], a["group_name"]) for a in client.get(
        "/api/annotations", headers=alice.headers).get_json()["items"]}
    assert got == {"note 1": ("group", "Close readers"), "note 2": ("group", "Seminar"),
                   "note 3": ("group", "Seminar"), "note 4": ("group", "Hypothesis Qq7"),
                   "note 5": ("public", None), "note 6": ("private", None)}
    # bob, in Close readers alone, sees that group's one and the public one.
    seen = {a["note"] for a in client.get("/api/annotations",
                                          headers=bob.headers).get_json()["items"]}
    assert seen == {"note 1", "note 5"}


def test_a_postil_export_imported_elsewhere_keeps_its_group_by_name(client, alice, bob, group,
                                                                    create):
    made = create(alice, visibility="group", group=group, note="for the group")
    exported = client.get("/api/export?format=json", headers=alice.headers).get_json()
    entry = exported["annotations"][0]
    assert (entry["group"], entry["group_name"]) == (group, "Close readers")
    # bob imports alice's file: he is in the group, so it goes there, as his own copy.
    entry["id"] = "0f0e0d0c-0b0a-4908-8706-050403020100"
    assert client.post("/api/import", json=exported, headers=bob.headers).get_json()[
        "created"] == 1
    assert client.get(f"/api/annotations/{entry['id']}",
                      headers=bob.headers).get_json()["group"] == group
    # Imported again after leaving: unchanged, and no group made for it.
    client.delete(f"/api/groups/{group}/members/bob", headers=bob.headers)
    again = client.post("/api/import", json=exported, headers=bob.headers).get_json()
    assert (again["created"], again["unchanged"], again["failed"]) == (0, 1, [])
    assert client.get("/api/groups", headers=bob.headers).get_json() == {"items": []}
    # A new id from a group he is not in: into a group of that name, his own.
    entry["id"] = "1f0e0d0c-0b0a-4908-8706-050403020100"
    fresh = client.post("/api/import", json=exported, headers=bob.headers).get_json()
    assert fresh["created"] == 1
    mine = client.get("/api/groups", headers=bob.headers).get_json()["items"]
    assert [(g["name"], g["role"]) for g in mine] == [("Close readers", "owner")]
    assert mine[0]["id"] != group
    assert made["id"] != entry["id"]


def test_a_post_only_a_group_annotation_named_tells_nothing_outside_the_group(
        client, alice, bob, carol, group, create):
    from test_post_fields_privacy import FIXTURE, WP_KEY, answer
    from test_posts import SUBSITE

    made = create(alice, visibility="group", group=group,
                  post=WP_KEY | {"modified_gmt": "2026-09-09T09:09:09",
                                 "url": f"https://{SUBSITE}/a-draft-preview/?token=x",
                                 "title": "Draft title"})
    post_pk = made["post"]["id"]
    # A member knows of the post, but not the author's private address, title or page times.
    seen = client.get(f"/api/posts/{post_pk}", headers=bob.headers).get_json()
    assert seen["annotation_count"] == 1
    assert "token=x" not in seen["url"] and seen["title"] == ""
    assert (seen["created"], seen["updated"], seen["modified_gmt"]) == (None, None, None)
    # Outside the group it does not exist, and registering it answers as for a new post.
    assert client.get(f"/api/posts/{post_pk}", headers=carol.headers).status_code == 404
    assert client.get("/api/posts", headers=carol.headers).get_json()["total"] == 0
    fresh = copy.deepcopy(FIXTURE) | {"id": 1335, "_links": {"self": [{
        "href": f"https://{SUBSITE}/wp-json/wp/v2/posts/1335"}]}}
    registered = client.put("/api/posts", json=FIXTURE, headers=carol.headers)
    new = client.put("/api/posts", json=fresh, headers=carol.headers)
    assert registered.status_code == new.status_code == 201
    assert answer(registered) == answer(new)
    # A member who registers it knows it already: an update.
    assert client.put("/api/posts", json=FIXTURE, headers=bob.headers).status_code == 200


def test_an_owner_who_deletes_their_account_leaves_the_group_to_another(client, alice, bob,
                                                                        carol, group, create):
    assert join(client, carol, invite(client, alice, group)) == 200
    client.patch(f"/api/groups/{group}/members/carol", json={"role": "moderator"},
                 headers=alice.headers)
    theirs = create(bob, visibility="group", group=group, note="bob stays")
    mine = create(alice, visibility="group", group=group, note="alice goes")
    alone = make_group(client, alice, "Alice alone")
    gone = client.delete("/api/me", json={"password": "correct horse",
                                         "public_annotations": "delete"},
                         headers=alice.headers)
    assert gone.status_code == 204
    # The moderator is the owner now; bob's annotation is where it was; alice's went with her.
    assert members(client, bob, group) == {"carol": "owner", "bob": "member"}
    assert client.get(f"/api/annotations/{theirs['id']}", headers=carol.headers).status_code == 200
    assert client.get(f"/api/annotations/{mine['id']}", headers=bob.headers).status_code == 404
    assert client.get(f"/api/groups/{alone}", headers=bob.headers).status_code == 404


def test_the_w3c_protocol_writes_and_reads_a_group_annotation(client, alice, bob, carol, group):
    from test_w3c_protocol import ALL, doc, ld

    from postil.w3c_model import GROUP, GROUP_NAME, VISIBILITY

    outside = client.post(ALL, json=doc(**{VISIBILITY: "group", GROUP: group}),
                          headers=ld(carol))
    assert outside.status_code == 400
    made = client.post(ALL, json=doc(**{VISIBILITY: "group", GROUP: group}), headers=ld(bob))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body[VISIBILITY], body[GROUP], body[GROUP_NAME]) == ("group", group,
                                                                 "Close readers")
    iri = made.headers["Location"]
    path = iri[iri.index("/w3c/"):]
    assert client.get(path, headers=alice.headers).status_code == 200
    assert client.get(path, headers=carol.headers).status_code == 404
