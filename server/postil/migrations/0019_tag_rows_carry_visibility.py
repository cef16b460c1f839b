"""A tag's rows carry what the visibility rule reads, so a query by tag reads one index.

A query by tag found a tag's annotations through the index on (name, created_us, annotation_id)
and then read each one's row from the table for the visibility rule's columns: every candidate,
not only the page, since the API's `total` counts every match the reader may see (about 7,500
candidates for a tag of the 1M-annotation bench, scattered over a table of a gigabyte: ~30 ms).
Each tag row now holds a copy of the rule's columns (`models.RULE_COLUMNS`) and of the default
filters' (`deleted`, `parent`), kept by triggers, so no write path can forget them: a new tag
row takes its annotation's, and a change of the annotation's (an edit of its visibility or
group, a moderator's hide, a delete, an account's anonymisation) is written to its tag rows in
the same statement. The index on (name, created_us, annotation_id) carries them too and answers
the page, its total and its order alone (bench/README.md, "Tags carry the rule").
PostgreSQL keeps the extra columns out of the key (`INCLUDE`); SQLite has no INCLUDE, so they
trail the key, where they order nothing that matters.
"""

from peewee import PostgresqlDatabase

# The annotation's columns a tag row copies: `models.RULE_COLUMNS` but the pk (the row's
# annotation_id), and the default filters'. A column the rule comes to read belongs here too,
# in a new migration.
CARRIED = (("uid", "VARCHAR(36) NOT NULL DEFAULT ''"),
           ("user_id", "INTEGER NOT NULL DEFAULT 0"),
           ("visibility", "VARCHAR(16) NOT NULL DEFAULT 'private'"),
           ("group_id", "INTEGER"),
           ("hidden", "BOOLEAN NOT NULL DEFAULT FALSE"),
           ("shares_id", "BOOLEAN NOT NULL DEFAULT FALSE"),
           ("site_id", "INTEGER"),
           ("deleted", "BOOLEAN NOT NULL DEFAULT FALSE"),
           ("parent", "INTEGER"))
NAMES = [name for name, _ in CARRIED]


def _listed(prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{n}"' for n in NAMES)


def up(migrator, db):
    for name, kind in CARRIED:
        db.execute_sql(f'ALTER TABLE "annotation_tag" ADD COLUMN "{name}" {kind}')
    # The defaults above (nobody's, private) show a row no trigger filled to nobody.
    db.execute_sql(f'UPDATE "annotation_tag" SET ({_listed()}) = (SELECT {_listed("a.")} '
                   'FROM "annotation" a WHERE a."pk" = "annotation_tag"."annotation_id")')
    changed = " OR ".join(f'OLD."{n}" IS DISTINCT FROM NEW."{n}"' for n in NAMES)
    if isinstance(db, PostgresqlDatabase):
        into = ", ".join(f'NEW."{n}"' for n in NAMES)
        db.execute_sql(f"""
            CREATE FUNCTION annotation_tag_takes_rule() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                SELECT {_listed("a.")} INTO {into}
                FROM "annotation" a WHERE a."pk" = NEW."annotation_id";
                RETURN NEW;
            END $$""")
        db.execute_sql('CREATE TRIGGER "annotation_tag_takes_rule" BEFORE INSERT OR UPDATE OF '
                       '"annotation_id" ON "annotation_tag" FOR EACH ROW '
                       'EXECUTE FUNCTION annotation_tag_takes_rule()')
        sets = ", ".join(f'"{n}" = NEW."{n}"' for n in NAMES)
        db.execute_sql(f"""
            CREATE FUNCTION annotation_tags_follow_rule() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE "annotation_tag" SET {sets} WHERE "annotation_id" = NEW."pk";
                RETURN NULL;
            END $$""")
        db.execute_sql(f'CREATE TRIGGER "annotation_tags_follow_rule" AFTER UPDATE OF {_listed()} '
                       f'ON "annotation" FOR EACH ROW WHEN ({changed}) '
                       'EXECUTE FUNCTION annotation_tags_follow_rule()')
        db.execute_sql('CREATE INDEX "annotation_tag_visible" ON "annotation_tag" '
                       f'("name", "created_us") INCLUDE ("annotation_id", {_listed()})')
    else:
        # SQLite: `IS NOT` is its `IS DISTINCT FROM`; no BEFORE trigger may change NEW, so the
        # new row is filled right after it is written, in the same statement.
        changed = changed.replace("IS DISTINCT FROM", "IS NOT")
        db.execute_sql(f"""
            CREATE TRIGGER "annotation_tag_takes_rule" AFTER INSERT ON "annotation_tag" BEGIN
                UPDATE "annotation_tag" SET ({_listed()}) = (SELECT {_listed("a.")}
                    FROM "annotation" a WHERE a."pk" = NEW."annotation_id")
                WHERE "id" = NEW."id";
            END""")
        sets = ", ".join(f'"{n}" = NEW."{n}"' for n in NAMES)
        db.execute_sql(f"""
            CREATE TRIGGER "annotation_tags_follow_rule" AFTER UPDATE OF {_listed()}
            ON "annotation" WHEN {changed} BEGIN
                UPDATE "annotation_tag" SET {sets} WHERE "annotation_id" = NEW."pk";
            END""")
        db.execute_sql('CREATE INDEX "annotation_tag_visible" ON "annotation_tag" '
                       f'("name", "created_us", "annotation_id", {_listed()})')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_tag_name_created_us_annotation_id"')


def down(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS "annotation_tag_name_created_us_annotation_id" '
                   'ON "annotation_tag" ("name", "created_us", "annotation_id")')
    db.execute_sql('DROP INDEX IF EXISTS "annotation_tag_visible"')
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql('DROP TRIGGER IF EXISTS "annotation_tags_follow_rule" ON "annotation"')
        db.execute_sql('DROP TRIGGER IF EXISTS "annotation_tag_takes_rule" ON "annotation_tag"')
        db.execute_sql("DROP FUNCTION IF EXISTS annotation_tags_follow_rule()")
        db.execute_sql("DROP FUNCTION IF EXISTS annotation_tag_takes_rule()")
    else:
        db.execute_sql('DROP TRIGGER IF EXISTS "annotation_tags_follow_rule"')
        db.execute_sql('DROP TRIGGER IF EXISTS "annotation_tag_takes_rule"')
    for name in reversed(NAMES):
        db.execute_sql(f'ALTER TABLE "annotation_tag" DROP COLUMN "{name}"')
