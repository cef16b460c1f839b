"""A user's own account over HTTP: download everything they made, or delete the account.

`GET /api/me/export` streams one zip (`account_export`); `DELETE /api/me` deletes the account
after the password is given again, and the body says what becomes of public annotations
(`store.delete_account` says what goes and what stays).
"""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from . import account_export, openapi, parse, store
from .api import failed_sign_in, json_body, signin_policy
from .auth import client_address, require_user, token_policy
from .domain_errors import Forbidden
from .export_api import base_url

bp = Blueprint("account", __name__, url_prefix="/api")


@bp.get("/me/export")
def export_everything():
    user = require_user()
    archive = account_export.everything(user, base_url=base_url(), sessions=token_policy())
    response = Response(stream_with_context(archive.chunks), content_type="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.delete("/me")
def delete_account():
    user = require_user()
    asked = parse.account_deletion(json_body())
    address = client_address()
    # As for a password change: a stolen token must not become a fast way to guess the password.
    store.throttle.check(signin_policy(), username=user.name, address=address)
    if not user.check_password(asked.password):
        failed_sign_in(user.name, address)
        raise Forbidden("the password is wrong; nothing was deleted", code="wrong_password")
    store.delete_account(user, asked.public_annotations)
    return "", 204


openapi.register({
    "/api/me": {"delete": {
        "summary": "Delete your account",
        "description": "Deletes you, your sessions, your private annotations and their tags. "
                       "public_annotations says what becomes of your public ones: delete (each "
                       "leaves an empty tombstone for clients that sync) or anonymise (kept "
                       "with their text, shown with no author). Posts WordPress registered "
                       "stay; a post only your annotations made goes.",
        "requestBody": openapi.JSON_BODY({
            "type": "object", "required": ["password", "public_annotations"],
            "properties": {"password": {"type": "string"},
                           "public_annotations": {
                               "type": "string",
                               "enum": list(parse.PUBLIC_ANNOTATION_CHOICES)}}}),
        "responses": {"204": {"description": "deleted"}, **openapi.COMMON_ERRORS,
                      "403": openapi.err("wrong password (code wrong_password, counted as a "
                                         "failed sign-in); nothing changed"),
                      "429": openapi.err("too many failed sign-ins: wait Retry-After seconds"),
                      "415": openapi.err("not JSON")}}},
    "/api/me/export": {"get": {
        "summary": "Download everything you made, as one zip",
        "description": "Your annotations (private ones included) in every export format, "
                       "the posts they are on and those you registered (posts.json) and your "
                       "profile (profile.json), "
                       "in one folder; streamed.",
        "responses": {"200": {"description": "the zip, as an attachment",
                              "content": {"application/zip": {"schema": {"type": "string"}}}},
                      "401": openapi.err("sign in first")}}},
})
