"""Backups: a consistent copy of the configured database taken while it serves, and its restore.

SQLite is copied with its online backup API from inside one read transaction: in WAL mode that
snapshot never blocks a writer, and holding it keeps the copy at one moment (without it every
write by the server would restart the copy). PostgreSQL is dumped by `pg_dump` from a snapshot
exported by the transaction that counts what it holds; `pg_restore` turns a dump back into SQL
that `psql` runs, with dropping what was there, as one transaction, so a failed restore changes
nothing. A backup is written beside its destination and renamed into place only when complete:
the destination is never a half written file. Restores run the migrations afterwards, so an
older backup comes up to today's schema. Nothing here prints; the CLI says what was done.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from . import config, db

# Pages copied per step of SQLite's backup (4 MiB of 4 KiB pages), between which the process
# may do other work; the read transaction, not the step size, is what keeps writers going.
SQLITE_STEP_PAGES = 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done, said in one line of what to do about it."""


@dataclass(frozen=True)
class Counts:
    users: int
    annotations: int
    posts: int

    def __str__(self) -> str:
        return f"{self.users} users, {self.annotations} annotations, {self.posts} posts"


_COUNT_SQL = ('SELECT (SELECT count(*) FROM "user"), '
              "(SELECT count(*) FROM annotation WHERE NOT deleted), "
              "(SELECT count(*) FROM post)")


def backup(url: str, path: Path) -> Counts:
    """Write a consistent copy of the database at `url` to `path`; return what it holds."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a directory; give the backup file's name")
    if not path.parent.is_dir():
        raise BackupError(f"no directory {path.parent} to write the backup in")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    partial = Path(name)
    try:
        if config.sqlite_path(url) is not None:
            counts = _sqlite_backup(_existing_sqlite(url), partial)
        else:
            counts = _pg_backup(url, partial)
        _fsync(partial)
        os.replace(partial, path)
        _fsync(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def restore(url: str, path: Path, force: bool = False) -> tuple[Counts, list[str]]:
    """Replace the database at `url` with the backup at `path`, then migrate it to today.

    Refuses a database holding any user, post or annotation unless `force`. Returns what the
    restored database holds and the migrations applied to it.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from None
    sqlite_target = config.sqlite_path(url) is not None
    if head.startswith(PG_CUSTOM_MAGIC):
        if sqlite_target:
            raise BackupError(f"{path} is a PostgreSQL backup; restore it with "
                              f"POSTIL_DATABASE_URL set to a postgresql:// database")
        _pg_restore(url, path, force)
    elif head == SQLITE_MAGIC:
        if not sqlite_target:
            raise BackupError(f"{path} is a SQLite backup; restore it with POSTIL_DATABASE_URL "
                              f"set to a sqlite:/// file")
        _sqlite_restore(config.sqlite_path(url), path, force)
    else:
        raise BackupError(f"{path} is not a Postil backup (neither a SQLite database nor a "
                          f"pg_dump custom-format file)")
    database = db.open_database(url)
    try:
        applied = db.upgrade(database)
        with database.connection_context():
            counts = Counts(*database.execute_sql(_COUNT_SQL).fetchone())
            _new_event_ids(database)
    finally:
        database.close()
        database.close_all()
    return counts, applied


def _new_event_ids(database) -> None:
    """Give the restored change log a new event-id secret. Its numbering goes back to the
    backup's moment and counts up again from there: a reader holding an id from after that
    moment would otherwise resume at a number the log reuses for other changes, and miss them.
    With a new secret every earlier id is unknown, and its stream starts with `reset`."""
    p = database.param
    database.execute_sql(f"UPDATE change_log_state SET secret = {p} WHERE id = 1",
                         [secrets.token_hex(32)])


# SQLite


def _existing_sqlite(url: str) -> Path:
    path = config.sqlite_path(url)
    if not path.exists():
        raise BackupError(f"no database at {path}; set POSTIL_DATA_DIR or POSTIL_DATABASE_URL "
                          f"to where 'postil serve' keeps its data")
    return path


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # BEGIN plus a read opens the snapshot; the backup's steps then all read from it.
    source.execute("BEGIN")
    source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    try:
        source.backup(target, pages=SQLITE_STEP_PAGES)
    finally:
        source.execute("COMMIT")


def _sqlite_backup(live: Path, partial: Path) -> Counts:
    source = sqlite3.connect(live, isolation_level=None, timeout=30)
    target = sqlite3.connect(partial, isolation_level=None)
    try:
        source.execute("PRAGMA busy_timeout = 30000")
        _sqlite_copy(source, target)
        # The copy keeps WAL mode in its header; a single file is what a backup should be.
        target.execute("PRAGMA journal_mode = DELETE").fetchone()
        return Counts(*target.execute(_COUNT_SQL).fetchone())
    finally:
        target.close()
        source.close()


# What a restore would lose without a word: anything a reader or an operator made (a site is
# registered before any user may exist; every other table's rows hang on one of these).
DATA_TABLES = ("user", "post", "annotation", "site", "group")


def _sqlite_has_data(conn: sqlite3.Connection) -> bool:
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'")}
    return any(conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()
               for table in DATA_TABLES if table in tables)


def _sqlite_restore(live: Path, backup_path: Path, force: bool) -> None:
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True, isolation_level=None)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{backup_path} is damaged (SQLite's quick_check fails)")
        live.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(live, isolation_level=None, timeout=30)
        try:
            target.execute("PRAGMA busy_timeout = 30000")
            if _sqlite_has_data(target) and not force:
                raise BackupError(f"{live} already holds data; restore over it with --force")
            # Through the backup API, not by replacing the file: a running server's
            # connections then see the restored database rather than a deleted file.
            _sqlite_copy(source, target)
            target.execute("PRAGMA journal_mode = WAL").fetchone()
        finally:
            target.close()
    finally:
        source.close()


# PostgreSQL

INSTALL_HINT = "install the PostgreSQL client of the server's major version or newer " \
               "(Debian: apt install postgresql-client-{major})"


def _libpq(url: str) -> tuple[str, dict]:
    """Return the URL without its password, and an environment giving it to libpq tools."""
    parts = urlsplit(url)
    env = dict(os.environ)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit(("postgresql", netloc, parts.path, parts.query, "")), env


def _server_major(url: str) -> int:
    database = db.open_database(url)
    try:
        with database.connection_context():
            number = int(database.execute_sql("SHOW server_version_num").fetchone()[0])
    finally:
        database.close()
        database.close_all()
    return number // 10000


def _tool(name: str, server_major: int) -> str:
    """Return the path of a PostgreSQL client tool able to work with the server, or explain."""
    found = shutil.which(name)
    hint = INSTALL_HINT.format(major=server_major)
    if found is None:
        raise BackupError(f"{name} is not on PATH; {hint}")
    try:
        said = subprocess.run([found, "--version"], capture_output=True, text=True,
                              timeout=30).stdout
    except OSError as exc:
        raise BackupError(f"cannot run {found}: {exc.strerror or exc}; {hint}") from None
    match = re.search(r"(\d+)(?:\.\d+)?", said)
    if match is None:
        raise BackupError(f"cannot tell the version of {found} (it says {said.strip()!r}); "
                          f"{hint}")
    major = int(match.group(1))
    if major < server_major:
        raise BackupError(f"{found} is version {major}, older than the PostgreSQL "
                          f"{server_major} server; {hint}")
    return found


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _pg_backup(url: str, partial: Path) -> Counts:
    pg_dump = _tool("pg_dump", _server_major(url))
    target, env = _libpq(url)
    database = db.open_database(url)
    try:
        with database.connection_context(), database.atomic():
            # One snapshot, exported to pg_dump, so the counts printed are the dump's own.
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = database.execute_sql("SELECT pg_export_snapshot()").fetchone()[0]
            counts = Counts(*database.execute_sql(_COUNT_SQL).fetchone())
            # pg_dump takes only locks that block schema changes, never a writer.
            proc = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--file={partial}",
                                   f"--dbname={target}"],
                                  capture_output=True, text=True, env=env)
    finally:
        database.close()
        database.close_all()
    if proc.returncode != 0:
        raise BackupError(f"pg_dump failed: {_last_line(proc.stderr)}")
    return counts


def _pg_clear_sql(url: str, force: bool) -> str:
    """Return SQL dropping every table, sequence and trigger function (migration 0019) of the
    public schema; refuse data unless `force`. A database that `postil serve` only migrated
    holds tables but no data."""
    database = db.open_database(url)
    try:
        with database.connection_context():
            tables = [name for (name,) in database.execute_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            has_data = any(database.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()
                           for table in DATA_TABLES if table in tables)
            sequences = [name for (name,) in database.execute_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
            # Ours: PL/pgSQL in the public schema, none of an extension's.
            functions = [name for (name,) in database.execute_sql(
                "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' "
                "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = 'public' "
                "AND l.lanname = 'plpgsql' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                "WHERE d.objid = p.oid AND d.deptype = 'e')")]
    finally:
        database.close()
        database.close_all()
    if has_data and not force:
        raise BackupError(f"{config.describe_database(url)} already holds data; restore over "
                          f"it with --force")
    drops = [f'DROP TABLE IF EXISTS public."{t}" CASCADE;' for t in tables]
    drops += [f'DROP SEQUENCE IF EXISTS public."{s}" CASCADE;' for s in sequences]
    drops += [f"DROP FUNCTION IF EXISTS public.{f} CASCADE;" for f in functions]
    return "\n".join(drops) + "\n"


def _pg_restore(url: str, path: Path, force: bool) -> None:
    major = _server_major(url)
    pg_restore, psql = _tool("pg_restore", major), _tool("psql", major)
    clear = _pg_clear_sql(url, force)
    target, env = _libpq(url)
    with tempfile.TemporaryDirectory(prefix="postil-restore-") as work:
        clear_sql, restore_sql = Path(work) / "clear.sql", Path(work) / "restore.sql"
        clear_sql.write_text(clear, encoding="utf-8")
        # The whole script first: psql must never commit the front of a file pg_restore
        # could not finish reading.
        proc = subprocess.run([pg_restore, "--no-owner", "--no-privileges",
                               f"--file={restore_sql}", str(path)],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise BackupError(f"pg_restore failed: {_last_line(proc.stderr)}")
        # The drops and the whole restore are one transaction (psql -1): all or nothing.
        proc = subprocess.run([psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1",
                               "-f", str(clear_sql), "-f", str(restore_sql),
                               f"--dbname={target}"],
                              capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise BackupError(f"restoring into {config.describe_database(url)} failed, nothing "
                          f"was changed: {_last_line(proc.stderr)}")


# Files


def _fsync(path: Path) -> None:
    """Flush a file's, or a directory's (a rename in it), contents to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
