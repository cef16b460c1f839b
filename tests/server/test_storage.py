"""Storage: numbered migrations through `postil db upgrade` on PostgreSQL (SQLite's run is in
test_cli.py) and on first start; full-text search is exercised on both backends in test_query.py."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from playhouse.migrations import Runner

from postil import create_app, db

POSTIL = str(Path(sys.executable).with_name("postil"))


def pg_schema(url: str) -> tuple[set[str], set[str]]:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public'")
        tables = {name for (name,) in cur.fetchall()}
        cur.execute("SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'annotation'")
        columns = {name for (name,) in cur.fetchall()}
    conn.close()
    return tables, columns


def upgrade(url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env |= {"POSTIL_DATA_DIR": str(tmp_path), "POSTIL_DATABASE_URL": url}
    proc = subprocess.run([POSTIL, "db", "upgrade"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_db_upgrade_on_postgresql_is_idempotent(fresh_pg_url, tmp_path):
    assert "0001" in upgrade(fresh_pg_url, tmp_path).stdout
    tables, columns = pg_schema(fresh_pg_url)
    assert {"user", "token", "post", "annotation", "annotation_tag"} <= tables
    assert "search" in columns  # the generated tsvector full-text search reads
    assert "up to date" in upgrade(fresh_pg_url, tmp_path).stdout
    assert pg_schema(fresh_pg_url) == (tables, columns)
    assert not list(tmp_path.iterdir())  # no SQLite file appeared beside it


def test_the_app_migrates_a_new_database_on_first_start(tmp_path):
    path = tmp_path / "new" / "postil.db"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "SAMPLE": False})
    try:
        with db.database.obj.connection_context():
            status = Runner(db.database.obj, db.MIGRATIONS_DIR).status()
        assert status and all(m.applied is not None for m in status)
        client = app.test_client()
        assert client.get("/api/annotations").get_json()["total"] == 0
    finally:
        if not db.database.is_closed():
            db.database.close()
    assert path.exists()


def test_upgrading_records_whose_private_annotation_named_a_posts_url(tmp_path):
    """0003 on a database with data: a post only one reader's private annotations know keeps its
    URL and title for that reader; registered posts and posts with a public annotation stay
    everyone's."""
    from playhouse.migrations import Runner

    database = db.open_database(f"sqlite:///{tmp_path / 'old.db'}")
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0002_drop_prefix_indexes")
        sql = database.execute_sql
        for uid, name in ((1, "alice"), (2, "bob")):
            sql('INSERT INTO "user" (id, name, password_hash, created_us) VALUES (?, ?, ?, 1)',
                [uid, name, "x"])
        for pid, registered in ((1, 0), (2, 0), (3, 1), (4, 0), (5, 0)):
            sql("INSERT INTO post (id, site, post_id, url, title, guid, type, slug, "
                "content_html, text, registered, created_us, updated_us) "
                "VALUES (?, 's.example', ?, ?, 't', '', '', '', '', '', ?, 1, 1)",
                [pid, pid, f"https://s.example/{pid}?key=k", registered])
        rows = [  # pk, post, user, visibility, created
            (1, 1, 2, "private", 5), (2, 1, 2, "private", 9),  # post 1: only Bob's
            (3, 2, 1, "private", 1), (4, 2, 2, "public", 2),  # post 2: one public
            (5, 3, 1, "private", 1),  # post 3: registered
            (6, 5, 1, "private", 9), (7, 5, 2, "private", 1),  # post 5: two readers' private
        ]  # post 4: no annotations at all
        for pk, post, user, visibility, created in rows:
            sql("INSERT INTO annotation (pk, uid, post_id, user_id, quote, selectors, note, "
                "note_html, color, tags, tags_text, visibility, deleted, created_us, "
                "updated_us, version) VALUES (?, ?, ?, ?, '', '[]', '', '', 'yellow', '[]', '', "
                "?, 0, ?, ?, 1)", [pk, str(uuid.UUID(int=pk)), post, user, visibility,
                                   created, created])
        Runner(database, db.MIGRATIONS_DIR).up()
        got = dict(sql("SELECT id, url_user FROM post").fetchall())
    database.close()
    # Post 5: whose URL was kept cannot be told (an earlier one may have lacked a title, an
    # import keeps its own date), so nobody is shown it.
    # Post 4 (no annotation left to say whose) likewise.
    assert got == {1: 2, 2: None, 3: None, 4: -1, 5: -1}


WIDE = "".join(chr(0x4E00 + 37 * i) for i in range(100)) + ".example"  # 290 in Punycode


def test_upgrading_writes_non_ascii_hosts_in_punycode_and_merges_the_two_spellings(
        empty_database):
    """0005: keys stored with a Unicode host become what browsers send; a post stored under both
    spellings becomes one, keeping WordPress's metadata, every annotation and every address."""
    from playhouse.migrations import Runner

    database = db.open_database(empty_database)
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0004_post_url")
        p = database.param

        def sql(query, params=()):
            return database.execute_sql(query.replace("?", p), list(params))

        sql('INSERT INTO "user" (id, name, password_hash, created_us) VALUES (1, ?, ?, 1)',
            ["alice", "x"])
        posts = [  # id, site, post_id, url_key, link_key, registered, title, url_user
            (1, "bücher.example/blog", 7, None, "bücher.example/blog/p", 1, "From WordPress",
             None),
            (2, "xn--bcher-kva.example/blog", 7, None, "xn--bcher-kva.example/blog?p=7", 0, "",
             1),
            (3, "straße.de", 3, None, None, 0, "", None),
            (4, "münchen.de", None, "münchen.de/a?b=1", "münchen.de/a?b=1", 0, "", None),
            (5, "plain.example", 1, None, "plain.example/x", 0, "", None),
            # Spellings the old normaliser left: a "www" before an ideographic full stop, a
            # trailing one, a percent-encoded host; and a site too wide once in Punycode.
            (6, "www\u3002bücher.example", 8, None, None, 0, "", None),
            (7, "bücher.example\u3002", 9, None, None, 0, "", None),
            (8, "b%c3%bccher.example", 10, None, None, 0, "", None),
            (9, WIDE, 11, None, None, 0, "", None),
            # Registered under the Unicode site; the browser's row (ASCII site, but a link key
            # an API client wrote in Unicode) comes first and is the one kept.
            (10, "xn--khl-hoa.example", 5, None, "kühl.example/?p=5", 0, "", None),
            (11, "kühl.example", 5, None, "kühl.example/2026/cool", 1, "Cool", None),
        ]
        for pid, site, post_id, url_key, link_key, registered, title, url_user in posts:
            sql("INSERT INTO post (id, site, post_id, url_key, link_key, url, title, guid, type, "
                "slug, content_html, text, registered, created_us, updated_us, url_user) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', '', '', ?, 1, 1, ?)",
                [pid, site, post_id, url_key, link_key, f"https://{link_key or site}/", title,
                 registered == 1, url_user])
        for pk, post in ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 11)):
            sql("INSERT INTO annotation (pk, uid, post_id, user_id, quote, selectors, note, "
                "note_html, color, tags, tags_text, visibility, deleted, created_us, "
                "updated_us, version) VALUES (?, ?, ?, 1, '', '[]', '', '', 'yellow', '[]', '', "
                "'private', ?, 10, 10, 1)", [pk, str(uuid.UUID(int=pk)), post, False])
        sql("INSERT INTO post_url (post_id, url_key, url_user, created_us) VALUES (?, ?, 0, 1)",
            [1, "bücher.example/blog/old"])

        Runner(database, db.MIGRATIONS_DIR).up()

        got_posts = {row[0]: row[1:] for row in sql(
            "SELECT id, site, post_id, url_key, link_key, registered, title, url_user FROM post")}
        got_annotations = {row[0]: row[1:] for row in sql(
            "SELECT pk, post_id, version, updated_us FROM annotation")}
        got_urls = sorted(tuple(row) for row in sql(
            "SELECT post_id, url_key, url_user FROM post_url"))
    database.close()
    assert got_posts == {
        2: ("xn--bcher-kva.example/blog", 7, None, "xn--bcher-kva.example/blog/p", True,
            "From WordPress", None),
        3: ("xn--strae-oqa.de", 3, None, None, False, "", None),
        4: ("xn--mnchen-3ya.de", None, "xn--mnchen-3ya.de/a?b=1", "xn--mnchen-3ya.de/a?b=1",
            False, "", None),
        5: ("plain.example", 1, None, "plain.example/x", False, "", None),
        6: ("xn--bcher-kva.example", 8, None, None, False, "", None),
        7: ("xn--bcher-kva.example", 9, None, None, False, "", None),
        8: ("xn--bcher-kva.example", 10, None, None, False, "", None),
        9: (WIDE, 11, None, None, False, "", None),
        10: ("xn--khl-hoa.example", 5, None, "xn--khl-hoa.example/2026/cool", True, "Cool",
             None),
    }
    # Every annotation whose post key changed is a new version, seen by `updated_since`.
    assert {pk: row[0] for pk, row in got_annotations.items()} == {
        1: 2, 2: 2, 3: 3, 4: 4, 5: 5, 6: 10}
    assert {pk for pk, row in got_annotations.items() if row[1] == 2 and row[2] > 10} == {
        1, 2, 3, 4, 6}
    assert got_annotations[5][1:] == (1, 10)
    # The addresses both rows were read at still lead to the post; the one only Alice's private
    # annotation gave stays hers.
    assert got_urls == [(2, "xn--bcher-kva.example/blog/old", 0),
                        (2, "xn--bcher-kva.example/blog?p=7", 1),
                        (10, "xn--khl-hoa.example/?p=5", 0)]


def alice_and_one_post(sql) -> None:
    """Write user 1 (alice) and post 1 as rows of the schema before a migration."""
    sql('INSERT INTO "user" (id, name, password_hash, created_us) VALUES (1, ?, ?, 1)',
        ["alice", "x"])
    sql("INSERT INTO post (id, site, post_id, url, title, guid, type, slug, content_html, "
        "text, registered, created_us, updated_us) "
        "VALUES (1, 's.example', 1, ?, '', '', '', '', '', '', ?, 1, 1)",
        ["https://s.example/?p=1", False])


def test_upgrading_gives_tag_rows_their_annotations_creation_time(empty_database):
    """0007: existing tag rows learn when their annotation was made, and `tag=` pages list
    them in creation order as the unfiltered list does."""
    from playhouse.migrations import Runner

    from postil import parse, store
    from postil.models import User

    database = db.open_database(empty_database)
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0006_post_url_title")
        p = database.param

        def sql(query, params=()):
            return database.execute_sql(query.replace("?", p), list(params))

        alice_and_one_post(sql)
        created = {1: 3_000, 2: 1_000, 3: 2_000, 4: 4_000}  # imported out of order
        for pk, at in created.items():
            sql("INSERT INTO annotation (pk, uid, post_id, user_id, quote, selectors, note, "
                "note_html, color, tags, tags_text, visibility, deleted, created_us, "
                "updated_us, version) VALUES (?, ?, 1, 1, '', '[]', '', '', 'yellow', ?, ?, "
                "'private', ?, ?, ?, 1)", [pk, str(uuid.UUID(int=pk)), '["t"]', "t", False, at,
                                           at])
            sql("INSERT INTO annotation_tag (annotation_id, name) VALUES (?, 't')", [pk])
        Runner(database, db.MIGRATIONS_DIR).up()
        got = dict(sql("SELECT annotation_id, created_us FROM annotation_tag").fetchall())
        before = db.database.obj
        db.database.initialize(database)
        try:
            alice = User.get_by_id(1)
            pages = [[a.pk for a in store.page(alice, parse.Filters(tags=["t"], order=order)).rows]
                     for order in ("desc", "asc")]
        finally:
            db.database.initialize(before)
    database.close()
    assert got == created
    assert pages == [[4, 1, 3, 2], [2, 3, 1, 4]]


def test_upgrading_adds_via_empty_for_existing_annotations(empty_database):
    """0008: annotations made before have no `via`, read back as before; a new one keeps it."""
    from postil import parse, store
    from postil.models import Annotation, User

    database = db.open_database(empty_database)
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0007_tag_created")
        p = database.param

        def sql(query, params=()):
            return database.execute_sql(query.replace("?", p), list(params))

        alice_and_one_post(sql)
        old = str(uuid.UUID(int=1))
        sql("INSERT INTO annotation (uid, post_id, user_id, quote, selectors, note, "
            "note_html, color, tags, tags_text, visibility, deleted, created_us, updated_us, "
            "version) VALUES (?, 1, 1, '', '[]', 'old', '', 'yellow', '[]', '', 'private', "
            "?, 5, 5, 1)", [old, False])
        Runner(database, db.MIGRATIONS_DIR).up()
        before = db.database.obj
        db.database.initialize(database)
        try:
            alice = User.get_by_id(1)
            kept = store.get_visible(alice, old)
            new, _ = store.create_annotation(alice, parse.create_body(
                {"post": {"site": "s.example", "post_id": 1, "url": "https://s.example/?p=1"},
                 "note": "new"}), keep={"via": "https://c.example/a/1"})
            stored = Annotation.get(Annotation.uid == new.uid).via
        finally:
            db.database.initialize(before)
    database.close()
    assert (kept.note, kept.via) == ("old", None)
    assert stored == "https://c.example/a/1"


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://", "sqlite:///"])
def test_an_in_memory_database_is_refused_with_what_to_use_instead(url):
    # Every connection to :memory: is a database of its own: the tables made at start were gone
    # by the first request.
    with pytest.raises(ValueError, match="needs a database file"):
        db.open_database(url)


def test_upgrading_to_ids_per_author_and_post_times_everyone_may_see(tmp_path):
    """0010 on a database with data: posts that were everyone's keep their times and
    modified_gmt, a post only private annotations named loses the modified_gmt they gave; and
    afterwards two authors may hold one id while only one of them shares it."""
    database = db.open_database(f"sqlite:///{tmp_path / 'old.db'}")
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0008_annotation_via")
        sql = database.execute_sql
        for uid, name in ((1, "alice"), (2, "bob")):
            sql('INSERT INTO "user" (id, name, password_hash, created_us) VALUES (?, ?, ?, 1)',
                [uid, name, "x"])
        for pid, registered in ((1, 0), (2, 0), (3, 1)):
            sql("INSERT INTO post (id, site, post_id, url, title, guid, type, slug, modified_gmt, "
                "content_html, text, registered, created_us, updated_us) "
                "VALUES (?, 's.example', ?, '', '', '', '', '', '2026-01-01T00:00:00', '', '', "
                "?, 7, 8)", [pid, pid, registered])
        annotation = ("INSERT INTO annotation (uid, post_id, user_id, quote, selectors, note, "
                      "note_html, color, tags, tags_text, visibility, deleted, created_us, "
                      "updated_us, version) VALUES (?, ?, ?, '', '[]', '', '', 'yellow', '[]', "
                      "'', ?, 0, 9, 9, 1)")
        sql(annotation, [str(uuid.UUID(int=1)), 1, 1, "private"])  # post 1: only private
        sql(annotation, [str(uuid.UUID(int=2)), 2, 1, "public"])  # post 2: a public one
        Runner(database, db.MIGRATIONS_DIR).up()
        got = {row[0]: row[1:] for row in sql(
            "SELECT id, shared_us, modified_gmt FROM post").fetchall()}
        # Bob may now hold Alice's private id, but not share Alice's public one.
        sql(annotation, [str(uuid.UUID(int=1)), 1, 2, "public"])
        with pytest.raises(Exception, match="UNIQUE"):
            sql(annotation, [str(uuid.UUID(int=2)), 2, 2, "public"])
    database.close()
    assert got == {1: (None, None), 2: (7, "2026-01-01T00:00:00"),
                   3: (7, "2026-01-01T00:00:00")}
