"""The server's own address opened in a browser: a page saying what this is, and an icon."""

from __future__ import annotations

import pytest

from postil import create_app


@pytest.fixture
def home_client(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'postil.db'}", "TESTING": True,
                      "SAMPLE": True})
    return app.test_client()


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_lands_on_a_page_that_says_what_this_is(home_client):
    res = home_client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert res.status_code == 200 and res.mimetype == "text/html"
    page = res.get_data(as_text=True)
    assert "annotation server" in page.lower()
    for link in ('href="http://localhost/openapi.json"', 'href="http://localhost/api"',
                 'href="http://localhost/sample/"', 'href="http://localhost/w3c/annotations/"'):
        assert link in page
    assert "Load unpacked" in page and "options page" in page  # install, then sign in
    assert "<script" not in page


def test_the_page_is_sent_with_protective_headers(home_client):
    res = home_client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in res.headers["Content-Security-Policy"]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "no-referrer"
    assert "Accept" in res.headers["Vary"]


def test_a_json_client_gets_the_same_links_as_json(home_client):
    res = home_client.get("/", headers={"Accept": "application/json"})
    assert res.status_code == 200 and res.mimetype == "application/json"
    body = res.get_json()
    assert body["name"] == "postil"
    assert body["links"]["openapi"] == "http://localhost/openapi.json"
    assert body["links"]["sample"] == "http://localhost/sample/"
    assert "Accept" in res.headers["Vary"]


def test_the_page_leaves_out_the_sample_when_it_is_off(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'postil.db'}", "TESTING": True,
                      "SAMPLE": False})
    page = app.test_client().get("/").get_data(as_text=True)
    assert "/sample/" not in page and "/openapi.json" in page


def test_every_page_finds_its_icon(home_client):
    res = home_client.get("/favicon.ico")
    assert res.status_code == 200 and res.mimetype == "image/png"
    assert res.data.startswith(b"\x89PNG")
