"""Remember whose private annotation gave a post its URL and title, so only they are shown them.

Existing posts that WordPress did not register and that have no public annotation got their URL
and title from private annotations. When all of those are one reader's, that reader is recorded.
When several readers' are there, whose URL and title were kept cannot be told any more (a later
one filled what an earlier one left out, and imports keep their own dates): -1 then, which
matches nobody, so every reader is shown the address the post's key gives until a public
annotation or WordPress names it again.
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "post" ADD COLUMN "url_user" INTEGER')
    db.execute_sql(
        'UPDATE "post" SET "url_user" = ('
        '  SELECT CASE WHEN COUNT(DISTINCT a."user_id") = 1 THEN MIN(a."user_id") ELSE -1 END'
        '  FROM "annotation" a WHERE a."post_id" = "post"."id") '
        'WHERE NOT "registered" AND ("url" <> \'\' OR "title" <> \'\') AND NOT EXISTS ('
        "  SELECT 1 FROM \"annotation\" a WHERE a.\"post_id\" = \"post\".\"id\" "
        "  AND a.\"visibility\" = 'public')")


def down(migrator, db):
    db.execute_sql('ALTER TABLE "post" DROP COLUMN "url_user"')
