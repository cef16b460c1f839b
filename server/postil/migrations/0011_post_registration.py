"""Who registered a post: one row per (post, user) for each reader who sent `PUT /api/posts`.

A post's `registered` flag says WordPress's metadata came in, not from whom; the export of
everything a user made lists the posts they registered, so that is now kept. Posts registered
before this migration have no such rows (nobody recorded who sent them), nor do those the
operator adds with `postil post add`.
"""

from peewee import AutoField, BigIntegerField, ForeignKeyField, Model


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Post(Model):
        class Meta:
            database = db
            table_name = "post"

    class PostRegistration(Model):
        id = AutoField()
        post = ForeignKeyField(Post, on_delete="CASCADE", index=False)
        user = ForeignKeyField(User, on_delete="CASCADE")
        created_us = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "post_registration"
            indexes = ((("post", "user"), True),)

    db.create_tables([PostRegistration])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "post_registration"')
