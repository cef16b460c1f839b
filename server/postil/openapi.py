"""The machine-readable contract at /openapi.json.

Each module that adds routes registers their descriptions with `register()`; a test compares the
result with the app's real URL map, so the document cannot drift from the code. Path parameters
are named as the routes name them (`{uid}` for `<uid>`).
"""

from __future__ import annotations

from flask import jsonify

from . import __version__
from .contract import (
    COLORS,
    EDITABLE_FIELDS,
    EMBED_MODES,
    LIMITS,
    MODERATION_MODES,
    REPLIES_CHOICES,
    ROLES,
    VISIBILITIES,
)

_PATHS: dict[str, dict] = {}


def register(paths: dict[str, dict]) -> None:
    for path, item in paths.items():
        _PATHS.setdefault(path, {}).update(item)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def err(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}


def ok(description: str, schema: dict | None = None, status: str = "200") -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {status: body}


def q(name: str, description: str, schema: dict | None = None, repeat: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": False, "description": description,
             "schema": schema or {"type": "string"}}
    if repeat:
        param["schema"] = {"type": "array", "items": schema or {"type": "string"}}
        param["explode"] = True
    return param


def path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


JSON_BODY = lambda schema: {"required": True, "content": {"application/json": {"schema": schema}}}  # noqa: E731
UID = path_param("uid", {"type": "string", "format": "uuid"})
POST_PK = path_param("post_pk", {"type": "integer"})  # the post's row id, `id` in its JSON
COMMON_ERRORS = {"400": err("bad input; nothing changed"), "401": err("sign in first")}

ANNOTATION_FILTERS = [
    q("site", "site key, e.g. d3.harvard.edu/future-proof-with-ai"),
    q("post_id", "WordPress post id (with site)", {"type": "integer"}),
    q("post", "a post's row id (its `id` in /api/posts)", {"type": "integer"}),
    q("url", "any URL of the page; normalised before matching"),
    q("user", "author's username"),
    q("tag", "tag; repeat for several, all must match", repeat=True),
    q("color", "highlight colour", {"type": "string", "enum": list(COLORS)}),
    q("visibility", "private, group or public", {"type": "string",
                                                 "enum": list(VISIBILITIES)}),
    q("group", "a group's id: the annotations in that group"),
    q("q", "full-text search over quote, note and tags: every word must match; word* is a prefix"),
    q("updated_since", "ISO 8601 time; changes at or after it, tombstones included",
      {"type": "string", "format": "date-time"}),
    q("created_after", "ISO 8601 time; created at or after it", {"type": "string",
                                                                 "format": "date-time"}),
    q("created_before", "ISO 8601 time; created before it", {"type": "string",
                                                              "format": "date-time"}),
    q("include_deleted", "1 to include tombstones", {"type": "string", "enum": ["0", "1"]}),
    q("sort", "order by", {"type": "string", "enum": ["created", "updated"]}),
    q("order", "direction", {"type": "string", "enum": ["asc", "desc"]}),
    q("limit", "page size (0 gives only the total)", {"type": "integer", "minimum": 0,
                                                     "maximum": LIMITS["page"]}),
    q("cursor", "opaque cursor from next_cursor"),
    q("replies", "exclude (default: annotations that answer nothing), include (replies too, "
                 "and tombstones that head live replies), or only (replies alone)",
      {"type": "string", "enum": list(REPLIES_CHOICES)}),
]

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": "string"}}}}},
    "Selector": {"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["TextQuoteSelector", "TextPositionSelector",
                                            "RangeSelector", "XPathSelector", "CssSelector",
                                            "FragmentSelector"]},
        "exact": {"type": "string"}, "prefix": {"type": "string"}, "suffix": {"type": "string"},
        "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 1}}},
    "PostKey": {"type": "object", "description": (
        "Which post: site and post_id (the WordPress post id) for a WordPress post; url with "
        "post_id null for another page; or only id, the post's number on this server."),
        "properties": {
        "id": {"type": "integer"}, "site": {"type": "string"},
        "post_id": {"type": ["integer", "null"]}, "url": {"type": "string"},
        "title": {"type": "string"}, "modified_gmt": {"type": "string"}}},
    "AnnotationInput": {"type": "object", "description": (
        "post is required unless reply_to is given: a reply is on its parent's post, has its "
        "visibility, a note, and no selectors or quote."), "properties": {
        "id": {"type": "string", "format": "uuid"}, "post": ref("PostKey"),
        "reply_to": {"type": "string", "format": "uuid",
                     "description": "the id of the annotation this one answers"},
        "quote": {"type": "string", "maxLength": LIMITS["quote"]},
        "selectors": {"type": "array", "items": ref("Selector"),
                      "maxItems": LIMITS["selectors"]},
        "note": {"type": "string", "maxLength": LIMITS["note"]},
        "color": {"type": "string", "enum": list(COLORS)},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": LIMITS["tag"]},
                 "maxItems": LIMITS["tags"]},
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "group": {"type": ["string", "null"],
                  "description": "with visibility group: the id of one of your groups"}}},
    "AnnotationPatch": {"type": "object", "properties": {
        k: {"$ref": f"#/components/schemas/AnnotationInput/properties/{k}"}
        for k in sorted(EDITABLE_FIELDS)}},
    "Annotation": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "post": ref("PostKey"),
        "user": {"type": ["string", "null"],
                 "description": "the author; null for a deleted account's anonymised one"},
        "quote": {"type": "string"},
        "selectors": {"type": "array", "items": ref("Selector")}, "note": {"type": "string"},
        "note_html": {"type": "string"}, "color": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": {"type": "string"},
        "group": {"type": ["string", "null"], "description": "a group annotation's group id"},
        "group_name": {"type": ["string", "null"]},
        "hidden": {"type": "boolean", "description": "hidden by its group's moderators, or a "
                                                     "public one withheld by its site's"},
        "moderation": {"enum": ["pending", "hidden"],
                       "description": "only on a public annotation its site withholds (seen "
                                      "by its author and the site's moderators alone): "
                                      "waiting for approval, or hidden by a moderator"},
        "created": {"type": "string", "format": "date-time"},
        "updated": {"type": "string", "format": "date-time"}, "version": {"type": "integer"},
        "deleted": {"type": "boolean"}, "links": {"type": "object"},
        "reply_to": {"type": ["string", "null"], "format": "uuid",
                     "description": "the annotation this one answers; null for none"},
        "reply_count": {"type": "integer",
                        "description": "live replies below it (the whole thread) you may see"}}},
    "AnnotationPage": {"type": "object", "properties": {
        "total": {"type": "integer"}, "items": {"type": "array", "items": ref("Annotation")},
        "next_cursor": {"type": ["string", "null"]}}},
    "Post": {"type": "object", "properties": {
        "id": {"type": "integer"}, "site": {"type": "string"},
        "post_id": {"type": ["integer", "null"]}, "url": {"type": "string"},
        "title": {"type": "string"}, "type": {"type": ["string", "null"]},
        "slug": {"type": ["string", "null"]}, "modified_gmt": {"type": ["string", "null"]},
        "annotation_count": {"type": "integer"}}},
    "WordPressPost": {"type": "object", "required": ["id", "_links"],
                      "description": "a WordPress REST API post (/wp-json/wp/v2/posts/ID)"},
    "Credentials": {"type": "object", "required": ["username", "password"], "properties": {
        "username": {"type": "string"}, "password": {"type": "string"},
        "label": {"type": "string"}}},
    "Session": {"type": "object", "properties": {
        "id": {"type": "integer"}, "label": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "last_used": {"type": ["string", "null"], "format": "date-time"},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "current": {"type": "boolean", "description": "the session making this request"}}},
    "PasswordChange": {"type": "object", "required": ["current_password", "new_password"],
                       "properties": {"current_password": {"type": "string"},
                                      "new_password": {"type": "string", "minLength": 8}}},
    "User": {"type": "object", "properties": {"name": {"type": "string"},
                                              "created": {"type": "string"}}},
    "GroupInput": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 100},
        "description": {"type": "string", "maxLength": 2000}}},
    "SitePolicy": {"type": "object", "properties": {
        "embed": {"type": "string", "enum": list(EMBED_MODES)},
        "moderation": {"type": "string", "enum": list(MODERATION_MODES)},
        "public_per_hour": {"type": "integer", "minimum": 0,
                            "description": "new public annotations per user per hour on the "
                                           "site's posts; 0: no limit"}}},
    "Site": {"type": "object", "properties": {
        "site": {"type": "string", "description": "the site's key (the post key's site)"},
        "name": {"type": "string"},
        "origins": {"type": "array", "items": {"type": "string"}},
        "policy": ref("SitePolicy"),
        "you": {"type": "object", "description": "signed in only: your own roles there",
                "properties": {"moderator": {"type": "boolean"},
                               "member": {"type": "boolean"}}},
        "moderators": {"type": "array", "items": {"type": "string"},
                       "description": "operators only"},
        "members": {"type": "array", "items": {"type": "string"},
                    "description": "operators only"}}},
    "SiteInput": {"type": "object", "description": (
        "A registration needs url (the site's home); a change takes name, origins and policy "
        "(a partial policy changes what it names)."), "properties": {
        "url": {"type": "string"}, "name": {"type": "string"},
        "origins": {"type": "array", "items": {"type": "string"}},
        "policy": ref("SitePolicy"),
        "moderators": {"type": "array", "items": {"type": "string"}},
        "members": {"type": "array", "items": {"type": "string"}}}},
    "Group": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "role": {"type": "string", "enum": list(ROLES), "description": "yours"},
        "member_count": {"type": "integer"},
        "created": {"type": "string", "format": "date-time"}, "links": {"type": "object"}}},
    "Member": {"type": "object", "properties": {
        "user": {"type": "string"}, "role": {"type": "string", "enum": list(ROLES)},
        "joined": {"type": "string", "format": "date-time"}}},
    "InviteInput": {"type": "object", "properties": {
        "expires_in": {"type": ["integer", "null"], "description": "seconds it works for"},
        "max_uses": {"type": ["integer", "null"], "minimum": 1}}},
    "Invite": {"type": "object", "properties": {
        "id": {"type": "integer"}, "token": {"type": "string",
                                             "description": "only in the create's answer"},
        "created": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "max_uses": {"type": ["integer", "null"]}, "uses": {"type": "integer"},
        "status": {"type": "string", "enum": ["active", "expired", "used up", "revoked"]}}},
}

register({
    "/api": {"get": {"summary": "Server name and version", "responses": ok("about")}},
    "/api/annotations": {
        "post": {"summary": "Create an annotation (idempotent by client id)",
                 "requestBody": JSON_BODY(ref("AnnotationInput")),
                 "responses": {**ok("same id again: the stored annotation", ref("Annotation")),
                               **ok("created", ref("Annotation"), "201"), **COMMON_ERRORS,
                               "403": err("an embed session's note on a post that is not its "
                                          "site's (embed_other_site)"),
                               "404": err("reply_to names no annotation you may see"),
                               "409": err("the id is another user's public annotation's"),
                               "410": err("reply_to names your deleted annotation"),
                               "413": err("body too large"), "415": err("not JSON")}},
        "get": {"summary": "Query annotations you may see", "parameters": ANNOTATION_FILTERS,
                "responses": {**ok("a page", ref("AnnotationPage")), **COMMON_ERRORS}},
    },
    "/api/annotations/{uid}": {
        "parameters": [UID],
        "get": {"summary": "Read an annotation", "responses": {
            **ok("the annotation (ETag header)", ref("Annotation")), "304": {
                "description": "not modified"}, "404": err("no such annotation for you"),
            "410": err("your annotation was deleted")}},
        "patch": {"summary": "Change an annotation; If-Match guards against lost updates",
                  "parameters": [{"name": "If-Match", "in": "header", "required": False,
                                  "schema": {"type": "string"}}],
                  "requestBody": JSON_BODY(ref("AnnotationPatch")),
                  "responses": {**ok("changed", ref("Annotation")), **COMMON_ERRORS,
                                "403": err("public, but not yours"), "404": err("not found"),
                                "409": err("made public while another user's public "
                                           "annotation has its id"),
                                "412": err("If-Match does not name the current version")}},
        "delete": {"summary": "Delete (a tombstone is kept for sync)",
                   "responses": {"204": {"description": "deleted"}, **COMMON_ERRORS,
                                 "404": err("not found"),
                                 "412": err("If-Match does not name the current version")}},
    },
    "/api/annotations/{uid}/replies": {
        "parameters": [UID],
        "get": {"summary": "The thread below an annotation: every reply you may see, each "
                           "followed by the replies to it (tombstones only where live replies "
                           "are below them)",
                "responses": {**ok("the thread, flat", {"type": "object", "properties": {
                    "total": {"type": "integer"},
                    "items": {"type": "array", "items": ref("Annotation")}}}),
                    "404": err("no such annotation for you"),
                    "410": err("your annotation was deleted, and nothing live answers it")}}},
    "/api/me/replies": {"get": {
        "summary": "Replies others wrote to your annotations, newest first",
        "parameters": [q("limit", "page size", {"type": "integer", "minimum": 0,
                                                "maximum": LIMITS["page"]}),
                       q("cursor", "opaque cursor from next_cursor")],
        "responses": {**ok("a page; each item has unread", {"type": "object", "properties": {
            "total": {"type": "integer"}, "unread": {"type": "integer"},
            "read_until": {"type": ["string", "null"], "format": "date-time"},
            "items": {"type": "array", "items": ref("Annotation")},
            "next_cursor": {"type": ["string", "null"]}}}), **COMMON_ERRORS}}},
    "/api/me/replies/read": {"post": {
        "summary": "Mark the replies to you read, up to a time (default: now); kept on the "
                   "server for every device",
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"until": {"type": "string",
                                                       "format": "date-time"}}}}}},
        "responses": {**ok("what is read now", {"type": "object", "properties": {
            "read_until": {"type": "string", "format": "date-time"},
            "unread": {"type": "integer"}}}), **COMMON_ERRORS}}},
    "/api/posts": {
        "get": {"summary": "Posts you may know of, with annotation counts",
                "parameters": [q("site", "site key"), q("q", "words in title or URL"),
                               q("limit", "page size", {"type": "integer"}),
                               q("cursor", "opaque cursor")],
                "responses": {**ok("posts", {"type": "object"}), **COMMON_ERRORS}},
        "put": {"summary": "Create or update a post from its WordPress REST JSON",
                "description": "Everyone who reads the post sees what this writes, so only "
                               "the users POSTIL_POST_EDITORS names may (403 for others).",
                "requestBody": JSON_BODY(ref("WordPressPost")),
                "responses": {**ok("updated: a post you knew of", ref("Post")),
                              **ok("created: new to you (also when only others' private "
                                   "annotations named it)", ref("Post"), "201"),
                              **COMMON_ERRORS, "403": err("not one of the post editors")}},
    },
    "/api/posts/{post_pk}": {"parameters": [POST_PK], "get": {
        "summary": "One post", "responses": {**ok("the post", ref("Post")),
                                             "404": err("not found")}}},
    "/api/posts/{post_pk}/popular": {"parameters": [POST_PK], "get": {
        "summary": "Passages most highlighted in public annotations (counts only)",
        "responses": {**ok("passages", {"type": "object"}), "404": err("not found")}}},
    "/api/tokens": {
        "post": {"summary": "Sign in: username (any case) and password give a token",
                 "description": "Failed sign-ins are counted per username and per client "
                                "address; past a few, each attempt must wait (429 with "
                                "Retry-After), a right password too.",
                 "requestBody": JSON_BODY(ref("Credentials")),
                 "responses": {**ok("token", {"type": "object"}, "201"),
                               "400": err("bad input"),
                               "401": err("wrong username or password"),
                               "403": err("the account is disabled (account_disabled)"),
                               "429": err("too many failed sign-ins: wait Retry-After seconds")}},
        "get": {"summary": "Your sessions (tokens), never their secrets",
                "responses": {**ok("sessions", {"type": "object", "properties": {
                    "items": {"type": "array", "items": ref("Session")}}}),
                              "401": err("not signed in")}},
        "delete": {"summary": "Sign out everywhere else: end every session but this one",
                   "responses": {"204": {"description": "the other sessions ended"},
                                 "401": err("not signed in")}},
    },
    "/api/tokens/{token_id}": {
        "parameters": [{"name": "token_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}, "description": "a session's id"}],
        "delete": {"summary": "End one of your sessions",
                   "responses": {"204": {"description": "ended"},
                                 "401": err("not signed in"),
                                 "404": err("no such session of yours")}}},
    "/api/tokens/current": {"delete": {"summary": "Sign out (the token stops working)",
                                       "responses": {"204": {"description": "signed out"},
                                                     "401": err("not signed in")}}},
    "/api/me": {"get": {"summary": "Who am I", "responses": {
        **ok("the user", {"type": "object", "properties": {"user": ref("User")}}),
        "401": err("not signed in")}}},
    "/api/me/password": {"put": {
        "summary": "Change your password; every other session of yours ends",
        "requestBody": JSON_BODY(ref("PasswordChange")),
        "responses": {"204": {"description": "changed"}, **COMMON_ERRORS,
                      "403": err("the current password is wrong (wrong_password)"),
                      "429": err("too many failed attempts: wait Retry-After seconds")}}},
    "/api/users": {"post": {"summary": "Open sign-up (only with POSTIL_OPEN_SIGNUP=1)",
                            "requestBody": JSON_BODY(ref("Credentials")),
                            "responses": {**ok("user and token", {"type": "object"}, "201"),
                                          "400": err("bad input"), "403": err("sign-up closed"),
                                          "409": err("username taken, in any case or spelling"),
                                          "429": err("too many attempts from this address")}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": ok("OpenAPI 3.1")}},
})


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Postil API", "version": __version__,
                 "description": "Highlights and notes on WordPress posts, keyed by site and "
                                "post id."},
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}, {}],
        "paths": dict(sorted(_PATHS.items())),
    }


def init_app(app) -> None:
    @app.get("/openapi.json", endpoint="openapi")
    def openapi_json():
        return jsonify(spec())
