"""Reading groups under /api: groups, their members and invites, and hiding annotations.

Thin views: parse, call `store.groups`, present. A group the caller is not in answers 404, the
same as one that does not exist; an invite token is the one thing that shows a group from
outside (`GET /api/invites/<token>`).
"""

from __future__ import annotations

from flask import Blueprint, request, url_for

from . import parse, present, store
from .api import annotation_response, json_body
from .auth import current_user, require_user
from .models import now_us
from .openapi import JSON_BODY, err, ok, path_param, ref, register
from .store import groups

bp = Blueprint("groups", __name__, url_prefix="/api")


def _group_answer(view: groups.GroupView, status: int = 200):
    body = present.group_json(view)
    body["links"] = {"self": url_for("groups.get_group", gid=view.group.gid, _external=True),
                     "annotations": url_for("api.query_annotations", group=view.group.gid,
                                            _external=True)}
    return body, status


@bp.post("/groups")
def create_group():
    user = require_user()
    fields = parse.group_body(json_body(), partial=False)
    return _group_answer(groups.create_group(user, fields["name"],
                                             fields.get("description", "")), 201)


@bp.get("/groups")
def list_groups():
    return {"items": [present.group_json(g) for g in groups.my_groups(require_user())]}


@bp.get("/groups/<gid>")
def get_group(gid: str):
    return _group_answer(groups.get_group(require_user(), gid))


@bp.patch("/groups/<gid>")
def patch_group(gid: str):
    user = require_user()
    return _group_answer(groups.update_group(user, gid,
                                             parse.group_body(json_body(), partial=True)))


@bp.delete("/groups/<gid>")
def delete_group(gid: str):
    groups.delete_group(require_user(), gid)
    return "", 204


@bp.get("/groups/<gid>/members")
def list_members(gid: str):
    return {"items": [present.member_json(m, u) for m, u in groups.members(require_user(), gid)]}


@bp.patch("/groups/<gid>/members/<username>")
def set_role(gid: str, username: str):
    user = require_user()
    membership, member = groups.set_role(user, gid, username, parse.role_body(json_body()))
    return present.member_json(membership, member)


@bp.delete("/groups/<gid>/members/<username>")
def remove_member(gid: str, username: str):
    groups.remove_member(require_user(), gid, username)
    return "", 204


@bp.post("/groups/<gid>/invites")
def create_invite(gid: str):
    user = require_user()
    asked = parse.invite_body(json_body() if request.get_data(cache=True) else None)
    expires = None if asked.expires_in is None else now_us() + asked.expires_in * 1_000_000
    invite, token = groups.create_invite(user, gid, expires, asked.max_uses)
    body = present.invite_json(invite, user.name)
    body["token"] = token  # shown this once: only its hash is kept
    body["links"] = {"preview": url_for("groups.preview_invite", token=token, _external=True),
                     "accept": url_for("groups.accept_invite", token=token, _external=True)}
    return body, 201


@bp.get("/groups/<gid>/invites")
def list_invites(gid: str):
    return {"items": [present.invite_json(i, i.created_by.name)
                      for i in groups.invites(require_user(), gid)]}


@bp.delete("/groups/<gid>/invites/<int:invite_id>")
def revoke_invite(gid: str, invite_id: int):
    groups.revoke_invite(require_user(), gid, invite_id)
    return "", 204


@bp.get("/invites/<token>")
def preview_invite(token: str):
    view, member = groups.preview_invite(require_user(), token)
    body = present.group_json(view)
    body["member"] = member
    return body


@bp.post("/invites/<token>/accept")
def accept_invite(token: str):
    return _group_answer(groups.accept_invite(require_user(), token))


@bp.put("/annotations/<uid>/hidden")
def hide_annotation(uid: str):
    return _set_hidden(uid, True)


@bp.delete("/annotations/<uid>/hidden")
def show_annotation(uid: str):
    return _set_hidden(uid, False)


def _set_hidden(uid: str, hidden: bool):
    user = require_user()
    annotation = store.get_visible(user, uid)
    return annotation_response(groups.set_hidden(user, annotation, hidden), current_user())


GID = path_param("gid", {"type": "string"})
USERNAME = path_param("username", {"type": "string"})
TOKEN = path_param("token", {"type": "string"})
NOT_YOURS = {"401": err("sign in first"), "404": err("no such group, or not yours")}

register({
    "/api/groups": {
        "post": {"summary": "Make a group; you are its owner",
                 "requestBody": JSON_BODY(ref("GroupInput")),
                 "responses": {**ok("created", ref("Group"), "201"),
                               "400": err("bad input"), "401": err("sign in first")}},
        "get": {"summary": "Your groups, with your role in each",
                "responses": {**ok("groups", {"type": "object", "properties": {
                    "items": {"type": "array", "items": ref("Group")}}}),
                              "401": err("sign in first")}}},
    "/api/groups/{gid}": {
        "parameters": [GID],
        "get": {"summary": "One of your groups", "responses": {**ok("the group", ref("Group")),
                                                              **NOT_YOURS}},
        "patch": {"summary": "Rename or describe a group (its owner)",
                  "requestBody": JSON_BODY(ref("GroupInput")),
                  "responses": {**ok("changed", ref("Group")), **NOT_YOURS,
                                "400": err("bad input"), "403": err("not its owner")}},
        "delete": {"summary": "Delete a group (its owner): its annotations become their "
                              "authors' private ones",
                   "responses": {"204": {"description": "deleted"}, **NOT_YOURS,
                                 "403": err("not its owner")}}},
    "/api/groups/{gid}/members": {
        "parameters": [GID],
        "get": {"summary": "A group's members and their roles",
                "responses": {**ok("members", {"type": "object"}), **NOT_YOURS}}},
    "/api/groups/{gid}/members/{username}": {
        "parameters": [GID, USERNAME],
        "patch": {"summary": "Change a member's role (the owner); a group keeps an owner",
                  "requestBody": JSON_BODY({"type": "object", "required": ["role"],
                                            "properties": {"role": {"type": "string", "enum": [
                                                "owner", "moderator", "member"]}}}),
                  "responses": {**ok("the member", ref("Member")), **NOT_YOURS,
                                "400": err("bad role"), "403": err("not the owner"),
                                "409": err("the last owner cannot step down")}},
        "delete": {"summary": "Leave (yourself) or remove a member (owner; moderators remove "
                              "members)",
                   "responses": {"204": {"description": "out of the group at once"},
                                 **NOT_YOURS, "403": err("not allowed to remove them"),
                                 "409": err("the last owner cannot leave")}}},
    "/api/groups/{gid}/invites": {
        "parameters": [GID],
        "post": {"summary": "Make an invite link (owner, moderators); its token is shown once",
                 "requestBody": {"required": False, "content": {"application/json": {
                     "schema": ref("InviteInput")}}},
                 "responses": {**ok("the invite with its token", ref("Invite"), "201"),
                               **NOT_YOURS, "400": err("bad input"),
                               "403": err("members may not invite")}},
        "get": {"summary": "A group's invites (owner, moderators), never their tokens",
                "responses": {**ok("invites", {"type": "object"}), **NOT_YOURS,
                              "403": err("members may not see invites")}}},
    "/api/groups/{gid}/invites/{invite_id}": {
        "parameters": [GID, path_param("invite_id", {"type": "integer"})],
        "delete": {"summary": "Revoke an invite (owner, moderators)",
                   "responses": {"204": {"description": "revoked"}, **NOT_YOURS,
                                 "403": err("members may not revoke invites")}}},
    "/api/invites/{token}": {
        "parameters": [TOKEN],
        "get": {"summary": "The group an invite is for, before accepting it",
                "responses": {**ok("the group", ref("Group")), "401": err("sign in first"),
                              "404": err("no such invite"),
                              "410": err("the invite expired, was used up or revoked")}}},
    "/api/invites/{token}/accept": {
        "parameters": [TOKEN],
        "post": {"summary": "Join the invite's group as a member",
                 "responses": {**ok("the group", ref("Group")), "401": err("sign in first"),
                               "404": err("no such invite"),
                               "410": err("the invite expired, was used up or revoked")}}},
    "/api/annotations/{uid}/hidden": {
        "parameters": [path_param("uid", {"type": "string", "format": "uuid"})],
        "put": {"summary": "Hide a group's annotation from its members (owner, moderators)",
                "responses": {**ok("the annotation", ref("Annotation")),
                              "401": err("sign in first"), "404": err("no such annotation"),
                              "403": err("not a moderator of its group")}},
        "delete": {"summary": "Show a hidden annotation again (owner, moderators)",
                   "responses": {**ok("the annotation", ref("Annotation")),
                                 "401": err("sign in first"), "404": err("no such annotation"),
                                 "403": err("not a moderator of its group")}}},
})
