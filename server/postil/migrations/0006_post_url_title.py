"""Keep the title and scheme a reader's own page gave with the address they read a post at.

A post's URL and title that came from one reader's private annotation are shown to that reader
only (0003); every other reader was shown the address the key gives and no title, even for their
own annotations. Now a reader's own address is remembered with their page's title and scheme
(`post_url`, `url_user` = them), and that is what they are shown instead. The index serves the
lookup of a reader's own address of a post (by post and reader, newest first).
"""


def up(migrator, db):
    db.execute_sql("ALTER TABLE \"post_url\" ADD COLUMN \"title\" TEXT NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE \"post_url\" ADD COLUMN \"scheme\" VARCHAR(8) NOT NULL DEFAULT ''")
    db.execute_sql('CREATE INDEX "post_url_post_user" ON "post_url" '
                   '("post_id", "url_user", "created_us")')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "post_url_post_user"')
    db.execute_sql('ALTER TABLE "post_url" DROP COLUMN "scheme"')
    db.execute_sql('ALTER TABLE "post_url" DROP COLUMN "title"')
