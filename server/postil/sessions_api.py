"""The signed-in user's sessions and password under /api: list and end sessions, change password.

Every view acts on the caller's own account only: a session id of someone else's is a 404, the
same as one that does not exist. Signing in and out (`POST /api/tokens`,
`DELETE /api/tokens/current`) stay in `api.py`.
"""

from __future__ import annotations

from flask import Blueprint

from . import parse, present
from .api import failed_sign_in, json_body, signin_policy
from .auth import client_address, current_token, require_user, token_policy
from .domain_errors import Forbidden
from .models import User
from .store import accounts, throttle

bp = Blueprint("sessions", __name__, url_prefix="/api")


@bp.get("/tokens")
def list_sessions():
    user = require_user()
    policy = token_policy()
    current = current_token().id
    return {"items": [present.session_json(t, policy.expires_us(t), current=t.id == current)
                      for t in accounts.sessions(user, policy)]}


@bp.delete("/tokens/<int:token_id>")
def end_session(token_id: int):
    accounts.revoke(require_user(), token_id)
    return "", 204


@bp.delete("/tokens")
def end_other_sessions():
    """Sign out everywhere else: every session of the caller ends but the one asking."""
    user = require_user()
    accounts.revoke_all(user, keep=current_token().id)
    return "", 204


@bp.put("/me/password")
def change_password():
    user = require_user()
    change = parse.password_change(json_body())
    address = client_address()
    # A stolen token must not become a fast way to guess the password: this counts as signing in.
    throttle.check(signin_policy(), username=user.name, address=address)
    if not user.check_password(change.current_password):
        failed_sign_in(user.name, address)
        raise Forbidden("the current password is wrong", code="wrong_password")
    hashed = User(name=user.name)
    hashed.set_password(change.new_password)
    accounts.set_password_hash(user, hashed.password_hash, keep=current_token().id)
    return "", 204
