"""Live-update streams from real `postil serve` processes, on SQLite and PostgreSQL: a reader
reconnecting with Last-Event-ID after the server is killed and started again mid-stream gets
every event once; with `--workers 2` every stream hears every write, whichever process made
it; SIGTERM with streams open stops the server without waiting on them."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from stream_client import Stream, StreamClosed
from test_workers import POSTIL, _answers, free_port, linux_only, worker_pids

from conftest import annotation_body


class Served:
    """`postil serve` on the test's database (several processes with `workers`)."""

    def __init__(self, database_url: str, tmp_path: Path, workers: int = 1,
                 port: int | None = None) -> None:
        self.port = port or free_port()
        self.workers = workers
        env = dict(os.environ, POSTIL_DATABASE_URL=database_url, POSTIL_SAMPLE="0",
                   POSTIL_STREAM_POLL_SECONDS="0.2")
        self.log = open(tmp_path / f"server-{self.port}-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
        command = [POSTIL, "serve", "--threads", "4", "--port", str(self.port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        self.proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (_answers(self.port) and (workers == 1 or len(self.pids()) == workers)):
            assert self.proc.poll() is None, f"the server stopped: {self.output()}"
            assert time.monotonic() < deadline, f"the server did not answer: {self.output()}"
            time.sleep(0.1)

    def pids(self) -> set[int]:
        return worker_pids(self.proc.pid) if self.workers > 1 else {self.proc.pid}

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def serve(database_url, tmp_path, app):
    started: list[Served] = []

    def start(**kw) -> Served:
        served = Served(database_url, tmp_path, **kw)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def post_annotation(port: int, reader, uid: str) -> bool:
    """Create a public annotation with this id; True once the server acknowledged it."""
    body = json.dumps(annotation_body(id=uid, visibility="public", note=uid))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/annotations", body=body,
                     headers={**reader.headers, "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status in (200, 201)
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def open_stream(port: int, reader, last_id: str | None = None) -> Stream:
    """Open a stream, trying again while the server is (re)starting, as EventSource does."""
    deadline = time.monotonic() + 30
    while True:
        try:
            stream = Stream(port, "/api/stream?site=blog.example.org&post_id=42",
                            {**reader.headers,
                             **({"Last-Event-ID": last_id} if last_id else {})})
            if stream.status == 200:
                return stream
        except OSError:
            pass
        assert time.monotonic() < deadline, "the stream did not open again"
        time.sleep(0.1)


@linux_only
def test_a_reconnect_after_a_restart_mid_stream_gets_every_event_once(serve, alice, bob):
    served = serve()
    port = served.port
    stream = open_stream(port, bob)
    uids = [str(uuid.uuid4()) for _ in range(40)]
    acknowledged: list[str] = []

    def writer() -> None:
        for uid in uids:
            deadline = time.monotonic() + 60
            while not post_annotation(port, alice, uid):
                assert time.monotonic() < deadline
                time.sleep(0.05)  # the server is down: the same create again, as the queue does
            acknowledged.append(uid)
            time.sleep(0.02)

    thread = threading.Thread(target=writer)
    thread.start()
    heard: list[tuple[str, str]] = []  # (event id, annotation id)
    while len(heard) < 10:
        event = stream.next()
        heard.append((event["id"], event["data"]["id"]))
    os.kill(served.proc.pid, signal.SIGKILL)  # mid-stream, writes under way
    served.proc.wait()
    try:
        while True:  # whatever was already on its way before the kill
            event = stream.next(timeout=5)
            heard.append((event["id"], event["data"]["id"]))
    except (StreamClosed, OSError, http.client.HTTPException):
        pass
    stream.close()
    serve(port=port)
    stream = open_stream(port, bob, last_id=heard[-1][0])
    deadline = time.monotonic() + 90
    while not (not thread.is_alive() and set(acknowledged) <= {uid for _, uid in heard}):
        assert time.monotonic() < deadline, "events never came"
        try:
            event = stream.next(timeout=5)
        except TimeoutError:
            continue
        heard.append((event["id"], event["data"]["id"]))
    thread.join()
    assert sorted(uid for _, uid in heard) == sorted(uids), "an event lost or repeated"
    assert len({eid for eid, _ in heard}) == len(heard)
    stream.close()


def _holder(pids: set[int], server_port: int, client_port: int) -> int | None:
    """The process whose socket is the server's end of the connection from `client_port`."""
    wanted = f"0100007F:{server_port:04X} 0100007F:{client_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if f"{parts[1]} {parts[2]}" == wanted:
            inode = parts[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


@linux_only
def test_with_two_workers_every_stream_hears_every_write(serve, alice, bob):
    served = serve(workers=2)
    pids = served.pids()
    streams: dict[int, Stream] = {}
    for _ in range(40):
        stream = open_stream(served.port, bob)
        stream.next_timeout = 20
        time.sleep(0.05)
        pid = _holder(pids, served.port, stream.sock.getsockname()[1])
        if pid is not None and pid not in streams:
            streams[pid] = stream
        else:
            stream.close()
        if len(streams) == 2:
            break
    assert set(streams) == pids, "could not open a stream on each worker"
    uids = [str(uuid.uuid4()) for _ in range(20)]
    for uid in uids:  # each on a connection of its own: either worker may write it
        assert post_annotation(served.port, alice, uid)
    for stream in streams.values():
        heard = [stream.next()["data"]["id"] for _ in uids]
        assert sorted(heard) == sorted(uids)
        stream.close()


@linux_only
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_with_streams_open_stops_at_once(serve, alice, bob, workers):
    served = serve(workers=workers)
    streams = [open_stream(served.port, reader) for reader in (alice, bob, alice)]
    served.proc.send_signal(signal.SIGTERM)
    for stream in streams:
        with pytest.raises((StreamClosed, ConnectionError)):
            while True:
                stream.next(timeout=20)
    # Well before gunicorn's graceful timeout (30 s), which an open stream would wait out.
    assert served.proc.wait(timeout=20) == 0
