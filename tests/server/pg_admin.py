"""Drop a PostgreSQL database made for a test or a bench, even while something still uses it.

`DROP DATABASE … WITH (FORCE)` refuses when an autovacuum worker is in the database and the
caller is not a superuser ("must be a member of the role whose process is being terminated"):
after a restore or a bulk seed autovacuum often is. So end our own role's sessions there, then
drop without FORCE, which stops autovacuum by itself, trying again while a session is closing.
"""

from __future__ import annotations

import time


def drop_database(conn, name: str, *, wait: float = 30.0) -> None:
    """Drop database `name` through `conn` (an autocommit psycopg2 connection to another one)."""
    import psycopg2

    deadline = time.monotonic() + wait
    while True:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() "
                        "AND usename = current_user", [name])
            try:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except psycopg2.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.2)
