"""CORS on /api/* only: browser extension origins and POSTIL_CORS_ORIGINS, nothing else."""

from __future__ import annotations

import pytest

from postil import config, create_app, db

CHROME = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
FIREFOX = "moz-extension://0b6a9d4e-2c1f-4e8a-9f3b-7d5c1a2e4f60"
LISTED = "https://notes.example.org"


@pytest.fixture
def cors_client(tmp_path):
    # CORS does not depend on the database, so these run on SQLite only.
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cors.db'}", "TESTING": True,
                      "CORS_ORIGINS": [LISTED],
                      "OPEN_SIGNUP": False, "SAMPLE": False})
    yield app.test_client()
    if not db.database.is_closed():
        db.database.close()


def preflight(client, path="/api/annotations", origin=CHROME, method="POST"):
    return client.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})


@pytest.mark.parametrize("origin", [CHROME, FIREFOX, LISTED])
def test_preflight_from_an_allowed_origin(cors_client, origin):
    res = preflight(cors_client, origin=origin)
    assert res.status_code == 200
    assert res.headers["Access-Control-Allow-Origin"] == origin
    methods = {m.strip() for m in res.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE", "PUT"} <= methods
    allowed = {h.strip().lower() for h in res.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "if-match"} <= allowed


@pytest.mark.parametrize("origin", [CHROME, FIREFOX, LISTED])
def test_simple_requests_from_allowed_origins_can_read_etag_and_location(cors_client, origin):
    res = cors_client.get("/api/annotations", headers={"Origin": origin})
    assert res.status_code == 200
    assert res.headers["Access-Control-Allow-Origin"] == origin
    exposed = {h.strip().lower() for h in res.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "location"} <= exposed
    assert "Origin" in res.headers.get("Vary", "")


def test_an_extension_can_read_error_responses(cors_client):
    res = cors_client.get("/api/me", headers={"Origin": CHROME})
    assert res.status_code == 401
    assert res.headers["Access-Control-Allow-Origin"] == CHROME


@pytest.mark.parametrize("origin", [
    "https://evil.example",
    "http://notes.example.org",  # the listed origin, but over http
    "https://notes.example.org.evil.example",
    "chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP",  # extension ids are a-p only
    "chrome-extension://abcdefghijklmnopabcdefghijklmnopq",
    "chrome-extension://qrstuvwxyzqrstuvwxyzqrstuvwxyzqr",
    "moz-extension://not-a-uuid",
    "null",
])
def test_other_origins_get_no_cors_headers(cors_client, origin):
    for res in (preflight(cors_client, origin=origin),
                cors_client.get("/api/annotations", headers={"Origin": origin})):
        assert "Access-Control-Allow-Origin" not in res.headers
        assert "Access-Control-Allow-Credentials" not in res.headers


def test_the_default_app_allows_extensions_but_not_unlisted_sites(client):
    assert preflight(client).headers["Access-Control-Allow-Origin"] == CHROME
    res = client.get("/api/annotations", headers={"Origin": LISTED})
    assert "Access-Control-Allow-Origin" not in res.headers


@pytest.mark.parametrize("path", ["/openapi.json", "/nope", "/static/x.js"])
@pytest.mark.parametrize("origin", [CHROME, LISTED])
def test_no_cors_outside_api(cors_client, path, origin):
    for res in (cors_client.get(path, headers={"Origin": origin}),
                preflight(cors_client, path=path, origin=origin, method="GET")):
        assert not [h for h in res.headers.keys() if h.lower().startswith("access-control-")]


def test_cors_origins_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("POSTIL_CORS_ORIGINS", " https://a.example , https://b.example:8443,, ")
    assert config.from_env()["CORS_ORIGINS"] == ["https://a.example", "https://b.example:8443"]
    monkeypatch.delenv("POSTIL_CORS_ORIGINS")
    assert config.from_env()["CORS_ORIGINS"] == []
