"""The `postil` command as a user runs it: serve on waitress, db upgrade, users, tokens, posts.

Each test runs real subprocesses on a temporary POSTIL_DATA_DIR (SQLite), once, not per backend;
the repeat and refusal cases of a command already run for real go through `postil_in_process`,
the same entry point without a new Python (and this file's helpers serve the other CLI tests).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from postil import cli, create_app, db

POSTIL = str(Path(sys.executable).with_name("postil"))
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "wp-post-multisite.json"


def env_for(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env |= {"POSTIL_DATA_DIR": str(data_dir), "POSTIL_SAMPLE": "0"}
    return env


def postil(data_dir: Path, *args: str, stdin: str | None = None,
           check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([POSTIL, *args], input=stdin, capture_output=True, text=True,
                          env=env_for(data_dir), timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def postil_in_process(data_dir: Path, *args: str, stdin: str | None = None,
                      check: bool = True) -> subprocess.CompletedProcess:
    """`postil()` without a new Python: the installed script's entry point (`cli.main`) run in
    this process, with the environment `postil()` gives the subprocess, `stdin` as its input and
    what it prints to stdout and stderr captured. Exits count as the script's would: `main()`'s
    return value, SystemExit's code, or its message on stderr with status 1; an uncaught error
    prints its traceback and gives 1. Each file of CLI tests keeps one real `postil()` call per
    command family, so that the installed script is exercised too."""
    env = env_for(data_dir)
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    _close_database()  # an in-process client's pool: the command binds the database anew
    try:
        os.environ.clear()
        os.environ.update(env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            saved_stdin, sys.stdin = sys.stdin, io.StringIO(stdin or "")
            try:
                code = cli.main(list(args))
            except SystemExit as exc:
                code = exc.code
                if code is not None and not isinstance(code, int):
                    print(code, file=sys.stderr)
                    code = 1
            except Exception:  # noqa: BLE001 - the script would print it and exit 1
                traceback.print_exc()
                code = 1
            finally:
                sys.stdin = saved_stdin
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _close_database()  # as the process's exit would
    proc = subprocess.CompletedProcess(["postil", *args], code or 0, out.getvalue(),
                                       err.getvalue())
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _close_database() -> None:
    if db.database.obj is None:
        return
    if not db.database.is_closed():
        db.database.close()
    close_all = getattr(db.database.obj, "close_all", None)
    if close_all:
        close_all()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, method: str = "GET", body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, dict(res.headers), json.loads(res.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def in_process_client(data_dir: Path):
    app = create_app({"DATABASE_URL": f"sqlite:///{data_dir / 'postil.db'}", "TESTING": True,
                      "SAMPLE": False})
    return app.test_client()


@pytest.fixture
def close_db():
    yield
    if not db.database.is_closed():
        db.database.close()


def test_serve_runs_waitress_with_migrations_applied(tmp_path):
    port = free_port()
    server = subprocess.Popen([POSTIL, "serve", "--port", str(port)], env=env_for(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, body = request(f"{base}/api")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "postil serve did not answer in 20 s"
                time.sleep(0.1)
        assert status == 200 and body["name"] == "postil"
        assert headers["Server"] == "postil"  # waitress's ident, not Werkzeug's dev server
        assert "werkzeug" not in headers["Server"].lower()

        # Migrations ran on first start, on the data directory's SQLite file.
        assert {"user", "token", "post", "annotation", "annotation_fts"} <= tables(
            tmp_path / "postil.db")

        postil(tmp_path, "user", "add", "alice", "--password-stdin", stdin="long enough pw\n")
        token = postil(tmp_path, "token", "create", "alice").stdout.strip()
        body = {"id": str(uuid.uuid4()), "post": {"site": "blog.example.org", "post_id": 3},
                "selectors": [{"type": "TextQuoteSelector", "exact": "served"}], "note": "hi"}
        status, headers, made = request(f"{base}/api/annotations", "POST", body, token)
        assert status == 201 and made["id"] == body["id"]
        assert headers["Location"].endswith(f"/api/annotations/{body['id']}")
        status, _, got = request(f"{base}/api/annotations/{body['id']}", token=token)
        assert status == 200 and got["note_html"] == "<p>hi</p>"
        status, _, _ = request(f"{base}/api/annotations/{body['id']}")
        assert status == 404  # private, and this request is anonymous
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def test_serve_listens_on_localhost_8000_by_default(monkeypatch):
    for name in ("POSTIL_HOST", "POSTIL_PORT"):
        monkeypatch.delenv(name, raising=False)
    args = cli.build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert args.func is cli.cmd_serve


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path):
    first = postil(tmp_path, "db", "upgrade")
    assert "0001" in first.stdout
    names = tables(tmp_path / "postil.db")
    assert {"user", "token", "post", "annotation", "annotation_tag", "annotation_fts"} <= names
    second = postil_in_process(tmp_path, "db", "upgrade")
    assert "up to date" in second.stdout
    assert tables(tmp_path / "postil.db") == names


def test_user_token_and_post_commands(tmp_path, close_db):
    postil(tmp_path, "user", "add", "carol", "--password-stdin", stdin="long enough pw\n")
    again = postil_in_process(tmp_path, "user", "add", "carol", "--password-stdin",
                              stdin="long enough pw\n", check=False)
    assert again.returncode != 0 and "exists" in again.stderr
    short = postil_in_process(tmp_path, "user", "add", "dave", "--password-stdin",
                              stdin="short\n", check=False)
    assert short.returncode != 0 and "password" in short.stderr

    with sqlite3.connect(tmp_path / "postil.db") as conn:
        (stored,) = conn.execute("SELECT password_hash FROM user WHERE name = 'carol'").fetchone()
        assert "long enough pw" not in stored
        assert conn.execute("SELECT COUNT(*) FROM user WHERE name = 'dave'").fetchone() == (0,)

    token = postil(tmp_path, "token", "create", "carol").stdout.strip()
    assert token.startswith("pst_")
    with sqlite3.connect(tmp_path / "postil.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM token WHERE token_hash = ?",
                            (token,)).fetchone() == (0,)
    nobody = postil_in_process(tmp_path, "token", "create", "nobody", check=False)
    assert nobody.returncode != 0 and "nobody" in nobody.stderr

    added = postil(tmp_path, "post", "add", str(FIXTURE))
    assert "added" in added.stdout
    assert "updated" in postil_in_process(tmp_path, "post", "add", str(FIXTURE)).stdout
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": 5}', encoding="utf-8")
    bad = postil_in_process(tmp_path, "post", "add", str(broken), check=False)
    assert bad.returncode != 0 and "broken.json" in bad.stderr

    client = in_process_client(tmp_path)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).get_json()["user"]["name"] == "carol"
    signed_in = client.post("/api/tokens", json={"username": "carol",
                                                 "password": "long enough pw"})
    assert signed_in.status_code == 201
    posts = client.get("/api/posts").get_json()
    assert posts["total"] == 1
    (post,) = posts["items"]
    assert (post["site"], post["post_id"], post["modified_gmt"]) == (
        "d3.harvard.edu/future-proof-with-ai", 1334, "2026-05-14T13:46:45")
    assert post["url"] == "https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/"


def test_a_taken_port_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = postil(tmp_path, "serve", "--port", str(port), check=False)
    assert proc.returncode == 1
    assert "Postil" not in proc.stdout  # no address that is not ours
    (line,) = proc.stderr.strip().splitlines()
    assert f"port {port}" in line and "in use" in line and "--port" in line
    assert "Traceback" not in proc.stderr


def run_in(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = env if env is not None else {k: v for k, v in os.environ.items()
                                       if not k.startswith("POSTIL_")}
    return subprocess.run([POSTIL, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=60)


def test_the_cli_finds_postil_data_in_the_current_directory(tmp_path):
    # What scripts/serve.sh leaves behind: ./postil-data with a user in it.
    postil(tmp_path / "postil-data", "user", "add", "reader", "--password-stdin",
           stdin="long enough pw\n")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")} | {
        "HOME": str(home)}
    made = run_in(tmp_path, "token", "create", "reader", env=env)
    assert made.returncode == 0, made.stderr
    exported = run_in(tmp_path, "export", "--user", "reader", "--format", "json", "-o", "-",
                      env=env)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["annotations"] == []
    assert not home.exists()  # nothing made in the platform default


def test_a_read_command_never_makes_an_empty_database(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")} | {
        "HOME": str(home)}
    for args in (["export", "--user", "reader", "--format", "json", "-o", "-"],
                 ["token", "create", "reader"]):
        proc = run_in(tmp_path, *args, env=env)
        assert proc.returncode == 1
        assert str(home / ".local/share/postil") in proc.stderr
        assert "POSTIL_DATA_DIR" in proc.stderr
    assert not home.exists()


def test_no_user_names_the_database_it_looked_in(tmp_path):
    postil(tmp_path, "db", "upgrade")
    proc = postil(tmp_path, "export", "--user", "reader", "--format", "json", "-o", "-",
                  check=False)
    assert proc.returncode == 1
    assert str(tmp_path / "postil.db") in proc.stderr and "POSTIL_DATA_DIR" in proc.stderr


def test_the_request_log_is_off_by_default_and_one_line_a_request_when_asked(tmp_path):
    def served(*flags: str, extra_env: dict | None = None) -> str:
        port = free_port()
        env = env_for(tmp_path) | (extra_env or {})
        server = subprocess.Popen([POSTIL, "serve", "--port", str(port), *flags], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    request(f"http://127.0.0.1:{port}/api?q=secret-words")
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert server.poll() is None
                    assert time.monotonic() < deadline, "postil serve did not answer in 20 s"
                    time.sleep(0.1)
            request(f"http://127.0.0.1:{port}/api/annotations/nope")
        finally:
            server.terminate()
            server.wait(timeout=10)
        out = server.stderr.read()
        server.stderr.close()
        return out

    assert "/api" not in served()
    lines = [ln for ln in served("--log-requests").splitlines() if "/api" in ln]
    assert lines[0].startswith("GET /api 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /api/annotations/nope 404 ")
    logged = served(extra_env={"POSTIL_REQUEST_LOG": "json"})
    records = [json.loads(ln) for ln in logged.splitlines() if ln.startswith("{")]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", "/api", 200), ("GET", "/api/annotations/nope", 404)]
    assert "secret-words" not in logged  # the query string is a reader's, not the log's


def test_sample_serve_serves_the_blog_alone_and_makes_no_database(tmp_path):
    port = free_port()
    proc = subprocess.Popen([POSTIL, "sample", "serve", "--port", str(port)], cwd=tmp_path,
                            env=env_for(tmp_path / "data"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/sample/" in line
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/sample/how-tide-pools-keep-time/", timeout=10) as res:
            page = res.read().decode()
        # The post's links name this process's address, so it is its own site to the extension.
        assert f'href="{base}/sample/?p=101"' in page and "How Tide Pools Keep Time" in page
        with urllib.request.urlopen(f"{base}/", timeout=10) as res:
            assert res.url == f"{base}/sample/"
        with pytest.raises(urllib.error.HTTPError) as no_api:
            urllib.request.urlopen(f"{base}/api/me", timeout=10)
        assert no_api.value.code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert not (tmp_path / "data").exists() and not (tmp_path / "postil-data").exists()


def test_sample_serve_on_a_taken_port_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = postil(tmp_path, "sample", "serve", "--port", str(port), check=False)
    assert proc.returncode == 1 and "http://" not in proc.stdout
    (line,) = proc.stderr.strip().splitlines()
    assert f"port {port}" in line and "in use" in line and "--port" in line
