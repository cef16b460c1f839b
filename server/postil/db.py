"""The database: one `DatabaseProxy` bound from configuration, connections per request, migrations.

SQLite (the default, a file in the data directory) runs in WAL mode with foreign keys and a busy
timeout so that the threaded production server can write from several threads; PostgreSQL is used
when the database URL says so.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from flask import request
from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from . import metrics

database = DatabaseProxy()
# peewee's proxy finds each attribute of the database it stands for in `__getattr__`, which Python
# calls only after the ordinary lookup failed (an AttributeError made and dropped, about a
# microsecond): the paths every create takes call `database.obj` (the database itself) instead,
# 24 lookups a create (bench/README.md, "Issue 16, second pass").

# Held while a group of writes is written (one leader at a time already; tests hold it to
# queue writes up into a group).
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


class _PostgresPool(PooledPostgresqlDatabase):
    """peewee's PostgreSQL pool, which asks the server whether a connection is alive (one round
    trip, `SELECT 1`) every time it hands one out, only when it has been idle a while.

    Speed: back-to-back requests spent a third of their round trips on that question
    (bench/README.md, "One statement per page"). A connection handed back less than
    `ALIVE_WINDOW` seconds ago, idle and open as far as the driver knows, is handed out as is:
    one the server closed within that half second fails its request, as it would have failed
    one moment later anyway.
    """

    ALIVE_WINDOW = 0.5

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._returned: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _close(self, conn, close_conn=False):
        if not close_conn:
            self._returned[conn] = time.monotonic()
        return super()._close(conn, close_conn)

    def _is_closed(self, conn):
        returned = self._returned.pop(conn, None)
        if (returned is not None and time.monotonic() - returned < self.ALIVE_WINDOW
                and not conn.closed and conn.get_transaction_status() == 0):  # idle
            return False
        return super()._is_closed(conn)


def open_database(url: str) -> Database:
    """Return an unconnected database for a `sqlite:///path` or `postgresql://…` URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/file.db or sqlite:////absolute/file.db, as SQLAlchemy spells them.
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if path in ("", ":memory:"):
            # Each connection to :memory: is a database of its own, gone when it closes, and
            # every request and writer has its own: the tables would vanish after the first.
            raise ValueError(f"{url!r}: Postil needs a database file, e.g. sqlite:///postil.db")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # A pool: opening a connection and setting its pragmas on every request costs more
        # than most of our queries.
        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                    max_connections=64, stale_timeout=600)
    if parts.scheme in ("postgres", "postgresql"):
        return _PostgresPool(
            unquote(parts.path.lstrip("/")),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname or None,
            port=parts.port or None,
            max_connections=64,
            stale_timeout=600,
            # No JIT compilation: a query's estimate (the visibility rule's subqueries priced
            # per candidate row) passes PostgreSQL's JIT thresholds for a few thousand rows,
            # and compiling took ~1 s where running took milliseconds (bench/README.md,
            # "One statement per page").
            options="-c jit=off",
        )
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


T = TypeVar("T")

# PostgreSQL: per connection, the statements prepared on it (`read_prepared`), SQL to name.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PREPARED_MAX = 64


def read_prepared(sql: str, params: list):
    """Run a read and return its cursor; on PostgreSQL as a statement prepared on the connection.

    Speed: planning the API's query (the visibility rule's subqueries) costs PostgreSQL about
    2 ms, running it for one post a fraction of that; a statement prepared once per connection
    is planned once (bench/README.md, "One statement per page"). Prepared statements outlive
    transactions and go with their connection. Inside a transaction, or past `_PREPARED_MAX`
    shapes on one connection, the SQL simply runs: a failed PREPARE must not abort a caller's
    transaction, and the shapes are few (one per set of filters a client combines).
    """
    if not is_postgres() or database.in_transaction():
        return database.execute_sql(sql, params)
    conn = database.connection()
    names = _prepared.setdefault(conn, {})
    name = names.get(sql)
    if name is None:
        if len(names) >= _PREPARED_MAX:
            return database.execute_sql(sql, params)
        name = f"postil_read_{len(names)}"
        numbered = sql.split("%s")
        text = numbered[0] + "".join(f"${i}{part}" for i, part in enumerate(numbered[1:], 1))
        # Connections run in autocommit (peewee), so a failed PREPARE leaves nothing behind.
        conn.cursor().execute(f"PREPARE {name} AS {text.replace('%%', '%')}")
        names[sql] = name
    args = ", ".join(["%s"] * len(params))
    return database.execute_sql(f"EXECUTE {name} ({args})" if params else f"EXECUTE {name}",
                                params)



def run_write(work: Callable[[], T]) -> T:
    """Run `work` in a write transaction; return its result once the transaction is committed.

    SQLite admits one writer at a time, and every commit writes and syncs its log. Writers of
    this process therefore queue, and whoever finds nobody writing commits the waiting writes as
    one transaction (group commit): each pays a share of one commit, and a writer alone writes
    from its own thread without handing over to another, on the one connection every write of
    the process uses (`_GroupWriter._connection`). A caller hears back only after the
    commit, so nothing it acknowledges can be lost. If a write raises, its group is rolled back
    and every write of it runs again alone, so the exception reaches only its caller: `work` may
    therefore run more than once and must change nothing but the database. A call made from
    inside a write (an import's items) runs inline, in a savepoint. PostgreSQL commits concurrent
    transactions itself, so there `work` simply runs in a transaction of the caller's.
    """
    if getattr(_in_write, "active", False):
        with database.atomic():
            return work()
    if not is_sqlite():
        _in_write.active = True
        try:
            with database.obj.atomic():
                result = work()
                recorded = _before_commit()
        except BaseException:
            _rolled_back()
            raise
        finally:
            _in_write.active = False
        _after_commit(recorded)
        return result
    return _writer.submit(work)


# What must happen with every write transaction: `store.changes` inserts the change log's
# records as its last statements, and wakes this process's live-update streams once it has
# committed. Set by `store/changes.py`; None until it is imported.
write_hooks = None


def _before_commit() -> bool:
    return write_hooks.before_commit() if write_hooks else False


def _rolled_back() -> None:
    if write_hooks:
        write_hooks.rolled_back()


def _after_commit(recorded: bool) -> None:
    if write_hooks and recorded:
        write_hooks.after_commit()


class _GroupWriter:
    """Queue SQLite writes; the thread that finds nobody writing commits what waits, in groups.

    A leader commits the group holding its own write, then hands the lead to the oldest waiting
    write's thread, so no caller waits for more than the writes queued ahead of it.
    """

    MAX_GROUP = 64
    BACKSTOP_S = 0.05  # a waiter looks again this often, though the lead is always handed on

    def __init__(self) -> None:
        self._queue: deque[_Job] = deque()
        self._queue_lock = threading.Lock()
        self._leading = threading.Lock()
        # (database, process id, connection): the writer's own connection (`_connection`).
        self._held: tuple | None = None

    def submit(self, work: Callable[[], T]) -> T:
        # Connected before queueing: a leader writes with its own connection, and a failure to
        # connect must fail this write before anyone else could commit it.
        bound = database.obj
        opened = bound.is_closed()
        if opened:
            bound.connect()
        try:
            job = _Job(work)
            with self._queue_lock:
                self._queue.append(job)
            metrics.write_queued()
            while True:
                job.wake.clear()
                if job.finished:
                    break
                if self._leading.acquire(blocking=False):
                    try:
                        self._lead(job)
                    finally:
                        self._leading.release()
                    self._hand_on()
                else:
                    job.wake.wait(self.BACKSTOP_S)
        finally:
            metrics.write_done()
            if opened:
                bound.close()
        if job.error is not None:
            raise job.error
        return job.result

    def _hand_on(self) -> None:
        """Wake the oldest waiting write's thread to lead (writes queued while we led)."""
        with self._queue_lock:
            if self._queue:
                self._queue[0].wake.set()

    def _lead(self, own: _Job) -> None:
        _in_write.active = True
        try:
            while not own.finished:
                with self._queue_lock:
                    group = [self._queue.popleft()
                             for _ in range(min(len(self._queue), self.MAX_GROUP))]
                if not group:
                    return
                self._write(group)
        finally:
            _in_write.active = False

    def _write(self, group: list[_Job]) -> None:
        recorded = False
        try:
            with _sqlite_writer, self._connection(), database.obj.atomic("IMMEDIATE"):
                for job in group:
                    job.result = job.work()
                recorded = _before_commit()
        except BaseException as exc:  # noqa: BLE001 — handed to the caller, below
            _rolled_back()
            if len(group) == 1:
                group[0].result, group[0].error = None, exc
            else:
                # Rolled back whole; alone, each write meets only its own fate.
                for job in group:
                    self._write([job])
                return
        _after_commit(recorded)
        for job in group:
            job.finished = True
            job.wake.set()

    @contextmanager
    def _connection(self):
        """Let this thread's database calls use the writer's own connection while it writes.

        Speed: a SQLite connection drops every page it holds in memory when it finds that
        another connection has written since its last transaction. Leaders wrote with their
        request's connection, one of several in the pool, so nearly every write found its
        pages dropped and read the B-tree pages of the table, its eight indexes and the
        full-text index back from the log or the file (27 reads a create under the HTTP
        ladder's four connections). One connection that does every write of the process keeps
        them (5 reads a create left, the request's token lookup; bench/README.md, "Issue 16,
        third pass"). It is taken from the pool and never handed back, so `close_all` (after
        a restore, in tests) closes it as it closes the rest, and the next write takes another;
        a process forked from this one takes its own.
        """
        bound = database.obj
        state = bound._state
        held = self._held
        if not isinstance(bound, PooledSqliteDatabase) or state.transactions:
            yield  # not a pool of ours, or inside a transaction the caller began: as before
            return
        if (held is None or held[0] is not bound or held[1] != os.getpid()
                or id(held[2]) not in bound._in_use):
            conn = bound._connect()  # checked out of the pool for good
            bound._initialize_connection(conn)
            held = self._held = (bound, os.getpid(), conn)
        saved = (state.conn, state.closed, state.ctx, state.transactions, state.commit_callbacks)
        state.set_connection(held[2])
        try:
            yield
        finally:
            (state.conn, state.closed, state.ctx, state.transactions,
             state.commit_callbacks) = saved


class _Job:
    __slots__ = ("work", "result", "error", "finished", "wake")

    def __init__(self, work: Callable) -> None:
        self.work = work
        self.result = None
        self.error: BaseException | None = None
        self.finished = False
        self.wake = threading.Event()  # finished, or asked to lead


_in_write = threading.local()
_writer = _GroupWriter()


def upgrade(db: Database | None = None) -> list[str]:
    """Apply pending numbered migrations; return their names."""
    db = db or database.obj
    with db.connection_context():
        return Runner(db, MIGRATIONS_DIR).up()


def init_app(app) -> None:
    db = open_database(app.config["DATABASE_URL"])
    database.initialize(db)
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(db)

    @app.before_request
    def _connect():
        # /healthz connects by itself, to report a database that does not answer; a stream
        # connects only for its reads, a few at a time (stream_api.py).
        if request.endpoint not in ("health.healthz", "stream.stream"):
            database.obj.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        bound = database.obj
        if not bound.is_closed():
            bound.close()
