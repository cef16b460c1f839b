"""Hostile inputs against publisher mode that a review found holding, kept as regression tests.
Look-alike origins get no pop-up form, no token target but the registered origin itself, and no
CORS answer; an origin is never reflected unescaped; a withheld note is 404 on every side path."""

from __future__ import annotations

import re
import uuid

import pytest
from test_moderation_visibility import register_site

from postil import db, parse
from postil.store import sites

BLOG = "https://blog.example"


@pytest.fixture
def blog(app):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, parse.site_body(
            {"url": BLOG, "policy": {"embed": "signed-in"}}, partial=False))
        db.database.close()
    return app


@pytest.mark.parametrize("origin, status", [
    ("https://blog.example.", 200),       # the same host, written with its root dot
    ("https://BLOG.example:443", 200),     # the same origin, as a browser never sends it
    ("https://blog.example:8443", 403),
    ("https://xn--blg-1na.example", 403),  # punycode look-alike
    ("https://blög.example", 403),
    ("null", 400),
    ("https://blog.example\\@evil.example", 400),
    ("https://evil.example#@blog.example", 400),
    ("https://blog.example%2eevil.example", 403),
    ('https://blog.example"><script>alert(1)</script>', 400),
])
def test_look_alike_origins_get_no_other_token_target(blog, origin, status):
    res = blog.test_client().get("/embed/signin", query_string={"origin": origin})
    page = res.get_data(as_text=True)
    assert res.status_code == status
    assert "<script>alert" not in page
    # The page posts the token only to what data-origin says: the registered origin or nothing.
    assert re.findall(r'data-origin="([^"]*)"', page) == ([BLOG] if status == 200 else [])
    assert "frame-ancestors 'none'" in res.headers["Content-Security-Policy"]


@pytest.mark.parametrize("origin", ["https://blog.example.", "http://blog.example", "null",
                                    "https://blog.example:8443", "https://xn--blg-1na.example"])
def test_look_alike_origins_get_no_cors_answer(blog, origin):
    res = blog.test_client().options("/api/annotations", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert "Access-Control-Allow-Origin" not in res.headers


def test_a_pending_note_is_404_alike_on_every_side_path(client, app, alice, bob, make_user,
                                                        create):
    make_user("mona")
    register_site(app, moderation="pre")
    post = {"site": "quiet.example.net", "post_id": 77}
    pending = create(alice, post=post, visibility="public")["id"]

    def answers(uid):
        return [
            (r.status_code, r.get_json()) for r in (
                client.post("/api/annotations", headers=bob.headers, json={
                    "id": "7a1e0c8e-1111-4a2b-9c3d-000000000009", "reply_to": uid,
                    "note": "r"}),
                client.get(f"/api/annotations/{uid}/replies", headers=bob.headers),
                client.post(f"/api/annotations/{uid}/moderation", headers=bob.headers,
                            json={"action": "hide"}),
                client.post(f"/api/annotations/{uid}/flags", headers=bob.headers,
                            json={"reason": "spam"}),
                client.delete(f"/api/annotations/{uid}/hidden", headers=bob.headers),
                client.get(f"/w3c/annotations/{uid}", headers=bob.headers))]

    assert answers(pending) == answers(str(uuid.uuid4()))
