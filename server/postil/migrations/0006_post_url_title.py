"""Keep the title a reader's own page gave with the address they read a post at.

A post's URL and title that came from one reader's private annotation are shown to that reader
only (0003); every other reader was shown the address the key gives and no title, even for their
own annotations. Now a reader's own address is remembered with their page's title (`post_url`,
`url_user` = them), and that is what they are shown instead.
"""


def up(migrator, db):
    db.execute_sql("ALTER TABLE \"post_url\" ADD COLUMN \"title\" TEXT NOT NULL DEFAULT ''")


def down(migrator, db):
    db.execute_sql('ALTER TABLE "post_url" DROP COLUMN "title"')
