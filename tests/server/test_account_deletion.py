"""Deleting one's account (`DELETE /api/me`): what the others see afterwards, on every read path.

A reader with a private and a public annotation, a private and a public tombstone, and a post
known only through her private reading deletes her account, choosing what becomes of her public
annotations. Then the same endpoints are asked by her old token, by another reader and by an
anonymous one, and the table below says what each must get: nothing private survives, and a
kept public annotation shows no author, on any path.
"""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import quote

import pytest

from conftest import Reader
from postil import create_app, db
from postil.models import MODELS, User

NAME = "quillon"  # the reader who leaves; a name found nowhere else in these answers
PRIVATE_WORD, PUBLIC_WORD = "zanzibarian", "quetzalish"
PRIVATE_TAG, PUBLIC_TAG = "only-mine", "for-all"
SECRET_URL = "https://quiet.example.net/draft/?preview=s3cr3t-preview"
SECRET_TITLE = "Draft nobody should see"
HIDDEN_POST = {"site": "quiet.example.net", "post_id": 77, "url": SECRET_URL,
               "title": SECRET_TITLE}
SHARED_POST = {"site": "loud.example.org", "post_id": 5,
               "url": "https://loud.example.org/shared/", "title": "A shared post"}
# Known through the leaver's private reading (its URL and title hers), and the other reader's.
SECRET_MODIFIED = "2031-07-04T05:06:07"  # when her private page said the post last changed
READ_BY_BOTH = {"site": "both.example.com", "post_id": 9, "url": SECRET_URL.replace(
    "quiet.example.net", "both.example.com"), "title": SECRET_TITLE,
    "modified_gmt": SECRET_MODIFIED}
JSONLD = "application/ld+json"
ANONYMOUS_NAME = "(anonymous)"  # the reserved author of anonymised annotations (models.py)


def _author(item: dict) -> str:
    return "no author" if item.get("user") is None else item["user"]


def _listing(client, reader, uid, **params) -> str:
    res = client.get("/api/annotations", query_string=params, headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    items = [a for a in res.get_json()["items"] if a["id"] == uid]
    if not items:
        return "hidden"
    a = items[0]
    state = "tombstone" if a["deleted"] else "live"
    return f"{state}({_author(a)})"


def _read(client, reader, made) -> str:
    res = client.get(f"/api/annotations/{made['id']}", headers=reader.headers)
    return f"200({_author(res.get_json())})" if res.status_code == 200 else str(res.status_code)


def _posts_list(client, reader, made) -> str:
    post_pk = made["post"]["id"]
    res = client.get("/api/posts", headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    match = [p for p in res.get_json()["items"] if p["id"] == post_pk]
    return f"listed({match[0]['annotation_count']})" if match else "unlisted"


def _post_get(client, reader, made) -> str:
    res = client.get(f"/api/posts/{made['post']['id']}", headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    return f"200({res.get_json()['annotation_count']})"


def _w3c_read(client, reader, made) -> str:
    res = client.get(f"/w3c/annotations/{made['id']}", headers=reader.headers | {"Accept": JSONLD})
    if res.status_code != 200:
        return str(res.status_code)
    creator = res.get_json().get("creator")
    return f"200({creator['nickname'] if creator else 'no creator'})"


def _w3c_container(client, reader, made) -> str:
    res = client.get("/w3c/annotations/?page=0&iris=0",
                     headers=reader.headers | {"Accept": JSONLD})
    if res.status_code != 200:
        return str(res.status_code)
    items = [a for a in res.get_json()["items"] if a["id"].endswith(made["id"])]
    if not items:
        return "hidden"
    creator = items[0].get("creator")
    return f"seen({creator['nickname'] if creator else 'no creator'})"


def _export(author: str):
    def run(client, reader, made) -> str:
        res = client.get("/api/export", query_string={"format": "json", "user": author},
                         headers=reader.headers)
        if res.status_code != 200:
            return str(res.status_code)
        items = [a for a in res.get_json()["annotations"] if a["id"] == made["id"]]
        return f"seen({_author(items[0])})" if items else "hidden"
    return run


def _word(made: dict) -> str:
    return PRIVATE_WORD if made["visibility"] == "private" else PUBLIC_WORD


def _tag(made: dict) -> str:
    return PRIVATE_TAG if made["visibility"] == "private" else PUBLIC_TAG


ENDPOINTS = {
    "read": _read,
    "query": lambda c, r, m: _listing(c, r, m["id"]),
    "query q=": lambda c, r, m: _listing(c, r, m["id"], q=_word(m)),
    "query tag=": lambda c, r, m: _listing(c, r, m["id"], tag=_tag(m)),
    "query post=": lambda c, r, m: _listing(c, r, m["id"], post=str(m["post"]["id"])),
    "query user=": lambda c, r, m: _listing(c, r, m["id"], user=NAME),
    "sync": lambda c, r, m: _listing(c, r, m["id"], updated_since="2000-01-01T00:00:00Z",
                                     include_deleted="1", sort="updated"),
    "posts list": _posts_list,
    "post get": _post_get,
    "w3c read": _w3c_read,
    "w3c container": _w3c_container,
    "export by name": _export(NAME),
    "export anonymous": _export(ANONYMOUS_NAME),
}

GONE = {endpoint: "401" for endpoint in ENDPOINTS}  # the old token is signed out everywhere
PRIVATE_GONE = {
    "read": "404", "query": "hidden", "query q=": "hidden", "query tag=": "hidden",
    "query post=": "hidden", "query user=": "hidden", "sync": "hidden",
    # The post only her private annotation made is gone with it.
    "posts list": "unlisted", "post get": "404", "w3c read": "404", "w3c container": "hidden",
    "export by name": "hidden", "export anonymous": "hidden"}
PUBLIC_DELETED = PRIVATE_GONE | {
    # A tombstone, emptied and with no author, tells syncing clients it is gone.
    "sync": "tombstone(no author)",
    # The shared post stays, with the other reader's annotation.
    "posts list": "listed(1)", "post get": "200(1)"}
PUBLIC_ANONYMISED = {
    "read": "200(no author)", "query": "live(no author)", "query q=": "live(no author)",
    "query tag=": "live(no author)", "query post=": "live(no author)", "query user=": "hidden",
    "sync": "live(no author)", "posts list": "listed(2)", "post get": "200(2)",
    "w3c read": "200(no creator)", "w3c container": "seen(no creator)",
    "export by name": "hidden", "export anonymous": "seen(no author)"}

# (choice, viewer) -> (the private annotation's outcomes, the public one's)
EXPECTED = {
    ("delete", "owner"): (GONE, GONE),
    ("delete", "other"): (PRIVATE_GONE, PUBLIC_DELETED),
    ("delete", "anonymous"): (PRIVATE_GONE, PUBLIC_DELETED),
    ("anonymise", "owner"): (GONE, GONE),
    ("anonymise", "other"): (PRIVATE_GONE, PUBLIC_ANONYMISED),
    ("anonymise", "anonymous"): (PRIVATE_GONE, PUBLIC_ANONYMISED),
}


@pytest.fixture
def leaver(make_user):
    return make_user(NAME, "leaving for good")


@pytest.fixture
def history(client, leaver, bob, create):
    """What the leaver made, and the other reader beside it; returns the ids and posts."""
    private = create(leaver, post=HIDDEN_POST, note=f"my {PRIVATE_WORD} thought",
                     tags=[PRIVATE_TAG], quote=f"{PRIVATE_WORD} passage")
    public = create(leaver, post=SHARED_POST, visibility="public",
                    note=f"a {PUBLIC_WORD} remark", tags=[PUBLIC_TAG])
    for visibility in ("private", "public"):
        gone = create(leaver, post=SHARED_POST, visibility=visibility, note=PRIVATE_WORD)
        assert client.delete(f"/api/annotations/{gone['id']}",
                             headers=leaver.headers).status_code == 204
    create(leaver, post=READ_BY_BOTH, note=PRIVATE_WORD)
    create(bob, post=SHARED_POST, visibility="public", note="the other reader's")
    create(bob, post={"site": "both.example.com", "post_id": 9,
                      "url": "https://both.example.com/?p=9", "title": "Nine"}, note="bob's own")
    return private, public


def delete_me(client, reader, choice, password="leaving for good"):
    return client.delete("/api/me", json={"password": password, "public_annotations": choice},
                         headers=reader.headers)


@pytest.mark.parametrize("choice, viewer", list(EXPECTED), ids=[f"{c}-{v}" for c, v in EXPECTED])
def test_after_deletion_each_viewer_sees_what_the_table_says(client, leaver, bob, anon, history,
                                                             choice, viewer):
    private, public = history
    assert delete_me(client, leaver, choice).status_code == 204
    reader = {"owner": leaver, "other": bob, "anonymous": anon}[viewer]
    seen = tuple({name: ask(client, reader, made)
                  for name, ask in ENDPOINTS.items()} for made in (private, public))
    assert seen == EXPECTED[(choice, viewer)]


def test_the_table_covers_every_endpoint():
    for row in EXPECTED.values():
        for outcomes in row:
            assert set(outcomes) == set(ENDPOINTS)


def text_of(res) -> str:
    """The answer's text; a zip's names and members, joined."""
    if res.mimetype != "application/zip":
        return res.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(res.get_data())) as archive:
        return "\n".join(name + "\n" + archive.read(name).decode()
                         for name in archive.namelist())


def every_answer(client, reader: Reader, public: dict) -> list[tuple[str, str]]:
    """Ask every read path the other readers have; return (what, body) pairs."""
    paths = ["/api/annotations?limit=200", "/api/annotations?include_deleted=1&limit=200"
             "&updated_since=2000-01-01T00:00:00Z&sort=updated",
             f"/api/annotations?user={NAME}", f"/api/annotations?q={PRIVATE_WORD}",
             f"/api/annotations?tag={PRIVATE_TAG}", "/api/posts?limit=200",
             f"/api/posts?q={SECRET_TITLE.split()[0]}",
             f"/api/annotations?url={quote(SECRET_URL, safe='')}",
             f"/api/annotations/{public['id']}", f"/api/posts/{public['post']['id']}",
             f"/api/posts/{public['post']['id']}/popular", f"/w3c/users/{NAME}",
             f"/w3c/users/{ANONYMOUS_NAME}", f"/w3c/annotations/{public['id']}"]
    for fmt in ("markdown", "zip", "json", "jsonld", "csv", "html"):
        for author in (NAME, ANONYMOUS_NAME):
            paths.append(f"/api/export?format={fmt}&user={author}")
    paths.append(f"/api/export?format=csv&flavor=readwise&user={ANONYMOUS_NAME}")
    answers = []
    for path in paths:
        answers.append((path, text_of(client.get(path, headers=reader.headers))))
    post_pks = {p["id"] for p in client.get("/api/posts?limit=200").get_json()["items"]}
    for pk in post_pks | {public["post"]["id"]}:
        answers.append((f"post {pk}", client.get(f"/api/posts/{pk}",
                                                 headers=reader.headers).get_data(as_text=True)))
    for container in ["/w3c/annotations/?page=0&iris=0",
                      *(f"/w3c/posts/{pk}/?page=0&iris=0" for pk in post_pks)]:
        for accept in (JSONLD, "text/turtle"):
            res = client.get(container, headers=reader.headers | {"Accept": accept})
            answers.append((f"{container} as {accept}", res.get_data(as_text=True)))
    res = client.get(f"/w3c/annotations/{public['id']}",
                     headers=reader.headers | {"Accept": "text/turtle"})
    answers.append(("one annotation as Turtle", res.get_data(as_text=True)))
    return answers


@pytest.mark.parametrize("batch", [1000, 1], ids=["one batch", "a batch per annotation"])
@pytest.mark.parametrize("choice", ["delete", "anonymise"])
def test_no_answer_keeps_a_trace_of_the_deleted_reader(monkeypatch, client, leaver, bob, anon,
                                                       history, choice, batch):
    # A large account goes in several writes (store/account_deletion.py): the end is the same.
    from postil.store import account_deletion

    monkeypatch.setattr(account_deletion, "BATCH", batch)
    private, public = history
    assert delete_me(client, leaver, choice).status_code == 204
    for reader in (bob, anon):
        answers = every_answer(client, reader, public)
        for what, body in answers:
            traces = {NAME, PRIVATE_WORD, PRIVATE_TAG, "s3cr3t-preview", SECRET_TITLE,
                      SECRET_MODIFIED, private["id"]}
            if NAME in what:
                traces.remove(NAME)  # an export's title repeats the author it was asked for
            for trace in traces:
                assert trace not in body, f"{what} keeps {trace!r}"
        joined = "\n".join(body for _, body in answers)
        # Anonymised, the public note stays for everyone; deleted, it is nowhere.
        assert (PUBLIC_WORD in joined) == (choice == "anonymise")


@pytest.mark.parametrize("choice", ["delete", "anonymise"])
def test_the_database_keeps_nothing_of_the_deleted_reader(app, client, leaver, history, choice):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            user_id = User.get(User.name == NAME).id
        finally:
            db.database.close()
    # A failed sign-in under the name leaves a count behind, which goes with the account.
    assert client.post("/api/tokens", json={"username": NAME, "password": "not it"}
                       ).status_code == 401
    assert delete_me(client, leaver, choice).status_code == 204
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            dump = {}
            for table in (m._meta.table_name for m in MODELS):
                cursor = db.database.execute_sql(f'SELECT * FROM "{table}"')
                columns = [d[0] for d in cursor.description]
                dump[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        finally:
            db.database.close()
    text = json.dumps(dump, default=str)
    for trace in (NAME, PRIVATE_WORD, PRIVATE_TAG, "s3cr3t-preview", SECRET_TITLE,
                  SECRET_MODIFIED):
        assert trace not in text
    # Nothing refers to the old id: SQLite may give it to the next account.
    for table, rows in dump.items():
        for row in rows:
            for column, value in row.items():
                if (column == "user_id" or column.endswith("_user")
                        or (table == "user" and column == "id")):
                    assert value != user_id, f"{table}.{column} still names the deleted reader"


def test_the_deleted_reader_cannot_sign_in_again_and_the_name_is_free(client, leaver, history):
    assert delete_me(client, leaver, "delete").status_code == 204
    res = client.post("/api/tokens", json={"username": NAME, "password": "leaving for good"})
    assert res.status_code == 401
    assert client.get("/api/me", headers=leaver.headers).status_code == 401


def test_nobody_can_sign_in_as_the_anonymous_author(client, leaver, history):
    assert delete_me(client, leaver, "anonymise").status_code == 204
    for password in ("", "!no-password", "no-password", ANONYMOUS_NAME):
        res = client.post("/api/tokens", json={"username": ANONYMOUS_NAME,
                                               "password": password or "x"})
        assert res.status_code in (400, 401)
        assert "token" not in (res.get_json() or {})


def test_a_second_deleted_account_shares_the_one_anonymous_author(client, leaver, make_user,
                                                                  create):
    other = make_user("penwright", "also leaving")
    a = create(leaver, visibility="public", note="first")
    b = create(other, visibility="public", note="second")
    assert delete_me(client, leaver, "anonymise").status_code == 204
    assert delete_me(client, other, "anonymise", "also leaving").status_code == 204
    for made in (a, b):
        got = client.get(f"/api/annotations/{made['id']}").get_json()
        assert got["user"] is None and got["version"] == 2


def test_a_post_wordpress_registered_stays(app, client, leaver, create, alice):
    app.config["POST_EDITORS"] = ["alice"]
    wp = {"id": 31, "link": "https://wp.example/hello/", "title": {"rendered": "Hello"},
          "_links": {"self": [{"href": "https://wp.example/wp-json/wp/v2/posts/31"}]}}
    res = client.put("/api/posts", json=wp, headers=alice.headers)
    assert res.status_code == 201
    create(leaver, post={"site": "wp.example", "post_id": 31}, note=PRIVATE_WORD)
    created = create(leaver, post={"site": "wp.example", "post_id": 32}, note=PRIVATE_WORD)
    assert delete_me(client, leaver, "delete").status_code == 204
    assert client.get(f"/api/posts/{res.get_json()['id']}").status_code == 200
    assert client.get(f"/api/posts/{created['post']['id']}",
                      headers=alice.headers).status_code == 404


@pytest.mark.parametrize("body, status, code", [
    ({"password": "leaving for good"}, 400, "validation_error"),
    ({"password": "leaving for good", "public_annotations": "keep"}, 400, "validation_error"),
    ({"public_annotations": "delete"}, 400, "validation_error"),
    ({"password": "wrong", "public_annotations": "delete"}, 403, "wrong_password"),
])
def test_a_refused_deletion_changes_nothing(client, leaver, history, body, status, code):
    private, public = history
    res = client.delete("/api/me", json=body, headers=leaver.headers)
    assert res.status_code == status and res.get_json()["error"]["code"] == code
    assert client.get("/api/me", headers=leaver.headers).status_code == 200
    for made in (private, public):
        got = client.get(f"/api/annotations/{made['id']}", headers=leaver.headers).get_json()
        assert got["user"] == NAME and got["version"] == 1


def test_wrong_passwords_count_as_failed_sign_ins_and_are_throttled(database_url, make_user):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "SIGNIN_FREE_FAILURES": 2, "SIGNIN_DELAY_SECONDS": 30})
    client = app.test_client()
    leaver = make_user(NAME, "leaving for good")
    for _ in range(3):
        res = delete_me(client, leaver, "delete", password="not it")
        assert res.status_code == 403 and res.get_json()["error"]["code"] == "wrong_password"
    # A stolen token is no faster way to guess: now even the right password must wait.
    res = delete_me(client, leaver, "delete")
    assert res.status_code == 429 and res.headers["Retry-After"] == "30"
    assert client.get("/api/me", headers=leaver.headers).status_code == 200
    db.database.close()
