"""CORS on /api/* by origin, on SQLite and PostgreSQL: the extension and POSTIL_CORS_ORIGINS
reach everything; a registered site's pages reach what the embed needs (reads, and writes only
where its embed lets readers write); a site whose embed is off and an unregistered origin reach
nothing. Preflights and actual requests alike; a removed site stops being admitted."""

from __future__ import annotations

import pytest

from conftest import Reader, annotation_body
from postil import create_app, db, site_cors
from postil.store import sites

EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
LISTED = "https://notes.example.org"
WRITES = "https://blog.example"       # registered, embed signed-in
READS = "https://reads.example"       # registered, embed read-only
OFF = "https://off.example"           # registered, embed off
STRANGER = "https://evil.example"     # not registered

# (name, method, path, kind): kind "read" and "write" are the embed's; "never" is not.
ENDPOINTS = [
    ("query", "GET", "/api/annotations?site=blog.example.org", "read"),
    ("one", "GET", "/api/annotations/{uid}", "read"),
    ("replies", "GET", "/api/annotations/{uid}/replies", "read"),
    ("posts", "GET", "/api/posts", "read"),
    ("me", "GET", "/api/me", "read"),
    ("groups", "GET", "/api/groups", "read"),
    ("ticket", "POST", "/api/stream/tickets", "read"),
    ("sign out", "DELETE", "/api/tokens/current", "read"),
    # Flagging a public note is the embed's in every mode, read-only included.
    ("flag", "POST", "/api/annotations/{uid}/flags", "read"),
    ("create", "POST", "/api/annotations", "write"),
    ("edit", "PATCH", "/api/annotations/{uid}", "write"),
    ("delete", "DELETE", "/api/annotations/{uid}", "write"),
    ("password sign-in", "POST", "/api/tokens", "never"),
    ("sign-up", "POST", "/api/users", "never"),
    ("sessions", "GET", "/api/tokens", "never"),
    ("export", "GET", "/api/export?format=json", "never"),
    ("delete account", "DELETE", "/api/me", "never"),
    ("make a group", "POST", "/api/groups", "never"),
    ("sites", "GET", "/api/sites", "never"),
    ("hide", "PUT", "/api/annotations/{uid}/hidden", "never"),
]
ADMITS = {EXTENSION: {"read", "write", "never"}, LISTED: {"read", "write", "never"},
          WRITES: {"read", "write"}, READS: {"read"}, OFF: set(), STRANGER: set()}


@pytest.fixture
def cors_app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CORS_ORIGINS": [LISTED],
                      "OPEN_SIGNUP": False, "SAMPLE": False})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        for url, embed in ((WRITES, "signed-in"), (READS, "read-only"), (OFF, "off")):
            sites.add_site(sites.SHELL, _fields(url, embed))
        db.database.close()
    yield app
    if not db.database.is_closed():
        db.database.close()
    close_all = getattr(db.database.obj, "close_all", None)
    if close_all:
        close_all()


def _fields(url: str, embed: str):
    from postil import parse

    return parse.site_body({"url": url, "policy": {"embed": embed}}, partial=False)


@pytest.fixture
def reader(cors_app, make_user_in):
    return make_user_in(cors_app, "rita")


def preflight(client, origin: str, method: str, path: str):
    return client.open(path, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})


@pytest.mark.parametrize("origin", list(ADMITS), ids=["extension", "listed", "site-writes",
                                                       "site-read-only", "site-embed-off",
                                                       "unregistered"])
def test_each_origin_reaches_what_it_is_admitted_to(cors_app, reader, origin):
    client = cors_app.test_client()
    made = client.post("/api/annotations", json=annotation_body(visibility="public"),
                       headers=reader.headers)
    uid = made.get_json()["id"]
    wrong = []
    for name, method, path, kind in ENDPOINTS:
        path = path.format(uid=uid)
        expected = kind in ADMITS[origin]
        pre = preflight(client, origin, method, path)
        pre_ok = pre.headers.get("Access-Control-Allow-Origin") == origin and method in {
            m.strip() for m in pre.headers.get("Access-Control-Allow-Methods", "").split(",")}
        if pre_ok != expected:
            wrong.append(("preflight", name, pre_ok))
        if pre.headers.get("Access-Control-Allow-Credentials"):
            wrong.append(("credentials", name))
        # The actual request, anonymous so that nothing is changed by it: what matters is
        # whether the page may read the answer, an error included.
        res = client.open(path, method=method, headers={"Origin": origin})
        actual_ok = res.headers.get("Access-Control-Allow-Origin") == origin
        if actual_ok != expected:
            wrong.append(("actual", name, actual_ok, res.status_code))
        assert "Origin" in res.headers.get("Vary", "")
    assert wrong == []


def test_a_registered_site_writes_with_a_token_and_reads_the_answer(cors_app, reader):
    client = cors_app.test_client()
    made = client.post("/api/annotations", json=annotation_body(visibility="public"),
                       headers={**reader.headers, "Origin": WRITES})
    assert made.status_code == 201
    assert made.headers["Access-Control-Allow-Origin"] == WRITES
    assert "ETag" in made.headers["Access-Control-Expose-Headers"]
    uid = made.get_json()["id"]
    edit = client.patch(f"/api/annotations/{uid}", json={"note": "Changed."},
                        headers={**reader.headers, "Origin": WRITES})
    assert edit.status_code == 200 and edit.headers["Access-Control-Allow-Origin"] == WRITES


def test_a_removed_site_or_one_turned_off_is_refused_at_once_here(cors_app):
    client = cors_app.test_client()
    assert preflight(client, WRITES, "GET", "/api/annotations").headers.get(
        "Access-Control-Allow-Origin") == WRITES
    with cors_app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.change_site(sites.SHELL, "blog.example",
                          _fields_change({"policy": {"embed": "off"}}))
        db.database.close()
    assert "Access-Control-Allow-Origin" not in preflight(client, WRITES, "GET",
                                                          "/api/annotations").headers
    with cors_app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.remove_site(sites.SHELL, "reads.example")
        db.database.close()
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/annotations", headers={"Origin": READS}).headers


def _fields_change(body: dict):
    from postil import parse

    return parse.site_body(body, partial=True)


def test_another_process_removing_a_site_is_heard_within_the_cache_time(cors_app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(site_cors.time, "monotonic", lambda: clock[0])
    client = cors_app.test_client()
    assert client.get("/api/annotations", headers={"Origin": READS}).headers.get(
        "Access-Control-Allow-Origin") == READS
    # Another process (a worker, or `postil site remove`) deletes the site: this process's
    # listeners do not hear of it.
    with cors_app.app_context():
        db.database.connect(reuse_if_open=True)
        db.database.execute_sql("DELETE FROM site_origin WHERE origin = %s"
                                .replace("%s", db.database.param), [READS])
        db.database.close()
    clock[0] += site_cors.CACHE_SECONDS - 1
    assert client.get("/api/annotations", headers={"Origin": READS}).headers.get(
        "Access-Control-Allow-Origin") == READS
    clock[0] += 1
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/annotations", headers={"Origin": READS}).headers


def test_the_site_lookup_answers_every_origin(cors_app):
    client = cors_app.test_client()
    for origin in (STRANGER, OFF, WRITES):
        res = client.get("/api/sites/lookup?url=https://blog.example/", headers={"Origin": origin})
        assert res.headers["Access-Control-Allow-Origin"] == "*"
        pre = preflight(client, origin, "GET", "/api/sites/lookup?url=https://blog.example/")
        assert pre.headers["Access-Control-Allow-Origin"] == "*"
        assert "authorization" in pre.headers["Access-Control-Allow-Headers"].lower()


def test_where_members_write_others_are_refused_from_the_sites_pages(cors_app, reader,
                                                                     make_user_in):
    members = "https://members.example"
    with cors_app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, _fields(members, "members"))
        db.database.close()
    mel = make_user_in(cors_app, "mel")
    with cors_app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.set_person(sites.SHELL, "members.example", "mel", "member", True)
        db.database.close()
    client = cors_app.test_client()
    # The page may send writes (its embed writes) ...
    assert preflight(client, members, "POST", "/api/annotations").headers.get(
        "Access-Control-Allow-Origin") == members
    # ... but only its members' are taken, and the page may read why the others were not.
    refused = client.post("/api/annotations", json=annotation_body(),
                          headers={**reader.headers, "Origin": members})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "site_members_only"
    assert refused.headers["Access-Control-Allow-Origin"] == members
    assert client.get("/api/annotations", headers=reader.headers).get_json()["total"] == 0
    made = client.post("/api/annotations", json=annotation_body(),
                       headers={**mel.headers, "Origin": members})
    assert made.status_code == 201
    uid = made.get_json()["id"]
    # The same reader writes anywhere through the extension, and from a site open to all.
    assert client.post("/api/annotations", json=annotation_body(),
                       headers={**reader.headers, "Origin": EXTENSION}).status_code == 201
    assert client.post("/api/annotations", json=annotation_body(),
                       headers={**reader.headers, "Origin": WRITES}).status_code == 201
    # A member who is no longer one edits nothing more from there.
    with cors_app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.set_person(sites.SHELL, "members.example", "mel", "member", False)
        db.database.close()
    edit = client.patch(f"/api/annotations/{uid}", json={"note": "again"},
                        headers={**mel.headers, "Origin": members})
    assert edit.status_code == 403 and edit.get_json()["error"]["code"] == "site_members_only"


@pytest.fixture
def make_user_in():
    from postil.models import Token, User

    def make(app, name: str) -> Reader:
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            user = User(name=name)
            user.set_password("correct horse")
            user.save()
            token = Token.issue(user, "test")
            db.database.close()
        return Reader(name, token)

    return make
