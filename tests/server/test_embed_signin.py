"""The embed's sign-in pop-up on SQLite and PostgreSQL: a page for registered sites' origins
only, under a strict policy with no inline script; its sign-in gives an ordinary session
labelled for the site, throttled as every sign-in; any other origin gets no form and no token,
and bad input is a clear 4xx that changes nothing."""

from __future__ import annotations

import re

import pytest

from postil import create_app, db, parse
from postil.models import Token
from postil.store import sites

BLOG = "https://blog.example"


def _register(app, url: str, embed: str) -> None:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, parse.site_body(
            {"url": url, "name": "The Blog" if url == BLOG else url,
             "policy": {"embed": embed}}, partial=False))
        db.database.close()


@pytest.fixture
def signin_app(app):
    _register(app, BLOG, "read-only")
    _register(app, "https://quiet.example", "off")
    return app


def tokens(app) -> int:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            return Token.select().count()
        finally:
            db.database.close()


def test_the_page_for_a_registered_origin_signs_in_under_a_strict_policy(signin_app):
    client = signin_app.test_client()
    res = client.get(f"/embed/signin?origin={BLOG}")
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    assert 'data-origin="https://blog.example"' in page and "The Blog" in page
    assert 'id="signin-form"' in page and 'id="signup-form"' not in page  # sign-up closed
    # Scripts only from files of the server's own: no inline script, no handler attributes.
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert not re.search(r"\son[a-z]+=", page)
    csp = dict(part.strip().split(" ", 1) for part in
               res.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in res.headers["Content-Security-Policy"]
    assert res.headers["X-Frame-Options"] == "DENY"
    script = client.get(re.search(r'<script src="([^"]+)"', page).group(1))
    assert script.status_code == 200 and "postil-signed-in" in script.get_data(as_text=True)


@pytest.mark.parametrize("origin, status", [
    ("https://evil.example", 403),             # registered nowhere
    ("https://quiet.example", 403),            # a site whose embed is off
    ("http://blog.example", 403),              # the site's origin, but over http
    ("https://blog.example/path", 400),        # not an origin
    ("", 400),
    (None, 400),
])
def test_any_other_origin_gets_a_clear_page_and_no_form(signin_app, origin, status):
    client = signin_app.test_client()
    res = client.get("/embed/signin", query_string={} if origin is None else {"origin": origin})
    assert res.status_code == status
    page = res.get_data(as_text=True)
    assert "No sign-in here" in page and "<form" not in page and "<script" not in page
    assert "Nothing was sent" in page


def test_signing_in_gives_a_session_labelled_for_the_site(signin_app, make_user):
    reader = make_user("rita")
    client = signin_app.test_client()
    res = client.post(f"/embed/signin?origin={BLOG}",
                      json={"username": "rita", "password": "correct horse"})
    assert res.status_code == 201
    body = res.get_json()
    assert body["user"]["name"] == "rita" and body["site"] == "blog.example"
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/me", headers=headers).get_json()["user"]["name"] == "rita"
    sessions = client.get("/api/tokens", headers=reader.headers).get_json()["items"]
    assert sorted(s["label"] for s in sessions) == ["embed on blog.example", "test"]
    # An ordinary session: it ends as any other.
    assert client.delete("/api/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


@pytest.mark.parametrize("origin, code", [
    ("https://evil.example", "origin_not_registered"),
    ("https://quiet.example", "origin_not_registered"),
    ("https://blog.example/x", "validation_error"),
])
def test_no_token_for_another_origin_and_no_password_read(signin_app, make_user, origin, code):
    make_user("rita")
    client = signin_app.test_client()
    before = tokens(signin_app)
    for _ in range(8):  # more than the free failures: nothing is counted
        res = client.post("/embed/signin", query_string={"origin": origin},
                          json={"username": "rita", "password": "wrong"})
        assert res.status_code in (400, 403) and res.get_json()["error"]["code"] == code
    res = client.post("/embed/signin", query_string={"origin": origin},
                      json={"username": "rita", "password": "correct horse"})
    assert res.get_json()["error"]["code"] == code and "token" not in res.get_json()
    assert tokens(signin_app) == before
    assert client.post(f"/embed/signin?origin={BLOG}", json={
        "username": "rita", "password": "correct horse"}).status_code == 201


def test_sign_ins_from_the_pop_up_are_throttled_as_every_sign_in(signin_app, make_user):
    make_user("rita")
    client = signin_app.test_client()
    # The free failures (POSTIL_SIGNIN_FREE_FAILURES, 5) spent on the API, and one more.
    for _ in range(6):
        assert client.post("/api/tokens", json={"username": "rita", "password": "wrong"}
                           ).status_code in (401, 429)
    res = client.post(f"/embed/signin?origin={BLOG}",
                      json={"username": "rita", "password": "correct horse"})
    assert res.status_code == 429 and res.headers["Retry-After"]
    assert res.get_json()["error"]["code"] == "too_many_attempts"


@pytest.mark.parametrize("body, status, code", [
    ({"username": "rita"}, 400, "validation_error"),
    ({"username": "rita", "password": "correct horse", "admin": True}, 400, "validation_error"),
    ({"username": "rita", "password": "not it"}, 401, "invalid_credentials"),
    ("rita", 400, "validation_error"),
])
def test_bad_sign_ins_are_clear_errors_that_make_no_session(signin_app, make_user, body,
                                                            status, code):
    make_user("rita")
    client = signin_app.test_client()
    before = tokens(signin_app)
    res = client.post(f"/embed/signin?origin={BLOG}", json=body)
    assert res.status_code == status and res.get_json()["error"]["code"] == code
    assert tokens(signin_app) == before


def test_sign_up_is_offered_and_works_only_where_the_server_allows_it(signin_app, database_url):
    closed = signin_app.test_client()
    res = closed.post(f"/embed/signup?origin={BLOG}",
                      json={"username": "newbie", "password": "long enough pw"})
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "signup_closed"

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CORS_ORIGINS": [],
                      "OPEN_SIGNUP": True, "SAMPLE": False})
    client = app.test_client()
    assert 'id="signup-form"' in client.get(f"/embed/signin?origin={BLOG}").get_data(
        as_text=True)
    refused = client.post("/embed/signup?origin=https://evil.example",
                          json={"username": "newbie", "password": "long enough pw"})
    assert refused.get_json()["error"]["code"] == "origin_not_registered"
    made = client.post(f"/embed/signup?origin={BLOG}",
                       json={"username": "newbie", "password": "long enough pw"})
    assert made.status_code == 201
    # The new account's sessions, as it sees them signed in on the server (an embed session
    # itself may not list them).
    own = client.post("/api/tokens", json={"username": "newbie", "password": "long enough pw",
                                           "label": "laptop"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {own}"}
    assert sorted(s["label"] for s in client.get("/api/tokens", headers=headers)
                  .get_json()["items"]) == ["embed on blog.example", "laptop"]
