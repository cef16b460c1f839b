"""What `GET /api/sites/lookup` tells: the site and its policy to anyone; the caller's own roles
(`you`) to the caller, but not to a page of another site holding an embed session of theirs.

An embed session sees its site alone: a reader's roles on another site (member of a paid
newsletter's site, moderator somewhere) are not the holding site's to learn. Before, a site's
page could look up every other site with the session it was handed and read them."""

from __future__ import annotations

from test_embed_session_reads import HOME, OTHER, _register

from postil import db
from postil.store import sites


def _signed_in_on(client, origin: str) -> dict:
    res = client.post(f"/embed/signin?origin={origin}",
                      json={"username": "alice", "password": "correct horse"})
    assert res.status_code == 201, res.get_json()
    return {"Authorization": f"Bearer {res.get_json()['token']}"}


def test_an_embed_session_learns_no_roles_on_another_site(app, client, alice):
    _register(app, HOME)
    _register(app, OTHER)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.set_person(sites.SHELL, "other.example", "alice", "member", True)
        sites.set_person(sites.SHELL, "other.example", "alice", "moderator", True)
        db.database.close()
    embed = _signed_in_on(client, HOME)

    anonymous = client.get("/api/sites/lookup", query_string={"url": OTHER}).get_json()
    elsewhere = client.get("/api/sites/lookup", query_string={"url": OTHER},
                           headers=embed).get_json()
    assert elsewhere == anonymous and "you" not in elsewhere

    # Its own site's answer keeps the reader's roles there, and her own session sees hers.
    home = client.get("/api/sites/lookup", query_string={"url": HOME}, headers=embed).get_json()
    assert home["you"] == {"moderator": False, "member": False}
    own = client.get("/api/sites/lookup", query_string={"url": OTHER},
                     headers=alice.headers).get_json()
    assert own["you"] == {"moderator": True, "member": True}
