"""Queries by tag and full-text show each reader exactly what they may see, as writes go on.

A query by tag reads the tag's rows, which carry copies of what the visibility rule reads
(migration 0019); SQLite's full-text index names who may read each annotation at most
(migration 0020). Both are kept by triggers. Four readers ask by tag, by word, by both and by
post (the annotation table's own path, for comparison) after each kind of change that moves
what they may see: a change of visibility, a moderator's hide, leaving a group, an edit of the
tags and the note, a delete. Each answer's items and its `total` (with a page of all, of one,
and the count alone) must be the reader's, on both databases.
"""

from __future__ import annotations

import uuid

from playhouse.migrations import Runner

from conftest import Reader, annotation_body
from postil import create_app, db
from postil.models import TAG_CARRIES, Token, User

WORD = "quokka"
TAG = "marginalia"
PATHS = {
    "tag": f"/api/annotations?tag={TAG}",
    "word": f"/api/annotations?q={WORD}",
    "tag and word": f"/api/annotations?tag={TAG}&q={WORD}",
    "post": "/api/annotations?site=blog.example.org&post_id=42",
}


def _seen(client, reader, path: str) -> tuple[set[str], int]:
    res = client.get(path + "&limit=50", headers=reader.headers)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    ids = {a["id"] for a in body["items"]}
    one = client.get(path + "&limit=1", headers=reader.headers).get_json()
    alone = client.get(path + "&limit=0", headers=reader.headers).get_json()
    assert one["total"] == alone["total"] == body["total"], (path, reader.name)
    assert len(one["items"]) == min(1, len(ids)) and set(x["id"] for x in one["items"]) <= ids
    return ids, body["total"]


def _carried_copies_agree() -> None:
    """Every tag row's copies equal its annotation's columns (the triggers kept up)."""
    columns = [c if c not in ("user", "group") else c + "_id" for c in TAG_CARRIES]
    listed = ", ".join(f't."{c}"' for c in columns)
    own = ", ".join(f'a."{c}"' for c in columns)
    rows = db.database.execute_sql(
        f'SELECT {listed}, {own} FROM annotation_tag t JOIN annotation a '
        f'ON a.pk = t.annotation_id').fetchall()
    assert rows
    n = len(columns)
    for row in rows:
        assert [bool(x) if isinstance(x, int) and c in ("hidden", "shares_id", "deleted") else x
                for c, x in zip(columns, row[:n], strict=True)] == [
            bool(x) if isinstance(x, int) and c in ("hidden", "shares_id", "deleted") else x
            for c, x in zip(columns, row[n:], strict=True)], row
    if isinstance(db.database.obj, db.SqliteDatabase):
        # The full-text index agrees with its rows (raises if not).
        db.database.execute_sql(
            "INSERT INTO annotation_fts(annotation_fts) VALUES ('integrity-check')")


def test_tag_and_word_queries_follow_every_change_of_who_may_see(client, app, make_user, anon):
    ann, ben, cy = (make_user(n) for n in ("ann", "ben", "cy"))
    readers = {"ann": ann, "ben": ben, "cy": cy, "anon": anon}
    gid = client.post("/api/groups", json={"name": "Readers"}, headers=ann.headers
                      ).get_json()["id"]
    for member in (ben, cy):
        token = client.post(f"/api/groups/{gid}/invites", json={}, headers=ann.headers
                            ).get_json()["token"]
        assert client.post(f"/api/invites/{token}/accept", headers=member.headers
                           ).status_code == 200

    def made(reader, **over) -> str:
        body = annotation_body(**{"note": f"a {WORD} in the margin", "tags": [TAG, "other"],
                                  **over})
        res = client.post("/api/annotations", json=body, headers=reader.headers)
        assert res.status_code == 201, res.get_json()
        return res.get_json()["id"]

    def edit(reader, uid: str, **change) -> None:
        res = client.patch(f"/api/annotations/{uid}", json=change, headers=reader.headers)
        assert res.status_code == 200, res.get_json()

    private_ann = made(ann)
    public_ann = made(ann, visibility="public")
    group_ben = made(ben, visibility="group", group=gid)
    group_ann = made(ann, visibility="group", group=gid)
    public_cy = made(cy, visibility="public")
    made(cy, note="nothing to find here", tags=["elsewhere"])  # matches no tag or word query

    def check(want, step):
        # By post, cy also sees her own that matches neither tag nor word (`extra`).
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            _carried_copies_agree()
            db.database.close()
        for name, reader in readers.items():
            for kind, path in PATHS.items():
                ids, total = _seen(client, reader, path)
                expected = set(want[name]) | (extra[name] if kind == "post" else set())
                assert ids == expected, (step, name, kind)
                assert total == len(expected), (step, name, kind)

    extra = {"ann": set(), "ben": set(), "cy": set(), "anon": set()}
    extra["cy"] = {a["id"] for a in client.get(PATHS["post"] + "&limit=50", headers=cy.headers)
                   .get_json()["items"]} - {public_ann, group_ben, group_ann, public_cy}
    assert len(extra["cy"]) == 1

    everyone = {public_ann, public_cy}
    members = everyone | {group_ben, group_ann}
    check({"ann": members | {private_ann}, "ben": members, "cy": members, "anon": everyone},
          "made")

    # Visibility changes: a private one made public, a public one made private.
    edit(ann, private_ann, visibility="public")
    edit(ann, public_ann, visibility="private")
    everyone = {private_ann, public_cy}
    members = everyone | {group_ben, group_ann}
    check({"ann": members | {public_ann}, "ben": members, "cy": members, "anon": everyone},
          "visibility changed")

    # The group's owner hides ben's: its author and the group's moderators still see it.
    assert client.put(f"/api/annotations/{group_ben}/hidden", headers=ann.headers
                      ).status_code == 200
    check({"ann": members | {public_ann}, "ben": members, "cy": members - {group_ben},
           "anon": everyone}, "hidden by a moderator")

    # cy leaves the group: its annotations are out of her sight at once.
    assert client.delete(f"/api/groups/{gid}/members/cy", headers=cy.headers
                         ).status_code == 204
    check({"ann": members | {public_ann}, "ben": members, "cy": everyone, "anon": everyone},
          "left the group")

    # New tags and a new note: the rows written again carry the rule's columns as they are
    # now (ben's stays hidden; the group's stays the group's).
    edit(ben, group_ben, tags=["other", TAG], note=f"still a {WORD}, rewritten")
    edit(ann, group_ann, tags=[TAG], note=f"{WORD} again")
    check({"ann": members | {public_ann}, "ben": members, "cy": everyone, "anon": everyone},
          "tags and note rewritten")

    # The group's one made private by its author: ben no longer sees it.
    edit(ann, group_ann, visibility="private")
    check({"ann": members | {public_ann}, "ben": members - {group_ann}, "cy": everyone,
           "anon": everyone}, "group one made private")

    # Deleted: gone for everyone, the author too.
    for uid in (private_ann, group_ann):
        assert client.delete(f"/api/annotations/{uid}", headers=ann.headers).status_code == 204
    everyone = {public_cy}
    check({"ann": {public_ann, group_ben, public_cy}, "ben": {group_ben, public_cy},
           "cy": everyone, "anon": everyone}, "deleted")


def test_upgrading_puts_public_words_in_their_own_columns_and_finds_the_same(tmp_path):
    """0021 on a database at 0020 with annotations in it (SQLite's index: public words in
    columns of their own). Afterwards each reader's search finds what the rule lets them see,
    the index agrees with its rows, a later change of visibility moves a row in and out of
    sight, and going back down to 0020 finds the same again."""
    path = tmp_path / "old.db"
    database = db.open_database(f"sqlite:///{path}")
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0020_fulltext_knows_readers")
        sql = database.execute_sql
        for uid, name in ((1, "ann"), (2, "ben"), (3, "cy")):
            sql('INSERT INTO "user" (id, name, name_key, password_hash, created_us) '
                "VALUES (?, ?, ?, 'x', 1)", [uid, name, name])
        sql('INSERT INTO "group" (id, gid, name, description, created_us, updated_us) '
            "VALUES (1, 'g1', 'Readers', '', 1, 1)")
        for user in (1, 2):  # cy is in no group
            sql("INSERT INTO membership (group_id, user_id, role, joined_us) VALUES (1, ?, ?, 1)",
                [user, "owner" if user == 1 else "member"])
        sql("INSERT INTO post (id, site, post_id, url, title, guid, type, slug, content_html, "
            "text, registered, created_us, updated_us) VALUES (1, 'blog.example.org', 42, '', "
            "'', '', '', '', '', '', 0, 1, 1)")
        rows = {  # name: (author, visibility, group, note)
            "ann private": (1, "private", None, f"a {WORD} kept"),
            "ann public": (1, "public", None, f"the {WORD} for all"),
            "ben group": (2, "group", 1, f"{WORD} among friends"),
            "cy private": (3, "private", None, f"my {WORD}"),
            "cy public": (3, "public", None, f"tags and {WORD}"),
            "cy public, no word": (3, "public", None, "nothing here"),
        }
        for n, (name, (author, visibility, group, note)) in enumerate(rows.items(), 1):
            sql("INSERT INTO annotation (pk, uid, post_id, user_id, quote, selectors, note, "
                "note_html, color, tags, tags_text, visibility, deleted, created_us, "
                "updated_us, version, group_id) VALUES (?, ?, 1, ?, ?, '[]', ?, '', "
                "'yellow', ?, ?, ?, 0, ?, ?, 1, ?)",
                [n, str(uuid.UUID(int=n)), author, name, note,
                 f'["{TAG}"]' if author == 3 else "[]", TAG if author == 3 else "", visibility,
                 n, n, group])
    database.close()

    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "SAMPLE": False})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        columns = [r[1] for r in db.database.execute_sql(
            "SELECT * FROM pragma_table_info('annotation_fts')")]
        assert columns[:3] == ["public_quote", "public_note", "public_tags"]
        readers = {name: Reader(name, Token.issue(User.get(User.id == uid)))
                   for uid, name in ((1, "ann"), (2, "ben"), (3, "cy"))}
        db.database.close()
    readers["anon"] = Reader("anon", None)
    client = app.test_client()
    uid_of = {name: str(uuid.UUID(int=n)) for n, name in enumerate(rows, 1)}

    def found(q: str = WORD) -> dict[str, set[str]]:
        seen = {}
        for name, reader in readers.items():
            body = client.get(f"/api/annotations?q={q}&limit=50", headers=reader.headers
                              ).get_json()
            assert body["total"] == len(body["items"]), name
            seen[name] = {a["quote"] for a in body["items"]}
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            db.database.execute_sql(
                "INSERT INTO annotation_fts(annotation_fts) VALUES ('integrity-check')")
            db.database.close()
        return seen

    everyone = {"ann public", "cy public"}
    want = {"ann": everyone | {"ann private", "ben group"}, "ben": everyone | {"ben group"},
            "cy": everyone | {"cy private"}, "anon": everyone}
    assert found() == want
    # A tag is a word of the index too: cy's public one by its tag, for every reader.
    assert found(TAG)["anon"] == {"cy public", "cy public, no word"}

    # Made public, made private: the rows move between the columns.
    for uid, visibility in ((uid_of["cy private"], "public"), (uid_of["ann public"], "private")):
        res = client.patch(f"/api/annotations/{uid}", json={"visibility": visibility},
                           headers=readers["cy" if uid == uid_of["cy private"] else "ann"].headers)
        assert res.status_code == 200, res.get_json()
    everyone = {"cy private", "cy public"}
    want = {"ann": everyone | {"ann private", "ann public", "ben group"},
            "ben": everyone | {"ben group"}, "cy": everyone, "anon": everyone}
    assert found() == want

    # Down to 0020's index and its query: the same answers.
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        Runner(db.database.obj, db.MIGRATIONS_DIR).down("0021_fulltext_public_columns")
        db.database.execute_sql(
            "INSERT INTO annotation_fts(annotation_fts) VALUES ('integrity-check')")
        db.database.close()
    words = {"ann": "(public OR u1 OR g1)", "ben": "(public OR u2 OR g1)", "cy": "(public OR u3)"}
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        for name, readable in words.items():
            got = {r[0] for r in db.database.execute_sql(
                "SELECT a.quote FROM annotation_fts f JOIN annotation a ON a.pk = f.rowid "
                "WHERE annotation_fts MATCH ?",
                [f'{{quote note tags_text}}: ("{WORD}") AND {{access}}: {readable}'])}
            assert got == want[name], name
        db.database.close()
