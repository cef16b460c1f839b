"""`GET /healthz`: whether this server can serve, for a load balancer or a monitor.

Two cheap questions, unauthenticated: does the database answer, and has every migration this
code knows been applied. Answered 200 when both hold, 503 otherwise; a failure says which
(and which migrations are pending), never the database's error text, address or version.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from peewee import DatabaseError, InterfaceError
from playhouse.migrations import Migration

from . import openapi
from .db import MIGRATIONS_DIR, database

# playhouse.migrations.Runner keeps applied migrations' names in this table.
HISTORY_TABLE = "schema_migration"
ENDPOINT = "health.healthz"

bp = Blueprint("health", __name__)

# The migrations this code expects: read once, the files do not change under a running server.
_KNOWN = tuple(m.name for m in Migration.load_directory(MIGRATIONS_DIR))


def _state() -> tuple[bool, dict]:
    """Return (healthy, answer)."""
    try:
        # Its own connection: db's per-request connect skips this endpoint, so that a database
        # that does not answer is reported here rather than failing the request.
        with database.connection_context():
            database.execute_sql("SELECT 1").fetchone()
            applied = set()
            if database.table_exists(HISTORY_TABLE):
                applied = {name for (name,) in database.execute_sql(
                    f"SELECT name FROM {HISTORY_TABLE}").fetchall()}
    except (DatabaseError, InterfaceError, OSError):
        current_app.logger.warning("health check: the database does not answer", exc_info=True)
        return False, {"status": "unavailable", "database": "unreachable",
                       "migrations": "unknown"}
    pending = [name for name in _KNOWN if name not in applied]
    if pending:
        return False, {"status": "unavailable", "database": "ok", "migrations": "pending",
                       "pending": pending}
    return True, {"status": "ok", "database": "ok", "migrations": "current"}


@bp.get("/healthz")
def healthz():
    healthy, answer = _state()
    response = current_app.json.response(answer)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)


openapi.register({
    "/healthz": {"get": {
        "summary": "Whether the server can serve: the database answers, no migration pending",
        "security": [{}],
        "responses": {
            **openapi.ok("healthy", {"type": "object", "properties": {
                "status": {"const": "ok"}, "database": {"const": "ok"},
                "migrations": {"const": "current"}}}),
            "503": {"description": "unhealthy: `database` is `unreachable`, or `migrations` "
                                   "is `pending` and `pending` lists them",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
})
