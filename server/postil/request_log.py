"""An optional request log: one line per request on stderr, plain or JSON lines, off by default.

Only the method, the path (never the query string, which can carry a reader's search words;
a path holding a credential, an invite's token, is written as its route: `SECRET_ARGS`),
the status, the response size when known and the time to produce the response are written;
JSON lines add the time, the Flask endpoint, the signed-in user's id (when the request named a
valid token) and the client's address: nothing a reader typed and no credential.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime

import orjson
from flask import Flask, g, request

from .auth import client_address

logger = logging.getLogger("postil.requests")


# Path parts that are credentials: the route is logged instead, with `<token>` in their place.
SECRET_ARGS = frozenset({"token"})


def _path() -> str:
    args = request.view_args or {}
    if request.url_rule is not None and SECRET_ARGS & args.keys():
        return request.url_rule.rule
    return request.path


def _start() -> None:
    g.request_log_started = time.perf_counter()


def _line(fmt: str):
    def log(response):
        started = g.pop("request_log_started", None)
        ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        record = {"method": request.method, "path": _path(),
                  "status": response.status_code, "bytes": response.content_length, "ms": ms}
        if fmt == "json":
            # Only a user the request already proved: the log never looks a token up itself.
            user = g.get("user")
            record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                      **record, "endpoint": request.endpoint,
                      "user": user.id if user is not None else None,
                      "client": client_address()}
            logger.info(orjson.dumps(record).decode())
        else:
            size = "-" if record["bytes"] is None else record["bytes"]
            logger.info(f"{record['method']} {record['path']} {record['status']} {size} {ms}ms")
        return response

    return log


def init_app(app: Flask) -> None:
    """Log each request when `REQUEST_LOG` is "1" (plain) or "json" (JSON lines)."""
    fmt = app.config.get("REQUEST_LOG") or ""
    if fmt not in ("1", "json"):
        return
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)
    app.before_request(_start)
    app.after_request(_line(fmt))
