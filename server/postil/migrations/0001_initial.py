"""Create the first schema: users, tokens, posts, annotations, tags, and full-text search.

The models here are a frozen copy of the schema as this migration made it, deliberately apart
from `postil.models`: later changes to the models get migrations of their own.
"""

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        id = AutoField()
        name = CharField(max_length=64, unique=True)
        password_hash = CharField(max_length=255)
        created_us = BigIntegerField()

    class Token(Base):
        id = AutoField()
        user = ForeignKeyField(User, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        label = CharField(max_length=100, default="")
        created_us = BigIntegerField()

    class Post(Base):
        id = AutoField()
        site = CharField(max_length=255, index=True)
        post_id = BigIntegerField(null=True)
        url_key = TextField(null=True, unique=True)
        link_key = TextField(null=True, index=True)
        url = TextField(default="")
        title = TextField(default="")
        guid = TextField(default="")
        type = CharField(max_length=64, default="")
        slug = TextField(default="")
        modified_gmt = CharField(max_length=32, null=True)
        content_html = TextField(default="")
        text = TextField(default="")
        registered = BooleanField(default=False)
        created_us = BigIntegerField()
        updated_us = BigIntegerField()

        class Meta:
            indexes = ((("site", "post_id"), True),)

    class Annotation(Base):
        pk = AutoField()
        uid = CharField(max_length=36, unique=True)
        post = ForeignKeyField(Post, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        quote = TextField(default="")
        selectors = TextField(default="[]")
        note = TextField(default="")
        note_html = TextField(default="")
        color = CharField(max_length=16, default="yellow")
        tags = TextField(default="[]")
        tags_text = TextField(default="")
        visibility = CharField(max_length=16, default="private")
        deleted = BooleanField(default=False)
        created_us = BigIntegerField()
        updated_us = BigIntegerField()
        version = IntegerField(default=1)

        class Meta:
            indexes = (
                (("post", "created_us"), False),
                (("user", "created_us"), False),
                (("user", "updated_us"), False),
                (("visibility", "created_us"), False),
                (("updated_us",), False),
            )

    class AnnotationTag(Base):
        id = AutoField()
        annotation = ForeignKeyField(Annotation, on_delete="CASCADE")
        name = CharField(max_length=64)

        class Meta:
            indexes = ((("name", "annotation"), True),)

    db.create_tables([User, Token, Post, Annotation, AnnotationTag])

    if isinstance(db, SqliteDatabase):
        # External-content FTS5 index kept in step by triggers, so no write path can forget it.
        for sql in (
            """CREATE VIRTUAL TABLE annotation_fts USING fts5(
                   quote, note, tags_text, content='annotation', content_rowid='pk',
                   tokenize='unicode61 remove_diacritics 2')""",
            """CREATE TRIGGER annotation_fts_ai AFTER INSERT ON annotation BEGIN
                   INSERT INTO annotation_fts(rowid, quote, note, tags_text)
                   VALUES (new.pk, new.quote, new.note, new.tags_text);
               END""",
            """CREATE TRIGGER annotation_fts_ad AFTER DELETE ON annotation BEGIN
                   INSERT INTO annotation_fts(annotation_fts, rowid, quote, note, tags_text)
                   VALUES ('delete', old.pk, old.quote, old.note, old.tags_text);
               END""",
            """CREATE TRIGGER annotation_fts_au AFTER UPDATE OF quote, note, tags_text
               ON annotation BEGIN
                   INSERT INTO annotation_fts(annotation_fts, rowid, quote, note, tags_text)
                   VALUES ('delete', old.pk, old.quote, old.note, old.tags_text);
                   INSERT INTO annotation_fts(rowid, quote, note, tags_text)
                   VALUES (new.pk, new.quote, new.note, new.tags_text);
               END""",
        ):
            db.execute_sql(sql)
    elif isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            """ALTER TABLE annotation ADD COLUMN search tsvector GENERATED ALWAYS AS (
                   to_tsvector('simple', coalesce(quote, '') || ' ' || coalesce(note, '')
                               || ' ' || coalesce(tags_text, ''))) STORED"""
        )
        db.execute_sql("CREATE INDEX annotation_search ON annotation USING GIN (search)")
