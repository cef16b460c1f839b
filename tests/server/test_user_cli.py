"""`postil user passwd|disable|enable` as an operator runs them (SQLite; one real subprocess, the
rest through the script's entry point in this process), and the migration that keys usernames
meeting a database whose names already collide (SQLite through `postil db upgrade`, and
PostgreSQL)."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from peewee import IntegrityError
from pg_admin import drop_database
from playhouse.migrations import Runner
from test_cli import in_process_client, postil, postil_in_process
from werkzeug.security import generate_password_hash

from conftest import PG_URL
from postil import create_app, db
from postil.models import User

COLLIDING = ["alice", "Alice", "alice\n", "bob"]
KEYS = {"alice": "alice", "Alice": "alice#2", "alice\n": "alice#3", "bob": "bob"}


@pytest.fixture
def data(tmp_path):
    postil_in_process(tmp_path, "user", "add", "carol", "--password-stdin",
                      stdin="long enough pw\n")
    yield tmp_path
    if not db.database.is_closed():
        db.database.close()


def sign_in(client, name="carol", password="long enough pw"):
    return client.post("/api/tokens", json={"username": name, "password": password})


def test_passwd_sets_a_new_password_and_ends_every_session(data):
    client = in_process_client(data)
    token = sign_in(client).get_json()["token"]
    done = postil(data, "user", "passwd", "carol", "--password-stdin", stdin="a new password\n")
    assert "carol" in done.stdout
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(client).status_code == 401
    assert sign_in(client, password="a new password").status_code == 201


def test_passwd_refuses_a_short_password_and_an_unknown_user(data):
    short = postil_in_process(data, "user", "passwd", "carol", "--password-stdin", stdin="short\n",
                              check=False)
    assert short.returncode != 0 and "password" in short.stderr
    nobody = postil_in_process(data, "user", "passwd", "nobody", "--password-stdin",
                               stdin="long enough pw\n", check=False)
    assert nobody.returncode != 0 and "nobody" in nobody.stderr
    assert sign_in(in_process_client(data)).status_code == 201


def test_disable_and_enable(data):
    client = in_process_client(data)
    token = sign_in(client).get_json()["token"]
    postil_in_process(data, "user", "disable", "CAROL")  # any spelling names the user
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = sign_in(client)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "account_disabled"
    postil_in_process(data, "user", "enable", "carol")
    assert sign_in(client).status_code == 201


def test_user_add_refuses_a_lookalike_name(data):
    again = postil_in_process(data, "user", "add", "Carol", "--password-stdin",
                              stdin="long enough pw\n", check=False)
    assert again.returncode != 0 and "exists" in again.stderr
    newline = postil_in_process(data, "user", "add", "dave\n", "--password-stdin",
                                stdin="long enough pw\n", check=False)
    assert newline.returncode != 0 and "username" in newline.stderr


def test_the_migration_keys_names_that_already_collide(tmp_path):
    """Users made before names were keyed may collide: the oldest keeps the name's key, the
    others a key of their own, and each still signs in with the exact name they chose."""
    path = tmp_path / "postil.db"
    seed_before_0009(db.open_database(f"sqlite:///{path}"))
    upgraded = postil(tmp_path, "db", "upgrade")
    assert "0009" in upgraded.stdout
    with sqlite3.connect(path) as conn:
        assert dict(conn.execute("SELECT name, name_key FROM user")) == KEYS
    check_sign_ins(in_process_client(tmp_path))
    taken = postil_in_process(tmp_path, "user", "add", "ALICE", "--password-stdin",
                              stdin="long enough pw\n", check=False)
    assert taken.returncode != 0 and "exists" in taken.stderr


def seed_before_0009(database) -> None:
    """Migrate to 0008 and add users whose names collide under the new key."""
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up(target="0008_annotation_via")
        p = database.param
        for i, name in enumerate(COLLIDING, start=1):
            hashed = generate_password_hash(f"password {i}", method="pbkdf2:sha256:1000")
            database.execute_sql(f'INSERT INTO "user" (name, password_hash, created_us) '
                                 f"VALUES ({p}, {p}, {p})", [name, hashed, i])
    database.close()


def check_sign_ins(client) -> None:
    """Each user signs in with their exact name; any other spelling finds the oldest."""
    for i, name in enumerate(COLLIDING, start=1):
        res = sign_in(client, name, f"password {i}")
        assert res.status_code == 201, name
        assert res.get_json()["user"]["name"] == name
    assert sign_in(client, "ALICE", "password 1").get_json()["user"]["name"] == "alice"


def test_the_migration_keys_colliding_names_on_postgresql():
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(PG_URL, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc.__class__.__name__})")
    admin.autocommit = True
    name = f"postil_m{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        seed_before_0009(db.open_database(url))
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SAMPLE": False})
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            keys = dict(db.database.execute_sql('SELECT name, name_key FROM "user"').fetchall())
            db.database.close()
        assert keys == KEYS
        check_sign_ins(app.test_client())
        # The key's index is unique in the database itself: a look-alike cannot be stored.
        with app.app_context(), pytest.raises(IntegrityError):
            db.database.connect(reuse_if_open=True)
            User(name="ALICE", password_hash="x").save()
    finally:
        if not db.database.is_closed():
            db.database.close()
        close_all = getattr(db.database.obj, "close_all", None)
        if close_all:
            close_all()
        drop_database(admin, name)
        admin.close()
