"""`/embed/signin`: the pop-up in which a reader signs in (or up) for a site's embed.

The embed runs in a page of another origin, where the server's cookies would be third-party
ones (and Postil sets none): so the embed opens this page of the server's own as a pop-up
(`window.open`), the reader types their password here, out of the site's reach, and the page
hands the new session's token to `window.opener` by `postMessage(…, ORIGIN)`. The browser
delivers it only if the opener is at ORIGIN, and the server issues the token only if ORIGIN is
an origin of a registered site whose embed is on (`store.sites.embed_site`); for any other
origin the page says so and offers no form, and its POST answers 403 `origin_not_registered`
before a password is read.

The token is an ordinary session, labelled "embed on SITE", listed with the reader's sessions
and ended as any other. Signing in is throttled and logged as `POST /api/tokens` is (the same
code: `api.authenticate`); signing up, where the server allows it, as `POST /api/users`
(`api.create_account`). The page runs no inline script: its script and style are files of the
server's own, and its policy lets it load and connect to nothing else.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from . import openapi, parse, present
from .api import authenticate, create_account, json_body, signup_open
from .auth import token_policy
from .domain_errors import Forbidden, Invalid
from .headers import page_policy
from .store import accounts, sites

bp = Blueprint("embed_signin", __name__)

PAGE_POLICY = page_policy(script_src="'self'", style_src="'self'", connect_src="'self'",
                          img_src="'self'")


def _label(view: sites.SiteView) -> str:
    return f"embed on {view.key}"[:100]


@bp.get("/embed/signin")
def page():
    """The sign-in page for the site of `origin`, or why there is none."""
    refusal, status, view = None, 200, None
    origin = request.args.get("origin")
    try:
        origin = parse.embed_origin(origin)
        view = sites.embed_site(origin)
    except Invalid as err:
        refusal, status = err.sentence, 400
    except Forbidden as err:
        refusal, status = err.sentence, 403
    response = current_app.make_response((render_template(
        "embed_signin.html", origin=origin if view else None, site=view,
        refusal=refusal, signup=signup_open(),
        script=url_for("static", filename="embed-signin.js"),
        style=url_for("static", filename="embed-signin.css")), status))
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def _answer(user, view: sites.SiteView):
    token = accounts.issue_token(user, _label(view), token_policy(), site_id=view.site.id)
    return {"token": token, "user": present.user_json(user), "site": view.key}, 201


@bp.post("/embed/signin")
def sign_in():
    """Sign in for the site of `origin`: `{"username", "password"}` as `POST /api/tokens`."""
    view = sites.embed_site(parse.embed_origin(request.args.get("origin")))
    return _answer(authenticate(parse.credentials(json_body())), view)


@bp.post("/embed/signup")
def sign_up():
    """Make an account and sign in for the site of `origin`, where sign-up is open."""
    view = sites.embed_site(parse.embed_origin(request.args.get("origin")))
    return _answer(create_account(parse.new_account(json_body()) if signup_open() else None),
                   view)


ORIGIN = openapi.q("origin", "the origin of the page that opened the pop-up")
SIGNED_IN = openapi.ok("signed in: the token, the user and the site's key", {
    "type": "object", "properties": {"token": {"type": "string"},
                                     "user": {"type": "object"}, "site": {"type": "string"}}},
    "201")
openapi.register({
    "/embed/signin": {
        "get": {"summary": "The embed's sign-in pop-up (HTML) for a registered site's origin",
                "parameters": [ORIGIN],
                "responses": {**openapi.ok("the page"),
                              "400": {"description": "no origin, or not an origin: the page "
                                                     "says so"},
                              "403": {"description": "no site with its embed on has this "
                                                     "origin: the page says so"}}},
        "post": {"summary": "Sign in from the pop-up: a session labelled for the site",
                 "parameters": [ORIGIN],
                 "requestBody": openapi.JSON_BODY({"type": "object"}),
                 "responses": {**SIGNED_IN, "400": openapi.err("bad input"),
                               "401": openapi.err("wrong username or password"),
                               "403": openapi.err("origin_not_registered, or "
                                                  "account_disabled"),
                               "429": openapi.err("too many failed sign-ins lately")}}},
    "/embed/signup": {
        "post": {"summary": "Sign up from the pop-up, where the server allows it",
                 "parameters": [ORIGIN],
                 "requestBody": openapi.JSON_BODY({"type": "object"}),
                 "responses": {**SIGNED_IN, "400": openapi.err("bad input"),
                               "403": openapi.err("origin_not_registered, or signup_closed"),
                               "409": openapi.err("the username is taken"),
                               "429": openapi.err("too many attempts lately")}}},
})
