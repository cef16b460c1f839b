"""What an operator watches: /healthz, /metrics (who may read it, what it counts, several
processes summed) and the JSON request log, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from pg_admin import drop_database

from conftest import annotation_body
from postil import create_app, db, metrics

POSTIL = str(Path(sys.executable).with_name("postil"))
LAST_MIGRATION = sorted(p.stem for p in Path(db.MIGRATIONS_DIR).glob("[0-9]*.py"))[-1]


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text answer (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if found == labels:
            return float(value)
    return 0.0


def scrape(client, **kw) -> str:
    res = client.get("/metrics", **kw)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.content_type.startswith("text/plain")
    return res.get_data(as_text=True)


# ---------------------------------------------------------------- /healthz

def test_healthz_says_ok_when_the_database_answers_and_is_migrated(client):
    res = client.get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}
    assert res.headers["Cache-Control"] == "no-store"


def test_healthz_answers_a_probe_by_address_that_other_paths_refuse(client):
    # A load balancer asks by the server's address, which POSTIL_ALLOWED_HOSTS need not list.
    probe = {"Host": "10.1.2.3:8000"}
    assert client.get("/healthz", headers=probe).status_code == 200
    refused = client.get("/api", headers=probe)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "unknown_host"


def test_healthz_names_a_pending_migration(app, client):
    with app.app_context(), db.database.connection_context():
        db.database.execute_sql("DELETE FROM schema_migration WHERE name = "
                                f"{db.database.param}", [LAST_MIGRATION])
    try:
        res = client.get("/healthz")
        assert res.status_code == 503
        assert res.get_json() == {"status": "unavailable", "database": "ok",
                                  "migrations": "pending", "pending": [LAST_MIGRATION]}
    finally:
        with app.app_context(), db.database.connection_context():
            db.database.execute_sql("INSERT INTO schema_migration (name, applied) VALUES "
                                    f"({db.database.param}, CURRENT_TIMESTAMP)",
                                    [LAST_MIGRATION])
    assert client.get("/healthz").status_code == 200


def _unreachable_sqlite(tmp_path):
    folder = tmp_path / "gone"
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/postil.db", "TESTING": True,
                      "SAMPLE": False})

    def break_it():
        db.database.obj.close_all()  # pooled connections would still reach the removed file
        shutil.rmtree(folder)

    return app, break_it, str(folder)


def _unreachable_postgres(request):
    import psycopg2

    base = request.getfixturevalue("pg_url")
    name = f"postil_gone_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(base)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name, "TESTING": True,
                      "SAMPLE": False})

    def break_it():
        drop_database(admin, name)
        admin.close()

    return app, break_it, name


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_healthz_says_unavailable_when_the_database_does_not_answer(backend, tmp_path,
                                                                     request):
    app, break_it, secret = (_unreachable_sqlite(tmp_path) if backend == "sqlite"
                             else _unreachable_postgres(request))
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        break_it()
        for _ in range(2):  # a pooled connection, then a new one: both fail the same way
            res = client.get("/healthz")
            assert res.status_code == 503
            assert res.get_json() == {"status": "unavailable", "database": "unreachable",
                                      "migrations": "unknown"}
            assert secret not in res.get_data(as_text=True)
    finally:
        if not db.database.is_closed():
            db.database.close()
        db.database.obj.close_all()


# ---------------------------------------------------------------- /metrics: who may read it

def test_metrics_are_for_loopback_callers_not_through_a_proxy(client):
    scrape(client)
    elsewhere = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 403
    assert elsewhere.get_json()["error"]["code"] == "metrics_forbidden"
    # A proxy on this machine connects from loopback on behalf of anyone.
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"})
    assert proxied.status_code == 403
    assert client.get("/metrics", headers={"Forwarded": "for=192.0.2.7"}).status_code == 403


def test_with_a_metrics_token_only_the_token_reads_them(app, client):
    app.config["METRICS_TOKEN"] = "operator-secret-1"
    assert client.get("/metrics").status_code == 403  # loopback is not enough any more
    wrong = {"Authorization": "Bearer operator-secret-2"}
    assert client.get("/metrics", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer operator-secret-1"}
    scrape(client, headers=right, environ_base={"REMOTE_ADDR": "192.0.2.7"})


def test_metrics_can_be_turned_off(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "METRICS": False})
    try:
        client = app.test_client()
        res = client.get("/metrics")
        assert res.status_code == 404
        assert "POSTIL_METRICS=0" in res.get_json()["error"]["message"]
        assert client.get("/healthz").status_code == 200
    finally:
        db.database.obj.close_all()


# ---------------------------------------------------------------- /metrics: what it counts

def test_requests_are_counted_by_endpoint_and_status_never_by_path(client, alice, create):
    made = create(alice)
    before = scrape(client)
    uid_path = f"/api/annotations/{made['id']}"
    for _ in range(3):
        assert client.get(uid_path, headers=alice.headers).status_code == 200
    assert client.get(f"/api/annotations/{uuid.uuid4()}").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    labels = {"endpoint": "api.get_annotation", "method": "GET"}
    assert grew("postil_requests_total", **labels, status="200") == 3
    assert grew("postil_requests_total", **labels, status="404") == 1
    assert grew("postil_requests_total", endpoint="none", method="GET", status="404") == 1
    assert grew("postil_request_duration_seconds_count", **labels) == 4
    assert made["id"] not in after and "no/such" not in after and alice.name not in after


def test_created_annotations_and_failed_sign_ins_are_counted(client, alice, bob, create):
    before = scrape(client)
    create(alice, visibility="public")
    create(alice, visibility="private")
    again = annotation_body(visibility="private")
    for _ in range(2):  # the same id twice: one annotation, one count
        assert client.post("/api/annotations", json=again,
                           headers=bob.headers).status_code in (200, 201)
    assert client.post("/api/tokens", json={"username": "alice",
                                            "password": "not it"}).status_code == 401
    assert client.put("/api/me/password", headers=bob.headers, json={
        "current_password": "not it", "new_password": "a new long password"}).status_code == 403
    assert client.post("/api/tokens", json={"username": "alice",
                                            "password": "correct horse"}).status_code == 201
    after = scrape(client)
    assert sample(after, "postil_annotations_created_total", visibility="public") \
        - sample(before, "postil_annotations_created_total", visibility="public") == 1
    assert sample(after, "postil_annotations_created_total", visibility="private") \
        - sample(before, "postil_annotations_created_total", visibility="private") == 2
    assert sample(after, "postil_failed_sign_ins_total") \
        - sample(before, "postil_failed_sign_ins_total") == 2
    assert sample(after, "postil_open_streams") == 0


def test_imported_annotations_are_counted_once(client, alice):
    before = scrape(client)
    doc = {"annotations": [annotation_body(visibility="public"),
                           annotation_body(visibility="private")]}
    res = client.post("/api/import", json=doc, headers=alice.headers)
    assert res.status_code == 200 and res.get_json()["created"] == 2, res.get_json()
    assert client.post("/api/import", json=doc, headers=alice.headers).get_json()["created"] == 0
    after = scrape(client)
    for visibility in ("public", "private"):
        assert sample(after, "postil_annotations_created_total", visibility=visibility) \
            - sample(before, "postil_annotations_created_total", visibility=visibility) == 1


# SQLite only: PostgreSQL commits concurrent writes side by side, with no queue to count.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_write_queue_depth_is_the_writes_waiting_for_their_commit(app, client, alice):
    statuses = []

    def send():
        statuses.append(app.test_client().post("/api/annotations", json=annotation_body(),
                                               headers=alice.headers).status_code)

    writers = [threading.Thread(target=send) for _ in range(3)]
    with db._sqlite_writer:  # nothing commits until this is released
        for t in writers:
            t.start()
        deadline = time.monotonic() + 10
        while sample(scrape(client), "postil_write_queue_depth") < 3:
            assert time.monotonic() < deadline, "the queue never showed three writes"
            time.sleep(0.01)
    for t in writers:
        t.join(10)
    assert statuses == [201] * 3
    assert sample(scrape(client), "postil_write_queue_depth") == 0


# ---------------------------------------------------------------- several processes

def _serve(tmp_path: Path, metrics_dir: Path) -> tuple[subprocess.Popen, str]:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env |= {"POSTIL_DATA_DIR": str(tmp_path), "POSTIL_SAMPLE": "0",
            metrics.MULTIPROC_ENV: str(metrics_dir)}
    proc = subprocess.Popen([POSTIL, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5).close()
            return proc, base
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as res:
        return res.read().decode()


def test_two_processes_sharing_a_metrics_directory_answer_with_their_sum(tmp_path):
    metrics_dir = tmp_path / "metrics"
    subprocess.run([sys.executable, "-c", "import sys; from postil import metrics; "
                    "metrics.prepare_directory(sys.argv[1])", str(metrics_dir)], check=True)
    (metrics_dir / "counter_99999.db").write_bytes(b"left by an earlier run")
    subprocess.run([sys.executable, "-c", "import sys; from postil import metrics; "
                    "metrics.prepare_directory(sys.argv[1])", str(metrics_dir)], check=True)
    assert list(metrics_dir.iterdir()) == []  # an earlier run's counts are not added in

    first, a = _serve(tmp_path, metrics_dir)
    second, b = _serve(tmp_path, metrics_dir)
    try:
        for _ in range(3):
            _get(a + "/api")
        for _ in range(2):
            _get(b + "/api")
        labels = {"endpoint": "api.index", "method": "GET", "status": "200"}
        for base in (a, b):  # either process answers for both
            assert sample(_get(base + "/metrics"), "postil_requests_total", **labels) == 5
        second.terminate()
        second.wait(10)
        metrics.worker_exited(second.pid, metrics_dir)
        assert not list(metrics_dir.glob(f"gauge_livesum_{second.pid}.db"))
        # What the exited process counted did happen: it stays in the sum.
        assert sample(_get(a + "/metrics"), "postil_requests_total", **labels) == 5
    finally:
        for proc in (first, second):
            proc.terminate()
            proc.wait(10)


# ---------------------------------------------------------------- the request log

def test_the_json_request_log_has_one_line_a_request_and_no_secrets(database_url, make_user):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "REQUEST_LOG": "json"})
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("postil.requests")
    logger.addHandler(handler)
    try:
        client = app.test_client()
        reader = make_user("carol", "a password of carol")
        client.post("/api/tokens", json={"username": "carol", "password": "a password of carol"})
        client.get("/api/annotations?q=secret+words&tag=diary", headers=reader.headers)
        client.get("/api/me", headers={"Authorization": "Bearer not-a-token-at-all"})
    finally:
        logger.removeHandler(handler)
        db.database.obj.close_all()
    text = out.getvalue()
    records = [json.loads(line) for line in text.splitlines()]
    assert [(r["method"], r["endpoint"], r["path"], r["status"]) for r in records] == [
        ("POST", "api.sign_in", "/api/tokens", 201),
        ("GET", "api.query_annotations", "/api/annotations", 200),
        ("GET", "api.me", "/api/me", 401)]
    for record in records:
        assert set(record) == {"time", "method", "endpoint", "path", "status", "ms", "user",
                               "client", "bytes"}
        assert record["client"] == "127.0.0.1" and record["ms"] >= 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", record["time"])
    assert [r["user"] for r in records] == [None, records[1]["user"], None]
    assert isinstance(records[1]["user"], int)
    assert records[1]["bytes"] > 0
    for secret in ("a password of carol", reader.token, "not-a-token-at-all", "secret",
                   "diary", "carol"):
        assert secret not in text
