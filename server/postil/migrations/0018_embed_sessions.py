"""Embed sessions: a token the sign-in pop-up hands a registered site's page names that site.

- `token.site_id`: the site whose pages a session was made for (`/embed/signin`), None for every
  other session. Such a session reaches only what the embed needs (`site_cors.EMBED_ENDPOINTS`),
  so a page, or its server, holding it cannot sign the reader out elsewhere, export their
  account or manage anything; it ends with the site (removed, or its embed turned off).
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "token" ADD COLUMN "site_id" INTEGER NULL '
                   'REFERENCES "site" ("id") ON DELETE CASCADE')
    db.execute_sql('CREATE INDEX "token_site_id" ON "token" ("site_id") '
                   'WHERE "site_id" IS NOT NULL')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "token_site_id"')
    db.execute_sql('ALTER TABLE "token" DROP COLUMN "site_id"')
