"""`postil serve --workers 2` on a real port, on SQLite and PostgreSQL: the durability storm (8
writers, `kill -9` of a worker mid-storm) and a graceful SIGTERM that lets a create in flight
finish.

The writers retry as the extension's queue does (`background/server.js` sorts a network error,
5xx, 408 and 429 as transient; `queue.js` sends the same create, same id, again), so what the
storm checks is what a reader would: every create the server acknowledged is stored, once, and
every retried one ends up stored once too. A 5xx during the storm (SQLite's "database is
locked" from a second process, say) fails the test even though the writer retries it.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from peewee import fn

from conftest import annotation_body
from postil import cli, db
from postil.models import Annotation

POSTIL = str(Path(sys.executable).with_name("postil"))
WRITERS = 8
CREATES_PER_WRITER = 30

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="--workers pre-forks with gunicorn: Linux only")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pids(master: int) -> set[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return set()
    return {int(pid) for pid in children.split()}


class Server:
    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc = proc
        self.port = port

    def workers(self) -> set[int]:
        return worker_pids(self.proc.pid)


@pytest.fixture
def served(database_url, tmp_path, app):
    """`postil serve --workers 2` on the test's database, answering once both workers run."""
    port = free_port()
    # A long sign-in wait, so that a slow machine cannot outlast it between two requests.
    env = dict(os.environ, POSTIL_DATABASE_URL=database_url, POSTIL_SAMPLE="0",
               POSTIL_SIGNIN_FREE_FAILURES="5", POSTIL_SIGNIN_DELAY_SECONDS="600")
    log = open(tmp_path / "server.log", "w+")  # noqa: SIM115 — closed below
    proc = subprocess.Popen([POSTIL, "serve", "--workers", "2", "--threads", "4",
                             "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)
    server = Server(proc, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"the server stopped: {_read(log)}"
            assert time.monotonic() < deadline, f"the server did not answer: {_read(log)}"
            if len(server.workers()) == 2 and _answers(port):
                break
            time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _read(log) -> str:
    log.seek(0)
    return log.read()[-3000:]


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def stored_counts(app, uids: list[str]) -> dict[str, int]:
    """How many annotation rows each of `uids` has, and the table's size under key None."""
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            counts = dict(Annotation.select(Annotation.uid, fn.COUNT(Annotation.pk))
                          .where(Annotation.uid.in_(uids)).group_by(Annotation.uid).tuples())
            counts[None] = Annotation.select().count()
        finally:
            db.database.close()
    return counts


@linux_only
def test_a_storm_with_a_worker_killed_loses_no_acknowledged_create_and_stores_each_once(
        served, alice, app):
    headers = {**alice.headers, "Content-Type": "application/json"}
    acknowledged: list[str] = []
    server_errors: list[tuple[int, str]] = []
    refused: list[tuple[int, str]] = []
    retries = [0]
    lock = threading.Lock()

    def send(uid: str) -> tuple[int, bytes] | None:
        body = json.dumps(annotation_body(id=uid, note=f"storm note for {uid}"))
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        try:
            conn.request("POST", "/api/annotations", body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            return None  # unreachable, reset, or cut off mid-answer: transient, send again
        finally:
            conn.close()

    def writer() -> None:
        for _ in range(CREATES_PER_WRITER):
            uid = str(uuid.uuid4())
            while True:
                answer = send(uid)
                if answer is not None and answer[0] in (200, 201):
                    with lock:
                        acknowledged.append(uid)
                    break
                with lock:
                    retries[0] += 1
                    if answer is not None and (answer[0] >= 500 or answer[0] in (408, 429)):
                        server_errors.append((answer[0], answer[1][:200].decode()))
                    elif answer is not None:
                        refused.append((answer[0], answer[1][:200].decode()))
                if answer is not None and answer[0] < 500 and answer[0] not in (408, 429):
                    return  # a permanent refusal: the queue would drop it, and so do we
                time.sleep(0.05)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    total = WRITERS * CREATES_PER_WRITER
    while len(acknowledged) < total // 3:
        time.sleep(0.01)
    victim = min(served.workers())
    os.kill(victim, signal.SIGKILL)
    acknowledged_at_kill = len(acknowledged)
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never got an answer"

    assert refused == []
    assert server_errors == []
    assert len(acknowledged) == total and len(set(acknowledged)) == total
    assert acknowledged_at_kill < total, "the kill came after the storm"
    counts = stored_counts(app, acknowledged)
    assert counts.pop(None) == total, "rows beyond the acknowledged creates"
    assert {uid: n for uid, n in counts.items() if n != 1} == {}
    assert set(counts) == set(acknowledged)
    # The master replaced the killed worker: two serve again, the victim not among them.
    deadline = time.monotonic() + 20
    while (len(served.workers()) != 2 or victim in served.workers()) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert victim not in served.workers() and len(served.workers()) == 2
    assert _answers(served.port)


@linux_only
def test_sigterm_lets_a_create_in_flight_finish_then_stops(served, alice, app):
    uid = str(uuid.uuid4())
    body = json.dumps(annotation_body(id=uid)).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        # One answered request first: a worker holds this connection now.
        sock.sendall(b"GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = http.client.HTTPResponse(sock)
        first.begin()
        first.read()
        assert first.status == 200
        head = (f"POST /api/annotations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: {alice.headers['Authorization']}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        sock.sendall(head.encode() + body[:20])
        time.sleep(0.3)
        served.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert served.proc.poll() is None, "the master stopped with a request in flight"
        sock.sendall(body[20:])
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        stored = json.loads(answer.read())
    assert answer.status == 201
    assert stored["id"] == uid
    assert served.proc.wait(timeout=30) == 0
    assert stored_counts(app, [uid]) == {uid: 1, None: 1}


@linux_only
def test_a_taken_port_with_workers_is_one_line_and_exit_1(tmp_path):
    env = dict(os.environ, POSTIL_DATA_DIR=str(tmp_path), POSTIL_SAMPLE="0")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([POSTIL, "serve", "--workers", "2", "--port", str(port)],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert f"port {port}" in line and "in use" in line and "--port" in line


def test_workers_elsewhere_than_linux_is_a_clear_error_before_touching_the_database(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSTIL_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cli.main(["serve", "--workers", "2", "--port", str(free_port())]) == 1
    message = capsys.readouterr().err
    assert "--workers needs Linux" in message and "darwin" in message and "--threads" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_workers_must_be_a_whole_number_of_processes(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--workers", value])
    assert exit_.value.code == 2
    assert "not a number of processes" in capsys.readouterr().err


def request(port: int, method: str, path: str, body: dict | None = None,
            headers: dict | None = None) -> int:
    """Send one request on a connection of its own (any worker may take it); return the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@linux_only
def test_what_one_worker_writes_every_worker_acts_on(served, alice):
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    conn.request("GET", "/api")
    assert conn.getresponse().getheader("Server") == "postil"  # as under waitress
    conn.close()
    # Signed out through one connection: no worker takes the token afterwards.
    assert request(served.port, "GET", "/api/me", headers=alice.headers) == 200
    assert request(served.port, "DELETE", "/api/tokens/current", headers=alice.headers) == 204
    assert {request(served.port, "GET", "/api/me", headers=alice.headers)
            for _ in range(12)} == {401}
    # Failed sign-ins counted by whichever worker took them: the next one waits.
    wrong = {"username": "alice", "password": "not it"}
    assert {request(served.port, "POST", "/api/tokens", wrong) for _ in range(6)} == {401}
    assert request(served.port, "POST", "/api/tokens", wrong) == 429


@linux_only
def test_metrics_of_every_worker_are_summed_by_whichever_answers(served):
    for _ in range(20):
        assert request(served.port, "GET", "/api") == 200
    totals = set()
    for _ in range(6):  # new connections: either worker answers
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
        line = next(ln for ln in text.splitlines() if ln.startswith(
            'postil_requests_total{endpoint="api.index",method="GET",status="200"}'))
        totals.add(float(line.rsplit(" ", 1)[1]))
    # The fixture's own readiness probes asked GET /api too, at least once.
    assert len(totals) == 1 and totals.pop() >= 21
