"""The contract between the server and its clients, listed once: colours, visibilities, which
annotation fields a client may write and which only the server writes, the query filters, the
export formats and the size limits.

Pure constants (no Flask, no database). `as_json()` is what tests/fixtures/contract.json holds;
the extension's copy (extension/src/shared/contract.js) is checked against that file, so a
change here that the extension has not taken fails a test on both sides.
"""

from __future__ import annotations

COLORS = ("yellow", "green", "blue", "pink", "purple")
VISIBILITIES = ("private", "public")
# What a PATCH may change; a create may send these and READ_ONLY_FIELDS (ignored or checked).
EDITABLE_FIELDS = frozenset({"note", "color", "tags", "visibility", "selectors", "quote"})
READ_ONLY_FIELDS = frozenset({"id", "post", "user", "created", "updated", "version", "note_html",
                              "deleted", "links"})
# The query parameters of GET /api/annotations (the export takes these plus format and flavor).
QUERY_FILTERS = frozenset({"site", "post_id", "url", "user", "tag", "color", "visibility", "q",
                           "updated_since", "created_after", "created_before", "include_deleted",
                           "sort", "order", "limit", "cursor", "post"})
# In the order of postil.exports.FORMATS (the order menus show them in).
EXPORT_FORMATS = ("markdown", "zip", "json", "jsonld", "csv", "html")
# Characters (or items) at most; `page` is the most annotations one query page returns.
LIMITS = {"quote": 10_000, "note": 50_000, "tags": 20, "tag": 64, "selectors": 8, "title": 1_000,
          "url": 2_048, "page": 200}


def as_json() -> dict:
    """Return the contract as the JSON clients read (lists sorted where order means nothing)."""
    return {
        "colors": list(COLORS),
        "visibilities": list(VISIBILITIES),
        "editable_fields": sorted(EDITABLE_FIELDS),
        "read_only_fields": sorted(READ_ONLY_FIELDS),
        "query_filters": sorted(QUERY_FILTERS),
        "export_formats": list(EXPORT_FORMATS),
        "limits": dict(LIMITS),
    }
