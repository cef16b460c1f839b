"""Reading groups: a third visibility, between one's own and everyone's.

- `group`: a reading group (`gid` is the random id clients see, so ids cannot be counted).
- `membership`: one user in one group, with a role (owner, moderator, member).
- `invite`: a link to join a group; only its token's SHA-256 is kept, with an optional expiry
  and use limit, and how often it was used.
- `annotation.group_id`: the group of a "group" annotation; `annotation.hidden`: its group's
  moderators hid it (its author and they still see it).
- Ids: a group's annotation must not take its id away from anyone outside the group (they may
  not know it exists), so the one unique index over shared ids (migration 0010) becomes two:
  among public annotations, and within one group. Existing rows satisfy both, as every shared
  one was public.
"""

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Group(Model):
        id = AutoField()
        gid = CharField(max_length=32, unique=True)
        name = CharField(max_length=100)
        description = TextField(default="")
        created_us = BigIntegerField(default=0)
        updated_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "group"

    class Membership(Model):
        id = AutoField()
        group = ForeignKeyField(Group, on_delete="CASCADE", index=False)
        user = ForeignKeyField(User, on_delete="CASCADE", index=False)
        role = CharField(max_length=16, default="member")
        joined_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "membership"
            indexes = ((("group", "user"), True), (("user", "group"), False))

    class Invite(Model):
        id = AutoField()
        group = ForeignKeyField(Group, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        created_by = ForeignKeyField(User, on_delete="CASCADE")
        created_us = BigIntegerField(default=0)
        expires_us = BigIntegerField(null=True)
        max_uses = IntegerField(null=True)
        uses = IntegerField(default=0)
        revoked = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "invite"

    db.create_tables([Group, Membership, Invite])
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "group_id" INTEGER '
                   'REFERENCES "group" ("id")')
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "hidden" BOOLEAN NOT NULL '
                   "DEFAULT FALSE")
    db.execute_sql('CREATE INDEX "annotation_group_id" ON "annotation" ("group_id")')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_shared"')
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_public" ON "annotation" ("uid") '
                   "WHERE visibility = 'public'")
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_group" ON "annotation" '
                   "(\"uid\", \"group_id\") WHERE visibility = 'group'")


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_group"')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_uid_public"')
    db.execute_sql("UPDATE annotation SET visibility = 'private' WHERE visibility = 'group'")
    db.execute_sql('CREATE UNIQUE INDEX "annotation_uid_shared" ON "annotation" ("uid") '
                   "WHERE visibility <> 'private'")
    db.execute_sql('DROP INDEX IF EXISTS "annotation_group_id"')
    db.execute_sql('ALTER TABLE "annotation" DROP COLUMN "hidden"')
    db.execute_sql('ALTER TABLE "annotation" DROP COLUMN "group_id"')
    for table in ("invite", "membership", "group"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
