"""The database: one `DatabaseProxy` bound from configuration, connections per request, migrations.

SQLite (the default, a file in the data directory) runs in WAL mode with foreign keys and a busy
timeout so that the threaded production server can write from several threads; PostgreSQL is used
when the database URL says so.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
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


@contextmanager
def write_transaction():
    """Open a transaction that takes SQLite's write lock up front.

    A deferred SQLite transaction that reads and then writes can fail with SQLITE_BUSY when two
    threads upgrade at once; IMMEDIATE makes the second one wait on the busy timeout instead.
    """
    if is_sqlite():
        # SQLite admits one writer; its busy handler waits by sleeping in growing steps, which
        # under a few concurrent writers costs more than the writes. Queue this process's
        # writers on a lock instead (the busy timeout still covers other processes).
        with _sqlite_writer, database.atomic("IMMEDIATE") as txn:
            yield txn
    else:
        with database.atomic() as txn:
            yield txn


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
