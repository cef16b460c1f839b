"""The W3C Web Annotation Protocol under /w3c: LDP containers of annotations, and the annotations.

Containers: `/w3c/annotations/` holds every annotation the caller may see and `/w3c/posts/<id>/`
those on one post (the post's row id, `post_pk`, as in /api/posts/<post_pk>). An annotation's IRI is
`/w3c/annotations/<uuid>`: the same resource, id and ETag as `/api/annotations/<uuid>`.
Visibility, validation and storage all go through `store`; `w3c_model` does the mapping, and
this module only speaks HTTP: content negotiation, `Prefer`, paging and the required headers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid

from flask import Blueprint, current_app, request, url_for

from . import metrics, openapi, parse, postkey, present, store, w3c_cors, w3c_turtle
from .auth import current_user, require_user
from .contract import EDITABLE_FIELDS
from .domain_errors import Conflict, Invalid
from .errors import APIError
from .models import Annotation, Post, User
from .urls import uid_url
from .validation import uuid_string
from .w3c_model import ANNO_CONTEXT, UUID_AT_END, from_jsonld, to_jsonld

bp = Blueprint("w3c", __name__, url_prefix="/w3c")
w3c_cors.answer_preflight(bp)

LD_JSON = "application/ld+json"
PROFILED = f'{LD_JSON}; profile="{ANNO_CONTEXT}"'
# The first two are the same JSON-LD bytes; Turtle is the same graph. The first is preferred.
OFFERED = (LD_JSON, "application/json", w3c_turtle.TURTLE)
READABLE = frozenset(OFFERED[:2])
LDP = "http://www.w3.org/ns/ldp#"
OA = "http://www.w3.org/ns/oa#"
LDP_CONTEXT = w3c_turtle.LDP_CONTEXT
PREFER_MINIMAL = LDP + "PreferMinimalContainer"
PREFER_CONTAINMENT = LDP + "PreferContainment"
PREFER_IRIS = OA + "PreferContainedIRIs"
PREFER_DESCRIPTIONS = OA + "PreferContainedDescriptions"
CONSTRAINED_BY = f'<http://www.w3.org/TR/annotation-protocol/>; rel="{LDP}constrainedBy"'
ANNOTATION_LINK = f'<{LDP}Resource>; rel="type", <{OA}Annotation>; rel="type"'
CONTAINER_LINK = f'<{LDP}BasicContainer>; rel="type", {CONSTRAINED_BY}'
ANNOTATION_ALLOW = "GET, HEAD, OPTIONS, PUT, DELETE"
CONTAINER_ALLOW = "GET, HEAD, OPTIONS, POST"
PAGE_ALLOW = "GET, HEAD, OPTIONS"
POST_CONTAINER_ALLOW = "GET, HEAD, OPTIONS"
CONTAINER_PATH = re.compile(r"/w3c/(?:annotations|posts/[0-9]+)/")
DEFAULT_PAGE_SIZE = 100
MAX_POST_PK = 2**63 - 1


# ---------------------------------------------------------------- IRIs

def annotation_iri(uid: str) -> str:
    return uid_url("w3c.annotation", uid)


def user_iri(name: str) -> str:
    return url_for("w3c.user", name=name, _external=True)


def annotation_doc(annotation: Annotation, viewer: User | None, *,
                   addresses: present.OwnAddresses | None = None) -> dict:
    return to_jsonld(present.record_json(annotation, viewer, addresses=addresses),
                     iri=annotation_iri(annotation.uid),
                     creator_iri=_creator_iri(annotation.user),
                     parent_iri=annotation_iri(annotation.reply_to) if annotation.reply_to
                     else None)


def _creator_iri(author: User) -> str | None:
    name = present.author_name(author)
    return user_iri(name) if name is not None else None


@bp.record_once
def _link_native_json(state) -> None:
    """Make every native annotation JSON carry its W3C IRI in `links.w3c` (`annotation_iri`)."""
    state.app.extensions.setdefault("postil.annotation_links", []).append(
        ("w3c", "w3c.annotation"))


# ---------------------------------------------------------------- content negotiation

def _media_ranges(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in re.findall(r'(?:[^,"]|"[^"]*")+', header):
        pieces = [p.strip() for p in re.findall(r'(?:[^;"]|"[^"]*")+', part)]
        if not pieces:
            continue
        mime, *params = pieces
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if mime:
            ranges.append((mime.lower(), q))
    return ranges


def negotiate() -> str:
    """Return the Content-Type to answer with, or raise 406 when the client accepts none of ours.

    Media-type parameters such as `profile` are ignored when matching: whatever profile is asked
    for, what we serve is the Web Annotation profile, and the Content-Type says so.
    """
    header = request.headers.get("Accept", "").strip()
    if not header:
        return PROFILED
    ranges = _media_ranges(header)
    best, best_q = None, 0.0
    for offer in OFFERED:
        kind = offer.split("/")[0]
        # The most specific range that matches decides the quality (RFC 9110, 12.5.1).
        q = next((q for mime, q in ranges if mime == offer), None)
        if q is None:
            q = next((q for mime, q in ranges if mime == f"{kind}/*"), None)
        if q is None:
            q = next((q for mime, q in ranges if mime == "*/*"), 0.0)
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        raise APIError(406, "this resource is served as application/ld+json (Web Annotation "
                            "profile), application/json or text/turtle; ask for one of them "
                            "in Accept")
    return PROFILED if best == LD_JSON else best


def ld_body() -> dict:
    """Return the request's JSON-LD document, or raise 415/400."""
    if request.mimetype not in READABLE:
        raise APIError(415, f"send the annotation as JSON-LD: 'Content-Type: {PROFILED}'")
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:
        # "silent" covers only ValueError; thousands of nested brackets blow the parser's stack.
        raise APIError(400, "the body is not valid JSON (nested too deeply)", "invalid_json") \
            from None
    if data is None:
        raise APIError(400, "the body is not valid JSON", "invalid_json")
    if not isinstance(data, dict):
        raise APIError(400, "the body must be one Web Annotation (a JSON object)",
                       "validation_error")
    return data


def ld_response(doc: dict, content_type: str, status: int = 200, *, etag: str | None = None,
                headers: dict | None = None):
    """Answer with `doc` as JSON-LD, or as Turtle when that is what was negotiated.

    `etag` is the annotation's version, which If-Match compares; Turtle shows the same version
    in another syntax, so it gets the weak form of that ETag. Without one, the ETag is the hash
    of the bytes sent, which differ between the two syntaxes.
    """
    turtle = content_type == w3c_turtle.TURTLE
    body = w3c_turtle.to_turtle(doc) if turtle else json.dumps(doc, ensure_ascii=False).encode()
    if turtle:
        content_type += "; charset=utf-8"
    if etag is None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    elif turtle:
        etag = "W/" + etag
    if status == 200 and request.method in ("GET", "HEAD") and request.if_none_match \
            and request.if_none_match.contains_weak(etag.removeprefix("W/").strip('"')):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(body, status=status, content_type=content_type)
    response.headers["ETag"] = etag
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def empty_response(headers: dict):
    response = current_app.response_class(status=200)
    del response.headers["Content-Type"]  # nothing to describe: the headers are the answer
    response.headers.update(headers)
    return response


@bp.after_app_request
def _protocol_headers(response):
    """Add what every W3C response needs, errors included (routing errors such as 405 too)."""
    if not request.path.startswith(bp.url_prefix + "/"):
        return response
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if "Accept" not in vary:
        response.headers["Vary"] = ", ".join(["Accept", *vary])
    # By path, not endpoint: a 405 from routing has no endpoint but is still the container's.
    container = CONTAINER_PATH.fullmatch(request.path) and "page" not in request.args
    if container:
        # "Annotation Containers MUST return a Link header on all responses": their type and
        # constraints, whatever else the response is about.
        response.headers["Link"] = CONTAINER_LINK
        if request.path == url_for("w3c.all_annotations"):
            response.headers.setdefault("Accept-Post", PROFILED)
    elif request.method in ("POST", "PUT") and response.status_code >= 400:
        # LDP: a refused write links to the constraints the server applies.
        link = response.headers.get("Link")
        response.headers["Link"] = f"{link}, {CONSTRAINED_BY}" if link else CONSTRAINED_BY
    return response


# ---------------------------------------------------------------- annotations

@bp.route("/annotations/<uid>", methods=["GET", "PUT", "DELETE", "OPTIONS"],
          endpoint="annotation")
def annotation_resource(uid: str):
    if request.method == "PUT":
        return put_annotation(uid)
    if request.method == "DELETE":
        return delete_annotation(uid)
    viewer = current_user()
    annotation = store.get_visible(viewer, uid)
    if request.method == "OPTIONS":
        return empty_response({"Allow": ANNOTATION_ALLOW, "Link": ANNOTATION_LINK,
                               "ETag": annotation.etag})
    content_type = negotiate()
    return ld_response(annotation_doc(annotation, viewer), content_type, etag=annotation.etag,
                       headers={"Link": ANNOTATION_LINK, "Allow": ANNOTATION_ALLOW})


def put_annotation(uid: str):
    user = require_user()
    content_type = negotiate()
    annotation = store.get_owned(user, uid)
    if "If-Match" not in request.headers:
        raise APIError(428, f"send If-Match with the ETag you last saw (now {annotation.etag}) "
                            "so that nobody's change is overwritten unseen")
    if_match = parse.precondition(request.headers.getlist("If-Match"))
    doc = ld_body()
    body = from_jsonld(doc)
    iri = annotation_iri(annotation.uid)
    ident = doc.get("id")
    if ident is not None and ident != iri and _uid_in(ident) != annotation.uid:
        raise APIError(400, f"id must be this annotation's IRI, {iri}", "validation_error",
                       field="id")
    if "canonical" in doc and body.get("id") != annotation.uid:
        raise APIError(400, "canonical cannot change", "validation_error", field="canonical")
    if annotation.reply_to is not None or body.get("reply_to") is not None:
        _same_parent(body.get("reply_to"), annotation)
    else:
        _same_target(body["post"], annotation, user)
    patch = parse.patch_body({k: body[k] for k in EDITABLE_FIELDS if k in body})
    annotation = store.update_annotation(user, uid, patch, if_match)
    return ld_response(annotation_doc(annotation, user), content_type, etag=annotation.etag,
                       headers={"Link": ANNOTATION_LINK, "Allow": ANNOTATION_ALLOW})


def delete_annotation(uid: str):
    user = require_user()
    store.delete_annotation(user, uid, parse.precondition(request.headers.getlist("If-Match")))
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    return response


def _uid_in(ident) -> str | None:
    match = UUID_AT_END.search(ident) if isinstance(ident, str) else None
    return str(uuid.UUID(match.group(1))) if match else None


def _same_target(spec: dict, annotation: Annotation, viewer: User) -> None:
    """Refuse a PUT whose target is not the annotation's own: its post, at the address it shows.

    An annotation cannot move to another post, and the address it shows is the post's, not the
    annotation's, so a PUT that changed either would otherwise answer 200 and keep the old one.
    """
    post = annotation.post
    if spec.get("post_id") is not None:
        try:
            site = postkey.normalise_site(str(spec.get("site")))
        except postkey.PostKeyError:
            site = None
        if (site, spec["post_id"]) != (post.site, post.post_id):
            raise Invalid("target", "the target names another post than this one; an "
                                    "annotation cannot move between posts")
    shown = annotation_doc(annotation, viewer)["target"]["source"]
    if _url_key(spec.get("url")) != _url_key(shown):
        raise Invalid("target", f"the target's source must stay {shown}: an annotation cannot "
                                "move to another page, and the address it shows is its post's")


def _same_parent(reply_to: str | None, annotation: Annotation) -> None:
    """Refuse a PUT that would move a reply to another annotation, or make one of either kind
    the other: a reply's target is the annotation it answers, for good."""
    if annotation.reply_to is None:
        raise Invalid("motivation", "this annotation answers no other; it cannot become a reply")
    if reply_to != annotation.reply_to:
        raise Invalid("target", f"a reply's target stays {annotation_iri(annotation.reply_to)}, "
                                "the annotation it answers")


def _url_key(url) -> str | None:
    try:
        return postkey.normalise_url(url) if isinstance(url, str) else None
    except postkey.PostKeyError:
        return None


# ---------------------------------------------------------------- containers

def _preferences() -> tuple[set[str], set[str]]:
    """Return the URIs in `include` and `omit` of `Prefer: return=representation`."""
    include: set[str] = set()
    omit: set[str] = set()
    for header in request.headers.getlist("Prefer"):
        for pref in re.findall(r'(?:[^,"]|"[^"]*")+', header):
            parts = [p.strip() for p in re.findall(r'(?:[^;"]|"[^"]*")+', pref)]
            if not parts or parts[0].replace(" ", "").lower() != "return=representation":
                continue
            for param in parts[1:]:
                key, _, value = param.partition("=")
                uris = set(value.strip().strip('"').split())
                if key.strip().lower() == "include":
                    include |= uris
                elif key.strip().lower() == "omit":
                    omit |= uris
    return include, omit


def _container(post: Post | None):
    """Answer GET/HEAD/OPTIONS on a container: its description, or a page when `page` is given."""
    content_type = negotiate()
    user = current_user()
    asked = parse.container_query(request.args)

    include, omit = _preferences()
    headers = {"Allow": CONTAINER_ALLOW if post is None else POST_CONTAINER_ALLOW,
               "Vary": "Accept, Prefer"}
    if asked.iris is not None:
        iris = asked.iris
    elif asked.page is None:
        wants_iris = PREFER_IRIS in include or PREFER_DESCRIPTIONS in omit
        wants_descriptions = PREFER_DESCRIPTIONS in include or PREFER_IRIS in omit
        # Asked for both (which clients must not), or for neither: full descriptions, the
        # protocol's default.
        iris = wants_iris and not wants_descriptions
    else:
        iris = False
    minimal = PREFER_MINIMAL in include or PREFER_CONTAINMENT in omit
    if asked.page is None and (include & {PREFER_MINIMAL, PREFER_IRIS, PREFER_DESCRIPTIONS}
                             or omit & {PREFER_CONTAINMENT, PREFER_IRIS, PREFER_DESCRIPTIONS}):
        headers["Preference-Applied"] = "return=representation"

    # Replies are annotations too (motivation replying), and listed with the rest.
    filters = parse.Filters(post_pk=post.id if post else None, sort="created", order="asc",
                            replies="include")
    total = store.count(user, filters)
    newest = store.newest_update(user, filters)
    size = int(current_app.config.get("W3C_PAGE_SIZE", DEFAULT_PAGE_SIZE))
    last = max(0, (total - 1) // size)
    # The container's IRI in a representation says which kind of pages it links to (protocol
    # 5.2: differentiate with a query parameter, and give it as Content-Location).
    shown = present.post_summary(post, user) if post else None
    collection = {"id": _page_iri(post, None, iris),
                  "label": f"Annotations on {shown['title'] or shown['url']}" if shown
                  else "Annotations you may see",
                  "total": total}
    if newest:
        collection["modified"] = present.iso(newest)

    if asked.page is not None:
        number = asked.page
        if number > last:
            raise APIError(404, f"no page {number}; the last is {last}")
        page = _page(user, filters, post, collection, number, last, size, iris)
        headers["Allow"] = PAGE_ALLOW
        doc = {"@context": ANNO_CONTEXT, **page}
    else:
        headers["Content-Location"] = collection["id"]
        doc = {"@context": [ANNO_CONTEXT, LDP_CONTEXT], "id": collection["id"],
               "type": ["BasicContainer", "AnnotationCollection"], **collection}
        if total:
            doc["first"] = (_page_iri(post, 0, iris) if minimal else
                            _page(user, filters, post, collection["id"], 0, last, size, iris))
            doc["last"] = _page_iri(post, last, iris)
    response = ld_response(doc, content_type, headers=headers)
    if request.method == "OPTIONS":
        # The same headers as GET, ETag included ("all responses from containers"), no body.
        options = empty_response({k: v for k, v in response.headers.items()
                                  if k not in ("Content-Type", "Content-Length")})
        return options
    return response


def _container_iri(post: Post | None) -> str:
    if post is None:
        return url_for("w3c.all_annotations", _external=True)
    return url_for("w3c.post_annotations", post_pk=post.id, _external=True)


def _page_iri(post: Post | None, number: int | None, iris: bool) -> str:
    """Return page `number`'s IRI, or with None the container's IRI for that kind of page."""
    args = {"iris": 1 if iris else 0}
    if number is not None:
        args["page"] = number
    if post is None:
        return url_for("w3c.all_annotations", **args, _external=True)
    return url_for("w3c.post_annotations", post_pk=post.id, **args, _external=True)


def _page(user, filters, post, collection, number, last, size, iris) -> dict:
    """Return AnnotationPage `number`, part of `collection` (a description, or an IRI when the
    page is embedded in the container's own representation)."""
    rows = store.numbered_page(user, filters, number, size)
    page = {"id": _page_iri(post, number, iris), "type": "AnnotationPage"}
    if isinstance(collection, dict):
        page["partOf"] = {**collection, "first": _page_iri(post, 0, iris),
                          "last": _page_iri(post, last, iris)}
    else:
        page["partOf"] = collection
    page["startIndex"] = number * size
    if number > 0:
        page["prev"] = _page_iri(post, number - 1, iris)
    if number < last:
        page["next"] = _page_iri(post, number + 1, iris)
    if iris:
        page["items"] = [annotation_iri(a.uid) for a in rows]
    else:
        items = []
        addresses = present.OwnAddresses(user)
        for a in rows:
            doc = annotation_doc(a, user, addresses=addresses)
            del doc["@context"]  # the page's context covers its items
            items.append(doc)
        page["items"] = items
    return page


def _create():
    """POST to the container: create an annotation from a W3C document; 201 with Location."""
    if request.args:
        # Pages (and ?iris= representations) are not containers: nothing can be posted to them.
        raise APIError(405, "POST to the container itself, "
                            f"{url_for('w3c.all_annotations', _external=True)}",
                       "method_not_allowed")
    user = require_user()
    content_type = negotiate()
    doc = ld_body()
    body = from_jsonld(doc)
    if "canonical" in doc:
        # The canonical id is kept unchanged, so a retried POST finds what the first one made.
        existing = store.resolve(user, body["id"])
        if existing is not None and existing.deleted and existing.user_id == user.id:
            raise APIError(409, "the annotation with this canonical id was deleted; its IRI is "
                                "not reused", "conflict")
    else:
        # The server mints the IRI; the client may suggest the UUID it ends in with Slug, which
        # is used unless it already names an annotation for this client (their own, deleted
        # ones included, or a shared one): another reader's private one does not exist for
        # them, so its id is as free as any (`store.resolve`).
        body.pop("id", None)
        slug = request.headers.get("Slug", "").strip().strip('"').removeprefix("urn:uuid:")
        try:
            slug = uuid_string(slug)
        except Invalid:
            slug = None
        if slug and store.resolve(user, slug) is None:
            body["id"] = slug
    new = parse.create_body(body)
    annotation, created = _store_new(user, new, parse.via(doc.get("id")),
                                     minted="canonical" not in doc)
    if created:
        metrics.annotations_created([annotation.visibility])
    headers = {"Allow": ANNOTATION_ALLOW, "Location": annotation_iri(annotation.uid)}
    return ld_response(annotation_doc(annotation, user), content_type, 201 if created else 200,
                       etag=annotation.etag, headers=headers)


def _store_new(user: User, new: parse.NewAnnotation, via: str | None, *, minted: bool
               ) -> tuple[Annotation, bool]:
    """Store `new`, keeping `via` (protocol 6.1: an id the server does not keep) if it is one.

    When the server minted the id (`minted`, from a free Slug or at random), an id that another
    create took between the Slug's check and this write is replaced by a fresh one: answering
    409 or with that annotation would tell the client it exists.
    """
    while True:
        keep = {"via": via} if via and via != annotation_iri(new.uid) else None
        try:
            annotation, created = store.create_annotation(user, new, keep=keep)
        except Conflict:
            if not minted:
                raise
            created = False
        if created or not minted:
            return annotation, created
        new = dataclasses.replace(new, uid=str(uuid.uuid4()))


@bp.route("/annotations/", methods=["GET", "POST", "OPTIONS"], endpoint="all_annotations")
def all_annotations():
    if request.method == "POST":
        return _create()
    return _container(None)


@bp.route("/posts/<int:post_pk>/", methods=["GET", "OPTIONS"], endpoint="post_annotations")
def post_annotations(post_pk: int):
    """Serve one post's annotations, read-only.

    New annotations are created in /w3c/annotations/: the protocol makes an annotation's IRI
    the IRI of the container it was created in, and each annotation has exactly one IRI.
    """
    if post_pk > MAX_POST_PK:  # beyond what the database can hold: no such post
        raise APIError(404, f"no post {post_pk}")
    return _container(store.get_visible_post(current_user(), post_pk))


# ---------------------------------------------------------------- creators

@bp.get("/users/<name>", endpoint="user")
def get_user(name: str):
    """Describe an annotation's creator, to readers who can see something they wrote."""
    content_type = negotiate()
    reader = current_user()
    author = User.by_name(name)
    if (author is None or present.author_name(author) is None
            or not store.shows_work_of(reader, author)):
        raise APIError(404, "no such user")
    doc = {"@context": ANNO_CONTEXT, "id": user_iri(author.name), "type": "Person",
           "name": author.name, "nickname": author.name}
    return ld_response(doc, content_type, headers={"Allow": PAGE_ALLOW})


# ---------------------------------------------------------------- OpenAPI

def _ld(description: str, schema: dict | None = None) -> dict:
    return {"description": description,
            "content": {PROFILED: {"schema": schema or {"type": "object"}},
                        w3c_turtle.TURTLE: {"schema": {"type": "string"}}}}


_HEADERS = {"ETag": {"schema": {"type": "string"}}, "Link": {"schema": {"type": "string"}},
            "Allow": {"schema": {"type": "string"}}, "Vary": {"schema": {"type": "string"}}}
_LD_BODY = {"required": True, "content": {PROFILED: {"schema": {"type": "object", "required": [
    "@context", "type", "target"]}}}}
_PREFER = {"name": "Prefer", "in": "header", "required": False, "schema": {"type": "string"},
           "description": "return=representation;include=\"" + PREFER_MINIMAL + " | "
                          + PREFER_IRIS + " | " + PREFER_DESCRIPTIONS + "\""}
_PAGING = [openapi.q("page", "page number from 0: answers with that AnnotationPage",
                     {"type": "integer", "minimum": 0}),
           openapi.q("iris", "1: items are annotation IRIs; 0: full annotations",
                     {"type": "string", "enum": ["0", "1"]})]
_NOT_ACCEPTABLE = {"406": openapi.err("Accept names no type we serve")}
_CONTAINER = {
    "get": {"summary": "W3C Annotation Container (LDP Basic Container + AnnotationCollection), "
                       "or one AnnotationPage with ?page=",
            "parameters": [_PREFER, *_PAGING],
            "responses": {"200": {**_ld("the container or page"), "headers": _HEADERS},
                          "304": {"description": "not modified (If-None-Match)"},
                          "400": openapi.err("bad query"), "404": openapi.err("no such page"),
                          **_NOT_ACCEPTABLE}},
    "post": {"summary": "Create an annotation from a W3C Web Annotation (Slug: a UUID to use)",
             "parameters": [{"name": "Slug", "in": "header", "required": False,
                             "schema": {"type": "string", "format": "uuid"}}],
             "requestBody": _LD_BODY,
             "responses": {"201": {**_ld("created; Location is its IRI"), "headers": _HEADERS},
                           "200": _ld("canonical names an annotation of yours: the stored one"),
                           **openapi.COMMON_ERRORS,
                           "409": openapi.err("canonical names another user's shared one"),
                           **_NOT_ACCEPTABLE, "415": openapi.err("body is not JSON-LD")}},
    "options": {"summary": "Allow, Accept-Post and Link headers",
                "responses": {"200": {"description": "headers only"}}},
}
_POST_CONTAINER = {key: {**op, "responses": {**op["responses"],
                                              "404": openapi.err("no such post for you")}}
                   for key, op in _CONTAINER.items() if key != "post"}
_UID = openapi.path_param("uid", {"type": "string", "format": "uuid"})

openapi.register({
    "/w3c/annotations/": _CONTAINER,
    "/w3c/posts/{post_pk}/": {"parameters": [openapi.POST_PK],
                              **_POST_CONTAINER},
    "/w3c/annotations/{uid}": {
        "parameters": [_UID],
        "get": {"summary": "A Web Annotation (same resource, id and ETag as "
                           "/api/annotations/{id})",
                "responses": {"200": {**_ld("the annotation"), "headers": _HEADERS},
                              "304": {"description": "not modified (If-None-Match)"},
                              "404": openapi.err("no such annotation for you"),
                              "410": openapi.err("your annotation was deleted"),
                              **_NOT_ACCEPTABLE}},
        "put": {"summary": "Replace an annotation; If-Match is required",
                "parameters": [{"name": "If-Match", "in": "header", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": _LD_BODY,
                "responses": {"200": {**_ld("replaced"), "headers": _HEADERS},
                              **openapi.COMMON_ERRORS, "403": openapi.err("public, not yours"),
                              "404": openapi.err("not found"),
                              "412": openapi.err("If-Match does not name the current version"),
                              "415": openapi.err("body is not JSON-LD"),
                              "428": openapi.err("If-Match missing")}},
        "delete": {"summary": "Delete an annotation (If-Match optional)",
                   "responses": {"204": {"description": "deleted"}, **openapi.COMMON_ERRORS,
                                 "403": openapi.err("public, not yours"),
                                 "404": openapi.err("not found"),
                                 "412": openapi.err("If-Match does not name the current version")}},
        "options": {"summary": "Allow and Link headers",
                    "responses": {"200": {"description": "headers only"},
                                  "404": openapi.err("not found")}},
    },
    "/w3c/users/{name}": {
        "parameters": [openapi.path_param("name", {"type": "string"})],
        "get": {"summary": "An annotation creator (foaf Person), if you can see their work",
                "responses": {"200": _ld("the person"), "404": openapi.err("not found")}},
        "options": {"summary": "Allow header", "responses": {"200": {
            "description": "headers only"}}},
    },
})
