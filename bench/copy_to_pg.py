"""Copy a database bench/server.py seeded on SQLite into PostgreSQL, with COPY.

    python bench/copy_to_pg.py --db A.db --pg postgresql://USER:PW@HOST/DB

Seeding 1,000,000 annotations through peewee's batched inserts takes PostgreSQL well over half
an hour on the 2-core machine; the same rows, read from the SQLite file and sent with COPY, take
a few minutes, and both databases then hold the same annotations, so `bench/server.py --reuse
--db A.db --pg URL` compares them on the same data. The PostgreSQL database is migrated first
and its seeded tables emptied; full-text rows are made by its own trigger.

`--scale K` copies posts, annotations and their tags K times (users, groups and memberships once),
each copy with its own ids, post numbers, annotation ids and addresses: 1,000,000 seeded rows become
a PostgreSQL database of K million with the same shape per post (issue 16 asks for 10,000,000).
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


SCALED = {"post", "annotation", "annotation_tag"}


def shift(table: str, names: list[str], k: int, top: dict[str, int]):
    """How copy `k` of a row of `table` differs from the row: its ids and the ids it points to move
    past every earlier copy's, its post numbers and addresses get a copy mark, its annotation id's
    first hex digit turned by k (ids are UUIDs, unique per author and among shared annotations)."""
    moves = {
        "post": {"id": top["post"], "post_id": 1_000_000},
        "annotation": {"pk": top["annotation"], "post_id": top["post"],
                       "parent": top["annotation"], "root": top["annotation"]},
        "annotation_tag": {"id": top["annotation_tag"], "annotation_id": top["annotation"]},
    }[table]
    at = {name: i for i, name in enumerate(names)}

    def row_of(row):
        row = list(row)
        for name, step in moves.items():
            if name in at and row[at[name]] is not None:
                row[at[name]] += k * step
        for name in ("url_key", "link_key", "url"):
            if name in at and row[at[name]] is not None:
                row[at[name]] = f"{row[at[name]]}#copy{k}"
        if table == "annotation":
            uid = row[at["uid"]]
            row[at["uid"]] = "%x" % ((int(uid[0], 16) + k) % 16) + uid[1:]
        return row
    return row_of


def set_aside(cur, tables) -> list[str]:
    """Drop the foreign keys and secondary indexes of `tables` and return the statements that
    make them again (indexes first, then the keys that may need them)."""
    names = list(tables)
    cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM "
                "pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [[f'"{t}"' for t in names] + names])
    keys = cur.fetchall()
    cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c "
                "ON c.relname = i.indexname WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                "WHERE k.conindid = c.oid AND k.contype IN ('p', 'u'))", [names])
    indexes = cur.fetchall()
    for table, name, _ in keys:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in keys]


def copy_rows(cur, table, select, names, flags, rows, k, top) -> int:
    change = shift(table, names, k, top) if k else (lambda row: row)
    copied = 0
    while True:
        chunk = rows.fetchmany(CHUNK)
        if not chunk:
            return copied
        buf = io.StringIO()
        out = csv.writer(buf)
        for row in chunk:
            out.writerow(["\\N" if v is None else ("t" if v else "f") if flag else v
                          for v, flag in zip(change(row), flags, strict=True)])
        buf.seek(0)
        cur.copy_expert(f'COPY "{table}" ({select}) FROM STDIN WITH (FORMAT csv, '
                        f"NULL '\\N')", buf)
        copied += len(chunk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--pg", required=True, metavar="URL")
    parser.add_argument("--scale", type=int, default=1, metavar="K",
                        help="copy posts, annotations and tags K times (default 1)")
    args = parser.parse_args()
    if not 1 <= args.scale <= 16:
        parser.error("--scale is 1 to 16 (a copy's annotation ids differ in one hex digit)")
    database = db.open_database(args.pg)
    db.upgrade(database)
    database.connect(reuse_if_open=True)
    pg = database.connection()
    src = sqlite3.connect(args.db)
    cur = pg.cursor()
    cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in TABLES) + " RESTART IDENTITY CASCADE")
    start = time.perf_counter()
    top = {t: src.execute(f'SELECT MAX("{k}") FROM "{t}"').fetchone()[0] or 0
           for t, k in [("post", "id"), ("annotation", "pk"), ("annotation_tag", "id")]}
    # Many copies load far faster into tables without their secondary indexes and foreign keys,
    # made again once the rows are in (what a restore does too).
    rebuild = set_aside(cur, SCALED) if args.scale > 1 else []
    cur.execute("SET maintenance_work_mem = '1GB'")
    pg.commit()
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
        copies = args.scale if table in SCALED else 1
        for k in range(copies):
            if k:
                rows = src.execute(f'SELECT {select} FROM "{table}"')
            copied += copy_rows(cur, table, select, names, flags, rows, k, top)
            if copies > 1:
                print(f"  {table}: copy {k + 1} of {copies}, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
        key = "pk" if table == "annotation" else "id" if "id" in names else None
        if key:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{key}'), "
                        f'(SELECT COALESCE(MAX("{key}"), 1) FROM "{table}"))')
        pg.commit()
        print(f"  {table}: {copied:,} rows", file=sys.stderr, flush=True)
    for statement in rebuild:
        began = time.perf_counter()
        cur.execute(statement)
        pg.commit()
        print(f"  {statement[:70]}… {time.perf_counter() - began:.0f} s", file=sys.stderr,
              flush=True)
    pg.autocommit = True
    pg.cursor().execute("ANALYZE")
    print(f"copied in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
