"""What the extension and the server must agree on, listed once: the server owns these values.

validation, the store, exports and the OpenAPI document import them from here; the extension's
copy is checked against `as_json()` by a test (tests/fixtures/contract.json). A value changed
here changes the API, so it changes in the extension in the same commit.
"""

from __future__ import annotations

COLORS = ("yellow", "green", "blue", "pink", "purple")
VISIBILITIES = ("private", "group", "public")
# A group member's roles, most powerful first (docs/api.md, "Groups").
ROLES = ("owner", "moderator", "member")
# A registered site's policy (docs/api.md, "Sites"): what its pages' embed may do, in order of
# who may write from it (nobody, nobody, the site's members, anyone signed in), and whether new
# public notes on its posts wait for a moderator (pre) or show at once (post).
EMBED_MODES = ("off", "read-only", "members", "signed-in")
MODERATION_MODES = ("pre", "post")
# A user's roles on a site.
SITE_ROLES = ("moderator", "member")
# Why a reader flags a public annotation for the site's moderators ("other" needs a note).
FLAG_REASONS = ("spam", "abuse", "off-topic", "privacy", "other")
# What a client may send in a create or patch body.
EDITABLE_FIELDS = frozenset({"note", "color", "tags", "visibility", "selectors", "quote",
                             "group"})
# What the server answers with: a body may carry them back and they are ignored (but a create's
# `id` and `post`, which it uses), so a client can send again what it was given.
# `reply_to` is read in a create body alone (what the new annotation answers); a reply never
# moves, so a patch ignores it as it ignores the others.
READ_ONLY_FIELDS = frozenset({"id", "post", "user", "created", "updated", "version",
                              "note_html", "deleted", "links", "group_name", "hidden",
                              "reply_to", "reply_count", "moderation"})
# The query parameters of GET /api/annotations.
QUERY_FILTERS = frozenset({"site", "post_id", "url", "user", "tag", "color", "visibility", "q",
                           "updated_since", "created_after", "created_before",
                           "include_deleted", "sort", "order", "limit", "cursor", "post", "group",
                           "replies"})
# `replies=`: exclude (the default: annotations that answer nothing, which clients anchor),
# include (replies too), only (replies alone).
REPLIES_CHOICES = ("exclude", "include", "only")
# The names of exports.FORMATS, in its order (a literal: exports imports nothing from here,
# and tests/server/test_contract.py checks the two agree).
EXPORT_FORMATS = ("markdown", "zip", "json", "jsonld", "csv", "html")
# Sizes in characters (quote, note, tag, title, url) or items (tags, selectors, page).
LIMITS = {"quote": 10000, "note": 50000, "tags": 20, "tag": 64, "selectors": 8, "title": 1000,
          "url": 2048, "page": 200}


def as_json() -> dict:
    """Return the contract as JSON, the shape tests/fixtures/contract.json holds."""
    return {"colors": list(COLORS), "visibilities": list(VISIBILITIES),
            "editable_fields": sorted(EDITABLE_FIELDS),
            "read_only_fields": sorted(READ_ONLY_FIELDS),
            "query_filters": sorted(QUERY_FILTERS), "export_formats": list(EXPORT_FORMATS),
            "flag_reasons": list(FLAG_REASONS), "limits": dict(LIMITS)}
