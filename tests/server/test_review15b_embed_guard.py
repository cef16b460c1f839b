"""An embed session (the token the sign-in pop-up hands a site's page) reaches what the embed
needs and nothing more, however its `Authorization` header is spelled.

The server reads the scheme without regard to case (`bearer`, `BEARER` are the same token, as
HTTP says), so the guard must too: before, `Authorization: bearer <token>` carried the site's
copy of the reader's session past the guard to their account export, their sessions, groups'
management and account deletion.
"""

from __future__ import annotations

import pytest
from test_embed_session_reads import HOME, _register

from postil import db
from postil.models import User


@pytest.fixture
def embed_token(app, client, alice) -> str:
    _register(app, HOME)
    res = client.post(f"/embed/signin?origin={HOME}",
                      json={"username": "alice", "password": "correct horse"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["token"]


SCHEMES = ("Bearer", "bearer", "BEARER", "BeArEr")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_account_export_is_refused_whatever_the_scheme_s_case(client, embed_token, scheme):
    res = client.get("/api/me/export", headers={"Authorization": f"{scheme} {embed_token}"})
    assert res.status_code == 403, (res.status_code, res.data[:200])
    assert res.get_json()["error"]["code"] == "embed_session"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sessions_are_not_listed_to_the_embed_session(client, embed_token, scheme):
    res = client.get("/api/tokens", headers={"Authorization": f"{scheme} {embed_token}"})
    assert res.status_code == 403
    assert res.get_json()["error"]["code"] == "embed_session"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_embed_session_cannot_delete_the_account(app, client, embed_token, scheme):
    res = client.delete("/api/me", headers={"Authorization": f"{scheme} {embed_token}"},
                        json={"password": "correct horse"})
    assert res.status_code == 403
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        assert User.get_or_none(User.name == "alice") is not None
        db.database.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_embed_session_makes_no_group(client, embed_token, alice, scheme):
    res = client.post("/api/groups", headers={"Authorization": f"{scheme} {embed_token}"},
                      json={"name": "made by the site"})
    assert res.status_code == 403
    listed = client.get("/api/groups", headers=alice.headers).get_json()
    assert "made by the site" not in str(listed)
