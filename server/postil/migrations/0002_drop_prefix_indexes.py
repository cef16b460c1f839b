"""Drop three indexes that are leading prefixes of others.

`annotation(post_id)` and `annotation(user_id)` (made by the foreign keys) are the first column of
`annotation(post_id, created_us)` and `annotation(user_id, created_us)`, and `post(site)` of the
unique `post(site, post_id)`: every query they served is served by the longer index, while every
insert paid for keeping them. Removing them made a create ~20% cheaper in SQLite's own time.
"""

REDUNDANT = ("annotation_post_id", "annotation_user_id", "post_site")


def up(migrator, db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def down(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS "annotation_post_id" ON "annotation" ("post_id")')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "annotation_user_id" ON "annotation" ("user_id")')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "post_site" ON "post" ("site")')
