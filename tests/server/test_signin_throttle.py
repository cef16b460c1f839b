"""Brute-force protection: failed sign-ins make the next attempt wait (429 + Retry-After), per
username and per client address, across server processes, without hashing a throttled guess."""

from __future__ import annotations

import logging

import pytest

from postil import create_app, db, models

# Small numbers, so the scenario (many wrong passwords, then the right one) runs quickly.
POLICY = {"SIGNIN_FREE_FAILURES": 3, "SIGNIN_ADDRESS_FREE_FAILURES": 6,
          "SIGNIN_DELAY_SECONDS": 10, "SIGNIN_MAX_DELAY_SECONDS": 60}


class Clock:
    """The server's clock, moved by the test instead of waited for."""

    def __init__(self, monkeypatch):
        self.now = models.now_us()
        monkeypatch.setattr(models, "now_us", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1_000_000)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def make_app(database_url, **over):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, "CORS_ORIGINS": [],
                       "OPEN_SIGNUP": False, "SAMPLE": False, **POLICY, **over})


@pytest.fixture
def throttled(database_url):
    app = make_app(database_url)
    yield app
    if not db.database.is_closed():
        db.database.close()


def sign_in(client, password, username="alice", address="198.51.100.7"):
    return client.post("/api/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def hashes(monkeypatch):
    """Count password hashes checked: a throttled attempt must not compute one."""
    seen = []
    real = models.check_password_hash

    def counting(stored, password):
        seen.append(password)
        return real(stored, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    return seen


def test_wrong_passwords_then_the_right_one_waits(throttled, make_user, clock, hashes):
    make_user("alice")
    client = throttled.test_client()
    # The first failures are free: each is a plain 401.
    for _ in range(POLICY["SIGNIN_FREE_FAILURES"] + 1):
        assert sign_in(client, "wrong horse").status_code == 401
    checked = len(hashes)
    res = sign_in(client, "correct horse")
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "too_many_attempts"
    assert res.headers["Retry-After"] == "10"
    assert len(hashes) == checked  # refused before hashing
    clock.advance(9)
    assert sign_in(client, "correct horse").status_code == 429
    clock.advance(1)
    assert sign_in(client, "correct horse").status_code == 201


def test_the_wait_doubles_up_to_the_cap(throttled, make_user, clock):
    make_user("alice")
    client = throttled.test_client()
    waits, failures = [], 0
    while failures < POLICY["SIGNIN_FREE_FAILURES"] + 5:
        res = sign_in(client, "wrong horse")
        if res.status_code == 429:
            waits.append(int(res.headers["Retry-After"]))
            clock.advance(waits[-1])
        else:
            assert res.status_code == 401
            failures += 1
    assert waits == [10, 20, 40, 60]


def test_signing_in_resets_the_usernames_count(throttled, make_user, clock):
    make_user("alice")
    client = throttled.test_client()
    for _ in range(POLICY["SIGNIN_FREE_FAILURES"]):
        assert sign_in(client, "wrong horse").status_code == 401
    assert sign_in(client, "correct horse").status_code == 201
    for _ in range(POLICY["SIGNIN_FREE_FAILURES"]):
        assert sign_in(client, "wrong horse").status_code == 401
    assert sign_in(client, "correct horse").status_code == 201


def test_the_username_counts_in_any_spelling_and_from_any_address(throttled, make_user, clock):
    make_user("alice")
    client = throttled.test_client()
    for i, name in enumerate(["alice", "ALICE", "Alice", "ａｌｉｃｅ"]):
        assert sign_in(client, "wrong horse", name, address=f"203.0.113.{i}").status_code == 401
    res = sign_in(client, "correct horse", "alice", address="192.0.2.99")
    assert res.status_code == 429


def test_unknown_usernames_are_throttled_alike(throttled, make_user, clock):
    client = throttled.test_client()
    for _ in range(POLICY["SIGNIN_FREE_FAILURES"] + 1):
        assert sign_in(client, "guess", "nobody").status_code == 401
    assert sign_in(client, "guess", "nobody").status_code == 429


def test_one_address_guessing_many_usernames_is_throttled(throttled, make_user, clock):
    make_user("alice")
    client = throttled.test_client()
    for i in range(POLICY["SIGNIN_ADDRESS_FREE_FAILURES"] + 1):
        assert sign_in(client, "guess", f"user{i}").status_code == 401
    assert sign_in(client, "correct horse").status_code == 429
    # Another address is not held up by it.
    assert sign_in(client, "correct horse", address="192.0.2.1").status_code == 201


def test_an_ipv6_client_counts_by_its_network(throttled, make_user, clock):
    make_user("alice")
    client = throttled.test_client()
    for i in range(POLICY["SIGNIN_ADDRESS_FREE_FAILURES"] + 1):
        address = f"2001:db8:1:2::{i + 1:x}"
        assert sign_in(client, "guess", f"user{i}", address=address).status_code == 401
    assert sign_in(client, "correct horse", address="2001:db8:1:2::ffff").status_code == 429
    assert sign_in(client, "correct horse", address="2001:db8:1:3::1").status_code == 201


def test_failures_through_one_process_throttle_another(database_url, make_user, clock):
    """Two apps on one database stand for two server processes: the counts are in the database."""
    make_user("alice")
    first = make_app(database_url).test_client()
    second = make_app(database_url).test_client()
    for i in range(POLICY["SIGNIN_FREE_FAILURES"] + 1):
        client = first if i % 2 else second
        assert sign_in(client, "wrong horse").status_code == 401
    assert sign_in(first, "correct horse").status_code == 429
    assert sign_in(second, "correct horse").status_code == 429
    clock.advance(10)
    assert sign_in(second, "correct horse").status_code == 201
    if not db.database.is_closed():
        db.database.close()


def test_failed_sign_ins_are_logged_without_the_password(throttled, make_user, clock, caplog):
    make_user("alice")
    client = throttled.test_client()
    with caplog.at_level(logging.WARNING, logger="postil.accounts"):
        sign_in(client, "hunter2 secret", address="198.51.100.23")
    (record,) = [r for r in caplog.records if r.name == "postil.accounts"]
    assert record.levelno == logging.WARNING
    assert "alice" in record.getMessage() and "198.51.100.23" in record.getMessage()
    assert "hunter2" not in record.getMessage()


def test_counts_are_forgotten_after_a_day(throttled, make_user, clock):
    make_user("alice")
    client = throttled.test_client()
    for _ in range(POLICY["SIGNIN_FREE_FAILURES"] + 1):
        sign_in(client, "wrong horse")
    clock.advance(24 * 3600)
    # A fresh count: the next failure is free again, and the right password works.
    assert sign_in(client, "wrong horse").status_code == 401
    assert sign_in(client, "correct horse").status_code == 201


def test_open_sign_up_shares_the_address_limit(database_url, clock):
    app = make_app(database_url, OPEN_SIGNUP=True)
    client = app.test_client()
    here = {"REMOTE_ADDR": "198.51.100.50"}
    for i in range(POLICY["SIGNIN_ADDRESS_FREE_FAILURES"] - 2):
        res = client.post("/api/users", json={"username": f"new{i}", "password": "long enough pw"},
                          environ_base=here)
        assert res.status_code == 201
    for _ in range(3):
        assert sign_in(client, "guess", "nobody", address="198.51.100.50").status_code == 401
    res = client.post("/api/users", json={"username": "one-more", "password": "long enough pw"},
                      environ_base=here)
    assert res.status_code == 429
    assert int(res.headers["Retry-After"]) > 0
    elsewhere = client.post("/api/users", json={"username": "one-more",
                                                "password": "long enough pw"},
                            environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert elsewhere.status_code == 201
    if not db.database.is_closed():
        db.database.close()


def test_the_limits_are_read_from_the_environment(monkeypatch):
    from postil import config

    monkeypatch.setenv("POSTIL_SIGNIN_FREE_FAILURES", "7")
    monkeypatch.setenv("POSTIL_SIGNIN_MAX_DELAY_SECONDS", "120")
    settings = config.from_env()
    assert settings["SIGNIN_FREE_FAILURES"] == 7
    assert settings["SIGNIN_MAX_DELAY_SECONDS"] == 120
