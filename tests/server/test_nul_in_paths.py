"""A NUL character in a site's key or a username in the path names nothing, as an unknown one:
`404`, never a `500` (PostgreSQL cannot even compare a string holding one). Each path is asked
by the site's moderator, who would get a `200` for the right names; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from test_moderation_visibility import register_site

SITE = "quiet.example.net"


@pytest.mark.parametrize("odd", ["\x00", "a\x00b", "%00"])
def test_a_nul_in_a_site_key_or_username_is_404(client, app, make_user, odd):
    mona = make_user("mona")
    register_site(app, moderation="post")
    paths = [
        ("GET", f"/api/sites/{odd}/moderation"),
        ("GET", f"/api/sites/{odd}/moderation/log"),
        ("GET", f"/api/sites/{odd}/bars"),
        ("GET", f"/sites/{odd}/moderation"),
        ("GET", f"/api/sites/{SITE}{odd}/bars"),
        ("PUT", f"/api/sites/{SITE}/bars/{odd}"),
        ("PUT", f"/api/sites/{SITE}/bars/mona{odd}"),
        ("DELETE", f"/api/sites/{SITE}/bars/{odd}"),
    ]
    for method, path in paths:
        res = client.open(path, method=method, headers=mona.headers, json={})
        assert res.status_code == 404, (method, path, res.status_code)
    # Nobody was barred, and the log is empty.
    assert client.get(f"/api/sites/{SITE}/bars", headers=mona.headers).get_json()["items"] == []
    assert client.get(f"/api/sites/{SITE}/moderation/log",
                      headers=mona.headers).get_json()["items"] == []


@pytest.mark.parametrize("odd", ["\x00", "a\x00b", "%00"])
def test_a_nul_in_a_group_id_is_404(client, alice, odd):
    made = client.post("/api/groups", headers=alice.headers, json={"name": "Readers"})
    assert made.status_code == 201, made.get_json()
    gid = made.get_json()["id"]
    for method, path, body in [("GET", f"/api/groups/{odd}", None),
                               ("GET", f"/api/groups/{odd}/members", None),
                               ("GET", f"/api/groups/{gid}{odd}", None),
                               ("PATCH", f"/api/groups/{odd}", {"name": "Mine now"}),
                               ("DELETE", f"/api/groups/{odd}", None),
                               ("PATCH", f"/api/groups/{odd}/members/alice", {"role": "member"})]:
        res = client.open(path, method=method, headers=alice.headers, json=body)
        assert res.status_code == 404, (method, path, res.status_code)
    assert client.get(f"/api/groups/{gid}", headers=alice.headers).get_json()["name"] == "Readers"
