"""Export and import over HTTP: `GET /api/export` streams a format, `POST /api/import` reads one.

The views are thin: `export_request` checks the query string into an `ExportRequest`, rows come
from `store`'s visibility-enforcing iterators, text comes from the pure formatters in `exports`,
and imported items are checked by `parse.create_body` (outside the write) and stored with
`store.create_annotation`.
`export_request`, `export_stream` and `import_document` are shared with the `postil export` and
`postil import` commands, which is why they raise domain errors, not HTTP ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request, stream_with_context

from . import imports, metrics, openapi, parse, present, store
from .api import json_body
from .auth import current_user, require_user
from .db import run_write
from .domain_errors import DomainError, Invalid, TooLarge
from .errors import APIError
from .exports import FORMATS
from .exports.csv_export import FLAVORS
from .models import User
from .validation import uuid_string

bp = Blueprint("export", __name__, url_prefix="/api")

NOT_FOR_EXPORT = ("limit", "cursor", "include_deleted")
# An export has one order (store.iterate_by_post), the notebook's: the query's own order does not
# apply.
ORDER_PARAMS = ("sort", "order")
MAX_IMPORT_ITEMS = 100_000
# Parsed, a JSON value costs the server 30-70 bytes per byte of "{}," or "[],": a 20 MB body of
# them took 700 MB. Every value after the first in a list or object follows a comma, so commas
# and brackets bound how many values a body holds, counted before parsing. Postil's export has
# about one per 20 bytes (a Hypothesis export one per 32), so ~1.1 million in 20 MB.
MAX_IMPORT_VALUES = 2_000_000
IMPORT_BATCH = 50
CHUNK_BYTES = 64 * 1024


@dataclass
class Export:
    mimetype: str
    filename: str
    chunks: Iterator[bytes]


@dataclass
class ExportRequest:
    """An export's query string, checked: the format, its csv flavor, and the filters."""

    format: str
    flavor: str
    filters: parse.Filters


def export_request(args) -> ExportRequest:
    """Check an export's arguments (a werkzeug MultiDict)."""
    fmt = args.get("format")
    if fmt not in FORMATS:
        raise Invalid("format", f"format must be one of {', '.join(FORMATS)}")
    flavor = args.get("flavor", "full")
    if "flavor" in args and (fmt != "csv" or flavor not in FLAVORS):
        raise Invalid("flavor", f"flavor applies to format=csv and is one of {', '.join(FLAVORS)}")
    for name in NOT_FOR_EXPORT:
        if name in args:
            raise Invalid(name, f"{name} does not apply to exports: an export holds every "
                                "live annotation that matches")
    for name in ORDER_PARAMS:
        if name in args:
            raise Invalid(name, f"{name} does not apply to exports: an export lists posts most "
                                "recently annotated first, each post's annotations in the order "
                                "of the article")
    filters = parse.query_filters(args, extra=frozenset({"format", "flavor"}))
    # The query sends tombstones with updated_since (a sync needs them); a file never does.
    filters.include_deleted = False
    return ExportRequest(fmt, flavor, filters)


def export_stream(user: User | None, asked: ExportRequest, *, base_url: str) -> Export:
    """Return the export ready to stream: `asked.filters.user`'s annotations `user` may see.

    Without an author named, the export is `user`'s own (the view asks an anonymous reader to
    sign in before it gets here).
    """
    fmt, flavor, filters = asked.format, asked.flavor, replace(asked.filters)
    if filters.user is None:
        filters.user = user.name
    spec = FORMATS[fmt]
    rows = store.iterate_by_post(user, filters)
    exported_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    base_url = base_url.rstrip("/")
    options = {
        "exported_at": exported_at,
        "flavor": flavor,
        "title": f"Postil export: {filters.user}",
        "collection_iri": f"{base_url}/api/export?format=jsonld&user={quote(filters.user)}",
        "annotation_iri": lambda a: f"{base_url}/api/annotations/{a['id']}",
    }
    addresses = present.OwnAddresses(user)
    chunks = spec.write((present.record_json(a, user, addresses=addresses) for a in rows),
                        **options)
    # The two CSV flavours are different files: the same name would make one replace the other.
    kind = "-readwise" if fmt == "csv" and flavor == "readwise" else ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"postil-{filters.user}{kind}-{exported_at[:10]}")
    return Export(spec.mimetype, f"{stem}.{spec.extension}", _in_chunks(chunks))


def _in_chunks(pieces: Iterator[str | bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of about CHUNK_BYTES: fewer, larger writes to the socket."""
    buffer: list[bytes] = []
    size = 0
    for piece in pieces:
        data = piece.encode() if isinstance(piece, str) else piece
        buffer.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer.clear()
            size = 0
    if buffer:
        yield b"".join(buffer)


def base_url() -> str:
    return current_app.config.get("PUBLIC_URL") or request.host_url


@bp.get("/export")
def export():
    user = current_user()
    asked = export_request(request.args)
    if asked.filters.user is None and user is None:
        # Your own annotations unless you ask for someone's (public ones, then) by name.
        raise APIError(401, "sign in to export your annotations, or name an author with "
                            "user= to export their public ones")
    result = export_stream(user, asked, base_url=base_url())
    response = Response(stream_with_context(result.chunks), content_type=result.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def import_document(user: User, doc, fmt: str | None = None) -> dict:
    """Store every valid item of an import file; say what was created, unchanged and why not.

    Each batch is checked and its notes rendered first, outside any write, so the write lock
    is held only for the inserts: another reader's create never waits for a note to render.
    """
    try:
        fmt, items = imports.parse(doc, fmt, limit=MAX_IMPORT_ITEMS)
    except imports.TooManyItems:
        raise TooLarge(f"at most {MAX_IMPORT_ITEMS} annotations per import; split the file") \
            from None
    except imports.ImportFormatError as exc:
        raise Invalid(None, str(exc), code="unsupported_import") from None
    created = unchanged = 0
    failed = []
    # Transactions of IMPORT_BATCH items: few commits, yet another writer waits for one batch's
    # inserts at most (on SQLite, p95 of a concurrent create 100 ms at 50 items, 180-490 ms at
    # 200: bench/README.md, "Hostile imports"). An import cut short is finished by sending it
    # again.
    for start in range(0, len(items), IMPORT_BATCH):
        ready, refused = _checked(user, items[start:start + IMPORT_BATCH])
        made, same, not_stored = run_write(lambda ready=ready: _stored(user, ready))
        metrics.annotations_created(made)
        created, unchanged = created + len(made), unchanged + same
        failed += sorted(refused + not_stored, key=lambda f: f["index"])
    return {"format": fmt, "created": created, "unchanged": unchanged, "failed": failed}


def _checked(user: User, batch: list[imports.Item]
             ) -> tuple[list[tuple[int, parse.NewAnnotation, dict]], list[dict]]:
    """Check a batch's items and render their notes: (index, body, keep) each, and refusals.

    A note already stored under the item's id, unchanged, keeps its HTML: sending the same file
    again renders nothing.
    """
    ids = []
    for item in batch:
        try:
            ids.append(uuid_string(item.body.get("id")))
        except (AttributeError, DomainError):
            continue
    stored = store.stored_notes(user, ids)
    ready, refused = [], []
    for item in batch:
        if item.error is not None:
            refused.append({"index": item.index, "error": item.error})
            continue
        try:
            if item.group_name is not None:
                item.body["group"] = _import_group(user, item, stored)
            ready.append((item.index, parse.create_body(item.body, stored), item.keep))
        except DomainError as err:
            refused.append({"index": item.index, "error": err.sentence})
    return ready, refused


def _import_group(user: User, item: imports.Item, stored: dict) -> str | None:
    """The id of the group an imported group annotation goes to: the group it names if the
    importer is in it, else their group of its name (made if they have none).

    An id the importer has already is `unchanged` whatever the file says (the store answers a
    retry with the stored annotation): no group is made for it.
    """
    gid = item.body.get("group") if isinstance(item.body.get("group"), str) else None
    if item.body.get("id") in stored:
        return gid or "-"  # any id: it is not looked at for a retry
    if gid and store.groups.is_member(user, gid):
        return gid
    return store.groups.group_for_import(user, item.group_name)


def _stored(user: User, ready: list[tuple[int, parse.NewAnnotation, dict]]
            ) -> tuple[list[str], int, list[dict]]:
    """Insert checked items: the visibilities of those created, how many were there already,
    and refusals. May run twice (see db.run_write), so it counts only in its result."""
    made: list[str] = []
    same = 0
    refused = []
    for index, body, keep in ready:
        try:
            annotation, is_new = store.create_annotation(user, body, keep=keep)
        except DomainError as err:
            refused.append({"index": index, "error": err.sentence})
            continue
        if is_new:
            made.append(annotation.visibility)
        else:
            same += 1
    return made, same, refused


@bp.post("/import")
def import_():
    user = require_user()
    request.max_content_length = current_app.config["MAX_IMPORT_BYTES"]
    unknown = sorted(set(request.args) - {"format"})
    if unknown:
        raise Invalid(unknown[0], f"unknown query parameter(s): {', '.join(unknown)}; "
                                  "known: format")
    fmt = request.args.get("format")
    if fmt is not None and fmt not in imports.FORMATS:
        raise Invalid("format", f"format must be one of {', '.join(imports.FORMATS)} "
                                "(or left out to recognise it)")
    raw = request.get_data(cache=True)
    if sum(map(raw.count, (b",", b"[", b"{"))) > MAX_IMPORT_VALUES:
        raise TooLarge(f"the file holds more than {MAX_IMPORT_VALUES} JSON values; at most "
                       f"{MAX_IMPORT_ITEMS} annotations per import: split the file")
    return import_document(user, json_body(), fmt)


_EXPORT_PARAMS = [p for p in openapi.ANNOTATION_FILTERS
                  if p["name"] not in NOT_FOR_EXPORT + ORDER_PARAMS]
_FILE = {"description": "the export, as an attachment (Content-Disposition names the file)",
         "content": {f.mimetype.split(";")[0]: {"schema": {"type": "string"}}
                     for f in FORMATS.values()}}

openapi.register({
    "/api/export": {"get": {
        "summary": "Export annotations as a file (streamed)",
        "description": "Without user= you export your own annotations; with user=NAME, that "
                       "author's annotations you may see (only public ones, unless NAME is you). "
                       "Every format lists the annotations grouped by post, posts most recently "
                       "annotated first (as the notebook shows them), and each post's in the "
                       "order of the article: by the TextPositionSelector's start, then those "
                       "without a position (page notes) oldest first.",
        "parameters": [
            openapi.q("format", "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values()),
                      {"type": "string", "enum": list(FORMATS)}) | {"required": True},
            openapi.q("flavor", "csv only: full (every field) or readwise",
                      {"type": "string", "enum": list(FLAVORS)}),
            *_EXPORT_PARAMS],
        "responses": {"200": _FILE, **openapi.COMMON_ERRORS}}},
    "/api/import": {"post": {
        "summary": "Import annotations: Postil JSON, W3C JSON-LD or Hypothesis JSON (idempotent)",
        "description": "Each entry that cannot be imported (not an object, a field of the wrong "
                       "type) is listed under failed with the reason; the others are stored. A "
                       "file whose structure is wrong as a whole is one 400 "
                       "unsupported_import, and nothing is stored.",
        "parameters": [openapi.q("format", "force a format instead of recognising it",
                                 {"type": "string", "enum": list(imports.FORMATS)})],
        "requestBody": openapi.JSON_BODY({"type": ["object", "array"]}),
        "responses": {
            **openapi.ok("what happened to each annotation", {
                "type": "object", "properties": {
                    "format": {"type": "string"}, "created": {"type": "integer"},
                    "unchanged": {"type": "integer"},
                    "failed": {"type": "array", "items": {"type": "object", "properties": {
                        "index": {"type": "integer"}, "error": {"type": "string"}}}}}}),
            **openapi.COMMON_ERRORS,
            "413": openapi.err("file too large, or more than 100,000 entries or 2,000,000 JSON "
                               "values: split it"),
            "415": openapi.err("not JSON")}}},
})
