"""Flags and moderators' reasons hold what a client sends them, or refuse it with a 400 and
change nothing: a NUL character in a flag's note, an action's reason or a bar's reason is bad
input (PostgreSQL cannot store it), never a 500."""

from __future__ import annotations

import pytest
from test_moderation import POST, SITE, act, mona, post_moderated  # noqa: F401


def _flags_of(client, who, uid) -> list:
    items = client.get(f"/api/sites/{SITE}/moderation", headers=who.headers,
                       query_string={"queue": "flagged"}).get_json()["items"]
    return [f for a in items if a["id"] == uid for f in a["flags"]]


@pytest.mark.parametrize("note", ["spam\x00more", "\x00", "half \ud800 a pair"])
def test_a_nul_in_a_flag_s_note_is_refused(client, post_moderated, create, alice, bob,  # noqa: F811
                                           mona, note):  # noqa: F811
    made = create(bob, post=POST, visibility="public")
    res = client.post(f"/api/annotations/{made['id']}/flags", headers=alice.headers,
                      json={"reason": "other", "note": note})
    assert res.status_code == 400, (res.status_code, res.data[:300])
    assert res.get_json()["error"]["field"] == "note"
    assert _flags_of(client, mona, made["id"]) == []


def test_a_nul_in_a_moderator_s_reason_is_refused(client, post_moderated, create, bob,  # noqa: F811
                                                  mona):  # noqa: F811
    made = create(bob, post=POST, visibility="public")
    res = act(client, mona, made["id"], "hide", reason="because\x00")
    assert res.status_code == 400, (res.status_code, res.data[:300])
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).get_json()[
        "hidden"] is False


def test_a_nul_in_a_bar_s_reason_is_refused(client, post_moderated, bob, mona):  # noqa: F811
    res = client.put(f"/api/sites/{SITE}/bars/bob", headers=mona.headers,
                     json={"reason": "troll\x00"})
    assert res.status_code == 400, (res.status_code, res.data[:300])
    bars = client.get(f"/api/sites/{SITE}/bars", headers=mona.headers).get_json()["items"]
    assert bars == []
