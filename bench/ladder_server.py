"""`postil serve` plus three endpoints that each do part of a create, for bench/server.py.

    POST /bench/echo        parse the JSON body and answer it back
    POST /bench/auth-echo   the same, signed in (the bearer token looked up, as the API does)
    POST /bench/write       one durable write and nothing else: not signed in, the body not
                            read, one row inserted into a scratch table and committed as a
                            create's write is (same queue, same group commit, same sync setting)
    POST /bench/validate    signed in, the create body checked, its post key normalised and its
                            note rendered and cleaned; nothing stored

Between the trivial `GET /api` and a real `POST /api/annotations` they show where a create's
time goes. Run as `python bench/ladder_server.py serve --port N` (the arguments of `postil`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from postil import app as app_module  # noqa: E402
from postil import cli, db, parse  # noqa: E402
from postil.api import json_body  # noqa: E402
from postil.auth import require_user  # noqa: E402

_create_app = app_module.create_app


def create_app(test_config=None):
    app = _create_app(test_config)

    @app.post("/bench/echo")
    def echo():
        return json_body()

    @app.post("/bench/auth-echo")
    def auth_echo():
        require_user()
        return json_body()

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        # Both databases: no autoincrementing key (SQLite and PostgreSQL spell it apart).
        db.database.execute_sql("CREATE TABLE IF NOT EXISTS bench_write (at BIGINT NOT NULL)")
        db.database.close()

    @app.post("/bench/write")
    def write():
        db.run_write(lambda: db.database.execute_sql(
            f"INSERT INTO bench_write (at) VALUES ({db.database.param})", [time.time_ns()]))
        return {"written": True}

    @app.post("/bench/validate")
    def validate():
        require_user()
        new = parse.create_body(json_body())
        return {"fields": new.fields, "post": {"site": new.post.site, "post_id": new.post.post_id}}

    return app


app_module.create_app = create_app

if __name__ == "__main__":
    sys.exit(cli.main())
