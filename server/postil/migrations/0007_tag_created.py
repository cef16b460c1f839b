"""Keep each tag row's annotation creation time, so `tag=` pages walk an index in order.

A `tag=` query used to gather every annotation with the tag (a common tag: thousands), check
each one's visibility and sort them all before taking the newest page. With the creation time
beside the tag name, the index (name, created_us, annotation_id) yields a tag's annotations
newest first, and a page stops once it has enough visible ones. An annotation's creation time
never changes after it is stored, so the copy cannot go stale.
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "annotation_tag" ADD COLUMN "created_us" BIGINT NOT NULL DEFAULT 0')
    db.execute_sql('UPDATE "annotation_tag" SET "created_us" = (SELECT a."created_us" FROM '
                   '"annotation" a WHERE a."pk" = "annotation_tag"."annotation_id")')
    db.execute_sql('CREATE INDEX "annotation_tag_name_created_us_annotation_id" '
                   'ON "annotation_tag" ("name", "created_us", "annotation_id")')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "annotation_tag_name_created_us_annotation_id"')
    db.execute_sql('ALTER TABLE "annotation_tag" DROP COLUMN "created_us"')
