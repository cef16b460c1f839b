"""Who may do what in a reading group, as the API answers it: each row of
tests/fixtures/group-role-cases.json (a role, an action, the role of the member acted on) is
done over HTTP in a fresh group and must succeed, or be refused (403, or the row's
`refused_with`), as the row says. The extension's `shared/roles.js` runs the same rows
(tests/extension/shared/roles.test.mjs) to decide what the options page and the sidebar offer,
so a button is never shown for something the server refuses, nor hidden for something it
allows."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import annotation_body

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "group-role-cases.json")
                   .read_text())["cases"]


def _ok(res, status: int = 200):
    assert res.status_code == status, res.get_json()
    return res.get_json()


def _group_with(client, founder, actor, role, target=None, target_role=None) -> str:
    """A fresh group founded by `founder`, with `actor` (and `target`) in the roles asked."""
    gid = _ok(client.post("/api/groups", json={"name": "Case club"}, headers=founder.headers),
              201)["id"]
    for reader, wanted in ((actor, role), (target, target_role)):
        if reader is None:
            continue
        token = _ok(client.post(f"/api/groups/{gid}/invites", json={},
                                headers=founder.headers), 201)["token"]
        _ok(client.post(f"/api/invites/{token}/accept", headers=reader.headers))
        if wanted != "member":
            _ok(client.patch(f"/api/groups/{gid}/members/{reader.name}", json={"role": wanted},
                             headers=founder.headers))
    return gid


def _attempt(client, case, founder, actor, target):
    """Do the case's action as `actor`; return the response."""
    action = case["action"]
    gid = _group_with(client, founder, actor, case["role"],
                      target if "target" in case else None, case.get("target"))
    path = f"/api/groups/{gid}"
    if action == "invite":
        return client.post(f"{path}/invites", json={"max_uses": 2}, headers=actor.headers)
    if action == "list_invites":
        return client.get(f"{path}/invites", headers=actor.headers)
    if action == "revoke_invite":
        made = _ok(client.post(f"{path}/invites", json={}, headers=founder.headers), 201)
        return client.delete(f"{path}/invites/{made['id']}", headers=actor.headers)
    if action == "delete_group":
        return client.delete(path, headers=actor.headers)
    if action == "set_role":
        role = "moderator" if case["target"] == "member" else "member"
        return client.patch(f"{path}/members/{target.name}", json={"role": role},
                            headers=actor.headers)
    if action == "remove":
        return client.delete(f"{path}/members/{target.name}", headers=actor.headers)
    note = _ok(client.post("/api/annotations", json=annotation_body(
        visibility="group", group=gid), headers=target.headers), 201)
    url = f"/api/annotations/{note['id']}/hidden"
    if action == "hide":
        return client.put(url, headers=actor.headers)
    assert action == "show", action
    _ok(client.put(url, headers=founder.headers))
    return client.delete(url, headers=actor.headers)


def test_each_role_may_do_what_the_shared_case_table_says_and_nothing_more(client, make_user):
    founder, actor, target = make_user("founder"), make_user("actor"), make_user("target")
    assert len(CASES) >= 40
    wrong = []
    for case in CASES:
        res = _attempt(client, case, founder, actor, target)
        done = 200 <= res.status_code < 300
        refused = case.get("refused_with", 403)
        if done != case["allowed"] or (not done and res.status_code != refused):
            wrong.append((case, res.status_code, res.get_json()))
    assert not wrong, wrong
