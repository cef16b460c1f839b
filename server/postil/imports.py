"""Read annotation files into native create bodies: Postil JSON, W3C JSON-LD, Hypothesis JSON.

Pure: no Flask, no database. `parse(doc)` recognises the format and returns one `Item` per
annotation in the file, each either a create body (with the times to keep) or the reason it
cannot be imported. Reading is linear in the document's size, and every entry (an object or
not) counts toward `limit` as it is met: a file with more is refused (`TooManyItems`) before
a single item is built. A file whose shape is wrong as a whole is one `ImportFormatError`; an
entry whose fields are wrong is that item's error, never an exception. `parse.create_body`
then checks the bodies as it does for the API, so an item with, say, an unknown colour fails
with the same message a client would get.

Every item gets a stable id, so importing the same file twice creates nothing the second time:
Postil's own id, the UUID in a W3C annotation's IRI, or one derived from the source's id
(`uuid5`), or failing all those from the item's content.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import postkey, w3c_model
from . import validation as v
from .contract import EDITABLE_FIELDS, LIMITS
from .exports.json_export import FORMAT as NATIVE_FORMAT

FORMATS = ("json", "jsonld", "hypothesis")
# Namespace for ids derived from another tool's annotation ids; never change it, or re-imports
# of the same file would no longer be recognised.
IMPORT_NAMESPACE = uuid.UUID("3d5e0b8e-6f1c-4c1e-9a57-2f7a0c6b9d41")
MIN_TIME_US = 0
MAX_IMPORTED_VERSION = 1_000_000_000
MAX_TIME_US = v.parse_time("9999-12-31T00:00:00Z", "max")
NATIVE_FIELDS = ("id", *sorted(EDITABLE_FIELDS))


class ImportFormatError(ValueError):
    """The file as a whole is not something Postil can import."""


class TooManyItems(ValueError):
    """The file holds more entries than one import may."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} annotations per import; split the file")
        self.limit = limit


@dataclass
class Item:
    index: int
    body: dict | None = None
    keep: dict = field(default_factory=dict)
    error: str | None = None
    # A group the importer must be in, by name: the body's `group` is set to its id once found
    # or made (`export_api.import_document`); Hypothesis group annotations name one.
    group_name: str | None = None


def parse(doc: Any, fmt: str | None = None, *, limit: int | None = None
          ) -> tuple[str, list[Item]]:
    """Return (format, items) for a parsed JSON document; `fmt` forces a format.

    More than `limit` entries raise `TooManyItems`, found while counting, before any item exists.
    """
    fmt = fmt or detect(doc)
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown import format {fmt!r}; known: {', '.join(FORMATS)}")
    reader = {"json": native_items, "jsonld": jsonld_items, "hypothesis": hypothesis_items}[fmt]
    return fmt, reader(doc, limit)


def _counted(entries: list, limit: int | None) -> list:
    if limit is not None and len(entries) > limit:
        raise TooManyItems(limit)
    return entries


def detect(doc: Any) -> str:
    if isinstance(doc, dict):
        if doc.get("format") == NATIVE_FORMAT:
            return "json"
        if "@context" in doc or "@graph" in doc or _is_w3c(doc):
            return "jsonld"
        if "export_date" in doc or "rows" in doc:
            return "hypothesis"
        entries = doc.get("annotations", doc.get("items"))
        if isinstance(entries, list):
            return _detect_entries(entries)
    if isinstance(doc, list):
        return _detect_entries(doc)
    raise ImportFormatError(
        "this is not an annotation export Postil knows: expected Postil's JSON export, "
        "a W3C Web Annotation (JSON-LD) collection, page or list, or a Hypothesis JSON export")


def _detect_entries(entries: list) -> str:
    first = next((e for e in entries if isinstance(e, dict)), {})
    if _is_w3c(first):
        return "jsonld"
    if "uri" in first or ("target" in first and "post" not in first):
        return "hypothesis"
    return "json"


def _kinds(node: dict) -> set[str]:
    """Return a JSON-LD node's types; a type that is not a string names nothing."""
    kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    return {kind for kind in kinds if isinstance(kind, str)}


def _is_w3c(doc: dict) -> bool:
    return bool({"Annotation", "AnnotationPage", "AnnotationCollection"} & _kinds(doc))


def _entries(doc: Any, *keys: str) -> list:
    if isinstance(doc, list):
        return doc
    for key in keys:
        if isinstance(doc, dict) and isinstance(doc.get(key), list):
            return doc[key]
    raise ImportFormatError(f"expected a list of annotations under {' or '.join(keys)}")


def _times(created: Any, updated: Any, field_names=("created", "updated")) -> dict:
    keep = {}
    for name, value, column in ((field_names[0], created, "created_us"),
                                (field_names[1], updated, "updated_us")):
        if value is not None:
            keep[column] = v.parse_time(value, name)
            # Stored, a time past 9999 (UTC) could not be formatted again, so every read that
            # included the annotation failed; one before 1970 made a cursor the server refuses.
            if not MIN_TIME_US <= keep[column] <= MAX_TIME_US:
                raise v.Invalid(name, "must be a time from 1970 to 9999")
    if "created_us" in keep and "updated_us" not in keep:
        keep["updated_us"] = keep["created_us"]
    if "updated_us" in keep and "created_us" not in keep:
        keep["created_us"] = keep["updated_us"]
    return keep


def _derived_id(kind: str, source_id: Any, entry: Any) -> str:
    if isinstance(source_id, str) and source_id:
        key = source_id
    else:
        try:
            key = json.dumps(entry, sort_keys=True, ensure_ascii=False)
        except RecursionError:
            raise v.Invalid("annotation", "is nested too deeply") from None
    # uuid.uuid5, spelled out: its UTF-8 encoding fails on a lone surrogate (which JSON may
    # carry); surrogatepass gives the same bytes for every valid string and an id for the rest.
    name = f"{kind}:{key}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(IMPORT_NAMESPACE.bytes + name, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


# ---------------------------------------------------------------- Postil's own JSON

def native_items(doc: Any, limit: int | None = None) -> list[Item]:
    items = []
    for index, entry in enumerate(_counted(_entries(doc, "annotations", "items"), limit)):
        try:
            items.append(native_item(index, entry))
        except v.Invalid as err:
            items.append(Item(index, error=err.sentence))
    return items


def native_item(index: int, entry: Any) -> Item:
    if not isinstance(entry, dict):
        raise v.Invalid("annotation", "must be a JSON object")
    if entry.get("deleted"):
        raise v.Invalid("deleted", "this is a deleted annotation (deleted is "
                                           "true), a tombstone: nothing to import")
    body = {k: entry[k] for k in NATIVE_FIELDS if k in entry}
    post = entry.get("post")
    if isinstance(post, dict):
        # Postil's own post number means nothing on another server; the key does.
        post = {k: post[k] for k in ("site", "post_id", "url", "title", "modified_gmt")
                if k in post}
    body["post"] = post
    keep = _times(entry.get("created"), entry.get("updated"))
    if entry.get("via") is not None:
        keep["via"] = v.string(entry["via"], "via", LIMITS["url"])
    if "version" in entry:
        # The column is a 32-bit integer on PostgreSQL: leave room for the edits to come, or
        # the annotation could never be changed or deleted again.
        keep["version"] = v.integer(entry["version"], "version", 1, MAX_IMPORTED_VERSION)
    return Item(index, body=body, keep=keep,
                group_name=_group_name(body, entry.get("group_name")))


def _group_name(body: dict, name: Any) -> str | None:
    """The name of the group a group annotation goes to when its id is not one of the
    importer's groups (an export from another server, or from before a group was remade)."""
    if body.get("visibility") != "group":
        return None
    if isinstance(name, str) and name.strip():
        return name.strip()[:100]
    gid = body.get("group")
    return f"Group {gid}"[:100] if isinstance(gid, str) and gid else "Imported group"


# ---------------------------------------------------------------- W3C Web Annotation

def jsonld_items(doc: Any, limit: int | None = None) -> list[Item]:
    entries = _w3c_annotations(doc, limit)
    if not entries and isinstance(doc, dict) and doc.get("total"):
        raise ImportFormatError("the collection's pages are not in the file (only linked); "
                                "embed them, or import each AnnotationPage")
    items = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise v.Invalid("annotation", "must be a JSON object")
            if entry.get(w3c_model.DELETED):
                raise v.Invalid("deleted", "this is a deleted annotation (deleted is "
                                                   "true), a tombstone: nothing to import")
            body = w3c_model.from_jsonld(entry)
            if "id" not in body:
                body["id"] = _derived_id("w3c", entry.get("id"), entry)
            keep = _times(entry.get("created"), entry.get("modified"), ("created", "modified"))
            if entry.get("via") is not None:
                keep["via"] = v.string(entry["via"], "via", LIMITS["url"])
            items.append(Item(index, body=body, keep=keep, group_name=_group_name(
                body, entry.get(w3c_model.GROUP_NAME))))
        except v.Invalid as err:
            items.append(Item(index, error=err.sentence))
    return items


_END = object()


def _w3c_annotations(doc: Any, limit: int | None = None) -> list:
    """Collect annotations from a collection, its pages (embedded or included), or a list.

    Depth first, in the file's order, with a stack of iterators: each node is visited once, and
    no list is copied or shifted, so the walk is linear in the document. Each entry found counts
    toward `limit` at once.
    """
    found: list = []

    def take(entry: Any) -> None:
        found.append(entry)
        if limit is not None and len(found) > limit:
            raise TooManyItems(limit)

    stack = [iter((doc,))]
    seen_pages: set[int] = set()
    while stack:
        node = next(stack[-1], _END)
        if node is _END:
            stack.pop()
            continue
        if isinstance(node, list):
            stack.append(iter(node))
            continue
        if not isinstance(node, dict):
            take(node)
            continue
        kinds = _kinds(node)
        if "AnnotationCollection" in kinds or "@graph" in node or "@included" in node:
            nested = [node["first"]] if isinstance(node.get("first"), dict) else []
            nested += _nodes(node, "@graph") + _nodes(node, "@included")
            if "Annotation" in kinds:
                take(node)
            stack.append(iter([n for n in nested if isinstance(n, dict)]))
        elif "AnnotationPage" in kinds:
            if id(node) in seen_pages:
                continue
            seen_pages.add(id(node))
            items = node.get("items")
            if not isinstance(items, list):
                raise ImportFormatError("an AnnotationPage needs an 'items' list")
            for entry in items:
                take(entry)
            if isinstance(node.get("next"), dict):
                stack.append(iter((node["next"],)))
        else:
            take(node)
    return found


def _nodes(node: dict, key: str) -> list:
    """Return the nodes under `@graph` or `@included`: a list of them, or one object."""
    value = node.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ImportFormatError(f"{key} must be a list of nodes")
    return value


# ---------------------------------------------------------------- Hypothesis

HYPOTHESIS_SELECTORS = frozenset({"TextQuoteSelector", "TextPositionSelector", "RangeSelector",
                                  "FragmentSelector", "CssSelector", "XPathSelector"})


def hypothesis_items(doc: Any, limit: int | None = None) -> list[Item]:
    items = []
    for index, entry in enumerate(_counted(_entries(doc, "annotations", "rows"), limit)):
        try:
            items.append(Item(index, **hypothesis_item(entry)))
        except v.Invalid as err:
            items.append(Item(index, error=err.sentence))
    return items


def hypothesis_item(entry: Any) -> dict:
    if not isinstance(entry, dict):
        raise v.Invalid("annotation", "must be a JSON object")
    if entry.get("references"):
        raise v.Invalid("references", "this is a reply (it has references); "
                                              "Postil has no replies")
    uri = entry.get("uri")
    if not isinstance(uri, str) or not re.match(r"^https?://", uri, re.I):
        raise v.Invalid("uri", "must be the http(s) URL of the annotated page "
                                       "(Postil does not keep annotations on files)")
    document = entry.get("document") if isinstance(entry.get("document"), dict) else {}
    titles = document.get("title")
    titles = titles if isinstance(titles, list) else [titles]
    title = next((t for t in titles if isinstance(t, str)), "")[: v.MAX_TITLE]
    selectors: list = []
    for target in _listed(entry.get("target"), "target", "a list of objects"):
        if isinstance(target, dict):
            found = _listed(target.get("selector"), "target.selector",
                            "a list of objects")
            selectors = [s for s in map(_hypothesis_selector, found) if s]
            break
    read = (entry.get("permissions") or {}).get("read") if isinstance(
        entry.get("permissions"), dict) else None
    readers = read if isinstance(read, list) else []
    group = entry.get("group")
    in_group = (isinstance(group, str) and group and group != "__world__"
                and f"group:{group}" in readers)
    body = {
        "id": _derived_id("hypothesis", entry.get("id"), entry),
        "post": post_for_uri(uri, title),
        "selectors": selectors,
        "note": entry.get("text") or "",
        "tags": entry.get("tags") or [],
        "visibility": "public" if "group:__world__" in readers
        else "group" if in_group else "private",
    }
    out = {"body": body, "keep": _times(entry.get("created"), entry.get("updated"))}
    if body["visibility"] == "group":
        name = entry.get("group_name")
        out["group_name"] = (name.strip() if isinstance(name, str) and name.strip()
                             else f"Hypothesis {group}")[:100]
    return out


def _listed(value: Any, name: str, what: str) -> list:
    """Return a list field as a list (absent: empty; one object: a list of it), else Invalid."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    raise v.Invalid(name, f"must be {what}")


def _hypothesis_selector(sel: Any) -> dict | None:
    if not isinstance(sel, dict) or not isinstance(sel.get("type"), str) \
            or sel["type"] not in HYPOTHESIS_SELECTORS:
        return None  # e.g. PDF page selectors, which have no meaning on a web page
    if sel["type"] == "RangeSelector" and "startContainer" in sel:
        # Hypothesis writes XPaths and offsets flat; the W3C shape nests XPathSelectors.
        out = {"type": "RangeSelector",
               "startSelector": {"type": "XPathSelector", "value": sel.get("startContainer")},
               "endSelector": {"type": "XPathSelector", "value": sel.get("endContainer")}}
        for k in ("startOffset", "endOffset"):
            if k in sel:
                out[k] = sel[k]
        return out
    return dict(sel)


def post_for_uri(uri: str, title: str = "") -> dict:
    """Return the post spec for a page URL: a WordPress post when it says `?p=ID`."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise v.Invalid("uri", "is not a URL") from None
    query = dict(parse_qsl(parts.query))
    post_id = query.get("p") or query.get("page_id")
    # ASCII digits only, and few: str.isdigit admits "²", and int() refuses 4,300 digits or more.
    if post_id and re.fullmatch(r"[0-9]{1,18}", post_id) and int(post_id) > 0:
        try:
            site = postkey.site_from_shortlink(uri)
        except postkey.PostKeyError:
            site = None
        if site:
            site = re.sub(r"/index\.php$", "", site)
            return {"site": site, "post_id": int(post_id), "url": uri, "title": title}
    return {"post_id": None, "url": uri, "title": title}

