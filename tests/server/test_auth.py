"""Users and tokens: hashed passwords and tokens at rest, Bearer auth, sign in/out, open sign-up."""

from __future__ import annotations

import hashlib

import pytest
from werkzeug.security import generate_password_hash

from postil import create_app, db, models
from postil.models import Token, User


def rows(app, model):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            return list(model.select().dicts())
        finally:
            db.database.close()


def test_passwords_are_stored_only_as_hashes(app, make_user, monkeypatch):
    monkeypatch.setattr(models, "generate_password_hash", generate_password_hash)
    make_user("dora", password="plain text password")
    (row,) = rows(app, User)
    assert "plain text password" not in row["password_hash"]
    assert row["password_hash"].startswith("scrypt:")  # a slow, salted hash
    with app.app_context():
        user = User(**row)
        assert user.check_password("plain text password")
        assert not user.check_password("plain text passwore")


def test_tokens_are_stored_only_as_hashes(client, app, alice):
    res = client.post("/api/tokens", json={"username": "alice", "password": "correct horse"})
    token = res.get_json()["token"]
    stored = rows(app, Token)
    assert len(stored) == 2  # the fixture's and this one
    for row in stored:
        assert token not in row.values()
        assert alice.token not in row.values()
    assert hashlib.sha256(token.encode()).hexdigest() in {r["token_hash"] for r in stored}


def test_me_with_a_bearer_token(client, alice):
    res = client.get("/api/me", headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["user"]["name"] == "alice"
    lower = client.get("/api/me", headers={"Authorization": f"bearer {alice.token}"})
    assert lower.get_json()["user"]["name"] == "alice"


@pytest.mark.parametrize("headers, code", [
    ({}, "unauthorized"),
    ({"Authorization": "Bearer pst_not-a-real-token"}, "invalid_token"),
    ({"Authorization": "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ=="}, "unauthorized"),
    ({"Authorization": "Bearer "}, "unauthorized"),
])
def test_me_without_a_valid_token_is_401(client, alice, headers, code):
    res = client.get("/api/me", headers=headers)
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == code
    assert res.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_invalid_token_is_401_even_where_anonymous_reading_is_allowed(client, alice, create):
    create(alice, visibility="public")
    assert client.get("/api/annotations").status_code == 200
    res = client.get("/api/annotations", headers={"Authorization": "Bearer pst_forged"})
    assert res.status_code == 401


def test_writes_need_a_token(client, anon):
    from conftest import annotation_body

    res = client.post("/api/annotations", json=annotation_body(), headers=anon.headers)
    assert res.status_code == 401


def test_sign_in_gives_a_working_token(client, alice):
    res = client.post("/api/tokens", json={"username": "alice", "password": "correct horse",
                                           "label": "laptop"})
    assert res.status_code == 201
    body = res.get_json()
    assert body["user"]["name"] == "alice"
    assert body["token"] != alice.token
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["user"]["name"] == "alice"


@pytest.mark.parametrize("username, password", [
    ("alice", "wrong horse"), ("nobody", "correct horse"), ("ALICE", "wrong horse")])
def test_wrong_credentials_are_one_401(client, alice, username, password):
    res = client.post("/api/tokens", json={"username": username, "password": password})
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "invalid_credentials"


def test_sign_out_ends_only_the_current_token(client, alice):
    second = client.post("/api/tokens", json={"username": "alice",
                                              "password": "correct horse"}).get_json()["token"]
    res = client.delete("/api/tokens/current", headers=alice.headers)
    assert res.status_code == 204
    assert client.get("/api/me", headers=alice.headers).status_code == 401
    assert client.delete("/api/tokens/current", headers=alice.headers).status_code == 401
    still = client.get("/api/me", headers={"Authorization": f"Bearer {second}"})
    assert still.status_code == 200


def test_sign_up_is_closed_by_default(client, app):
    res = client.post("/api/users", json={"username": "eve", "password": "long enough pw"})
    assert res.status_code == 403
    assert res.get_json()["error"]["code"] == "signup_closed"
    assert rows(app, User) == []


@pytest.fixture
def open_client(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CORS_ORIGINS": [],
                      "OPEN_SIGNUP": True, "SAMPLE": False})
    yield app.test_client()
    if not db.database.is_closed():
        db.database.close()


def test_open_sign_up_creates_a_user_and_a_token(open_client):
    res = open_client.post("/api/users", json={"username": "eve", "password": "long enough pw"})
    assert res.status_code == 201
    body = res.get_json()
    assert body["user"]["name"] == "eve"
    me = open_client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["user"]["name"] == "eve"
    signed_in = open_client.post("/api/tokens", json={"username": "eve",
                                                      "password": "long enough pw"})
    assert signed_in.status_code == 201
    again = open_client.post("/api/users", json={"username": "eve", "password": "other password"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("body, field", [
    ({"username": "eve", "password": "short"}, "password"),
    ({"username": "-eve", "password": "long enough pw"}, "username"),
    ({"username": "e ve", "password": "long enough pw"}, "username"),
    ({"username": "eve"}, "password"),
    ({"password": "long enough pw"}, "username"),
])
def test_open_sign_up_checks_names_and_passwords(open_client, body, field):
    res = open_client.post("/api/users", json=body)
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == field


def test_open_signup_is_read_from_the_environment(monkeypatch, tmp_path):
    from postil import config

    monkeypatch.setenv("POSTIL_OPEN_SIGNUP", "1")
    assert config.from_env()["OPEN_SIGNUP"] is True
    monkeypatch.setenv("POSTIL_OPEN_SIGNUP", "0")
    assert config.from_env()["OPEN_SIGNUP"] is False
