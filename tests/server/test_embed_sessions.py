"""A session the embed's sign-in pop-up hands a site's page reaches what the embed needs and
nothing more, whoever sends it (the page, or the site's server, where CORS does not apply), and
ends with the site. Found by a review of publisher mode: before, it was a full session."""

from __future__ import annotations

import pytest

from postil import db, parse
from postil.store import sites

READ_ONLY = "https://reading.example"
WRITING = "https://writing.example"


def _register(app, url: str, embed: str) -> None:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, parse.site_body({"url": url, "policy": {"embed": embed}},
                                                    partial=False))
        db.database.close()


def _embed_token(client, origin: str) -> dict:
    res = client.post(f"/embed/signin?origin={origin}",
                      json={"username": "alice", "password": "correct horse"})
    assert res.status_code == 201, res.get_json()
    return {"Authorization": f"Bearer {res.get_json()['token']}"}


@pytest.fixture
def embed_token(app, client, alice):
    """Alice signs in through the pop-up for a read-only site: the token its page is handed."""
    _register(app, READ_ONLY, "read-only")
    return _embed_token(client, READ_ONLY)


def test_an_embed_session_cannot_sign_the_reader_out_everywhere_else(client, alice,
                                                                     embed_token):
    res = client.delete("/api/tokens", headers=embed_token)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "embed_session"
    assert client.get("/api/me", headers=alice.headers).status_code == 200


def test_an_embed_session_cannot_download_the_readers_whole_account(client, alice, create,
                                                                    embed_token):
    create(alice, note="my diary")
    for method, path in [("GET", "/api/me/export"), ("GET", "/api/tokens"),
                         ("POST", "/api/groups"), ("PUT", "/api/me/password"),
                         ("DELETE", "/api/me"), ("POST", "/api/import"),
                         ("GET", "/api/export?format=json"), ("GET", "/w3c/annotations/")]:
        res = client.open(path, method=method, headers=embed_token, json={})
        assert res.status_code == 403, (method, path, res.status_code)
        assert res.get_json()["error"]["code"] == "embed_session"
    assert client.get("/api/me", headers=alice.headers).status_code == 200


def test_an_embed_session_does_what_the_embed_needs(app, client, alice, create):
    _register(app, WRITING, "signed-in")
    token = _embed_token(client, WRITING)
    assert client.get("/api/me", headers=token).status_code == 200
    assert client.get("/api/annotations", headers=token).status_code == 200
    # The site's policy and the reader's roles there, as the embed asks before offering to write.
    res = client.get(f"/api/sites/lookup?url={WRITING}/", headers=token)
    assert res.status_code == 200 and "you" in res.get_json()
    assert client.post("/api/stream/tickets", headers=token, json={}).status_code in (200, 201)
    made = create(alice, note="from the extension", post={"url": f"{WRITING}/a-post/"})
    res = client.patch(f"/api/annotations/{made['id']}", headers=token, json={"note": "edited"})
    assert res.status_code == 200
    # A note on another site's post does not exist for this session (test_embed_session_reads).
    elsewhere = create(alice, note="on another site")
    res = client.patch(f"/api/annotations/{elsewhere['id']}", headers=token,
                       json={"note": "edited"})
    assert res.status_code == 404
    # Signing this session out is the embed's own Sign out.
    assert client.delete("/api/tokens/current", headers=token).status_code == 204
    assert client.get("/api/me", headers=token).status_code == 401


@pytest.mark.parametrize("how", ["removed", "embed off"])
def test_an_embed_session_ends_with_its_site(app, client, alice, embed_token, how):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        key = sites.by_origin(READ_ONLY).key
        if how == "removed":
            sites.remove_site(sites.SHELL, key)
        else:
            sites.change_site(sites.SHELL, key, parse.site_body({"policy": {"embed": "off"}},
                                                                partial=True))
        db.database.close()
    assert client.get("/api/me", headers=embed_token).status_code == 401
    assert client.get("/api/me", headers=alice.headers).status_code == 200
