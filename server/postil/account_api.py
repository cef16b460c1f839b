"""A user's own account over HTTP: download everything they made, or delete the account.

`GET /api/me/export` streams one zip (`account_export`); `DELETE /api/me` deletes the account
after the password is given again, and the body says what becomes of public annotations
(`store.delete_account` says what goes and what stays).
"""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from . import account_export, openapi, parse, store
from .api import json_body
from .auth import require_user
from .errors import APIError
from .export_api import base_url

bp = Blueprint("account", __name__, url_prefix="/api")


@bp.get("/me/export")
def export_everything():
    user = require_user()
    archive = account_export.everything(user, base_url=base_url())
    response = Response(stream_with_context(archive.chunks), content_type="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.delete("/me")
def delete_account():
    user = require_user()
    asked = parse.account_deletion(json_body())
    if not user.check_password(asked.password):
        raise APIError(403, "the password is wrong; nothing was deleted", "wrong_password")
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
                      "403": openapi.err("wrong password (code wrong_password); nothing "
                                         "changed"),
                      "415": openapi.err("not JSON")}}},
    "/api/me/export": {"get": {
        "summary": "Download everything you made, as one zip",
        "description": "Your annotations (private ones included) in every export format, "
                       "the posts they are on (posts.json) and your profile (profile.json), "
                       "in one folder; streamed.",
        "responses": {"200": {"description": "the zip, as an attachment",
                              "content": {"application/zip": {"schema": {"type": "string"}}}},
                      "401": openapi.err("sign in first")}}},
})
