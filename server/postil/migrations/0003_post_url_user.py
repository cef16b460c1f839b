"""Remember whose private annotation gave a post its URL and title, so only they are shown them.

Existing posts: one that WordPress did not register and that has no public annotation got its
URL and title from its first annotation, a private one; that annotation's author is recorded.
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "post" ADD COLUMN "url_user" INTEGER')
    db.execute_sql(
        'UPDATE "post" SET "url_user" = ('
        '  SELECT a."user_id" FROM "annotation" a WHERE a."post_id" = "post"."id"'
        '  ORDER BY a."created_us", a."pk" LIMIT 1) '
        'WHERE NOT "registered" AND NOT EXISTS ('
        "  SELECT 1 FROM \"annotation\" a WHERE a.\"post_id\" = \"post\".\"id\" "
        "  AND a.\"visibility\" = 'public')")


def down(migrator, db):
    db.execute_sql('ALTER TABLE "post" DROP COLUMN "url_user"')
