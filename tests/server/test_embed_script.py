"""`/embed.js`: the page modules joined for the embed host, served so that any site can include
it with a <script> tag, cached and revalidated by its ETag, while the server's own pages keep
their strict policy."""

from __future__ import annotations

import shutil

import pytest

from postil import create_app

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_embed_is_served_as_a_script_any_site_may_include(client):
    response = client.get("/embed.js", headers={"Origin": "http://blog.example.test"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=600"
    # The same page modules as the extension's content script, hosted in the page: the embed's
    # stand-in for shared/browser.js, never the extension's.
    script = response.get_data(as_text=True)
    for module in ("src/embed/entry.js", "src/embed/browser.js", "src/content/main.js",
                   "src/content/highlights.js", "src/anchoring/index.js",
                   "src/background/server.js"):
        assert f'modules["{module}"]' in script
    assert 'modules["src/shared/browser.js"]' not in script
    assert "chrome.runtime" not in script


def test_a_reader_who_has_the_embed_is_told_it_is_unchanged_until_it_changes(client, app, tmp_path):
    first = client.get("/embed.js")
    etag = first.headers["ETag"]
    again = client.get("/embed.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    # A new build (an upgrade) is a new ETag: the reader's copy is replaced at its next check.
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    (static / "embed.js").write_text("// a newer build\n", encoding="utf-8")
    app.static_folder = str(static)
    newer = client.get("/embed.js", headers={"If-None-Match": etag})
    assert newer.status_code == 200
    assert newer.headers["ETag"] != etag
    assert newer.get_data(as_text=True) == "// a newer build\n"


def test_a_server_without_the_built_embed_says_how_to_build_it(client, app, tmp_path):
    app.static_folder = str(tmp_path)
    response = client.get("/embed.js")
    assert response.status_code == 404
    assert "build_extension" in response.get_json()["error"]["message"]


def test_the_server_s_own_pages_keep_their_strict_policy(client):
    page = client.get("/", headers={"Accept": "text/html"})
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in page.headers


def test_the_sample_blog_includes_the_embed_when_asked_and_lets_it_read_the_api(database_url):
    client = create_app({"DATABASE_URL": database_url, "TESTING": True,
                         "SAMPLE": True}).test_client()
    plain = client.get("/sample/?p=101")
    assert "/embed.js" not in plain.get_data(as_text=True)
    assert "connect-src" not in plain.headers["Content-Security-Policy"]
    page = client.get("/sample/?p=101&embed=1")
    assert '<script src="/embed.js" async></script>' in page.get_data(as_text=True)
    policy = page.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
