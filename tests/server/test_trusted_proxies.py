"""Forwarded headers count only from a trusted proxy (POSTIL_TRUSTED_PROXIES).

From any other peer `X-Forwarded-Proto`, `-Host` and `-For` change nothing: not the links the
server writes, not the host check, not the address sign-ins are throttled by. From a trusted
proxy they give the scheme and host of links (the host still checked against the allowed
hosts) and the client address, the right-most forwarded hop that is not itself a proxy.
"""

from __future__ import annotations

import pytest

from postil import create_app, db
from postil.auth import client_address
from postil.config import trusted_proxies

PROXY = "127.0.0.1"
PUBLIC = "notes.example.org"
FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC,
          "X-Forwarded-For": "192.0.2.66"}
THROTTLE = {"SIGNIN_FREE_FAILURES": 100, "SIGNIN_ADDRESS_FREE_FAILURES": 3,
            "SIGNIN_DELAY_SECONDS": 60, "SIGNIN_MAX_DELAY_SECONDS": 600}


def make_app(database_url, trusted, **over):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                       "OPEN_SIGNUP": False, "CORS_ORIGINS": [], "TRUSTED_PROXIES": trusted,
                       "ALLOWED_HOSTS": ["localhost", "127.0.0.1", PUBLIC], **THROTTLE, **over})


@pytest.fixture
def proxied(database_url):
    app = make_app(database_url, "127.0.0.1, 10.0.0.0/8")
    yield app
    if not db.database.is_closed():
        db.database.close()


def api_root(client, peer, headers):
    res = client.get("/api", headers={"Host": "localhost", **headers},
                     environ_base={"REMOTE_ADDR": peer})
    return res.status_code, (res.get_json() or {}).get("openapi")


def test_forged_forwarded_headers_from_an_untrusted_peer_change_nothing(proxied):
    client = proxied.test_client()
    assert api_root(client, "198.51.100.9", FORGED) == (200, "http://localhost/openapi.json")
    # A forwarded host is not even checked from there: it is ignored, as if never sent.
    assert api_root(client, "198.51.100.9", {"X-Forwarded-Host": "evil.example"}) == \
        (200, "http://localhost/openapi.json")


def test_nobody_is_trusted_by_default(database_url):
    client = make_app(database_url, trusted_proxies("")).test_client()
    assert api_root(client, PROXY, FORGED) == (200, "http://localhost/openapi.json")


def test_a_trusted_proxy_gives_the_scheme_and_host_of_links(proxied):
    client = proxied.test_client()
    assert api_root(client, PROXY, FORGED) == (200, f"https://{PUBLIC}/openapi.json")
    assert api_root(client, "10.1.2.3", {"X-Forwarded-Proto": "https"}) == \
        (200, "https://localhost/openapi.json")
    # Only the nearest proxy's (right-most) value counts; an unknown scheme is ignored.
    assert api_root(client, PROXY, {"X-Forwarded-Proto": "https, http"}) == \
        (200, "http://localhost/openapi.json")
    assert api_root(client, PROXY, {"X-Forwarded-Proto": "gopher"}) == \
        (200, "http://localhost/openapi.json")


def test_a_forwarded_host_must_be_an_allowed_one(proxied):
    client = proxied.test_client()
    res = client.get("/api", headers={"Host": "localhost", "X-Forwarded-Host": "evil.example"},
                     environ_base={"REMOTE_ADDR": PROXY})
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "unknown_host"


@pytest.mark.parametrize("peer, forwarded_for, client", [
    ("198.51.100.9", "192.0.2.66", "198.51.100.9"),  # untrusted peer: header ignored
    (PROXY, "192.0.2.66", "192.0.2.66"),
    (PROXY, "", PROXY),  # a proxy that forwards nothing is the client
    (PROXY, "192.0.2.1, 203.0.113.7", "203.0.113.7"),  # the left one was written by the client
    (PROXY, "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # a second trusted proxy is skipped
    (PROXY, "10.0.0.9, 10.0.0.5", "10.0.0.9"),  # all proxies: the farthest known one
    (PROXY, "192.0.2.1, not-an-address", PROXY),  # garbage ends the walk at the last proxy
    ("::ffff:127.0.0.1", "2001:db8::7", "2001:db8::7"),  # IPv4-mapped peer
])
def test_the_client_address_is_the_right_most_untrusted_hop(proxied, peer, forwarded_for,
                                                             client):
    # A route of the test's own shows what the app (sign-ins, the request log) is told.
    proxied.add_url_rule("/whoami", "whoami", lambda: {"client": client_address()})
    headers = {"Host": "localhost"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    res = proxied.test_client().get("/whoami", headers=headers,
                                    environ_base={"REMOTE_ADDR": peer})
    assert res.get_json() == {"client": client}


def sign_in(client, peer, forwarded_for=None, username="alice", password="guess"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/tokens", json={"username": username, "password": password},
                       headers=headers, environ_base={"REMOTE_ADDR": peer})


def test_throttling_counts_the_forwarded_client(proxied, make_user):
    make_user("alice")
    client = proxied.test_client()
    for _ in range(THROTTLE["SIGNIN_ADDRESS_FREE_FAILURES"] + 1):
        assert sign_in(client, PROXY, "203.0.113.5").status_code == 401
    assert sign_in(client, PROXY, "203.0.113.5", password="correct horse").status_code == 429
    # Another reader behind the same proxy is not held up by the first one's guesses.
    assert sign_in(client, PROXY, "203.0.113.6", password="correct horse").status_code == 201


def test_a_forged_forwarded_for_does_not_escape_the_throttle(proxied, make_user):
    make_user("alice")
    client = proxied.test_client()
    for i in range(THROTTLE["SIGNIN_ADDRESS_FREE_FAILURES"] + 1):
        assert sign_in(client, "198.51.100.9", f"203.0.113.{i}").status_code == 401
    res = sign_in(client, "198.51.100.9", "192.0.2.200", password="correct horse")
    assert res.status_code == 429


def test_a_bad_trusted_proxies_value_is_refused_by_name():
    with pytest.raises(SystemExit, match="POSTIL_TRUSTED_PROXIES: 'localhost'"):
        trusted_proxies("127.0.0.1,localhost")
