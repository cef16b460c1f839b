"""Copy a database bench/server.py seeded on SQLite into PostgreSQL, with COPY.

    python bench/copy_to_pg.py --db A.db --pg postgresql://USER:PW@HOST/DB

Seeding 1,000,000 annotations through peewee's batched inserts takes PostgreSQL well over half
an hour on the 2-core machine; the same rows, read from the SQLite file and sent with COPY, take
a few minutes, and both databases then hold the same annotations, so `bench/server.py --reuse
--db A.db --pg URL` compares them on the same data. The PostgreSQL database is migrated first
and its seeded tables emptied; full-text rows are made by its own trigger.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from postil import db  # noqa: E402

# In the order their foreign keys need.
TABLES = ["user", "post", "group", "membership", "annotation", "annotation_tag"]
CHUNK = 50_000


def columns(pg, table: str) -> list[str]:
    cur = pg.cursor()
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND table_schema = current_schema()", [table])
    return [r[0] for r in cur.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--pg", required=True, metavar="URL")
    args = parser.parse_args()
    database = db.open_database(args.pg)
    db.upgrade(database)
    database.connect(reuse_if_open=True)
    pg = database.connection()
    src = sqlite3.connect(args.db)
    cur = pg.cursor()
    cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in TABLES) + " RESTART IDENTITY CASCADE")
    start = time.perf_counter()
    for table in TABLES:
        lite = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
        names = [c for c in columns(pg, table) if c in lite]
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND data_type = 'boolean' AND table_schema = current_schema()", [table])
        booleans = {r[0] for r in cur.fetchall()}
        select = ", ".join(f'"{c}"' for c in names)
        rows = src.execute(f'SELECT {select} FROM "{table}"')
        flags = [c in booleans for c in names]
        copied = 0
        while True:
            chunk = rows.fetchmany(CHUNK)
            if not chunk:
                break
            buf = io.StringIO()
            out = csv.writer(buf)
            for row in chunk:
                out.writerow(["\\N" if v is None else ("t" if v else "f") if flag else v
                              for v, flag in zip(row, flags, strict=True)])
            buf.seek(0)
            cur.copy_expert(f'COPY "{table}" ({select}) FROM STDIN WITH (FORMAT csv, '
                            f"NULL '\\N')", buf)
            copied += len(chunk)
        key = "pk" if table == "annotation" else "id" if "id" in names else None
        if key:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{key}'), "
                        f'(SELECT COALESCE(MAX("{key}"), 1) FROM "{table}"))')
        pg.commit()
        print(f"  {table}: {copied:,} rows", file=sys.stderr, flush=True)
    pg.autocommit = True
    pg.cursor().execute("ANALYZE")
    print(f"copied in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
