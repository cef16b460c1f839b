"""`postil backup` and `postil restore` as an operator runs them, on SQLite and on PostgreSQL.

The storm test runs a real `postil serve`, keeps several threads creating annotations through
its API while `postil backup` runs, and restores the backup into a fresh database: every create
acknowledged before the backup began must be there, intact. The others check the refusals and
the one-line explanations, with stand-in PostgreSQL tools where a real one cannot misbehave.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from postil import backup, cli, create_app, db
from postil.models import Token, User

POSTIL = str(Path(sys.executable).with_name("postil"))


def env_for(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    return env | {"POSTIL_DATABASE_URL": url, "POSTIL_SAMPLE": "0"}


def postil(url: str, *args: str, stdin: str | None = None,
           check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([POSTIL, *args], input=stdin, capture_output=True, text=True,
                          env=env_for(url), timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(params=["sqlite", "postgres"])
def two_databases(request, tmp_path):
    """A database to serve from and an empty one to restore into, both of one kind."""
    if request.param == "sqlite":
        return (f"sqlite:///{tmp_path / 'live' / 'postil.db'}",
                f"sqlite:///{tmp_path / 'restored' / 'postil.db'}")
    make = request.getfixturevalue("new_pg_url")
    return make(), make()


def alice_with_a_token(url: str) -> str:
    """Make the database at `url` with one user, alice; return a token of hers."""
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SAMPLE": False})
    try:
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            alice = User(name="alice")
            alice.set_password("long enough pw")
            alice.save()
            return Token.issue(alice, "storm")
    finally:
        db.database.close()
        db.database.obj.close_all()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "postil serve did not answer in 30 s"
            time.sleep(0.1)


class Writer(threading.Thread):
    """Create annotations until stopped; remember each acknowledged one and when it was."""

    def __init__(self, base: str, token: str, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.token, self.number, self.stop = base, token, number, stop
        self.acknowledged: list[tuple[float, str, str]] = []  # (when, id, note)
        self.failures: list[str] = []

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            uid, note = str(uuid.uuid4()), f"storm {self.number} {i}"
            body = {"id": uid, "note": note, "tags": [f"w{self.number}"],
                    "visibility": "private" if i % 2 else "public",
                    "post": {"site": "blog.example.org", "post_id": 1 + i % 3},
                    "selectors": [{"type": "TextQuoteSelector", "exact": f"words {i}"}]}
            req = urllib.request.Request(
                f"{self.base}/api/annotations", data=json.dumps(body).encode(), method="POST",
                headers={"Content-Type": "application/json",
                         "Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as res:
                    status = res.status
            except urllib.error.HTTPError as err:
                status = err.code
            except OSError as exc:
                self.failures.append(f"{note}: {exc}")
                continue
            # Only now may the writer count on it: the server has answered 201.
            if status == 201:
                self.acknowledged.append((time.monotonic(), uid, note))
            else:
                self.failures.append(f"{note}: HTTP {status}")
            i += 1


def test_a_backup_taken_during_a_write_storm_restores_every_acknowledged_write(
        two_databases, tmp_path):
    live, fresh = two_databases
    token = alice_with_a_token(live)
    port = free_port()
    server = subprocess.Popen([POSTIL, "serve", "--port", str(port), "--threads", "8"],
                              env=env_for(live), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    stop = threading.Event()
    writers = [Writer(f"http://127.0.0.1:{port}", token, n, stop) for n in range(4)]
    backup_file = tmp_path / "postil.backup"
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}")
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 30
        while sum(len(w.acknowledged) for w in writers) < 60:
            assert time.monotonic() < deadline, [w.failures for w in writers]
            time.sleep(0.02)
        began = time.monotonic()
        made = postil(live, "backup", str(backup_file))
        ended = time.monotonic()
        time.sleep(0.2)  # a few writes after it, which the backup may or may not hold
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    assert [w.failures for w in writers] == [[]] * len(writers)
    acknowledged = [a for w in writers for a in w.acknowledged]
    # The server kept acknowledging creates while the backup ran: it did not stop the writers.
    assert any(began < when < ended for when, _, _ in acknowledged)
    assert made.stdout.startswith("backed up ") and "1 users" in made.stdout
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []

    restored = postil(fresh, "restore", str(backup_file))
    assert "1 users" in restored.stdout, restored.stdout

    sent = {uid: note for _, uid, note in acknowledged}
    database = db.open_database(fresh)
    with database.connection_context():
        rows = dict(database.execute_sql("SELECT uid, note FROM annotation").fetchall())
        tags = database.execute_sql("SELECT count(*) FROM annotation_tag").fetchone()[0]
        if isinstance(database, db.SqliteDatabase):
            assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
            # The full-text index agrees with the rows it indexes (raises if not).
            database.execute_sql(
                "INSERT INTO annotation_fts(annotation_fts) VALUES ('integrity-check')")
    database.close()
    database.close_all()
    before = {uid for when, uid, _ in acknowledged if when < began}
    print(f"acknowledged: {len(before)} before the backup, "
          f"{sum(began < when < ended for when, _, _ in acknowledged)} during it, "
          f"{len(acknowledged)} in all; restored {len(rows)}")
    assert before <= set(rows), f"{len(before - set(rows))} acknowledged writes missing"
    assert all(rows[uid] == sent[uid] for uid in rows)  # nothing but what was sent, intact
    assert tags == len(rows)
    # Both commands count what the backup holds, not what the live database held later.
    assert f": 1 users, {len(rows)} annotations, 3 posts" in made.stdout
    assert f": 1 users, {len(rows)} annotations, 3 posts" in restored.stdout

    # Through the API, the restored database serves each one to its author with the old token.
    app = create_app({"DATABASE_URL": fresh, "TESTING": True, "SAMPLE": False})
    try:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for uid in sorted(before)[:40]:
            got = client.get(f"/api/annotations/{uid}", headers=headers)
            assert got.status_code == 200 and got.get_json()["note"] == sent[uid]
        assert client.get("/api/annotations", headers=headers).get_json()["total"] == len(rows)
    finally:
        db.database.close()
        db.database.obj.close_all()


def run_cli(monkeypatch, url: str, *args: str) -> str:
    """Run a `postil` command in this process; its errors raise SystemExit with the line."""
    monkeypatch.setenv("POSTIL_DATABASE_URL", url)
    return cli.main(list(args))


def user_names(url: str) -> list[str]:
    database = db.open_database(url)
    with database.connection_context():
        names = [n for (n,) in database.execute_sql('SELECT name FROM "user" ORDER BY name')]
    database.close()
    database.close_all()
    return names


def test_restore_refuses_a_database_holding_data_unless_forced(two_databases, tmp_path,
                                                               monkeypatch, capsys):
    source, target = two_databases
    alice_with_a_token(source)
    run_cli(monkeypatch, source, "backup", str(tmp_path / "alice.backup"))
    app = create_app({"DATABASE_URL": target, "TESTING": True, "SAMPLE": False})
    with app.app_context():
        User.create(name="bob", name_key="bob", password_hash="x")
    db.database.obj.close_all()

    with pytest.raises(SystemExit) as refused:
        run_cli(monkeypatch, target, "restore", str(tmp_path / "alice.backup"))
    assert "already holds data; restore over it with --force" in str(refused.value.code)
    assert user_names(target) == ["bob"]  # nothing changed

    run_cli(monkeypatch, target, "restore", "--force", str(tmp_path / "alice.backup"))
    assert "1 users, 0 annotations, 0 posts" in capsys.readouterr().out
    assert user_names(target) == ["alice"]


def test_an_event_id_from_after_the_backup_is_unknown_once_restored(database_url, tmp_path,
                                                                     monkeypatch):
    """Restoring turns the change log back to the backup's moment and it counts up again: a
    reader who heard events after that moment must be told to reload (`reset`), not resumed
    at a number that now names other changes, which it would never hear of."""
    from postil.store import changes

    def write(app, n: int) -> str:
        """Make `n` public annotations; the newest event id."""
        with app.test_request_context():
            db.database.connect(reuse_if_open=True)
            user = User.get_or_none(User.name == "alice") or User.create(
                name="alice", name_key="alice", password_hash="x")
            token = Token.issue(user, "t")
            db.database.close()
        client = app.test_client()
        for _ in range(n):
            res = client.post("/api/annotations", headers={"Authorization": f"Bearer {token}"},
                              json={"post": {"site": "blog.example.org", "post_id": 1},
                                    "visibility": "public", "note": "a note"})
            assert res.status_code == 201, res.get_json()
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            try:
                return changes.cursor().encode(changes.newest())
            finally:
                db.database.close()

    def resume(app, event_id: str):
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            try:
                return changes.start(event_id)
            finally:
                db.database.close()

    config = {"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False}
    app = create_app(config)
    write(app, 1)
    db.database.obj.close_all()
    run_cli(monkeypatch, database_url, "backup", str(tmp_path / "one.backup"))
    app = create_app(config)
    later = write(app, 3)
    assert resume(app, later).reset is None  # before the restore it resumes, as it should
    db.database.obj.close_all()

    run_cli(monkeypatch, database_url, "restore", "--force", str(tmp_path / "one.backup"))
    app = create_app(config)
    write(app, 4)  # the log passes its old numbers again
    start = resume(app, later)
    db.database.obj.close_all()
    assert start.reset == "unknown_event_id"


def stand_in(directory: Path, name: str, version: str, dump: str = "") -> None:
    """Write a `name` that says it is `version` and, asked to dump, writes the start of a file
    and fails, as a pg_dump losing its connection would."""
    directory.mkdir(exist_ok=True)
    tool = directory / name
    tool.write_text(f"""#!/bin/sh
if [ "$1" = --version ]; then echo "{name} (PostgreSQL) {version}"; exit 0; fi
for arg in "$@"; do case "$arg" in --file=*) printf 'PGDMP{dump}' > "${{arg#--file=}}";; esac; done
echo "{name}: error: connection to server lost" >&2
exit 1
""")
    tool.chmod(0o755)


@pytest.mark.parametrize("version, said", [
    (None, "pg_dump is not on PATH"),
    ("11.22 (Debian 11.22-1)", "is version 11, older than the PostgreSQL"),
    ("99.0", "pg_dump failed: pg_dump: error: connection to server lost"),
])
def test_a_backup_pg_dump_cannot_take_says_why_and_keeps_the_earlier_backup(
        version, said, fresh_pg_url, tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    if version:
        stand_in(tools, "pg_dump", version, dump="half")
    monkeypatch.setenv("PATH", str(tools))
    earlier = tmp_path / "postil.backup"
    earlier.write_bytes(b"yesterday's backup")
    database = db.open_database(fresh_pg_url)
    db.upgrade(database)
    database.close_all()

    with pytest.raises(SystemExit) as failed:
        run_cli(monkeypatch, fresh_pg_url, "backup", str(earlier))
    message = str(failed.value.code)
    assert said in message and "\n" not in message
    if "PATH" in said or "older" in said:
        assert "apt install postgresql-client-" in message  # what to install
    assert earlier.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "postil.backup"]


WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("PRAGMA journal_mode = WAL").fetchone()
n = 0
while True:
    n += 1
    conn.execute("INSERT INTO tally VALUES (?, ?)", (n, b"x" * 3000))
"""


def test_a_sqlite_backup_is_one_moment_of_a_database_written_all_the_while(tmp_path, monkeypatch):
    """Copied a few pages a step while another process commits all the while, the backup
    finishes, is whole, holds the rows of one moment (a prefix of the writes, no gaps), and never
    held the writer up."""
    live = tmp_path / "postil.db"
    db.upgrade(db.open_database(f"sqlite:///{live}"))
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE tally (n INTEGER, pad BLOB)")
        # 2,000 pages, so that one pass of the copy outlasts the time between two writes.
        conn.execute("INSERT INTO tally VALUES (0, zeroblob(8000000))")

    def written() -> int:
        with sqlite3.connect(live, timeout=30) as conn:
            return conn.execute("SELECT max(n) FROM tally").fetchone()[0]

    monkeypatch.setattr(backup, "SQLITE_STEP_PAGES", 16)
    around = []  # writes made when the copy began and when it ended
    copy = backup._sqlite_copy
    monkeypatch.setattr(backup, "_sqlite_copy", lambda source, target: (
        around.append(written()), copy(source, target), around.append(written())))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live)])
    try:
        while written() < 50:
            time.sleep(0.01)
        done = threading.Thread(target=backup.backup, args=(f"sqlite:///{live}",
                                                            tmp_path / "copy.db"), daemon=True)
        done.start()
        done.join(timeout=20)
    finally:
        writer.kill()
        writer.wait()
    assert not done.is_alive(), "the backup restarted with every write and never finished"
    with sqlite3.connect(tmp_path / "copy.db") as copied:
        assert copied.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        numbers = [n for (n,) in copied.execute("SELECT n FROM tally WHERE n > 0 ORDER BY n")]
    assert around[0] <= len(numbers) <= around[1]
    assert numbers == list(range(1, len(numbers) + 1))  # a prefix of the writes, no gaps
    assert around[1] > around[0]  # and they went on while it copied
