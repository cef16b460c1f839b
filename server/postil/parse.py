"""Turn what a request carries into one typed value, once, at the edge: pure, no Flask, no database.

Each view calls one of these on its body, query string or header and passes the result down; a
bad input raises `Invalid` (field and message) and nothing below the views parses again.
`PostKey` is the server's one shape of "which post": the wire's `{"site", "post_id", "url",
"title"?, "modified_gmt"?}` or `{"id": N}`, normalised.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from . import origins as site_rules
from . import postkey
from . import validation as v
from .contract import (
    EDITABLE_FIELDS,
    EMBED_MODES,
    LIMITS,
    MODERATION_MODES,
    QUERY_FILTERS,
    READ_ONLY_FIELDS,
    REPLIES_CHOICES,
    ROLES,
)
from .domain_errors import Invalid
from .sanitize import render_note

MAX_LIMIT = LIMITS["page"]
DEFAULT_LIMIT = 50


# ---------------------------------------------------------------- post keys

@dataclass(frozen=True, slots=True)
class PostKey:
    """Which post an annotation or a query is about, checked and normalised.

    Either a WordPress post (`site` and `post_id`, the WordPress id), a page that is not one
    (`url_key`, its normalised URL), or a post the server already numbered (`post_pk`, the
    post's row id, sent as `{"id": N}`). `url`, `title` and `modified` are what the page said;
    `link_key` is `url` normalised (`postkey.normalise_url`, the address that finds the post with
    `url=`), made here once: None without a URL, or for one that cannot be a key.
    """

    site: str | None = None
    post_id: int | None = None
    url_key: str | None = None
    url: str = ""
    title: str = ""
    modified: str | None = None
    post_pk: int | None = None
    link_key: str | None = None


def post_key(spec: Any) -> PostKey:
    """Check and normalise `{site, post_id, url, title, modified_gmt}` (or `{id}`)."""
    if not isinstance(spec, dict):
        raise Invalid("post", "must be an object with site and post_id, or url")
    if set(spec) == {"id"}:
        return PostKey(post_pk=v.integer(spec["id"], "post.id", 1, 2**62))
    title = v.string(spec.get("title", ""), "post.title", v.MAX_TITLE)
    url = v.http_url(spec["url"], "post.url") if spec.get("url") else ""
    modified = spec.get("modified_gmt")
    if modified is not None:
        v.string(modified, "post.modified_gmt", 32)
        # Must be a time: a value such as "zzz" compares above every real one and would freeze
        # the post's modified_gmt, hiding later edits of the text from every reader.
        v.parse_time(modified, "post.modified_gmt")
    try:
        if spec.get("post_id") is not None:
            post_id = v.integer(spec["post_id"], "post.post_id", 1, 2**62)
            site_raw = v.string(spec.get("site"), "post.site", v.MAX_SITE, allow_empty=False)
            site = postkey.normalise_site(site_raw)
            v.require(len(site) <= v.MAX_SITE, "post.site",
                      f"is longer than {v.MAX_SITE} characters once normalised")
            return PostKey(site=site, post_id=post_id, url=url, title=title, modified=modified,
                           link_key=_link_key(url))
        if not url:
            raise Invalid("post.url", "is required when post_id is null")
        url_key = postkey.normalise_url(url)
        site = postkey.normalise_site(re.match(r"^https?://[^/?#]+", url, re.I).group(0))
        # The site column holds 255 characters: PostgreSQL refused a longer host with a 500.
        v.require(len(site) <= v.MAX_SITE, "post.url",
                  f"has a host longer than {v.MAX_SITE} characters")
        return PostKey(site=site, url_key=url_key, url=url, title=title, modified=modified,
                       link_key=url_key)
    except postkey.PostKeyError as exc:
        raise Invalid("post", str(exc)) from None


def _link_key(url: str) -> str | None:
    """The normalised address of `url`, or None (no URL, or one that cannot be a key)."""
    try:
        return postkey.normalise_url(url) if url else None
    except postkey.PostKeyError:
        return None


# ---------------------------------------------------------------- annotation bodies

@dataclass(frozen=True, slots=True)
class NewAnnotation:
    """A create body, checked: the client's id (or a new one), its fields, note rendered."""

    uid: str
    fields: dict
    post: PostKey | None  # None for a reply: it is on its parent's post
    reply_to: str | None = None  # the id of the annotation it answers


def _editable(body: Mapping, *, partial: bool, stored_note: tuple[str, str] | None = None
              ) -> dict:
    """Validate the editable fields present in a create or patch body.

    `stored_note`: the (note, note_html) already stored under this id; that same note is not
    rendered again.
    """
    out: dict[str, Any] = {}
    if "selectors" in body:
        out["selectors"] = v.selectors(body["selectors"])
    if "quote" in body:
        out["quote"] = v.string(body["quote"], "quote", v.MAX_QUOTE)
    elif "selectors" in out:
        # New selectors without a quote: the quote follows them, or search and popular passages
        # keep finding the old text. A patch whose selectors carry no quote keeps the old one.
        derived = v.quote_from(out["selectors"])
        if derived or not partial:
            out["quote"] = derived
    if "note" in body:
        out["note"] = v.string(body["note"], "note", v.MAX_NOTE)
    if "color" in body:
        out["color"] = v.color(body["color"])
    if "tags" in body:
        out["tags"] = v.tags(body["tags"])
    if "visibility" in body:
        out["visibility"] = v.visibility(body["visibility"])
    if "group" in body:
        _group_of(body, out, partial=partial)
    elif out.get("visibility") == "group" and not partial:
        raise Invalid("group", "is required with visibility 'group': the id of one of your "
                               "groups")
    if "note" in out:
        if stored_note is not None and stored_note[0] == out["note"]:
            out["note_html"] = stored_note[1]
        else:
            out["note_html"] = render_note(out["note"])
    if "tags" in out:
        out["tags_text"] = " ".join(out["tags"])
    return out


def _group_of(body: Mapping, out: dict, *, partial: bool) -> None:
    """Check `group` against `visibility`: a group's id goes with visibility "group" alone.

    A patch naming a group and no visibility moves the annotation into that group.
    """
    gid = body["group"]
    if gid is None:
        if out.get("visibility") == "group":
            raise Invalid("group", "is required with visibility 'group': the id of one of "
                                   "your groups")
        return
    gid = v.string(gid, "group", 32, allow_empty=False)
    if "visibility" not in out and partial:
        out["visibility"] = "group"
    if out.get("visibility", "private") != "group":
        raise Invalid("group", "goes with visibility 'group' only")
    out["group"] = gid


def _annotation_object(body: Any, unknown_are: str) -> dict:
    """Refuse a body that is not an object, or that has fields an annotation does not."""
    if not isinstance(body, dict):
        raise Invalid(None, "the body must be a JSON object")
    unknown = sorted(set(body) - EDITABLE_FIELDS - READ_ONLY_FIELDS)
    if unknown:
        raise Invalid(unknown[0], f"{unknown_are} field(s): {', '.join(unknown)}")
    return body


def create_body(body: Any, stored_notes: Mapping[str, tuple[str, str]] | None = None, *,
                tombstone: bool = False) -> NewAnnotation:
    """Check a create body: its id, fields (note rendered) and post.

    `stored_notes` maps ids to the (note, note_html) stored under them: a body sent again with
    the same note reuses that HTML instead of rendering it anew (an import sent twice).
    `tombstone`: an import's deleted annotation that replies answer (a reply with no note).
    """
    body = _annotation_object(body, "unknown")
    uid = v.uuid_string(body["id"]) if body.get("id") is not None else str(uuid.uuid4())
    fields = _editable(body, partial=False, stored_note=(stored_notes or {}).get(uid))
    if body.get("reply_to") is not None:
        return _reply(uid, fields, v.uuid_string(body["reply_to"], "reply_to"),
                      tombstone=tombstone)
    if "post" not in body:
        raise Invalid("post", "is required")
    return NewAnnotation(uid, fields, post_key(body["post"]))


def _reply(uid: str, fields: dict, reply_to: str, *, tombstone: bool = False
           ) -> NewAnnotation:
    """Check a reply's fields: a note, no passage; its post and visibility are its parent's.

    A `post` sent is not read (a reply is on its parent's post); a `visibility` is checked
    against the parent's by the store, so a client may send back what it was given.
    """
    if fields.get("selectors") or fields.get("quote"):
        raise Invalid("selectors" if fields.get("selectors") else "quote",
                      "a reply has no passage of its own: leave out selectors and quote")
    if not (fields.get("note") or "").strip() and not tombstone:
        raise Invalid("note", "a reply needs a note")
    fields.pop("selectors", None)
    fields.pop("quote", None)
    return NewAnnotation(uid, fields, None, reply_to)


def via(ident: Any, field: str = "id") -> str | None:
    """Check an IRI a client gave an annotation, to keep as its `via`: None when there is none.

    A value that is not a string was never taken as an IRI and stays ignored.
    """
    if not isinstance(ident, str) or not ident.strip():
        return None
    return v.string(ident, field, LIMITS["url"])


def patch_body(body: Any) -> dict:
    """Check a patch body; return the fields it changes (read-only ones sent back are ignored)."""
    body = _annotation_object(body, "unknown or read-only")
    return _editable({k: body[k] for k in body if k in EDITABLE_FIELDS}, partial=True)


@dataclass(frozen=True, slots=True)
class Precondition:
    """An If-Match header, read as RFC 9110 (13.1.1) evaluates it.

    `any_version` for `*`; otherwise `tags` holds the opaque parts of the strong entity-tags
    listed. A weak tag never matches (If-Match compares strongly), and a value that is neither
    `*` nor a list of entity-tags is a condition that is false: both leave `tags` without the
    current one, so the write fails with 412, as for a stale version.
    """

    any_version: bool = False
    tags: frozenset[str] = frozenset()

    def admits(self, version: int) -> bool:
        """Say whether the stored `version` (whose ETag is `"<version>"`) passes."""
        return self.any_version or str(version) in self.tags


ENTITY_TAG_LIST = re.compile(r'\s*(?:(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"\s*(?:,\s*|$))+')
STRONG_TAG = re.compile(r'(W/)?"([^"]*)"')


def precondition(fields: list[str]) -> Precondition | None:
    """Parse the If-Match header lines (one list, RFC 9110 5.3): None when there are none."""
    if not fields:
        return None
    header = ", ".join(f.strip() for f in fields)
    if header == "*":
        return Precondition(any_version=True)
    if not ENTITY_TAG_LIST.fullmatch(header):
        return Precondition()
    return Precondition(tags=frozenset(tag for weak, tag in STRONG_TAG.findall(header)
                                       if not weak))


# ---------------------------------------------------------------- query filters

@dataclass
class Filters:
    """The filters of an annotation query, each checked; None means "any"."""

    site: str | None = None
    post_id: int | None = None
    post_pk: int | None = None  # the wire's `post=`: the post's row id
    url: str | None = None
    # The post key a bare `url=…/?p=ID` names: that address is made from the key itself and is
    # shown to every reader, so it finds the post whether or not anyone read it there.
    url_shortlink: tuple[str, int] | None = None
    user: str | None = None
    tags: list[str] = field(default_factory=list)
    color: str | None = None
    visibility: str | None = None
    group: str | None = None  # a group's id (`gid`)
    q: str | None = None
    updated_since: int | None = None
    created_after: int | None = None
    created_before: int | None = None
    include_deleted: bool = False
    sort: str = "created"
    order: str = "desc"
    limit: int = DEFAULT_LIMIT
    cursor: tuple[int, int] | None = None
    replies: str = "exclude"  # contract.REPLIES_CHOICES


def _key_part(normalise, value: str, field: str) -> str:
    """Normalise a site or URL given in a query as post keys are; refuse what is neither."""
    try:
        return normalise(value)
    except postkey.PostKeyError as exc:
        raise Invalid(field, str(exc)) from None


def _flag(value: str, name: str) -> bool:
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no", ""):
        return False
    raise Invalid(name, "must be 1 or 0")


def query_filters(args, *, extra: frozenset = frozenset(), max_limit: int = MAX_LIMIT
                  ) -> Filters:
    """Check query-string filters (a werkzeug MultiDict) into `Filters`."""
    unknown = sorted(set(args.keys()) - QUERY_FILTERS - extra)
    if unknown:
        raise Invalid(unknown[0], f"unknown query parameter(s): {', '.join(unknown)}; known: "
                                  f"{', '.join(sorted(QUERY_FILTERS | extra))}")
    f = Filters()
    for name in QUERY_FILTERS - {"tag"}:
        if len(args.getlist(name)) > 1:
            raise Invalid(name, "may be given once")
    if "site" in args:
        f.site = _key_part(postkey.normalise_site, args["site"], "site")
    if "post_id" in args:
        f.post_id = v.query_integer(args["post_id"], "post_id", 2**62)
    if "post" in args:
        f.post_pk = v.query_integer(args["post"], "post", 2**62)
    if "url" in args:
        f.url = _key_part(postkey.normalise_url, args["url"], "url")
        f.url_shortlink = postkey.key_of_shortlink(args["url"])
    if "user" in args:
        f.user = v.string(args["user"], "user", v.MAX_USERNAME, allow_empty=False)
    f.tags = v.tags(args.getlist("tag")) if "tag" in args else []
    if "color" in args:
        f.color = v.color(args["color"])
    if "visibility" in args:
        f.visibility = v.visibility(args["visibility"])
    if "group" in args:
        f.group = v.string(args["group"], "group", 32, allow_empty=False)
    if "q" in args:
        f.q = v.string(args["q"], "q", 500, allow_empty=False)
        if not search_words(f.q):
            raise Invalid("q", "has no words to search for")
    if "updated_since" in args:
        f.updated_since = v.parse_time(args["updated_since"], "updated_since")
        # A sync asks what changed, and a deletion is a change: tombstones come unless the
        # client says include_deleted=0.
        f.include_deleted = True
    for name in ("created_after", "created_before"):
        if name in args:
            setattr(f, name, v.parse_time(args[name], name))
    if "include_deleted" in args:
        f.include_deleted = _flag(args["include_deleted"], "include_deleted")
    if "sort" in args:
        if args["sort"] not in ("created", "updated"):
            raise Invalid("sort", "must be 'created' or 'updated'")
        f.sort = args["sort"]
    if "order" in args:
        if args["order"] not in ("asc", "desc"):
            raise Invalid("order", "must be 'asc' or 'desc'")
        f.order = args["order"]
    if "limit" in args:
        f.limit = v.query_integer(args["limit"], "limit", max_limit)
    if "cursor" in args:
        f.cursor = decode_cursor(args["cursor"], f.sort, f.order)
    if "replies" in args:
        if args["replies"] not in REPLIES_CHOICES:
            raise Invalid("replies", f"must be {', '.join(REPLIES_CHOICES[:-1])} or "
                                     f"{REPLIES_CHOICES[-1]}")
        f.replies = args["replies"]
    return f


# ---------------------------------------------------------------- live-update streams

STREAM_POST_KEYS = ("site", "post_id", "url", "post")
STREAM_PARAMS = frozenset({*STREAM_POST_KEYS, "ticket", "last_event_id"})


@dataclass(frozen=True, slots=True)
class StreamQuery:
    """`GET /api/stream`'s query string, checked: one post (as an annotation query names it:
    site and post_id, url, or post) or None for everything; a ticket; a Last-Event-ID."""

    post: Filters | None
    ticket: str | None
    last_event_id: str | None


def stream_query(args) -> StreamQuery:
    unknown = sorted(set(args.keys()) - STREAM_PARAMS)
    if unknown:
        raise Invalid(unknown[0], f"unknown query parameter(s): {', '.join(unknown)}; known: "
                                  f"{', '.join(sorted(STREAM_PARAMS))}")
    for name in STREAM_PARAMS:
        if len(args.getlist(name)) > 1:
            raise Invalid(name, "may be given once")
    post = None
    if any(name in args for name in STREAM_POST_KEYS):
        post = query_filters(MultiDict({k: args[k] for k in STREAM_POST_KEYS if k in args}))
        if post.post_id is not None and post.site is None:
            raise Invalid("post_id", "needs site (a post is a site and a post_id, or a url)")
        if post.site is not None and post.post_id is None and post.url is None:
            raise Invalid("site", "needs post_id (a stream follows one post, or every post)")
    ticket = args.get("ticket")
    if ticket is not None and not ticket:
        raise Invalid("ticket", "is empty")
    last = args.get("last_event_id") or None
    return StreamQuery(post, ticket, last)


WORD = re.compile(r"(\w+)(\*?)", re.UNICODE)


def search_words(q: str) -> list[tuple[str, bool]]:
    """Return the words of a search, each with whether it ends in `*` (a prefix search)."""
    return [(w, star == "*") for w, star in WORD.findall(q)][:20]


@dataclass(frozen=True, slots=True)
class ContainerQuery:
    """The query string of a W3C container, checked."""

    page: int | None  # None: the container itself, not one of its pages
    iris: bool | None  # None: not asked, so the Prefer header decides


def container_query(args) -> ContainerQuery:
    unknown = sorted(set(args) - {"page", "iris"})
    if unknown:
        raise Invalid(unknown[0], f"unknown query parameter(s): {', '.join(unknown)}; known: "
                                  "iris, page")
    for name in ("page", "iris"):
        if len(args.getlist(name)) > 1:
            raise Invalid(name, f"{name} may be given once")
    if args.get("iris", "0") not in ("0", "1"):
        raise Invalid("iris", "iris must be 1 (IRIs) or 0 (full annotations)")
    page = args.get("page")
    if page is not None and not re.fullmatch(r"[0-9]{1,9}", page):
        raise Invalid("page", "page must be a page number from 0")
    return ContainerQuery(page=None if page is None else int(page),
                          iris=None if "iris" not in args else args["iris"] == "1")


@dataclass(frozen=True, slots=True)
class PostsQuery:
    """The query string of GET /api/posts, checked."""

    site: str | None
    q: str | None
    limit: int
    after_pk: int | None  # the cursor: posts whose row id is above this one


def posts_query(args) -> PostsQuery:
    unknown = sorted(set(args) - {"site", "q", "limit", "cursor"})
    if unknown:
        raise Invalid(unknown[0], f"unknown query parameter(s): {', '.join(unknown)}")
    site = None
    if "site" in args:
        try:
            site = postkey.normalise_site(args["site"])
        except postkey.PostKeyError as exc:
            raise Invalid("site", f"site: {exc}") from None
    q = v.string(args["q"], "q", 200) if "q" in args else None
    limit = v.query_integer(args.get("limit", "50"), "limit", MAX_LIMIT)
    after = decode_cursor(args["cursor"], "post", "asc")[1] if "cursor" in args else None
    return PostsQuery(site, q, limit, after)


@dataclass(frozen=True, slots=True)
class RepliesQuery:
    """The query string of GET /api/me/replies, checked."""

    limit: int
    after: tuple[int, int] | None  # the cursor: (created, pk) of the last reply seen


def replies_query(args) -> RepliesQuery:
    unknown = sorted(set(args) - {"limit", "cursor"})
    if unknown:
        raise Invalid(unknown[0], f"unknown query parameter(s): {', '.join(unknown)}; known: "
                                  "cursor, limit")
    limit = v.query_integer(args.get("limit", str(DEFAULT_LIMIT)), "limit", MAX_LIMIT)
    after = decode_cursor(args["cursor"], "created", "desc") if "cursor" in args else None
    return RepliesQuery(limit, after)


def replies_read(body: Any) -> int | None:
    """Check a `POST /api/me/replies/read` body: `{"until": time}` or nothing (None: now).

    A time given to the millisecond, as answers give them, covers that whole millisecond: the
    `created` of the newest reply shown marks that reply read too.
    """
    if body is None:
        return None
    if not isinstance(body, dict):
        raise Invalid(None, 'send {"until": "<the created time of the newest reply read>"} '
                            "or no body")
    unknown = sorted(set(body) - {"until"})
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}; known: until")
    if body.get("until") is None:
        return None
    until = v.parse_time(body["until"], "until")
    fraction = re.search(r"\.(\d+)", body["until"])
    if fraction is None or len(fraction.group(1)) <= 3:
        until += 999 if fraction else 999_999
    return until


# ---------------------------------------------------------------- cursors

def encode_cursor(sort: str, order: str, key: int, pk: int) -> str:
    raw = json.dumps([sort, order, key, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: str, order: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        c_sort, c_order, key, pk = json.loads(raw)
        # Bounded to a signed 64-bit column: a forged huge number overflowed the driver (500).
        if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**63
                   for n in (key, pk)):
            raise ValueError
    except (ValueError, binascii.Error, TypeError, UnicodeDecodeError):
        raise Invalid("cursor", "is not a cursor this server gave out") from None
    if (c_sort, c_order) != (sort, order):
        raise Invalid("cursor", f"was made for sort={c_sort}&order={c_order}; "
                                "pass the same sort and order")
    return key, pk


# ---------------------------------------------------------------- accounts

@dataclass(frozen=True, slots=True)
class Credentials:
    """A sign-in or sign-up body: who, their password, and a label for the token."""

    username: str
    password: str
    label: str | None


def credentials(body: Any) -> Credentials:
    if not isinstance(body, dict):
        raise Invalid(None, "send {\"username\": …, \"password\": …}")
    unknown = sorted(set(body) - {"username", "password", "label"})
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}")
    name = v.string(body.get("username"), "username", v.MAX_USERNAME, allow_empty=False)
    password = v.string(body.get("password"), "password", v.MAX_PASSWORD, allow_empty=False)
    label = v.string(body["label"], "label", 100) if "label" in body else None
    return Credentials(name, password, label)


def new_account(body: Any) -> Credentials:
    """Check a sign-up body: credentials whose username and password meet the account rules."""
    given = credentials(body)
    v.username(given.username)
    v.password(given.password)
    return given


@dataclass(frozen=True, slots=True)
class PasswordChange:
    """A password change: the password now (proof it is the user) and the new one."""

    current_password: str
    new_password: str


def password_change(body: Any) -> PasswordChange:
    """Check a password change body; the new password meets the sign-up rule."""
    if not isinstance(body, dict):
        raise Invalid(None, "send {\"current_password\": …, \"new_password\": …}")
    unknown = sorted(set(body) - {"current_password", "new_password"})
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}")
    current = v.string(body.get("current_password"), "current_password", v.MAX_PASSWORD,
                       allow_empty=False)
    return PasswordChange(current, v.password(body.get("new_password"), "new_password"))


# What may become of a deleted account's public annotations: see store/account_deletion.py.
PUBLIC_ANNOTATION_CHOICES = ("delete", "anonymise")


@dataclass(frozen=True, slots=True)
class AccountDeletion:
    """A `DELETE /api/me` body: the account's password, and what becomes of public annotations."""

    password: str
    public_annotations: str


def account_deletion(body: Any) -> AccountDeletion:
    choices = " or ".join(f'"{c}"' for c in PUBLIC_ANNOTATION_CHOICES)
    if not isinstance(body, dict):
        raise Invalid(None, f'send {{"password": …, "public_annotations": {choices}}}')
    unknown = sorted(set(body) - {"password", "public_annotations"})
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}")
    password = v.string(body.get("password"), "password", v.MAX_PASSWORD, allow_empty=False)
    choice = body.get("public_annotations")
    if choice not in PUBLIC_ANNOTATION_CHOICES:
        raise Invalid("public_annotations",
                      f"must be {choices}: say whether your public annotations are deleted "
                      "with the account or kept without your name")
    return AccountDeletion(password, choice)


# ---------------------------------------------------------------- groups

MAX_GROUP_NAME = 100
MAX_GROUP_DESCRIPTION = 2000
MAX_INVITE_SECONDS = 366 * 24 * 3600
MAX_INVITE_USES = 100_000
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def group_body(body: Any, *, partial: bool) -> dict:
    """Check a group's create (`name` required) or patch body: name and description."""
    if not isinstance(body, dict):
        raise Invalid(None, "the body must be a JSON object")
    unknown = sorted(set(body) - {"name", "description"})
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}; a group has a name "
                                  "and a description")
    out = {}
    if "name" in body or not partial:
        if "name" not in body:
            raise Invalid("name", "is required")
        name = v.string(body["name"], "name", MAX_GROUP_NAME, allow_empty=False).strip()
        if not name or CONTROL.search(name):
            raise Invalid("name", "must be some visible text on one line")
        out["name"] = name
    if "description" in body:
        out["description"] = v.string(body["description"], "description",
                                      MAX_GROUP_DESCRIPTION).strip()
    return out


@dataclass(frozen=True, slots=True)
class NewInvite:
    """An invite's limits: how long it works (None: until revoked) and how often (None: any)."""

    expires_in: int | None
    max_uses: int | None


def invite_body(body: Any) -> NewInvite:
    """Check an invite's create body: optional `expires_in` (seconds) and `max_uses`."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise Invalid(None, "the body must be a JSON object")
    unknown = sorted(set(body) - {"expires_in", "max_uses"})
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}; an invite has "
                                  "expires_in (seconds) and max_uses")
    expires = body.get("expires_in")
    uses = body.get("max_uses")
    return NewInvite(
        None if expires is None else v.integer(expires, "expires_in", 60, MAX_INVITE_SECONDS),
        None if uses is None else v.integer(uses, "max_uses", 1, MAX_INVITE_USES))


def role_body(body: Any) -> str:
    """Check a membership patch: `{"role": "owner" | "moderator" | "member"}`."""
    if not isinstance(body, dict) or set(body) != {"role"}:
        raise Invalid("role", "send {\"role\": \"owner\", \"moderator\" or \"member\"}")
    if body["role"] not in ROLES:
        raise Invalid("role", "must be 'owner', 'moderator' or 'member'")
    return body["role"]


# ---------------------------------------------------------------- sites

MAX_SITE_NAME = 200
MAX_SITE_ORIGINS = 20
MAX_SITE_PEOPLE = 100
MAX_PUBLIC_PER_HOUR = 100_000
SITE_FIELDS = frozenset({"url", "name", "origins", "policy", "moderators", "members"})
POLICY_FIELDS = frozenset({"embed", "moderation", "public_per_hour"})


@dataclass(frozen=True, slots=True)
class SiteFields:
    """A site's registration or change, checked: None where a change leaves a field as it is.

    `key` is the site key of `url` (a create's); `origins` default to its origin.
    """

    key: str | None = None
    name: str | None = None
    origins: tuple[str, ...] | None = None
    embed: str | None = None
    moderation: str | None = None
    public_per_hour: int | None = None
    moderators: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


def site_body(body: Any, *, partial: bool) -> SiteFields:
    """Check a site's registration (`url` required) or change (name, origins, policy)."""
    if not isinstance(body, dict):
        raise Invalid(None, "the body must be a JSON object")
    allowed = SITE_FIELDS - ({"url", "moderators", "members"} if partial else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid(unknown[0], f"unknown field(s): {', '.join(unknown)}; "
                                  f"{'a change' if partial else 'a site'} has "
                                  f"{', '.join(sorted(allowed))}")
    out: dict[str, Any] = {}
    if not partial:
        if "url" not in body:
            raise Invalid("url", "is required: the site's home, such as https://blog.example")
        url = v.string(body["url"], "url", LIMITS["url"], allow_empty=False)
        try:
            out["key"] = site_rules.site_key(url)
            default_origin = site_rules.normalise_origin(
                url if "://" in url else "https://" + url.strip())
        except site_rules.OriginError as exc:
            raise Invalid("url", str(exc)) from None
        out["origins"] = (default_origin,)
    if "name" in body:
        name = v.string(body["name"], "name", MAX_SITE_NAME).strip()
        if CONTROL.search(name):
            raise Invalid("name", "must be on one line")
        out["name"] = name
    if "origins" in body:
        out["origins"] = site_origins(body["origins"])
    if "policy" in body:
        out.update(site_policy(body["policy"]))
    for role in ("moderators", "members"):
        if role in body:
            out[role] = _usernames(body[role], role)
    return SiteFields(**out)


def site_origins(value: Any) -> tuple[str, ...]:
    """Check a list of origins: one at least, each written as browsers send it, no repeats."""
    if not isinstance(value, list) or not value:
        raise Invalid("origins", "must be a list of one origin or more, such as "
                                 '["https://blog.example"]')
    if len(value) > MAX_SITE_ORIGINS:
        raise Invalid("origins", f"at most {MAX_SITE_ORIGINS} origins")
    out: list[str] = []
    for item in value:
        text = v.string(item, "origins", site_rules.MAX_ORIGIN * 2, allow_empty=False)
        try:
            origin = site_rules.normalise_origin(text, exact=True)
        except site_rules.OriginError as exc:
            raise Invalid("origins", str(exc)) from None
        if origin not in out:
            out.append(origin)
    return tuple(out)


def site_policy(value: Any) -> dict:
    """Check a (partial) policy: embed, moderation, public_per_hour."""
    if not isinstance(value, dict):
        raise Invalid("policy", "must be a JSON object with embed, moderation and/or "
                                "public_per_hour")
    unknown = sorted(set(value) - POLICY_FIELDS)
    if unknown:
        raise Invalid(f"policy.{unknown[0]}", "is not a policy field; a policy has embed, "
                                              "moderation and public_per_hour")
    out: dict[str, Any] = {}
    if "embed" in value:
        if value["embed"] not in EMBED_MODES:
            raise Invalid("policy.embed", f"must be one of {', '.join(EMBED_MODES)}")
        out["embed"] = value["embed"]
    if "moderation" in value:
        if value["moderation"] not in MODERATION_MODES:
            raise Invalid("policy.moderation", f"must be one of {', '.join(MODERATION_MODES)}")
        out["moderation"] = value["moderation"]
    if "public_per_hour" in value:
        out["public_per_hour"] = v.integer(value["public_per_hour"], "policy.public_per_hour",
                                           0, MAX_PUBLIC_PER_HOUR)
    return out


def _usernames(value: Any, field_name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_SITE_PEOPLE:
        raise Invalid(field_name, f"must be a list of at most {MAX_SITE_PEOPLE} usernames")
    return tuple(dict.fromkeys(v.string(name, field_name, 64, allow_empty=False)
                               for name in value))


def site_url(value: Any) -> str:
    """Check the `url` of a site lookup: any address of the site, or its home."""
    if value is None:
        raise Invalid("url", "is required: an address of the site, such as "
                             "https://blog.example/a-post/")
    text = v.string(value, "url", LIMITS["url"], allow_empty=False)
    try:
        site_rules.candidate_keys(text)
    except site_rules.OriginError as exc:
        raise Invalid("url", str(exc)) from None
    return text


def embed_origin(value: Any) -> str:
    """Check the `origin` a sign-in pop-up is for: an http(s) origin alone, as browsers send it."""
    if value is None:
        raise Invalid("origin", "is required: the origin of the page that opened this one, "
                                "such as https://blog.example")
    text = v.string(value, "origin", site_rules.MAX_ORIGIN * 2, allow_empty=False)
    try:
        return site_rules.normalise_origin(text, exact=True)
    except site_rules.OriginError as exc:
        raise Invalid("origin", str(exc)) from None
