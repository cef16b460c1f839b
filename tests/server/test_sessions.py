"""Sessions a reader can manage: tokens that expire, the list of one's sessions, revoking one or
all the others, changing the password, disabled users, and usernames that cannot look alike."""

from __future__ import annotations

import pytest

from postil import create_app, db, models
from postil.models import Token, User
from postil.store import accounts

DAY = 24 * 3600


class Clock:
    def __init__(self, monkeypatch):
        self.now = models.now_us()
        monkeypatch.setattr(models, "now_us", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1_000_000)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, username="alice", password="correct horse", label="laptop"):
    res = client.post("/api/tokens", json={"username": username, "password": password,
                                           "label": label})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["token"]


# ---------------------------------------------------------------- expiry

def test_an_unused_token_expires_after_the_idle_days(client, alice, clock):
    assert client.get("/api/me", headers=alice.headers).status_code == 200
    clock.advance(29 * DAY)
    assert client.get("/api/me", headers=alice.headers).status_code == 200  # used: idle restarts
    clock.advance(29 * DAY)
    assert client.get("/api/me", headers=alice.headers).status_code == 200
    clock.advance(30 * DAY)
    res = client.get("/api/me", headers=alice.headers)
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "invalid_token"


def test_a_token_expires_after_the_max_days_however_much_it_is_used(client, alice, clock):
    for _ in range(36):
        clock.advance(10 * DAY)
        assert client.get("/api/me", headers=alice.headers).status_code == 200
    clock.advance(6 * DAY)
    assert client.get("/api/me", headers=alice.headers).status_code == 401
    # Signing in again gives a working token.
    assert client.get("/api/me", headers=bearer(sign_in(client))).status_code == 200


def test_expiry_is_configurable_and_zero_means_never(database_url, make_user, clock):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "TOKEN_IDLE_DAYS": 0, "TOKEN_MAX_DAYS": 0})
    client = app.test_client()
    alice = make_user("alice")
    clock.advance(5000 * DAY)
    assert client.get("/api/me", headers=alice.headers).status_code == 200
    short = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                        "TOKEN_IDLE_DAYS": 1, "TOKEN_MAX_DAYS": 0}).test_client()
    clock.advance(DAY)
    assert short.get("/api/me", headers=alice.headers).status_code == 401
    db.database.close()


def test_expiry_is_read_from_the_environment(monkeypatch):
    from postil import config

    monkeypatch.setenv("POSTIL_TOKEN_IDLE_DAYS", "7")
    monkeypatch.setenv("POSTIL_TOKEN_MAX_DAYS", "0")
    settings = config.from_env()
    assert settings["TOKEN_IDLE_DAYS"] == 7 and settings["TOKEN_MAX_DAYS"] == 0


def test_last_use_is_written_at_most_once_a_minute(client, app, alice, clock, monkeypatch):
    writes = []
    real = accounts._touch
    monkeypatch.setattr(accounts, "_touch", lambda *a: (writes.append(a), real(*a)))
    for _ in range(5):
        assert client.get("/api/annotations", headers=alice.headers).status_code == 200
        clock.advance(5)
    assert len(writes) == 1
    clock.advance(60)
    client.get("/api/me", headers=alice.headers)
    assert len(writes) == 2
    (mine,) = [s for s in client.get("/api/tokens", headers=alice.headers).get_json()["items"]]
    assert mine["last_used"] is not None


# ---------------------------------------------------------------- the list of sessions

def test_the_session_list_shows_ones_own_sessions_without_secrets(client, alice, bob, clock):
    laptop = sign_in(client, label="laptop")
    clock.advance(120)
    phone = sign_in(client, label="phone")
    client.get("/api/me", headers=bearer(laptop))
    res = client.get("/api/tokens", headers=bearer(phone))
    assert res.status_code == 200
    items = res.get_json()["items"]
    # Most recently used first: this one (in use now), the laptop, the fixture's unused one.
    assert [s["label"] for s in items] == ["phone", "laptop", "test"]
    assert [s["current"] for s in items] == [True, False, False]
    for session in items:
        assert set(session) == {"id", "label", "created", "last_used", "expires", "current"}
        assert isinstance(session["id"], int)
        assert session["created"].endswith("Z") and session["expires"].endswith("Z")
    assert items[2]["last_used"] is None  # the fixture's token was never used
    text = res.get_data(as_text=True)
    assert laptop not in text and phone not in text and alice.token not in text
    assert "bob" not in text and len(items) == 3


def test_an_expired_session_is_not_listed_and_is_deleted_at_sign_in(client, app, alice, clock):
    clock.advance(31 * DAY)
    fresh = sign_in(client)
    items = client.get("/api/tokens", headers=bearer(fresh)).get_json()["items"]
    assert [s["current"] for s in items] == [True]
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        assert Token.select().count() == 1
        db.database.close()


def test_revoking_one_session(client, alice, bob):
    phone = sign_in(client, label="phone")
    items = client.get("/api/tokens", headers=alice.headers).get_json()["items"]
    (phone_id,) = [s["id"] for s in items if s["label"] == "phone"]
    assert client.delete(f"/api/tokens/{phone_id}", headers=alice.headers).status_code == 204
    assert client.get("/api/me", headers=bearer(phone)).status_code == 401
    assert client.get("/api/me", headers=alice.headers).status_code == 200
    assert client.delete(f"/api/tokens/{phone_id}", headers=alice.headers).status_code == 404


def test_another_users_session_is_a_404_and_stays(client, alice, bob):
    (bobs,) = client.get("/api/tokens", headers=bob.headers).get_json()["items"]
    res = client.delete(f"/api/tokens/{bobs['id']}", headers=alice.headers)
    assert res.status_code == 404
    assert res.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/me", headers=bob.headers).status_code == 200
    assert client.delete("/api/tokens/99999", headers=alice.headers).status_code == 404
    assert client.delete(f"/api/tokens/{bobs['id']}").status_code == 401


def test_sign_out_everywhere_else(client, alice, bob):
    laptop, phone = sign_in(client, label="laptop"), sign_in(client, label="phone")
    assert client.delete("/api/tokens", headers=bearer(laptop)).status_code == 204
    assert client.get("/api/me", headers=bearer(laptop)).status_code == 200
    assert client.get("/api/me", headers=bearer(phone)).status_code == 401
    assert client.get("/api/me", headers=alice.headers).status_code == 401
    assert client.get("/api/me", headers=bob.headers).status_code == 200
    items = client.get("/api/tokens", headers=bearer(laptop)).get_json()["items"]
    assert [s["label"] for s in items] == ["laptop"]


def test_sign_out_of_the_current_session_still_works(client, alice):
    assert client.delete("/api/tokens/current", headers=alice.headers).status_code == 204
    assert client.get("/api/me", headers=alice.headers).status_code == 401


# ---------------------------------------------------------------- password change

def change(client, headers, current, new):
    return client.put("/api/me/password", headers=headers,
                      json={"current_password": current, "new_password": new})


def test_changing_the_password_ends_every_other_session(client, alice, bob):
    phone = sign_in(client, label="phone")
    assert change(client, alice.headers, "correct horse", "battery staple").status_code == 204
    assert client.get("/api/me", headers=alice.headers).status_code == 200
    assert client.get("/api/me", headers=bearer(phone)).status_code == 401
    assert client.get("/api/me", headers=bob.headers).status_code == 200
    wrong = client.post("/api/tokens", json={"username": "alice", "password": "correct horse"})
    assert wrong.status_code == 401
    sign_in(client, password="battery staple")


def test_a_wrong_current_password_is_403_and_counts_as_a_failed_sign_in(database_url, make_user):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "SIGNIN_FREE_FAILURES": 2, "SIGNIN_DELAY_SECONDS": 30})
    client = app.test_client()
    alice = make_user("alice")
    for _ in range(3):
        res = change(client, alice.headers, "not it", "battery staple")
        assert res.status_code == 403
        assert res.get_json()["error"]["code"] == "wrong_password"
    res = change(client, alice.headers, "correct horse", "battery staple")
    assert res.status_code == 429
    assert res.headers["Retry-After"] == "30"
    assert client.post("/api/tokens", json={"username": "alice", "password": "correct horse"}
                       ).status_code == 429
    db.database.close()


@pytest.mark.parametrize("body, field", [
    ({"current_password": "correct horse", "new_password": "short"}, "new_password"),
    ({"current_password": "correct horse"}, "new_password"),
    ({"new_password": "battery staple"}, "current_password"),
    ({"current_password": "correct horse", "new_password": "battery staple", "x": 1}, "x"),
])
def test_a_bad_password_change_is_400_and_changes_nothing(client, alice, body, field):
    res = client.put("/api/me/password", headers=alice.headers, json=body)
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == field
    sign_in(client)


def test_changing_the_password_needs_a_session(client, alice):
    res = change(client, {}, "correct horse", "battery staple")
    assert res.status_code == 401


# ---------------------------------------------------------------- disabled users

def set_disabled(app, name, disabled):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        accounts.set_disabled(User.by_name(name), disabled)
        db.database.close()


def test_a_disabled_user_is_refused_only_after_the_right_password(client, app, alice):
    set_disabled(app, "alice", True)
    assert client.get("/api/me", headers=alice.headers).status_code == 401
    wrong = client.post("/api/tokens", json={"username": "alice", "password": "wrong horse"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["code"] == "invalid_credentials"
    right = client.post("/api/tokens", json={"username": "alice", "password": "correct horse"})
    assert right.status_code == 403
    assert right.get_json()["error"]["code"] == "account_disabled"
    set_disabled(app, "alice", False)
    assert client.get("/api/me", headers=alice.headers).status_code == 401  # ended for good
    sign_in(client)


def test_a_token_of_a_user_disabled_meanwhile_stops_working(client, app, alice):
    # As if another process disabled the user while this token was being issued.
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        User.update(disabled=True).where(User.name == "alice").execute()
        db.database.close()
    assert client.get("/api/me", headers=alice.headers).status_code == 401


# ---------------------------------------------------------------- look-alike usernames

@pytest.fixture
def open_client(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "OPEN_SIGNUP": True})
    yield app.test_client()
    db.database.close()


def sign_up(client, name):
    return client.post("/api/users", json={"username": name, "password": "long enough pw"})


@pytest.mark.parametrize("lookalike, status", [
    ("Alice", 409), ("ALICE", 409), ("ａｌｉｃｅ", 400), ("alice\n", 400), ("alice ", 400)])
def test_a_lookalike_cannot_register_beside_alice(open_client, lookalike, status):
    assert sign_up(open_client, "alice").status_code == 201
    res = sign_up(open_client, lookalike)
    assert res.status_code == status
    with open_client.application.app_context():
        db.database.connect(reuse_if_open=True)
        assert [u.name for u in User.select()] == ["alice"]
        db.database.close()


@pytest.mark.parametrize("spelling", ["alice", "Alice", "ALICE", "ａｌｉｃｅ"])
def test_sign_in_accepts_any_case_or_width_of_the_name(client, alice, spelling):
    token = sign_in(client, spelling)
    assert client.get("/api/me", headers=bearer(token)).get_json()["user"]["name"] == "alice"


def test_a_username_with_a_trailing_newline_is_refused(open_client):
    res = sign_up(open_client, "bob\n")
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "username"
