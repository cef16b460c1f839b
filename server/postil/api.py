"""The native HTTP API under /api: thin views that parse, call `store`, and return JSON."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from . import __version__, metrics, parse, present, store
from .auth import client_address, current_token, current_user, require_user, token_policy
from .domain_errors import Forbidden
from .errors import APIError
from .models import User
from .store import accounts
from .urls import UidUrls, uid_url
from .wordpress import post_fields

bp = Blueprint("api", __name__, url_prefix="/api")
log = logging.getLogger("postil.accounts")

# A hash of nothing anyone knows, made the way real passwords are, for failed sign-ins.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))

JSON_TYPES = ("application/json",)


def json_body():
    """Return the parsed JSON body, or raise a 4xx that says what is wrong with it."""
    mimetype = request.mimetype or ""
    if not (mimetype in JSON_TYPES or mimetype.endswith("+json")):
        raise APIError(415, "send the body as JSON with 'Content-Type: application/json'")
    try:
        data = request.get_json(silent=True, cache=True)
    except RecursionError:
        # "silent" covers only ValueError; thousands of nested brackets blow the parser's stack.
        raise APIError(400, "the body is not valid JSON (nested too deeply)", "invalid_json") \
            from None
    if data is None:
        raw = request.get_data(cache=True)
        if raw.strip() != b"null":
            raise APIError(400, "the body is not valid JSON", "invalid_json")
    return data


def annotation_response(annotation, viewer: User | None, status: int = 200,
                        reply_counts: dict[int, int] | None = None):
    if reply_counts is None:
        reply_counts = store.reply_counts(viewer, [annotation])
    response = jsonify(annotation_json(annotation, viewer, reply_counts=reply_counts))
    response.status_code = status
    response.headers["ETag"] = annotation.etag
    response.headers["Location"] = uid_url("api.get_annotation", annotation.uid, external=False)
    return response


def annotation_json(annotation, viewer: User | None, *,
                    addresses: present.OwnAddresses | None = None,
                    reply_counts: dict[int, int] | None = None,
                    urls: UidUrls | None = None) -> dict:
    """The annotation as the API answers it: `present.annotation_json` and its `links`.

    `links`: `self`, then one per `(name, endpoint)` other parts of the app list in
    `app.extensions["postil.annotation_links"]` (the W3C IRI), each the endpoint's URL for the
    annotation's id. `urls`: an answer's `UidUrls`, shared by its annotations.
    """
    data = present.annotation_json(annotation, viewer, addresses=addresses,
                                   reply_counts=reply_counts)
    urls = urls or UidUrls()
    uid = annotation.uid
    links = {"self": urls("api.get_annotation", uid)}
    for name, endpoint in current_app.extensions.get("postil.annotation_links", ()):
        links[name] = urls(endpoint, uid)
    data["links"] = links
    return data


@bp.get("")
def index():
    return {"name": "postil", "version": __version__,
            "openapi": url_for("openapi", _external=True)}


# ---------------------------------------------------------------- annotations

@bp.post("/annotations")
def create_annotation():
    user = require_user()
    annotation, created = store.create_annotation(user, parse.create_body(json_body()))
    if created:
        metrics.annotations_created([annotation.visibility])
        # A just-made annotation has no replies yet: no need to look them up.
        return annotation_response(annotation, user, 201, reply_counts={annotation.pk: 0})
    return annotation_response(annotation, user, 200)


@bp.get("/annotations/<uid>")
def get_annotation(uid: str):
    viewer = current_user()
    annotation = store.get_visible(viewer, uid)
    if request.if_none_match and request.if_none_match.contains(str(annotation.version)):
        response = current_app.response_class(status=304)
        response.headers["ETag"] = annotation.etag
        return response
    return annotation_response(annotation, viewer)


@bp.patch("/annotations/<uid>")
def patch_annotation(uid: str):
    user = require_user()
    body = json_body()
    if_match = parse.precondition(request.headers.getlist("If-Match"))
    fields = parse.patch_body(body)
    return annotation_response(store.update_annotation(user, uid, fields, if_match), user)


@bp.delete("/annotations/<uid>")
def delete_annotation(uid: str):
    user = require_user()
    store.delete_annotation(user, uid, parse.precondition(request.headers.getlist("If-Match")))
    return "", 204


@bp.get("/annotations")
def query_annotations():
    user = current_user()
    filters = parse.query_filters(request.args)
    found = store.page(user, filters)
    return {"total": found.total, "items": annotations_json(found.rows, user, found.quiet),
            "next_cursor": found.next_cursor}


def annotations_json(rows: list, viewer: User | None,
                     quiet: frozenset[int] = frozenset()) -> list[dict]:
    """A list of annotations as the API answers them, with their reply counts read at once.

    `quiet`: pks already known to have no live reply in their thread (`store.Page.quiet`).
    """
    addresses = present.OwnAddresses(viewer)
    counts = store.reply_counts(viewer, rows, quiet=quiet)
    urls = UidUrls()
    return [annotation_json(a, viewer, addresses=addresses, reply_counts=counts, urls=urls)
            for a in rows]


# ---------------------------------------------------------------- replies

@bp.get("/annotations/<uid>/replies")
def annotation_replies(uid: str):
    viewer = current_user()
    rows = store.thread(viewer, uid)
    return {"total": len(rows), "items": annotations_json(rows, viewer)}


@bp.get("/me/replies")
def replies_to_me():
    user = require_user()
    asked = parse.replies_query(request.args)
    rows, next_cursor = store.replies_to(user, asked.limit, asked.after)
    read_us = store.read_until(user)
    items = annotations_json(rows, user)
    for row, item in zip(rows, items, strict=True):
        item["unread"] = row.created_us > read_us
    return {"total": store.replies_to_count(user),
            "unread": store.replies_to_count(user, after_us=read_us),
            "read_until": present.iso(read_us) if read_us else None,
            "items": items, "next_cursor": next_cursor}


@bp.post("/me/replies/read")
def mark_replies_read():
    user = require_user()
    body = json_body() if request.get_data(cache=True).strip() else None
    read_us = store.mark_read(user, parse.replies_read(body))
    return {"read_until": present.iso(read_us),
            "unread": store.replies_to_count(user, after_us=read_us)}


# ---------------------------------------------------------------- posts

@bp.get("/posts")
def list_posts():
    user = current_user()
    asked = parse.posts_query(request.args)
    total, posts, next_cursor = store.posts_page(user, asked)
    counts = store.annotation_counts(user, [p.id for p in posts])
    return {"total": total,
            "items": [present.post_json(p, user, counts.get(p.id, 0)) for p in posts],
            "next_cursor": next_cursor}


@bp.get("/posts/<int:post_pk>")
def get_post(post_pk: int):
    user = current_user()
    post = store.get_visible_post(user, post_pk)
    data = present.post_json(post, user, store.annotation_counts(user, [post.id]).get(post.id, 0))
    data["text"] = post.text
    return data


def may_edit_posts(user: User) -> bool:
    """Say whether `user` may register or rewrite posts, which every reader of them then sees."""
    editors = current_app.config.get("POST_EDITORS")
    if editors is None:
        # Without open sign-up every account was made by the operator; with it, anyone's could be.
        return not current_app.config.get("OPEN_SIGNUP")
    return "*" in editors or user.name in editors


@bp.put("/posts")
def put_post():
    user = require_user()
    if not may_edit_posts(user):
        raise APIError(403, "registering posts is for the editors this server names in "
                            "POSTIL_POST_EDITORS; its operator can also run 'postil post add'")
    fields = post_fields(json_body())
    post, created = store.register_post(fields, user)
    count = store.annotation_counts(user, [post.id]).get(post.id, 0)
    response = jsonify(present.post_json(post, user, count))
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for("api.get_post", post_pk=post.id)
    return response


@bp.get("/posts/<int:post_pk>/popular")
def popular(post_pk: int):
    viewer = current_user()
    post = store.get_visible_post(viewer, post_pk)
    return {"post": present.post_summary(post, viewer), "items": store.popular_passages(post)}


# ---------------------------------------------------------------- users and tokens

@bp.post("/tokens")
def sign_in():
    given = parse.credentials(json_body())
    user = authenticate(given)
    label = given.label or request.user_agent.string
    token = accounts.issue_token(user, label or "", token_policy())
    return {"token": token, "user": present.user_json(user)}, 201


def authenticate(given: parse.Credentials) -> User:
    """Return the user whose password `given` proves, throttled and logged as every sign-in is
    (`POST /api/tokens`, the embed's sign-in page); else the error to answer."""
    name, password = given.username, given.password
    address = client_address()
    # Before any hashing: a throttled guess must cost the server nothing.
    store.throttle.check(signin_policy(), username=name, address=address)
    user = User.by_name(name)
    if user is None:
        # Hash anyway, so that how long a failure takes does not tell which usernames exist.
        check_password_hash(_DUMMY_HASH, password)
    if user is None or not user.check_password(password):
        failed_sign_in(name, address)
        raise APIError(401, "wrong username or password", "invalid_credentials")
    if user.disabled:
        # Said only to whoever knows the password: it tells a guesser nothing.
        raise Forbidden("this account is disabled; ask the server's operator",
                        code="account_disabled")
    return user


def signin_policy() -> store.throttle.Policy:
    return store.throttle.Policy.from_config(current_app.config)


def failed_sign_in(name: str, address: str | None) -> None:
    """Count and log a failed proof of a password (never the password itself)."""
    log.warning("failed sign-in for username %r from %s", name, address)
    metrics.failed_sign_in()
    store.throttle.record_failure(username=name, address=address)


@bp.delete("/tokens/current")
def sign_out():
    accounts.revoke(require_user(), current_token().id)
    return "", 204


@bp.get("/me")
def me():
    return {"user": present.user_json(require_user())}


@bp.post("/users")
def sign_up():
    user = create_account(parse.new_account(json_body()) if signup_open() else None)
    return {"user": present.user_json(user), "token": accounts.issue_token(user, "sign-up")}, 201


def signup_open() -> bool:
    return bool(current_app.config.get("OPEN_SIGNUP"))


def create_account(given: parse.Credentials | None) -> User:
    """Make the account `given` names, throttled as sign-ins are (`POST /api/users`, the
    embed's sign-up); refused while sign-up is closed (`given` is then not read)."""
    if not signup_open():
        raise APIError(403, "sign-up is closed on this server; ask its owner for an account",
                       "signup_closed")
    address = client_address()
    # Sign-ups share the address's counter with failed sign-ins: each one costs a hash too.
    store.throttle.check(signin_policy(), username=None, address=address)
    store.throttle.record_failure(username=None, address=address)
    probe = User(name=given.username)
    probe.set_password(given.password)
    return accounts.create_user(given.username, probe.password_hash)
