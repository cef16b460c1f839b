"""Keep the IRI a W3C client gave an annotation it created, when the server minted another.

The Web Annotation Protocol (6.1) asks a server that assigns its own IRI to record the client's
in `via`. The column is NULL for every annotation made before, and for those whose client gave
no id (or the IRI the server kept).
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "annotation" ADD COLUMN "via" TEXT')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "annotation" DROP COLUMN "via"')
