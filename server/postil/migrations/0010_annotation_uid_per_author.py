"""Make an annotation's id unique per author, and unique among shared annotations only.

A globally unique id told a reader who chose an id that someone else's private annotation had
it (a 409, an ignored Slug): DESIGN §3 says such an annotation does not exist for them. Now an
id is unique per (id, author), which also serves lookups by id alone; a partial index keeps at
most one shared (not private) annotation per id, so what everyone sees under an id is one
annotation. Existing rows had globally unique ids and satisfy both.
"""


def up(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid"')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_user_id" '
                   'ON "annotation" ("uid", "user_id")')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_shared" ON "annotation" ("uid") '
                   "WHERE visibility <> 'private'")


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_shared"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_user_id"')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid" ON "annotation" ("uid")')
