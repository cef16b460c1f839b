"""docs/examples/nginx-postil.conf, run: nginx terminating TLS (a self-signed certificate made
here) in front of `postil serve`, as the operating guide tells an operator to set it up.

nginx runs as a child of the test (see nginx_proxy.py), on free ports with everything under the
test's temporary directory. The client connects from 127.0.0.2, so that the address nginx
forwards differs from nginx's own (127.0.0.1, the trusted proxy). Without nginx the test skips
with the reason; under POSTIL_STRICT=1 (CI) that is a failure.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from nginx_proxy import MISSING, available, free_port, nginx_in_front, stop, wait_for_port

POSTIL = str(Path(sys.executable).with_name("postil"))
PROXY = "127.0.0.1"
CLIENT = "127.0.0.2"
OTHER_CLIENT = "127.0.0.3"
SIGN_UP_CLIENT = "127.0.0.4"  # sign-ups count against an address too; these come from their own
FREE_FAILURES = 3

pytestmark = pytest.mark.skipif(not available(), reason=MISSING)


# One process (waitress) and two (gunicorn, Linux only): one rule decides under both.
WORKERS = [1, 2] if sys.platform.startswith("linux") else [1]


@pytest.fixture(scope="module", params=WORKERS, ids=lambda n: f"workers{n}")
def behind_nginx(tmp_path_factory, request):
    """`postil serve` behind the example nginx; yields (https port, http port, certificate)."""
    tmp = tmp_path_factory.mktemp("nginx")
    backend_port = free_port()
    env = dict(os.environ, POSTIL_DATABASE_URL=f"sqlite:///{tmp / 'postil.db'}",
               POSTIL_SAMPLE="0", POSTIL_OPEN_SIGNUP="1", POSTIL_TRUSTED_PROXIES=PROXY,
               POSTIL_ALLOWED_HOSTS="127.0.0.1,localhost",
               POSTIL_SIGNIN_FREE_FAILURES="100",
               POSTIL_SIGNIN_ADDRESS_FREE_FAILURES=str(FREE_FAILURES),
               POSTIL_SIGNIN_DELAY_SECONDS="600")
    env.pop("POSTIL_PUBLIC_URL", None)
    server_log = tmp / "postil.log"
    with open(server_log, "w") as out:
        server = subprocess.Popen([POSTIL, "serve", "--port", str(backend_port),
                                   "--workers", str(request.param), "--threads", "2"], env=env,
                                  cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(backend_port, server, server_log, "postil serve")
        with nginx_in_front(tmp, backend_port) as proxy:
            yield proxy.https_port, proxy.http_port, proxy.cert
    finally:
        stop(server, signal.SIGINT)


def call(port, cert, method, path, body=None, token=None, source=CLIENT, headers=None):
    context = ssl.create_default_context(cafile=str(cert))  # verifies the chain and the name
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10,
                                       source_address=(source, 0))
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=sent)
        res = conn.getresponse()
        data = res.read()
        return res.status, json.loads(data) if data else None
    finally:
        conn.close()


def test_sign_in_and_links_over_https(behind_nginx):
    port, _, cert = behind_nginx
    status, answer = call(port, cert, "POST", "/api/users",
                          {"username": "alice", "password": "x" * 12}, source=SIGN_UP_CLIENT)
    assert status == 201, answer
    status, token = call(port, cert, "POST", "/api/tokens",
                         {"username": "alice", "password": "x" * 12})
    assert status == 201, token
    body = {"id": str(uuid.uuid4()),
            "post": {"site": "blog.example.org", "post_id": 42,
                     "url": "https://blog.example.org/2026/05/on-margins/", "title": "On margins"},
            "selectors": [{"type": "TextQuoteSelector", "exact": "notes in the margin"}],
            "note": "read over TLS", "visibility": "private"}
    status, created = call(port, cert, "POST", "/api/annotations", body, token["token"])
    assert status == 201, created
    # nginx said https and the host the client asked for; Postil's links say the same.
    assert created["links"]["self"] == \
        f"https://127.0.0.1:{port}/api/annotations/{created['id']}"
    status, again = call(port, cert, "GET", f"/api/annotations/{created['id']}",
                         token=token["token"])
    assert status == 200 and again["note"] == "read over TLS"


def test_metrics_are_not_served_through_the_proxy(behind_nginx):
    # nginx connects from loopback, but on behalf of a client that is not this machine.
    port, _, cert = behind_nginx
    status, answer = call(port, cert, "GET", "/metrics")
    assert status == 403, answer


def test_plain_http_is_sent_to_https(behind_nginx):
    _, http_port, _ = behind_nginx
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/api")
    res = conn.getresponse()
    assert res.status == 301
    assert res.getheader("Location").startswith("https://127.0.0.1/api")


def test_the_throttle_counts_the_address_nginx_forwarded(behind_nginx):
    port, _, cert = behind_nginx
    status, answer = call(port, cert, "POST", "/api/users",
                          {"username": "bob", "password": "y" * 12}, source=SIGN_UP_CLIENT)
    assert status == 201, answer
    # A client that writes its own X-Forwarded-For gains nothing: nginx appends what it saw.
    forged = {"X-Forwarded-For": "192.0.2.77"}
    for i in range(FREE_FAILURES + 1):
        status, _ = call(port, cert, "POST", "/api/tokens",
                         {"username": f"nobody{i}", "password": "guess"}, headers=forged)
        assert status == 401
    status, _ = call(port, cert, "POST", "/api/tokens", {"username": "bob", "password": "y" * 12})
    assert status == 429
    # Another reader behind the same nginx (the same peer to Postil) is not held up.
    status, token = call(port, cert, "POST", "/api/tokens",
                         {"username": "bob", "password": "y" * 12}, source=OTHER_CLIENT)
    assert status == 201, token


def test_a_live_update_stream_comes_through_unbuffered(behind_nginx):
    port, _, cert = behind_nginx
    context = ssl.create_default_context(cafile=str(cert))
    stream = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=20,
                                         source_address=(CLIENT, 0))
    stream.request("GET", "/api/stream?site=blog.example.org&post_id=42",
                   headers={"Accept": "text/event-stream"})
    res = stream.getresponse()
    assert res.status == 200 and res.headers["Content-Type"].startswith("text/event-stream")
    status, answer = call(port, cert, "POST", "/api/users",
                          {"username": "streamer", "password": "x" * 12},
                          source=SIGN_UP_CLIENT)
    assert status == 201, answer
    uid = str(uuid.uuid4())
    body = {"id": uid, "post": {"site": "blog.example.org", "post_id": 42},
            "selectors": [{"type": "TextQuoteSelector", "exact": "notes in the margin"}],
            "note": "live through the proxy", "visibility": "public"}
    status, created = call(port, cert, "POST", "/api/annotations", body, answer["token"])
    assert status == 201, created
    # One small event, not a buffer's worth: nginx must pass it on as it comes.
    while True:
        line = res.readline().decode()
        assert line, "the stream ended"
        if line.startswith("data: "):
            event = json.loads(line[len("data: "):])
            if event.get("id") == uid:
                break
    assert event["note"] == "live through the proxy"
    stream.close()
