"""Keep the other addresses a post was read at, so `url=` finds it after its URL changes."""

from peewee import AutoField, BigIntegerField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Post(Base):
        id = AutoField()

    class PostUrl(Base):
        id = AutoField()
        post = ForeignKeyField(Post, on_delete="CASCADE", index=False)
        url_key = TextField()
        url_user = IntegerField(default=0)
        created_us = BigIntegerField()

        class Meta:
            table_name = "post_url"
            indexes = ((("url_key", "url_user", "post"), True),)

    db.create_tables([PostUrl], safe=True)


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "post_url"')
