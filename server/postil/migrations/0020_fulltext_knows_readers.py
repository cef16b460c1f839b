"""SQLite's full-text index knows who may read each annotation, so a search checks few rows.

A full-text query found a word's annotations in the FTS5 index (a fraction of a millisecond for
the ~4,000 of a word on the 1M-annotation bench), then read every one's row from the table for
the visibility rule, since the API's `total` counts every match the reader may see (~15-25 ms,
rows scattered over a gigabyte). The index now has a fourth column, `access`, of words naming
who may read the annotation at most: `u<author id>`, and `public` for a public one or
`g<group id>` for one in a group (`ACCESS`). A query asks for its words in the text columns AND,
in `access`, the reader's id, `public` and their groups' ids (`store.queries._fulltext`): the
readers it may show, a superset of what the rule lets them see (hidden, pending, shadowed ids
and deleted ones are left to the rule, which still checks every row it returns), so only those
rows are read: about a fifth of the candidates.

The index reads its columns from a view (`annotation_fts_source`), so `rebuild` and
`integrity-check` work as before; the triggers index a row again when its text, author,
visibility or group change (and only then). PostgreSQL: nothing changes (its index is the
`search` column of the table).
"""

from peewee import PostgresqlDatabase

# Who may read an annotation at most, as words of the `access` column, for a row `{r}`. The
# view, the triggers and `store.queries._fulltext` must agree: change it only with a rebuild.
ACCESS = ("'u' || {r}.\"user_id\" || CASE {r}.\"visibility\" WHEN 'public' THEN ' public' "
          "WHEN 'group' THEN ' g' || COALESCE({r}.\"group_id\", '') ELSE '' END")
INDEXED = ("quote", "note", "tags_text", "user_id", "visibility", "group_id")


def _values(r: str) -> str:
    return f'{r}."pk", {r}."quote", {r}."note", {r}."tags_text", {ACCESS.format(r=r)}'


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        return
    for name in ("annotation_fts_ai", "annotation_fts_ad", "annotation_fts_au"):
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    db.execute_sql('DROP TABLE IF EXISTS "annotation_fts"')
    db.execute_sql('CREATE VIEW "annotation_fts_source" AS SELECT a."pk", a."quote", a."note", '
                   f'a."tags_text", {ACCESS.format(r="a")} AS "access" FROM "annotation" a')
    db.execute_sql("""CREATE VIRTUAL TABLE annotation_fts USING fts5(
                          quote, note, tags_text, access, content='annotation_fts_source',
                          content_rowid='pk', tokenize='unicode61 remove_diacritics 2')""")
    db.execute_sql("INSERT INTO annotation_fts(annotation_fts) VALUES ('rebuild')")
    columns = "rowid, quote, note, tags_text, access"
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
    if isinstance(db, PostgresqlDatabase):
        return
    for name in ("annotation_fts_ai", "annotation_fts_ad", "annotation_fts_au"):
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    db.execute_sql('DROP TABLE IF EXISTS "annotation_fts"')
    db.execute_sql('DROP VIEW IF EXISTS "annotation_fts_source"')
    db.execute_sql("""CREATE VIRTUAL TABLE annotation_fts USING fts5(
                          quote, note, tags_text, content='annotation', content_rowid='pk',
                          tokenize='unicode61 remove_diacritics 2')""")
    db.execute_sql("INSERT INTO annotation_fts(annotation_fts) VALUES ('rebuild')")
    db.execute_sql("""CREATE TRIGGER annotation_fts_ai AFTER INSERT ON annotation BEGIN
                          INSERT INTO annotation_fts(rowid, quote, note, tags_text)
                          VALUES (new.pk, new.quote, new.note, new.tags_text);
                      END""")
    db.execute_sql("""CREATE TRIGGER annotation_fts_ad AFTER DELETE ON annotation BEGIN
                          INSERT INTO annotation_fts(annotation_fts, rowid, quote, note,
                                                     tags_text)
                          VALUES ('delete', old.pk, old.quote, old.note, old.tags_text);
                      END""")
    db.execute_sql("""CREATE TRIGGER annotation_fts_au AFTER UPDATE OF quote, note, tags_text
                      ON annotation BEGIN
                          INSERT INTO annotation_fts(annotation_fts, rowid, quote, note,
                                                     tags_text)
                          VALUES ('delete', old.pk, old.quote, old.note, old.tags_text);
                          INSERT INTO annotation_fts(rowid, quote, note, tags_text)
                          VALUES (new.pk, new.quote, new.note, new.tags_text);
                      END""")
