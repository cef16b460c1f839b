"""`postil user passwd|disable|enable` as an operator runs them, and the migration that keys
usernames meeting a database whose names already collide (SQLite, real subprocesses)."""

from __future__ import annotations

import sqlite3

import pytest
from test_cli import in_process_client, postil

from postil import db


@pytest.fixture
def data(tmp_path):
    postil(tmp_path, "user", "add", "carol", "--password-stdin", stdin="long enough pw\n")
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
    short = postil(data, "user", "passwd", "carol", "--password-stdin", stdin="short\n",
                   check=False)
    assert short.returncode != 0 and "password" in short.stderr
    nobody = postil(data, "user", "passwd", "nobody", "--password-stdin",
                    stdin="long enough pw\n", check=False)
    assert nobody.returncode != 0 and "nobody" in nobody.stderr
    assert sign_in(in_process_client(data)).status_code == 201


def test_disable_and_enable(data):
    client = in_process_client(data)
    token = sign_in(client).get_json()["token"]
    postil(data, "user", "disable", "CAROL")  # any spelling names the user
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = sign_in(client)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "account_disabled"
    postil(data, "user", "enable", "carol")
    assert sign_in(client).status_code == 201


def test_user_add_refuses_a_lookalike_name(data):
    again = postil(data, "user", "add", "Carol", "--password-stdin", stdin="long enough pw\n",
                   check=False)
    assert again.returncode != 0 and "exists" in again.stderr
    newline = postil(data, "user", "add", "dave\n", "--password-stdin", stdin="long enough pw\n",
                     check=False)
    assert newline.returncode != 0 and "username" in newline.stderr


def test_the_migration_keys_names_that_already_collide(tmp_path):
    """Users made before names were keyed may collide: the oldest keeps the name's key, the
    others a key of their own, and each still signs in with the exact name they chose."""
    path = tmp_path / "postil.db"
    database = db.open_database(f"sqlite:///{path}")
    from playhouse.migrations import Runner

    runner = Runner(database, db.MIGRATIONS_DIR)
    with database.connection_context():
        runner.up(target="0008_annotation_via")
    hashes = {}
    from werkzeug.security import generate_password_hash

    with sqlite3.connect(path) as conn:
        for i, name in enumerate(["alice", "Alice", "alice\n", "bob"], start=1):
            hashes[name] = generate_password_hash(f"password {i}", method="pbkdf2:sha256:1000")
            conn.execute("INSERT INTO user (name, password_hash, created_us) VALUES (?, ?, ?)",
                         (name, hashes[name], i))
    database.close()
    upgraded = postil(tmp_path, "db", "upgrade")
    assert "0009" in upgraded.stdout
    with sqlite3.connect(path) as conn:
        keys = dict(conn.execute("SELECT name, name_key FROM user"))
    assert keys == {"alice": "alice", "Alice": "alice#2", "alice\n": "alice#3", "bob": "bob"}
    client = in_process_client(tmp_path)
    for i, name in enumerate(["alice", "Alice", "alice\n", "bob"], start=1):
        res = sign_in(client, name, f"password {i}")
        assert res.status_code == 201, name
        assert res.get_json()["user"]["name"] == name
    # Any other spelling finds the oldest; a new look-alike cannot register.
    assert sign_in(client, "ALICE", "password 1").get_json()["user"]["name"] == "alice"
    taken = postil(tmp_path, "user", "add", "ALICE", "--password-stdin",
                   stdin="long enough pw\n", check=False)
    assert taken.returncode != 0 and "exists" in taken.stderr
