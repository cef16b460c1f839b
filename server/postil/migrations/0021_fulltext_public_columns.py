"""SQLite's full-text index keeps public annotations' words in columns of their own.

Migration 0020 gave the index an `access` column (`u<author>`, and `public` or `g<group>`) so
a search reads only the rows its reader may be shown at most. Every signed-in search asked for
`public` there, and FTS5 answers "word AND (public OR ...)" by walking `public`'s list of
postings (one for each of the ~200,000 public annotations of the 1M bench) up to each row the
word finds: ~22 of the ~36 million instructions of a search's statement (bench/README.md,
"Public words in columns of their own").

A public annotation's quote, note and tags are now indexed in `public_quote`, `public_note`
and `public_tags` (its other columns empty); any other's in `quote`, `note`, `tags_text`, with
`access` naming who may read it at most: `u<author>`, and `g<group>` for one in a group
(`ACCESS`). A search asks for its words in the public columns, OR in the others AND the
reader's `u<id>` or groups in `access` (`store.queries.fulltext_match`): the same rows as
before, found from the word's own list and the reader's short ones. The visibility rule still
checks every row found.

As in 0020, the index reads its columns from a view (`annotation_fts_source`), so `rebuild`
and `integrity-check` work; the triggers index a row again when its text, author, visibility or
group change. At 1M annotations the migration took 40 s (11 s of CPU). PostgreSQL: nothing
changes.
"""

from peewee import PostgresqlDatabase

# Who may read a non-public annotation at most, as words of `access`, for a row `{r}`. The
# view, the triggers and `store.queries.fulltext_match` must agree: change it with a rebuild.
ACCESS = ("'u' || {r}.\"user_id\" || CASE {r}.\"visibility\" "
          "WHEN 'group' THEN ' g' || COALESCE({r}.\"group_id\", '') ELSE '' END")
INDEXED = ("quote", "note", "tags_text", "user_id", "visibility", "group_id")
COLUMNS = ("public_quote", "public_note", "public_tags", "quote", "note", "tags_text", "access")
TRIGGERS = ("annotation_fts_ai", "annotation_fts_ad", "annotation_fts_au")


def _values(r: str) -> str:
    """The index's columns for a row `r`, in `COLUMNS`' order after its pk."""
    public = f'{r}."visibility" = \'public\''
    text = ('"quote"', '"note"', '"tags_text"')
    return ", ".join([f'{r}."pk"']
                     + [f"CASE WHEN {public} THEN {r}.{c} END" for c in text]
                     + [f"CASE WHEN {public} THEN NULL ELSE {r}.{c} END" for c in text]
                     + [f"CASE WHEN {public} THEN NULL ELSE {ACCESS.format(r=r)} END"])


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        return
    for name in TRIGGERS:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    db.execute_sql('DROP TABLE IF EXISTS "annotation_fts"')
    db.execute_sql('DROP VIEW IF EXISTS "annotation_fts_source"')
    names = ", ".join(f'"{c}"' for c in ("pk", *COLUMNS))
    db.execute_sql(f'CREATE VIEW "annotation_fts_source" ({names}) AS '
                   f'SELECT {_values("a")} FROM "annotation" a')
    db.execute_sql(f"""CREATE VIRTUAL TABLE annotation_fts USING fts5(
                          {", ".join(COLUMNS)}, content='annotation_fts_source',
                          content_rowid='pk', tokenize='unicode61 remove_diacritics 2')""")
    db.execute_sql("INSERT INTO annotation_fts(annotation_fts) VALUES ('rebuild')")
    columns = "rowid, " + ", ".join(COLUMNS)
    db.execute_sql(f"""CREATE TRIGGER annotation_fts_ai AFTER INSERT ON annotation BEGIN
                           INSERT INTO annotation_fts({columns}) VALUES ({_values("new")});
                       END""")
    db.execute_sql(f"""CREATE TRIGGER annotation_fts_ad AFTER DELETE ON annotation BEGIN
                           INSERT INTO annotation_fts(annotation_fts, {columns})
                           VALUES ('delete', {_values("old")});
                       END""")
    changed = " OR ".join(f'old."{c}" IS NOT new."{c}"' for c in INDEXED)
    db.execute_sql(f"""CREATE TRIGGER annotation_fts_au AFTER UPDATE OF {", ".join(INDEXED)}
                       ON annotation WHEN {changed} BEGIN
                           INSERT INTO annotation_fts(annotation_fts, {columns})
                           VALUES ('delete', {_values("old")});
                           INSERT INTO annotation_fts({columns}) VALUES ({_values("new")});
                       END""")


def down(migrator, db):
    """Back to 0020's index (an `access` column with `public`), rebuilt."""
    if isinstance(db, PostgresqlDatabase):
        return
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0020_fulltext_knows_readers.py")
    spec = importlib.util.spec_from_file_location("postil_migration_0020", path)
    earlier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(earlier)
    db.execute_sql('DROP VIEW IF EXISTS "annotation_fts_source"')
    earlier.up(migrator, db)
