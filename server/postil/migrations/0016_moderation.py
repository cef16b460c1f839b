"""Moderation of public notes on registered sites' posts (issue 15): flags, actions, a log.

- `annotation.site_id`: the registered site whose post a public annotation is on, set when it
  becomes public there (NULL elsewhere, and for annotations older than the site's registration
  until a moderator acts on them); `published_us` when it did (the site's `public_per_hour`
  counts them, in the database, so the limit holds across server processes); `pending`: it
  waits for a site moderator's approval (`hidden` is then true too). A public annotation whose
  `hidden` is set is shown only to its author and its site's moderators.
- `change_log.site_id`: the annotation's site as it was before a change, since the visibility
  rule reads it (`store.changes.BEFORE`).
- `flag`: a reader's flag (reason, note) on a public annotation, once per reader.
- `site_bar`: a user barred from writing public notes on a site's posts.
- `moderation_log`: every moderation action (who, what, which annotation or user, when, why).
"""

from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "site_id" INTEGER')
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "published_us" BIGINT')
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "pending" BOOLEAN NOT NULL DEFAULT FALSE')
    db.execute_sql('ALTER TABLE "change_log" ADD COLUMN "site_id" INTEGER')
    db.execute_sql('CREATE INDEX "annotation_site" ON "annotation" ("site_id", "published_us") '
                   'WHERE "site_id" IS NOT NULL')

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Site(Model):
        class Meta:
            database = db
            table_name = "site"

    class Annotation(Model):
        pk = AutoField()

        class Meta:
            database = db
            table_name = "annotation"

    class Flag(Model):
        id = AutoField()
        annotation = ForeignKeyField(Annotation, on_delete="CASCADE", index=False)
        user = ForeignKeyField(User, on_delete="CASCADE")
        reason = CharField(max_length=16)
        note = TextField(default="")
        created_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "flag"
            indexes = ((("annotation", "user"), True),)

    class SiteBar(Model):
        id = AutoField()
        site = ForeignKeyField(Site, on_delete="CASCADE", index=False)
        user = ForeignKeyField(User, on_delete="CASCADE")
        reason = TextField(default="")
        at_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "site_bar"
            indexes = ((("site", "user"), True),)

    class ModerationLog(Model):
        id = AutoField()
        site = ForeignKeyField(Site, on_delete="CASCADE", index=False)
        moderator = IntegerField(null=True, column_name="moderator_id")
        action = CharField(max_length=16)
        annotation = IntegerField(null=True, column_name="annotation_pk")
        annotation_uid = CharField(max_length=36, null=True)
        target = IntegerField(null=True, column_name="target_user_id")
        reason = TextField(default="")
        at_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "moderation_log"
            indexes = ((("site", "at_us"), False),)

    db.create_tables([Flag, SiteBar, ModerationLog])


def down(migrator, db):
    for table in ("moderation_log", "site_bar", "flag"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_site"')
    db.execute_sql('ALTER TABLE "change_log" DROP COLUMN "site_id"')
    for column in ("pending", "published_us", "site_id"):
        db.execute_sql(f'ALTER TABLE "annotation" DROP COLUMN "{column}"')
