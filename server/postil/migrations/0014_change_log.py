"""The change log that live-update streams (`GET /api/stream`) replay and follow.

`change_log`: one row per change of an annotation (create, edit, delete, an account's deletion
re-owning or removing it), written in the same transaction as the change by
`store.changes.record`, and one row per change of a reader's access (`kind` "access"). `seq`
only grows (SQLite AUTOINCREMENT never reuses a number, even after pruning; PostgreSQL a
sequence). `user_id`, `visibility`, `shares_id`, `group_id` and `hidden` are the annotation's BEFORE
the change (NULL for a create): who could see it, so that a reader who could is told it is gone
(`Annotation.visible_to` applied to these columns). `uid` names it in that event even after it
is deleted for good.

`change_log_state`: one row: the highest `seq` pruned by retention (a Last-Event-ID at or below
it may have missed events: the stream answers `reset`) and the secret that makes event ids
opaque (so that ids tell no reader how many changes they could not see happened between two).

`stream_ticket`: one-use, short-lived tickets that let an EventSource open a stream without a
token in its URL.
"""

import secrets


def up(migrator, db):
    postgres = db.__class__.__name__.lower().find("postgres") >= 0
    seq = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    ident = "SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    db.execute_sql(f'CREATE TABLE "change_log" ("seq" {seq}, "kind" VARCHAR(16) NOT NULL, '
                   '"annotation_id" INTEGER, "post_id" INTEGER, "uid" VARCHAR(36), '
                   '"at_us" BIGINT NOT NULL, "user_id" INTEGER, "visibility" VARCHAR(16), '
                   '"shares_id" BOOLEAN NOT NULL DEFAULT FALSE, "group_id" INTEGER, '
                   '"hidden" BOOLEAN NOT NULL DEFAULT FALSE)')
    db.execute_sql('CREATE INDEX "change_log_post_id_seq" ON "change_log" ("post_id", "seq")')
    db.execute_sql('CREATE INDEX "change_log_at_us" ON "change_log" ("at_us")')
    db.execute_sql('CREATE TABLE "change_log_state" ("id" INTEGER PRIMARY KEY, '
                   '"pruned_through" BIGINT NOT NULL DEFAULT 0, "secret" VARCHAR(64) NOT NULL)')
    p = "%s" if postgres else "?"
    db.execute_sql(f'INSERT INTO "change_log_state" ("id", "pruned_through", "secret") '
                   f'VALUES (1, 0, {p})', [secrets.token_hex(32)])
    db.execute_sql(f'CREATE TABLE "stream_ticket" ("id" {ident}, '
                   '"ticket_hash" VARCHAR(64) NOT NULL UNIQUE, "user_id" INTEGER NOT NULL '
                   'REFERENCES "user" ("id") ON DELETE CASCADE, "token_id" INTEGER NOT NULL '
                   'REFERENCES "token" ("id") ON DELETE CASCADE, "expires_us" BIGINT NOT NULL)')
    db.execute_sql('CREATE INDEX "stream_ticket_expires_us" ON "stream_ticket" ("expires_us")')


def down(migrator, db):
    for table in ("stream_ticket", "change_log_state", "change_log"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
