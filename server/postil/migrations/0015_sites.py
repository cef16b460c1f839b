"""Sites: publications registered by an operator, whose pages may embed Postil (issue 15).

- `site`: one registered publication. `key` is the post key's `site` (DESIGN §1: the WordPress
  (sub)site's home, normalised), so the posts of a site are the posts whose key names it. Its
  policy: `embed` (off | read-only | members | signed-in), `moderation` (pre | post) and
  `public_per_hour` (new public annotations one user may make on its posts in an hour; 0: no
  limit).
- `site_origin`: the origins (`https://blog.example`) the site's pages are served from; each
  belongs to one site at most, as the server admits CORS and hands sign-in tokens by origin.
- `site_person`: a user with a role on a site: `moderator` or `member` (a user may be both).
- `user.operator`: the accounts that may register and change sites over the API (the shell may
  always: `postil user operator NAME`).
"""

from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Site(Model):
        id = AutoField()
        key = CharField(max_length=255, unique=True)
        name = CharField(max_length=200, default="")
        embed = CharField(max_length=16, default="off")
        moderation = CharField(max_length=8, default="post")
        public_per_hour = IntegerField(default=0)
        created_us = BigIntegerField(default=0)
        updated_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "site"

    class SiteOrigin(Model):
        id = AutoField()
        site = ForeignKeyField(Site, on_delete="CASCADE")
        origin = CharField(max_length=255, unique=True)

        class Meta:
            database = db
            table_name = "site_origin"

    class SitePerson(Model):
        id = AutoField()
        site = ForeignKeyField(Site, on_delete="CASCADE", index=False)
        user = ForeignKeyField(User, on_delete="CASCADE")
        role = CharField(max_length=16)
        added_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "site_person"
            indexes = ((("site", "role", "user"), True),)

    db.create_tables([Site, SiteOrigin, SitePerson])
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "operator" BOOLEAN NOT NULL DEFAULT FALSE')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "operator"')
    for table in ("site_person", "site_origin", "site"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
