"""/api/*'s CORS for the pages of registered sites: what the embed needs, and nothing more.

The extension's origins and POSTIL_CORS_ORIGINS are admitted to all of /api/ by flask-cors
(app.py). Besides them, an origin of a registered site whose embed is not `off`
(`store.sites`) is admitted here, for these endpoints and methods only (`EMBED_ENDPOINTS`):

- reading: annotations (a query, one, a thread's replies), posts, the live stream and its
  tickets, the reader's groups (for the note editor's picker) and `GET /api/me`;
- signing out of the embed's session (`DELETE /api/tokens/current`);
- writing one's own annotations (create, edit, delete), only where the site's embed lets
  readers write (`members`, `signed-in`); the store decides, as for every client, whose
  annotation may change, and under `members` a write sent from the site's pages by someone
  who is not its member or moderator is refused (`_guard_writes`: 403 `site_members_only`);
  the W3C container, which answers every origin, is held to the same policy for a registered
  site's pages (403 `site_members_only`, or `embed_read_only` where the site takes no notes).

A session the embed's pop-up made (`Token.site_id`) reaches these endpoints and no others,
from wherever it is sent (`_guard_embed_sessions`), and what it reads or writes through them is
its site's posts' notes alone (`User.embed_site`, `Annotation.visible_to`).

Never password sign-in, sign-up, sessions, passwords, account deletion, exports, imports, groups'
management or sites' management: a reader signs in on the server's own page (`/embed/signin`),
and a page of the site never holds anything but the token it was handed. Bearer tokens only:
`Access-Control-Allow-Credentials` is never sent, and the server sets no cookies.

Which origins are admitted is read from the database and kept for `CACHE_SECONDS` in each
process; a change to sites made by this process empties the cache at once (`store.sites`'s
listeners), so with `--workers N` (or a `postil site` command beside the server) a removed site,
or one whose embed was turned off, is refused by every process within `CACHE_SECONDS` (10 s);
a browser that cached a preflight's answer (`MAX_AGE`, 60 s) may still send, but not read, a
request that long.
"""

from __future__ import annotations

import threading
import time
import weakref

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from . import db
from .auth import bearer, current_token, current_user
from .errors import APIError
from .store import sites

CACHE_SECONDS = 10.0
WRITING_MODES = ("members", "signed-in")

READ = frozenset({"GET", "HEAD"})
# endpoint -> the methods a registered site's page may use, by whether its embed writes.
EMBED_ENDPOINTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # endpoint: (methods for every embed mode, more methods where readers write)
    "api.query_annotations": (READ, frozenset()),
    "api.get_annotation": (READ, frozenset()),
    "api.annotation_replies": (READ, frozenset()),
    "api.list_posts": (READ, frozenset()),
    "api.get_post": (READ, frozenset()),
    "api.me": (READ, frozenset()),
    "api.sign_out": (frozenset({"DELETE"}), frozenset()),
    "stream.stream": (READ, frozenset()),
    "stream.new_ticket": (frozenset({"POST"}), frozenset()),
    "groups.list_groups": (READ, frozenset()),
    "moderation.flag_annotation": (frozenset({"POST"}), frozenset()),
    "api.create_annotation": (frozenset(), frozenset({"POST"})),
    "api.patch_annotation": (frozenset(), frozenset({"PATCH"})),
    "api.delete_annotation": (frozenset(), frozenset({"DELETE"})),
}
# Read by the embed with its session too, though open to every origin (its own CORS): what the
# site's policy says, and the reader's roles there.
EMBED_SESSION_ALSO = frozenset({"sites.lookup"})
ALLOW_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, Last-Event-ID"
EXPOSE_HEADERS = "ETag, Location, Retry-After"
# Shorter than the extension's 600 s: a browser that holds a preflight's answer may send (not
# read) a request for this long after the site was removed.
MAX_AGE = "60"


class _AdmittedOrigins:
    """{origin: embed mode} of the sites whose embed is on, read again after `CACHE_SECONDS`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0
        self._origins: dict[str, str] = {}

    def forget(self) -> None:
        self._until = 0.0

    def mode_of(self, origin: str) -> str | None:
        now = time.monotonic()
        if now >= self._until:
            with self._lock:
                if now >= self._until:
                    self._origins = _read_admitted()
                    self._until = time.monotonic() + CACHE_SECONDS
        return self._origins.get(origin)


def _read_admitted() -> dict[str, str]:
    opened = db.database.is_closed()
    if opened:
        db.database.connect()
    try:
        return sites.admitted_origins()
    finally:
        if opened:
            db.database.close()


# One per app (tests make many, each on a database of its own); a write to sites in this
# process empties them all.
_caches: weakref.WeakSet[_AdmittedOrigins] = weakref.WeakSet()


def _forget_all() -> None:
    for cache in list(_caches):
        cache.forget()


sites.on_change(_forget_all)


def _endpoint(method: str) -> str | None:
    """The endpoint `method` on this request's path would reach (None: none)."""
    if request.method == method and request.url_rule is not None:
        return request.url_rule.endpoint
    try:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        endpoint, _ = adapter.match(request.path, method=method)
    except HTTPException:
        return None
    return endpoint


def methods_for(mode: str, endpoint: str | None) -> frozenset[str]:
    """The methods a page of a site whose embed is `mode` may use on `endpoint`."""
    always, writing = EMBED_ENDPOINTS.get(endpoint, (frozenset(), frozenset()))
    return always | writing if mode in WRITING_MODES else always


def _admit(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if not origin or not request.path.startswith("/api/"):
        return response
    response.vary.add("Origin")
    if "Access-Control-Allow-Origin" in response.headers or origin in _configured():
        return response  # flask-cors answered (an extension or POSTIL_CORS_ORIGINS)
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    method = (request.headers["Access-Control-Request-Method"].upper() if preflight
              else request.method)
    mode = current_app.extensions["site_cors"].mode_of(origin)
    if mode is None:
        return response
    allowed = methods_for(mode, _endpoint("GET" if method == "HEAD" else method))
    if method not in allowed:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if preflight:
        response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(allowed))
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    else:
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response


def _configured() -> tuple[str, ...]:
    return tuple(current_app.config.get("CORS_ORIGINS") or ())


WRITES = frozenset({"api.create_annotation", "api.patch_annotation", "api.delete_annotation"})
# The W3C container answers every origin (its CORS is its own, w3c_cors.py), so its writes are
# judged here too when a registered site's page sends them.
W3C_WRITES = frozenset({"w3c.all_annotations", "w3c.annotation"})


def _guard_writes() -> None:
    """A write sent from a registered site's page, as its policy allows the reader or not.

    CORS keeps a browser from sending a write where the site's embed does not write at all; who
    may write where it writes for `members` only is the store's to say (`may_write_from_embed`).
    """
    origin = request.headers.get("Origin")
    if (not origin or request.url_rule is None or origin in _configured()
            or not origin.startswith(("http://", "https://"))):
        return
    endpoint = request.url_rule.endpoint
    w3c_write = endpoint in W3C_WRITES and request.method in ("POST", "PUT", "DELETE")
    if endpoint not in WRITES and not w3c_write:
        return
    mode = current_app.extensions["site_cors"].mode_of(origin)
    if mode == "signed-in" or (mode is None and not w3c_write):
        return  # where anyone signed in writes; or no site's page with its embed on (CORS's)
    viewer = current_user()
    if viewer is not None:
        sites.may_write_from_embed(viewer, origin)


def _guard_embed_sessions() -> None:
    """A session the embed's sign-in pop-up made for a site's pages (`Token.site_id`) reaches
    what the embed needs and nothing more, whoever sends it: the site's page, or its server,
    where no CORS applies. It cannot sign the reader out elsewhere, list or end their sessions,
    export or delete their account, import, or manage groups or sites. Its writes are its
    site's policy's to allow (`store.sites.may_write_from_embed_session`), with or without the
    site's `Origin`."""
    if bearer() is None:  # the scheme in any case: `current_user` reads it so
        return
    rule = request.url_rule
    endpoint = rule.endpoint if rule else ""
    always, writing = EMBED_ENDPOINTS.get(endpoint, (frozenset(), frozenset()))
    if request.method in always | {"OPTIONS"} or (
            endpoint in EMBED_SESSION_ALSO and request.method in READ):
        return
    refused = request.method not in writing
    try:
        token = current_token()
    except APIError:
        # A bad token: the endpoint answers it as it always has (looking it up again).
        g.pop("user", None)
        g.pop("token", None)
        return
    if token is None or token.site_id is None:
        return
    if not refused:
        # A write of the embed's, held to its site's policy however it is sent (no Origin: the
        # site's server, or a script that took the token from the page).
        sites.may_write_from_embed_session(current_user(), token.site_id)
        return
    raise APIError(403, "this session was made for Postil's embed on a site's pages: it "
                        "reads and writes notes there, nothing else; sign in on the server "
                        "or in the extension for the rest", "embed_session")


def init_app(app: Flask) -> None:
    """Admit registered sites' origins; call before flask-cors's init, so this runs after it."""
    cache = _AdmittedOrigins()
    _caches.add(cache)
    app.extensions["site_cors"] = cache
    app.after_request(_admit)
    app.before_request(_guard_embed_sessions)
    app.before_request(_guard_writes)
