"""The server's front door: `/` says what this is and where to go; `/favicon.ico` is its icon.

A person who opens the server's address in a browser gets a short HTML page; a client that
asks `/` for JSON (its Accept header prefers `application/json`) gets the same links as JSON.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_from_directory, url_for

from . import __version__, openapi
from .headers import page_policy

bp = Blueprint("home", __name__)

openapi.register({
    "/": {"get": {"summary": "What this server is: an HTML page, or its links as JSON when "
                             "Accept prefers application/json",
                  "responses": openapi.ok("the page or the links", {"type": "object"})}},
    "/favicon.ico": {"get": {"summary": "The server's icon (PNG)",
                             "responses": openapi.ok("the icon")}},
})

# The page runs no script and loads nothing but its own icon and inline style; the headers every
# answer carries (nosniff, no referrer, no framing) come from headers.py.
PAGE_POLICY = page_policy(style_src="'unsafe-inline'", img_src="'self'")


def _links() -> dict:
    links = {"api": url_for("api.index", _external=True),
             "openapi": url_for("openapi", _external=True),
             "w3c": url_for("w3c.all_annotations", _external=True)}
    if "sample" in current_app.blueprints:
        links["sample"] = url_for("sample.index", _external=True)
    return links


@bp.get("/")
def index():
    """Show what this server is, or list its entry points to a JSON client."""
    links = _links()
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if best == "application/json":
        response = current_app.make_response(
            {"name": "postil", "version": __version__, "links": links})
    else:
        response = current_app.make_response(render_template(
            "home.html", links=links, origin=request.url_root.rstrip("/"), version=__version__))
        response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.png", mimetype="image/png",
                               max_age=86400)
