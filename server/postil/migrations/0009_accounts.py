"""Accounts people can manage: one key per username, disabled users, token use, sign-in counts.

- `user.name_key`: every spelling of a name (case, Unicode compatibility forms, surrounding
  space) reduced to one key under a unique index, so `Alice` or fullwidth `ａｌｉｃｅ` can no
  longer register beside `alice`. Users made before may already collide (`alice` and `Alice`,
  or `alice` and `alice\\n`, which the old pattern let through): the oldest of them (lowest id)
  keeps the plain key, every later one gets `<key>#<id>`. No valid username contains `#`, so no
  new name can ever take such a key; those users still sign in with their exact name, which is
  looked up before the key.
- `user.disabled`: a disabled user's tokens stop working and signing in is refused.
- `token.last_used_us`: when a token was last seen (to about a minute), for the list of one's
  sessions and idle expiry; NULL for tokens not used since this migration.
- `sign_in_throttle`: failed sign-ins per username key and per client address, in the database
  so that every server process throttles alike.

The key function is frozen here (a later change to it must not change what this did).
"""

import unicodedata

from peewee import AutoField, BigIntegerField, CharField, IntegerField, Model, PostgresqlDatabase


def _key(name):
    folded = unicodedata.normalize("NFKC", name).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def up(migrator, db):
    pg = isinstance(db, PostgresqlDatabase)
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "name_key" VARCHAR(255)')
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "disabled" BOOLEAN NOT NULL DEFAULT FALSE')
    taken = set()
    p = db.param
    for user_id, name in db.execute_sql('SELECT id, name FROM "user" ORDER BY id').fetchall():
        key = _key(name)
        if key in taken:
            key = f"{key}#{user_id}"
        taken.add(key)
        db.execute_sql(f'UPDATE "user" SET name_key = {p} WHERE id = {p}', [key, user_id])
    if pg:
        db.execute_sql('ALTER TABLE "user" ALTER COLUMN "name_key" SET NOT NULL')
    db.execute_sql('CREATE UNIQUE INDEX "user_name_key" ON "user" ("name_key")')
    db.execute_sql('ALTER TABLE "token" ADD COLUMN "last_used_us" BIGINT')

    class SignInThrottle(Model):
        id = AutoField()
        key = CharField(max_length=255, unique=True)
        failures = IntegerField(default=0)
        last_failure_us = BigIntegerField(default=0, index=True)  # for pruning old counts

        class Meta:
            database = db
            table_name = "sign_in_throttle"

    db.create_tables([SignInThrottle])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "sign_in_throttle"')
    db.execute_sql('ALTER TABLE "token" DROP COLUMN "last_used_us"')
    db.execute_sql('DROP INDEX IF EXISTS "user_name_key"')
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "disabled"')
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "name_key"')
