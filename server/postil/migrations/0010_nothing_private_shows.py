"""Let nothing of another reader's private annotations show: not their ids, not their posts' times.

Ids: a globally unique id told a reader who chose an id that someone else's private annotation
had it (a 409, an ignored Slug); DESIGN §3 says such an annotation does not exist for them. An
id is now unique per (id, author), which also serves lookups by id alone, and a partial index
keeps at most one shared (not private) annotation per id. Existing ids were globally unique and
satisfy both, and none is held by two authors (`shares_id`, false).

Posts: a post's `created`, `updated` and `modified_gmt` could come from a private annotation,
and answering `PUT /api/posts` with them told who read what. `shared_us` is when the post became
everyone's (registered, or named by a public annotation; NULL while only private annotations
name it), and what everyone is shown; `modified_gmt` is what WordPress or a public annotation
said, and a private annotation's newer one is kept apart (`private_modified_gmt`) for its
author (`modified_user`). Existing posts: shared ones keep their times and `modified_gmt` (their
origin is not recorded), the others lose a `modified_gmt` that only private annotations gave.
"""

SHARED = ("registered = TRUE OR id IN (SELECT post_id FROM annotation "
          "WHERE visibility <> 'private')")


def up(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid"')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_user_id" '
                   'ON "annotation" ("uid", "user_id")')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_shared" ON "annotation" ("uid") '
                   "WHERE visibility <> 'private'")
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "shares_id" BOOLEAN NOT NULL '
                   "DEFAULT FALSE")
    db.execute_sql('ALTER TABLE "post" ADD COLUMN "shared_us" BIGINT')
    db.execute_sql('ALTER TABLE "post" ADD COLUMN "private_modified_gmt" VARCHAR(32)')
    db.execute_sql('ALTER TABLE "post" ADD COLUMN "modified_user" INTEGER')
    db.execute_sql(f'UPDATE "post" SET "shared_us" = "created_us" WHERE {SHARED}')
    db.execute_sql('UPDATE "post" SET "modified_gmt" = NULL WHERE "shared_us" IS NULL')


def down(migrator, db):
    for column in ("modified_user", "private_modified_gmt", "shared_us"):
        db.execute_sql(f'ALTER TABLE "post" DROP COLUMN "{column}"')
    db.execute_sql('ALTER TABLE "annotation" DROP COLUMN "shares_id"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_shared"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_user_id"')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid" ON "annotation" ("uid")')
