"""The post's index carries what the visibility rule reads, so a query by post reads it alone.

A query by post (the sidebar's, the embed's) found the post's annotations through the index on
(post_id, created_us), then read each one's row from the table for the visibility rule's columns
(author, visibility, group, hidden, shares_id, uid, site) and the default filters (deleted, parent):
about 50 rows a post, scattered over a table of a gigabyte at a million annotations, for ten or
so that the reader may see. The same index, carrying those columns too, answers the page, its
total and its order without the table (bench/README.md, "One statement per page"): on the
1M-annotation SQLite bench the statement went from p50 0.4-0.6 / p95 6-11 ms to 0.07-0.09 /
0.2-0.8 ms. It replaces the old index (same leading columns), so a write still updates one index
for the post. PostgreSQL keeps the extra columns out of the key (`INCLUDE`); SQLite has no
INCLUDE, so they trail the key, where they order nothing that matters.
"""

from peewee import PostgresqlDatabase

# `models.RULE_COLUMNS` (the site, since moderation: migration 0016), the default filters and
# the other sort key. A column the rule comes to read belongs here too, in a new migration.
COVERED = ("user_id", "visibility", "group_id", "hidden", "shares_id", "site_id", "deleted",
           "parent", "uid", "updated_us")


def up(migrator, db):
    covered = ", ".join(f'"{c}"' for c in COVERED)
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql('CREATE INDEX "annotation_post_visible" ON "annotation" '
                       f'("post_id", "created_us") INCLUDE ("pk", {covered})')
    else:  # the table's rowid (pk) is in every SQLite index already
        db.execute_sql('CREATE INDEX "annotation_post_visible" ON "annotation" '
                       f'("post_id", "created_us", {covered})')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_post_id_created_us"')


def down(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS "annotation_post_id_created_us" ON "annotation" '
                   '("post_id", "created_us")')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_post_visible"')
