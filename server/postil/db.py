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

    SQLite admits one writer at a time, and every commit writes and syncs its log. Writers of
    this process therefore queue, and whoever finds nobody writing commits the waiting writes as
    one transaction (group commit): each pays a share of one commit, and a writer alone writes
    from its own thread without handing over to another. A caller hears back only after the
    commit, so nothing it acknowledges can be lost. If a write raises, its group is rolled back
    and every write of it runs again alone, so the exception reaches only its caller: `work` may
    therefore run more than once and must change nothing but the database. A call made from
    inside a write (an import's items) runs inline, in a savepoint. PostgreSQL commits concurrent
    transactions itself, so there `work` simply runs in a transaction of the caller's.
    """
    if not is_sqlite() or getattr(_in_write, "active", False):
        with database.atomic():
            return work()
    if not isinstance(database.obj, PooledSqliteDatabase):
        # In memory, each connection is a database of its own: no thread may write for another.
        with _sqlite_writer, database.atomic("IMMEDIATE"):
            _in_write.active = True
            try:
                return work()
            finally:
                _in_write.active = False
    return _writer.submit(work)


class _GroupWriter:
    """Queue SQLite writes; the thread that finds nobody writing commits what waits, in groups."""

    MAX_GROUP = 64
    BACKSTOP_S = 0.05  # a waiter looks again this often, though a leader always hands on

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._leading = threading.Lock()

    def submit(self, work: Callable[[], T]) -> T:
        job = _Job(work)
        self._queue.put(job)
        while not job.done.is_set():
            if self._leading.acquire(blocking=False):
                try:
                    self._lead()
                finally:
                    self._leading.release()
                # A write queued between our last look and the release found us leading and
                # is waiting: the loop takes it (or someone else already leads).
                if not self._queue.empty():
                    continue
            job.done.wait(self.BACKSTOP_S)
        if job.error is not None:
            raise job.error
        return job.result

    def _lead(self) -> None:
        opened = database.is_closed()
        if opened:
            database.connect()
        _in_write.active = True
        try:
            while True:
                group = []
                while len(group) < self.MAX_GROUP:
                    try:
                        group.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if not group:
                    return
                self._write(group)
        finally:
            _in_write.active = False
            if opened:
                database.close()

    def _write(self, group: list[_Job]) -> None:
        try:
            with _sqlite_writer, database.atomic("IMMEDIATE"):
                for job in group:
                    job.result = job.work()
        except BaseException as exc:  # noqa: BLE001 — handed to the caller, below
            if len(group) == 1:
                group[0].result, group[0].error = None, exc
            else:
                # Rolled back whole; alone, each write meets only its own fate.
                for job in group:
                    self._write([job])
                return
        for job in group:
            job.done.set()


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
