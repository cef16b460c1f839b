"""A moderator's hiding holds: the author cannot undo it by moving their annotation out of
the group and back (or anywhere else) while it is hidden."""

from __future__ import annotations

from test_groups import invite, join, make_group


def test_the_author_cannot_move_a_hidden_annotation_to_undo_the_hiding(client, alice, bob,
                                                                        make_user):
    carol = make_user("carol")
    gid = make_group(client, alice)
    for reader in (bob, carol):
        assert join(client, reader, invite(client, alice, gid)) == 200
    made = client.post("/api/annotations", headers=carol.headers, json={
        "post": {"site": "blog.example.org", "post_id": 42}, "quote": "a passage",
        "note": "off topic", "visibility": "group", "group": gid}).get_json()
    assert client.put(f"/api/annotations/{made['id']}/hidden",
                      headers=alice.headers).status_code == 200
    for move in ({"visibility": "private"}, {"visibility": "public"},
                 {"visibility": "group", "group": make_group(client, carol, name="Mine")}):
        res = client.patch(f"/api/annotations/{made['id']}", json=move, headers=carol.headers)
        assert res.status_code == 409, move
        assert "hid this annotation" in res.get_json()["error"]["message"]
    # Her note is still hers to edit, and still out of the members' sight.
    assert client.patch(f"/api/annotations/{made['id']}", json={"note": "on topic now"},
                        headers=carol.headers).status_code == 200
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 404
    mine = client.get(f"/api/annotations/{made['id']}", headers=carol.headers).get_json()
    assert (mine["visibility"], mine["hidden"]) == ("group", True)
