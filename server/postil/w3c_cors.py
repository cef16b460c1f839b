"""The cross-origin policy of the W3C protocol under /w3c/: any web page may call it.

A protocol client is typically a web page on its own origin (an annotation viewer, a reading
tool), so /w3c/ answers every origin with `Access-Control-Allow-Origin: *` and never with
`Access-Control-Allow-Credentials`. That is safe because Postil has no ambient authority: it sets
no cookies and reads no HTTP authentication, only an explicit `Authorization: Bearer` header. A
browser sends no credentials with a wildcard answer, so a page on another origin can only ever
act as the user whose token it already holds (it could equally send that token with curl), and
without a token it reads what any anonymous reader reads: public annotations, with private ones
404 exactly as they are to everybody else. /api/ keeps its own, narrower policy (app.py).

Preflights are answered here, before the views, with an empty 200 for every path: a browser
sends no Authorization with a preflight, so a view would answer an anonymous 404 for a private
annotation and the browser would then refuse the owner's real PUT or DELETE. Answering every
preflight alike also tells nothing about which annotations exist.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

RESOURCES = {r"/w3c/*": {
    "origins": "*",
    "send_wildcard": True,
    "supports_credentials": False,
    "allow_headers": ["Accept", "Authorization", "Content-Type", "If-Match", "If-None-Match",
                      "Prefer", "Slug"],
    "expose_headers": ["Accept-Post", "Allow", "Content-Location", "ETag", "Link", "Location",
                       "Preference-Applied", "Vary"],
    "methods": ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE"],
    "max_age": 600,
}}


def answer_preflight(bp: Blueprint) -> None:
    """Make `bp` answer CORS preflights itself; flask-cors then adds the Access-Control headers."""

    @bp.before_request
    def _preflight():
        if request.method == "OPTIONS" and "Origin" in request.headers \
                and "Access-Control-Request-Method" in request.headers:
            response = current_app.response_class(status=200)
            del response.headers["Content-Type"]
            return response
        return None
