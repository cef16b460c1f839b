"""Moderation of public notes on registered sites: flags, actions, bars, the queue and the log.

Thin views: parse, call `store.moderation`, present. A flag is any signed-in reader's; the rest
is the site's moderators' (403 `not_site_moderator` to anyone else). An annotation the caller
may not see is 404 as everywhere (`store.get_visible`), so neither flagging nor acting reveals
one. The moderation page (`/sites/<key>/moderation`) is `home.py`'s kind of page: static HTML
and a script of our own, which signs in and calls these endpoints with a bearer token.
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request

from . import store
from .api import annotation_json, annotation_response, json_body
from .auth import current_user, require_user
from .contract import FLAG_REASONS
from .errors import APIError
from .headers import page_policy
from .models import Site
from .openapi import JSON_BODY, UID, err, ok, path_param, q, ref, register
from .present import iso
from .store import moderation

bp = Blueprint("moderation", __name__, url_prefix="/api")
page_bp = Blueprint("moderation_page", __name__)

# The page's script and style are files of ours; it talks to this server alone.
PAGE_POLICY = page_policy(script_src="'self'", style_src="'self'", connect_src="'self'",
                          img_src="'self'")


@page_bp.get("/sites/<path:key>/moderation")
def moderation_page(key: str):
    """The moderation page of a registered site (its moderators sign in on it)."""
    if Site.by_key(key) is None:
        abort(404)
    response = make_response(render_template("moderation.html", key=key))
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def _body_or_empty():
    return json_body() if request.get_data(cache=True).strip() else {}


@bp.post("/annotations/<uid>/flags")
def flag_annotation(uid: str):
    user = require_user()
    flag_in = moderation.parse_flag(json_body())
    made = moderation.flag(user, store.get_visible(user, uid), flag_in)
    return {"annotation": uid, "reason": made.reason, "note": made.note,
            "created": iso(made.created_us)}, 201


@bp.post("/annotations/<uid>/moderation")
def moderate_annotation(uid: str):
    user = require_user()
    body = moderation.parse_reason(_body_or_empty(), allowed=("action", "reason"))
    annotation = store.get_visible(user, uid)
    done = moderation.act(user, annotation, body.get("action"), body["reason"])
    return annotation_response(done, current_user())


@bp.get("/sites/<path:key>/moderation")
def moderation_queue(key: str):
    user = require_user()
    which = request.args.get("queue", "flagged")
    try:
        limit = int(request.args.get("limit", "50"))
    except ValueError:
        raise APIError(400, "limit must be a whole number from 1 to 200", "validation_error",
                       field="limit") from None
    if not 1 <= limit <= 200:
        raise APIError(400, "limit must be a whole number from 1 to 200", "validation_error",
                       field="limit")
    site, rows, flags = moderation.queue(user, key, which, limit)
    items = []
    for annotation in rows:
        data = annotation_json(annotation, user)
        data["flags"] = [{"user": name, "reason": f.reason, "note": f.note,
                          "created": iso(f.created_us)} for f, name in flags[annotation.pk]]
        items.append(data)
    return {"site": site.key, "queue": which, "items": items}


@bp.get("/sites/<path:key>/moderation/log")
def moderation_log(key: str):
    user = require_user()
    entries = moderation.log(user, key)
    return {"items": [{**{k: v for k, v in e.items() if k != "at_us"}, "at": iso(e["at_us"])}
                      for e in entries]}


@bp.get("/sites/<path:key>/bars")
def list_bars(key: str):
    user = require_user()
    return {"items": [{"user": u.name, "reason": b.reason, "at": iso(b.at_us)}
                      for b, u in moderation.bars(user, key)]}


@bp.put("/sites/<path:key>/bars/<username>")
def bar_user(key: str, username: str):
    user = require_user()
    body = moderation.parse_reason(_body_or_empty())
    barred = moderation.set_bar(user, key, username, True, body["reason"])
    return {"user": barred.name, "barred": True}


@bp.delete("/sites/<path:key>/bars/<username>")
def unbar_user(key: str, username: str):
    user = require_user()
    body = moderation.parse_reason(_body_or_empty())
    moderation.set_bar(user, key, username, False, body["reason"])
    return "", 204


KEY = path_param("key", {"type": "string", "description": "the site's key, slashes and all"})
USERNAME = path_param("username", {"type": "string"})
MODERATORS = {"401": err("sign in first"),
              "403": err("not a moderator of the site (not_site_moderator)"),
              "404": err("no such site")}

register({
    "/sites/{key}/moderation": {
        "parameters": [KEY],
        "get": {"summary": "The site's moderation page (HTML; its moderators sign in there)",
                "responses": {**ok("the page"), "404": err("no such site")}}},
    "/api/annotations/{uid}/flags": {
        "parameters": [UID],
        "post": {"summary": "Flag a public annotation on a registered site's post for its "
                            "moderators, once (any signed-in reader who sees it)",
                 "requestBody": JSON_BODY({"type": "object", "required": ["reason"],
                                           "properties": {
                                               "reason": {"enum": list(FLAG_REASONS)},
                                               "note": {"type": "string", "maxLength": 1000}}}),
                 "responses": {**ok("flagged", None, "201"),
                               "400": err("bad reason or note; not public (not_public); on no "
                                          "registered site (not_moderated); your own "
                                          "(own_annotation)"),
                               "401": err("sign in first"),
                               "403": err("barred from the site (barred)"),
                               "404": err("no such annotation"),
                               "409": err("you flagged it already"),
                               "429": err("more flags on the site's notes this hour than its "
                                          "public_per_hour (rate_limited)")}}},
    "/api/annotations/{uid}/moderation": {
        "parameters": [UID],
        "post": {"summary": "Approve, hide or unhide a public annotation and its thread below "
                            "it (the site's moderators); logged",
                 "requestBody": JSON_BODY({"type": "object", "required": ["action"],
                                           "properties": {
                                               "action": {"enum": list(moderation.ACTIONS)},
                                               "reason": {"type": "string"}}}),
                 "responses": {**ok("the annotation", ref("Annotation")),
                               "400": err("bad action or reason"),
                               "401": err("sign in first"),
                               "403": err("not a moderator of its site (not_site_moderator), "
                                          "or not public (not_moderated)"),
                               "404": err("no such annotation"),
                               "409": err("not in a state the action applies to")}}},
    "/api/sites/{key}/moderation": {
        "parameters": [KEY],
        "get": {"summary": "The site's moderation queue, with each annotation's flags "
                           "(moderators)",
                "parameters": [q("queue", "flagged (default) | pending | recent"),
                               q("limit", "at most this many (1-200, default 50)",
                                 {"type": "integer"})],
                "responses": {**ok("the queue"), **MODERATORS, "400": err("bad queue or limit")}}},
    "/api/sites/{key}/moderation/log": {
        "parameters": [KEY],
        "get": {"summary": "The site's moderation log, newest first (moderators)",
                "responses": {**ok("the log"), **MODERATORS}}},
    "/api/sites/{key}/bars": {
        "parameters": [KEY],
        "get": {"summary": "Users barred from public notes on the site (moderators)",
                "responses": {**ok("the barred users"), **MODERATORS}}},
    "/api/sites/{key}/bars/{username}": {
        "parameters": [KEY, USERNAME],
        "put": {"summary": "Bar a user from writing public notes on the site's posts "
                           "(moderators); logged",
                "responses": {**ok("barred"), **MODERATORS,
                              "409": err("a moderator of the site")}},
        "delete": {"summary": "Lift a bar (moderators); logged",
                   "responses": {"204": {"description": "no longer barred"}, **MODERATORS}}},
})
