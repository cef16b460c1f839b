"""An embed session writes only where its site's embed takes notes, from wherever it is sent.

The site's page is handed the reader's session; the docs say it reaches the endpoints and
methods admitted to the site's pages "whoever sends it: the site's page or its server". Where
the site's embed is `read-only` no write is admitted, and under `members` only members and
moderators write. Before, the session sent without an `Origin` header (from the site's server,
or any script that lifted it from the page) created, reworded and deleted the reader's notes on
a read-only site's posts, and wrote for a non-member under `members`."""

from __future__ import annotations

import pytest
from test_embed_session_reads import HOME, PLACES, _register

from conftest import annotation_body

POST = PLACES["this site"]


def _embed(client) -> dict:
    res = client.post(f"/embed/signin?origin={HOME}",
                      json={"username": "alice", "password": "correct horse"})
    assert res.status_code == 201, res.get_json()
    return {"Authorization": f"Bearer {res.get_json()['token']}"}


@pytest.mark.parametrize("mode, code", [("read-only", "embed_read_only"),
                                        ("members", "site_members_only")])
def test_a_session_sent_without_origin_writes_only_as_the_site_lets_readers(
        app, client, alice, create, mode, code):
    _register(app, HOME, embed=mode)
    embed = _embed(client)
    mine = create(alice, post=POST, visibility="private", note="written in the extension")

    made = client.post("/api/annotations", headers=embed,
                       json=annotation_body(post=POST, visibility="public", note="forged"))
    assert made.status_code == 403, (made.status_code, made.get_json())
    assert made.get_json()["error"]["code"] == code
    changed = client.patch(f"/api/annotations/{mine['id']}", headers=embed,
                           json={"note": "rewritten by the site"})
    assert changed.status_code == 403
    gone = client.delete(f"/api/annotations/{mine['id']}", headers=embed)
    assert gone.status_code == 403

    listed = client.get("/api/annotations", headers=alice.headers,
                        query_string={"site": POST["site"], "post_id": POST["post_id"]}).get_json()
    assert [(a["id"], a["note"]) for a in listed["items"]] == [
        (mine["id"], "written in the extension")]


def test_where_readers_write_the_session_writes_from_anywhere(app, client, alice):
    _register(app, HOME, embed="signed-in")
    embed = _embed(client)
    made = client.post("/api/annotations", headers=embed,
                       json=annotation_body(post=POST, visibility="private"))
    assert made.status_code == 201, made.get_json()
