"""Protective headers on every answer the server sends: pages, JSON, files and errors alike.

Every answer says not to guess its type (`nosniff`), to send no referrer from it, and not to be
shown inside another site's frame: nothing the server serves needs framing (the extension's note
editor is a page of the extension's own, framed into the reader's page, not a server page).
An answer that sets no Content-Security-Policy of its own gets one that lets it load and run
nothing: right for JSON, Turtle, exports and the icon, and the safe failure for an HTML page that
forgot its own. The HTML pages (`home.py`, `sample/`) set a policy fitted to what they load.
"""

from __future__ import annotations

from flask import Flask, Response

NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def page_policy(**sources: str) -> str:
    """Return a CSP for an HTML page: nothing allowed but `sources` (`script_src="'self'"`…),
    no `<base>`, no form posts, no framing by anyone."""
    directives = {"default-src": "'none'",
                  **{name.replace("_", "-"): value for name, value in sources.items()},
                  "base-uri": "'none'", "form-action": "'none'", "frame-ancestors": "'none'"}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


_DEFAULTS = (*ALWAYS.items(), ("Content-Security-Policy", NOTHING_CSP))


def _protect(response: Response) -> Response:
    # Each header unless the answer set its own: one look at the headers for all four (a
    # `setdefault` each read them all four times).
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    headers.extend([(name, value) for name, value in _DEFAULTS if name.lower() not in present])
    return response


def init_app(app: Flask) -> None:
    app.after_request(_protect)
