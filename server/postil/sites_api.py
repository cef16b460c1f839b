"""Registered sites under /api/sites: the public lookup, and their management by operators.

Thin views: parse, call `store.sites`, present. `GET /api/sites/lookup` is anyone's (the embed
and the WordPress plugin ask it, from any origin: its CORS is `*`, app.py); everything else is
for operators (`postil user operator NAME`), and refused to anyone else with 403
`operator_required` before a site is looked up. A site's key holds slashes
(`example.org/news`), so it is the rest of the path.
"""

from __future__ import annotations

from flask import Blueprint, request, url_for

from . import parse, present
from .api import json_body
from .auth import current_user, require_user
from .domain_errors import NotFound
from .errors import APIError
from .openapi import JSON_BODY, err, ok, path_param, q, ref, register
from .store import sites

bp = Blueprint("sites", __name__, url_prefix="/api")


def _site_answer(view: sites.SiteView, operator, status: int = 200):
    body = present.site_json(view, people=sites.people(operator, view.key))
    body["links"] = {"self": url_for("sites.get_site", key=view.key, _external=True)}
    return body, status


@bp.get("/sites/lookup")
def lookup():
    url = parse.site_url(request.args.get("url"))
    try:
        view = sites.lookup(url)
    except NotFound as missing:
        raise APIError(404, missing.message, "site_not_registered") from None
    viewer = current_user()
    # An embed session sees its own site alone: another site is told as to anyone (no `you`).
    limited_to = getattr(viewer, "embed_site", None)
    if viewer is None or limited_to not in (None, view.site.id):
        return present.site_json(view)
    return present.site_json(view, you=sites.you(viewer, view.site))


@bp.get("/sites")
def list_sites():
    operator = require_user()
    return {"items": [present.site_json(view, people=sites.people(operator, view.key))
                      for view in sites.list_sites(operator)]}


@bp.post("/sites")
def add_site():
    operator = require_user()
    fields = parse.site_body(json_body(), partial=False)
    body, status = _site_answer(sites.add_site(operator, fields), operator, 201)
    return body, status, {"Location": body["links"]["self"]}


@bp.get("/sites/<path:key>")
def get_site(key: str):
    operator = require_user()
    sites.require_operator(operator)
    return _site_answer(sites.get_site(key), operator)


@bp.patch("/sites/<path:key>")
def patch_site(key: str):
    operator = require_user()
    fields = parse.site_body(json_body(), partial=True)
    return _site_answer(sites.change_site(operator, key, fields), operator)


@bp.delete("/sites/<path:key>")
def delete_site(key: str):
    sites.remove_site(require_user(), key)
    return "", 204


def _person(key: str, role: str, username: str, present: bool):
    operator = require_user()
    sites.set_person(operator, key, username, role, present)
    return _site_answer(sites.get_site(key), operator)


@bp.put("/sites/<path:key>/moderators/<username>")
def add_moderator(key: str, username: str):
    return _person(key, "moderator", username, True)


@bp.delete("/sites/<path:key>/moderators/<username>")
def remove_moderator(key: str, username: str):
    return _person(key, "moderator", username, False)


@bp.put("/sites/<path:key>/members/<username>")
def add_member(key: str, username: str):
    return _person(key, "member", username, True)


@bp.delete("/sites/<path:key>/members/<username>")
def remove_member(key: str, username: str):
    return _person(key, "member", username, False)


KEY = path_param("key", {"type": "string", "description": "the site's key, slashes and all "
                                                          "(example.org/news)"})
USERNAME = path_param("username", {"type": "string"})
OPERATORS = {"401": err("sign in first"),
             "403": err("not an operator (operator_required)")}
MISSING = {"404": err("no such site")}
PERSON = {**ok("the site", ref("Site")), **OPERATORS, **MISSING,
          "400": err("no such user")}

register({
    "/api/sites/lookup": {
        "get": {"summary": "The registered site an address lies under: its name, origins and "
                           "policy, and (signed in) whether you moderate or are a member there",
                "parameters": [q("url", "any address of the site, or its home")],
                "responses": {**ok("the site", ref("Site")), "400": err("no usable url"),
                              "404": err("no site is registered there "
                                         "(site_not_registered)")}}},
    "/api/sites": {
        "get": {"summary": "Every registered site (operators)",
                "responses": {**ok("sites", {"type": "object", "properties": {
                    "items": {"type": "array", "items": ref("Site")}}}), **OPERATORS}},
        "post": {"summary": "Register a site (operators)",
                 "requestBody": JSON_BODY(ref("SiteInput")),
                 "responses": {**ok("registered", ref("Site"), "201"), **OPERATORS,
                               "400": err("bad input"),
                               "409": err("the site or one of its origins is registered")}}},
    "/api/sites/{key}": {
        "parameters": [KEY],
        "get": {"summary": "A site with its moderators and members (operators)",
                "responses": {**ok("the site", ref("Site")), **OPERATORS, **MISSING}},
        "patch": {"summary": "Rename a site, replace its origins or change its policy "
                             "(operators)",
                  "requestBody": JSON_BODY(ref("SiteInput")),
                  "responses": {**ok("changed", ref("Site")), **OPERATORS, **MISSING,
                                "400": err("bad input"),
                                "409": err("an origin belongs to another site")}},
        "delete": {"summary": "Unregister a site (operators); its annotations stay",
                   "responses": {"204": {"description": "unregistered"}, **OPERATORS,
                                 **MISSING}}},
    "/api/sites/{key}/moderators/{username}": {
        "parameters": [KEY, USERNAME],
        "put": {"summary": "Make a user a moderator of the site (operators)",
                "responses": PERSON},
        "delete": {"summary": "Make a user no longer a moderator of the site (operators)",
                   "responses": PERSON}},
    "/api/sites/{key}/members/{username}": {
        "parameters": [KEY, USERNAME],
        "put": {"summary": "Make a user a member of the site (operators)",
                "responses": PERSON},
        "delete": {"summary": "Make a user no longer a member of the site (operators)",
                   "responses": PERSON}},
})
