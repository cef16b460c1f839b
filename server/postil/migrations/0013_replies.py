"""Replies: an annotation may answer another, in threads of any depth; replies to you, read or not.

`parent` is the pk of the annotation replied to, `root` the pk of the thread's first annotation
(both NULL for an annotation that replies to nothing), and `reply_to` the parent's id as clients
know it, so an answer names it without another lookup. `root` gathers a thread in one indexed
read (listing it, counting its replies, changing its visibility with its first annotation);
`parent` finds the replies to one annotation (tombstones that still head replies, replies to
you); both indexes hold replies alone. `reply_marker` keeps, per reader, up to when they have
read the replies to them, on the server, so every device shows the same unread count. Existing
annotations reply to nothing.
"""

from peewee import AutoField, BigIntegerField, ForeignKeyField, Model


def up(migrator, db):
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "parent" INTEGER')
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "root" INTEGER')
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "reply_to" VARCHAR(36)')
    # Partial: only replies are in them. A full index on a column that is NULL for almost every
    # row invited the planner to read "parent IS NULL" (the query's default) through it, the
    # whole table, instead of through the post's index.
    db.execute_sql('CREATE INDEX "annotation_parent" ON "annotation" ("parent") '
                   'WHERE "parent" IS NOT NULL')
    db.execute_sql('CREATE INDEX "annotation_root" ON "annotation" ("root") '
                   'WHERE "root" IS NOT NULL')

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class ReplyMarker(Model):
        id = AutoField()
        user = ForeignKeyField(User, on_delete="CASCADE", unique=True)
        read_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "reply_marker"

    db.create_tables([ReplyMarker])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "reply_marker"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_root"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_parent"')
    for column in ("reply_to", "root", "parent"):
        db.execute_sql(f'ALTER TABLE "annotation" DROP COLUMN "{column}"')
