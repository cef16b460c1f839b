"""/api/sites on SQLite and PostgreSQL: the public lookup (with the reader's own roles and
nobody else's), and operators registering, changing and removing sites; everyone else is
refused and changes nothing."""

from __future__ import annotations

import pytest

from postil import db
from postil.store import sites


@pytest.fixture
def olga(app, make_user):
    """An operator."""
    reader = make_user("olga")
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.set_operator(sites.SHELL, "olga", True)
        db.database.close()
    return reader


@pytest.fixture
def blog(client, olga, make_user):
    for name in ("mona", "mel"):
        make_user(name)
    res = client.post("/api/sites", headers=olga.headers, json={
        "url": "https://www.blog.example/", "name": "The Blog", "moderators": ["mona"],
        "members": ["mel"], "origins": ["https://www.blog.example", "https://blog.example"],
        "policy": {"embed": "signed-in", "moderation": "pre", "public_per_hour": 3}})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def test_an_operator_registers_a_site_and_sees_its_people(client, olga, blog):
    assert blog["site"] == "blog.example"
    assert blog["origins"] == ["https://www.blog.example", "https://blog.example"]
    assert blog["policy"] == {"embed": "signed-in", "moderation": "pre", "public_per_hour": 3}
    assert blog["moderators"] == ["mona"] and blog["members"] == ["mel"]
    listed = client.get("/api/sites", headers=olga.headers).get_json()["items"]
    assert [s["site"] for s in listed] == ["blog.example"]
    assert client.get("/api/sites/blog.example", headers=olga.headers).get_json() == blog


def test_the_lookup_is_public_and_tells_a_reader_only_their_own_roles(client, blog, make_user):
    found = client.get("/api/sites/lookup", query_string={
        "url": "https://blog.example/2026/05/a-post/?utm_source=x"})
    assert found.status_code == 200
    assert found.headers["Access-Control-Allow-Origin"] == "*"
    body = found.get_json()
    assert body == {"site": "blog.example", "name": "The Blog",
                    "origins": ["https://www.blog.example", "https://blog.example"],
                    "policy": {"embed": "signed-in", "moderation": "pre",
                               "public_per_hour": 3}}
    mona = make_user("mona2")
    as_stranger = client.get("/api/sites/lookup?url=blog.example", headers=mona.headers)
    assert as_stranger.get_json()["you"] == {"moderator": False, "member": False}
    assert "moderators" not in as_stranger.get_json()
    # Signed in as the moderator (a new session of theirs).
    token = client.post("/api/tokens", json={"username": "mona", "password": "correct horse"}
                        ).get_json()["token"]
    as_moderator = client.get("/api/sites/lookup?url=https://blog.example/",
                              headers={"Authorization": f"Bearer {token}"}).get_json()
    assert as_moderator["you"] == {"moderator": True, "member": False}
    assert set(as_moderator) == {"site", "name", "origins", "policy", "you"}


@pytest.mark.parametrize("url, status, code", [
    ("https://elsewhere.example/a-post/", 404, "site_not_registered"),
    (None, 400, "validation_error"),
    ("", 400, "validation_error"),
    ("ftp://blog.example/", 400, "validation_error"),
    ("https://[::1/", 400, "validation_error"),
])
def test_a_lookup_of_nothing_registered_or_no_url_is_a_clear_error(client, blog, url, status,
                                                                   code):
    res = client.get("/api/sites/lookup", query_string={} if url is None else {"url": url})
    assert res.status_code == status
    assert res.get_json()["error"]["code"] == code


def test_an_operator_changes_a_site_its_people_and_removes_it(client, olga, blog):
    changed = client.patch("/api/sites/blog.example", headers=olga.headers, json={
        "name": "Blog", "policy": {"embed": "read-only"}, "origins": ["https://blog.example"]})
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["name"] == "Blog" and body["origins"] == ["https://blog.example"]
    assert body["policy"] == {"embed": "read-only", "moderation": "pre", "public_per_hour": 3}
    res = client.put("/api/sites/blog.example/moderators/mel", headers=olga.headers)
    assert res.get_json()["moderators"] == ["mel", "mona"]
    res = client.delete("/api/sites/blog.example/members/mel", headers=olga.headers)
    assert res.get_json()["members"] == []
    res = client.delete("/api/sites/blog.example/moderators/mona", headers=olga.headers)
    assert res.get_json()["moderators"] == ["mel"]
    assert client.delete("/api/sites/blog.example", headers=olga.headers).status_code == 204
    assert client.get("/api/sites/lookup?url=blog.example").status_code == 404


def test_a_site_under_a_path_is_named_by_its_key_slashes_and_all(client, olga):
    made = client.post("/api/sites", headers=olga.headers, json={
        "url": "https://example.org/news/", "origins": ["https://example.org"]})
    assert made.status_code == 201
    assert made.headers["Location"].endswith("/api/sites/example.org/news")
    assert client.get("/api/sites/example.org/news", headers=olga.headers
                      ).get_json()["site"] == "example.org/news"
    assert client.put("/api/sites/example.org/news/members/olga", headers=olga.headers
                      ).get_json()["members"] == ["olga"]


def test_anyone_but_an_operator_is_refused_and_changes_nothing(client, blog, make_user, anon):
    mona = make_user("mona3")
    for who, status in ((anon, 401), (mona, 403)):
        for method, path, body in (
                ("get", "/api/sites", None),
                ("post", "/api/sites", {"url": "https://other.example"}),
                ("get", "/api/sites/blog.example", None),
                ("get", "/api/sites/nowhere.example", None),
                ("patch", "/api/sites/blog.example", {"policy": {"embed": "off"}}),
                ("delete", "/api/sites/blog.example", None),
                ("put", "/api/sites/blog.example/moderators/mona3", None),
                ("delete", "/api/sites/blog.example/members/mel", None)):
            res = getattr(client, method)(path, headers=who.headers, json=body)
            assert res.status_code == status, (who.name, method, path)
            if status == 403:
                # The same answer whether the site exists or not.
                assert res.get_json()["error"]["code"] == "operator_required"
    assert client.get("/api/sites/lookup?url=blog.example").get_json()["policy"]["embed"] == \
        "signed-in"


@pytest.mark.parametrize("body, field", [
    ({}, "url"),
    ({"url": "mailto:x@example.org"}, "url"),
    ({"url": "https://x.example", "origins": []}, "origins"),
    ({"url": "https://x.example", "origins": ["https://x.example/path"]}, "origins"),
    ({"url": "https://x.example", "origins": ["chrome-extension://abc"]}, "origins"),
    ({"url": "https://x.example", "policy": {"embed": "on"}}, "policy.embed"),
    ({"url": "https://x.example", "policy": {"moderation": "later"}}, "policy.moderation"),
    ({"url": "https://x.example", "policy": {"public_per_hour": -1}}, "policy.public_per_hour"),
    ({"url": "https://x.example", "policy": {"public_per_hour": True}},
     "policy.public_per_hour"),
    ({"url": "https://x.example", "policy": {"writers": "all"}}, "policy.writers"),
    ({"url": "https://x.example", "moderators": ["nobody"]}, "moderators"),
    ({"url": "https://x.example", "owner": "olga"}, "owner"),
])
def test_a_bad_registration_is_refused_and_makes_nothing(client, olga, body, field):
    res = client.post("/api/sites", headers=olga.headers, json=body)
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == field
    assert client.get("/api/sites", headers=olga.headers).get_json()["items"] == []


def test_conflicts_and_missing_sites_are_clear_and_change_nothing(client, olga, blog):
    again = client.post("/api/sites", headers=olga.headers, json={"url": "https://blog.example"})
    assert again.status_code == 409
    taken = client.post("/api/sites", headers=olga.headers, json={
        "url": "https://other.example", "origins": ["https://blog.example"]})
    assert taken.status_code == 409 and "blog.example" in taken.get_json()["error"]["message"]
    assert client.patch("/api/sites/nowhere.example", headers=olga.headers,
                        json={"name": "x"}).status_code == 404
    assert client.patch("/api/sites/blog.example", headers=olga.headers,
                        json={"url": "https://else.example"}).status_code == 400
    assert client.put("/api/sites/blog.example/members/nobody", headers=olga.headers
                      ).status_code == 400
    assert [s["site"] for s in client.get("/api/sites", headers=olga.headers
                                          ).get_json()["items"]] == ["blog.example"]
