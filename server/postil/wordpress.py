"""Read a WordPress REST post JSON (`/wp-json/wp/v2/posts/ID`) into what Postil keeps of a post."""

from __future__ import annotations

from typing import Any

from . import postkey
from . import validation as v
from .sanitize import clean_post_html, html_to_text, plain_title

MAX_CONTENT = 2_000_000


def _rendered(doc: dict, key: str) -> str:
    value = doc.get(key)
    if isinstance(value, dict):
        value = value.get("rendered", "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise v.Invalid(key, "must be a string or {rendered: string}")
    return value


def post_fields(doc: Any) -> dict:
    """Return the post's key and metadata from a REST post JSON; raise Invalid if unfit."""
    if not isinstance(doc, dict):
        raise v.Invalid("body", "must be a WordPress REST post object")
    try:
        key = postkey.key_from_rest_post(doc)
    except postkey.PostKeyError as exc:
        raise v.Invalid("_links.self", str(exc)) from None
    link = doc.get("link") or ""
    if link:
        v.http_url(link, "link")
    # Length and no NUL (PostgreSQL refuses one in text: a 500 before this check).
    content = v.string(_rendered(doc, "content"), "content", MAX_CONTENT)
    modified = doc.get("modified_gmt")
    if modified is not None:
        v.string(modified, "modified_gmt", 32)
        v.parse_time(modified, "modified_gmt")
    content_html = clean_post_html(content)
    return {
        # The column holds 255 characters; PostgreSQL refused a longer site with a 500.
        "site": v.string(key.site, "_links.self", v.MAX_SITE),
        "post_id": v.integer(key.post_id, "id", 1, 2**62),  # as resolve_post; a 500 above
        "url": link,
        "title": v.string(plain_title(_rendered(doc, "title")), "title", v.MAX_TITLE),
        "guid": v.string(_rendered(doc, "guid"), "guid", v.MAX_URL),
        "type": v.string(doc.get("type") or "", "type", 64),
        "slug": v.string(doc.get("slug") or "", "slug", 400),
        "modified_gmt": modified,
        "content_html": content_html,
        "text": html_to_text(content_html),
    }
