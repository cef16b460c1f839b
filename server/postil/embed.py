"""`/embed.js`: the script a site includes to show Postil's notes without the extension.

The file is the extension's page modules joined for the embed host by
`scripts/build_extension.py` (into `static/embed.js`, not committed; `serve.sh`, the tests and a
package build make it). It is served to any origin, as `<script src=… async>` includes it:
`text/javascript`, `Access-Control-Allow-Origin: *` and `Cross-Origin-Resource-Policy:
cross-origin` (so a site may add `crossorigin` and an integrity hash, or isolate itself with
COEP), cached for a short while and then revalidated by its ETag, a hash of its bytes, so a new
version reaches readers within minutes of an upgrade. It carries nobody's data: what it shows,
it reads from `/api/` as an anonymous reader, under that path's CORS policy (app.py).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from . import openapi
from .domain_errors import NotFound

bp = Blueprint("embed", __name__)

MAX_AGE = 600

openapi.register({
    "/embed.js": {"get": {"summary": "The embed: a script a site includes to show a post's "
                                     "public notes to readers without the extension",
                          "responses": openapi.ok("the script (text/javascript)")}},
})


@lru_cache(maxsize=4)
def _script(path: Path, mtime_ns: int) -> tuple[bytes, str]:
    body = path.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:32]


@bp.get("/embed.js")
def embed_script():
    """Serve the embed, revalidated by its ETag."""
    path = Path(current_app.static_folder) / "embed.js"
    try:
        body, etag = _script(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise NotFound("The embed is not built on this server: run scripts/build_extension.py") \
            from None
    response = Response(body, mimetype="text/javascript")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)
