"""The database: one `DatabaseProxy` bound from configuration, connections per request, migrations.

SQLite (the default, a file in the data directory) runs in WAL mode with foreign keys and a busy
timeout so that the threaded production server can write from several threads; PostgreSQL is used
when the database URL says so.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

database = DatabaseProxy()
_sqlite_writer = threading.RLock()

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    # FULL: a write acknowledged to a reader survives a power cut too, not only a crash of the
    # server process (WAL's NORMAL may lose the last commits then). Costs ~25% of create rate.
    "synchronous": "full",
    "cache_size": -64_000,
}


def open_database(url: str) -> Database:
    """Return an unconnected database for a `sqlite:///path` or `postgresql://…` URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/file.db or sqlite:////absolute/file.db, as SQLAlchemy spells them.
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if path in ("", ":memory:"):
            path = ":memory:"
        else:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if path == ":memory:":
            return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
        # A pool: opening a connection and setting its pragmas on every request costs more
        # than most of our queries.
        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                    max_connections=64, stale_timeout=600)
    if parts.scheme in ("postgres", "postgresql"):
        return PooledPostgresqlDatabase(
            unquote(parts.path.lstrip("/")),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname or None,
            port=parts.port or None,
            max_connections=64,
            stale_timeout=600,
        )
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


T = TypeVar("T")


def run_write(work: Callable[[], T]) -> T:
    """Run `work` in a write transaction; return its result once the transaction is committed.

    On SQLite every write of this process goes to one writer thread, which runs the writes that
    arrived together in one transaction, each in a savepoint of its own, and commits them at once
    (group commit): each commit writes and syncs the log, and shared by several writes it costs
    each a fraction. A caller hears back only after the commit, so nothing it acknowledges can be
    lost; an exception from `work` undoes only that write and is raised here. A call made from
    inside a write (an import's items) runs inline, in a savepoint. PostgreSQL commits concurrent
    transactions itself, so there `work` runs in the caller's thread.
    """
    if not is_sqlite() or getattr(_in_write, "active", False):
        with database.atomic():
            return work()
    if not isinstance(database.obj, PooledSqliteDatabase):
        # One private in-memory database per connection: the writer thread would see another.
        with _sqlite_writer, _writing(), database.atomic("IMMEDIATE"):
            return work()
    return _writer.submit(work)


@contextmanager
def _writing():
    _in_write.active = True
    try:
        yield
    finally:
        _in_write.active = False


class _GroupWriter:
    """The one thread that writes to SQLite: takes waiting writes in groups, commits each group."""

    MAX_GROUP = 64

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._db: Database | None = None
        self._start_lock = threading.Lock()

    def submit(self, work: Callable[[], T]) -> T:
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="postil-sqlite-writer",
                                                    daemon=True)
                    self._thread.start()
        job = _Job(work)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _run(self) -> None:
        _in_write.active = True
        while True:
            group = [self._queue.get()]
            while len(group) < self.MAX_GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(group)
            for job in group:
                job.done.set()

    def _write(self, group: list[_Job]) -> None:
        try:
            if self._db is not database.obj:
                # Another database was bound (tests do that): write to it from now on.
                if self._db is not None and not self._db.is_closed():
                    self._db.close()
                self._db = database.obj
            database.connect(reuse_if_open=True)
            with _sqlite_writer, database.atomic("IMMEDIATE"):
                if len(group) == 1:
                    _run_job(group[0], undo=_Undo)
                else:
                    conn = database.connection()
                    for job in group:
                        conn.execute("SAVEPOINT postil_job")
                        if _run_job(job):
                            conn.execute("RELEASE postil_job")
                        else:
                            conn.execute("ROLLBACK TO postil_job")
                            conn.execute("RELEASE postil_job")
        except _Undo:
            pass  # the one write of the group failed and was rolled back whole
        except BaseException as exc:  # noqa: BLE001 — the commit failed: nothing was written
            for job in group:
                if job.error is None:
                    job.error = exc
                    job.result = None


class _Undo(Exception):
    """Roll back a group's transaction (its only write failed)."""


def _run_job(job: _Job, undo: type[Exception] | None = None) -> bool:
    try:
        job.result = job.work()
        return True
    except BaseException as exc:  # noqa: BLE001 — handed to the caller
        job.error = exc
        if undo is not None:
            raise undo from exc
        return False


class _Job:
    __slots__ = ("work", "result", "error", "done")

    def __init__(self, work: Callable) -> None:
        self.work = work
        self.result = None
        self.error: BaseException | None = None
        self.done = threading.Event()


_in_write = threading.local()
_writer = _GroupWriter()


def upgrade(db: Database | None = None) -> list[str]:
    """Apply pending numbered migrations; return their names."""
    db = db or database.obj
    with db.connection_context():
        return Runner(db, MIGRATIONS_DIR).up()


def migration_status(db: Database | None = None):
    db = db or database.obj
    with db.connection_context():
        return Runner(db, MIGRATIONS_DIR).status()


def init_app(app) -> None:
    db = open_database(app.config["DATABASE_URL"])
    database.initialize(db)
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(db)

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not database.is_closed():
            database.close()
