"""Who is asking: bearer tokens on every request, and helpers views use to demand a user."""

from __future__ import annotations

from flask import g, request

from .errors import APIError
from .models import Token, User


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_user() -> User | None:
    """Return the signed-in user, or None for an anonymous reader."""
    if "user" not in g:
        g.user, g.token = None, None
        token = _bearer()
        if token is not None:
            found = Token.user_for(token)
            if found is None:
                # A wrong token is an error, not silent anonymity: the client must sign in again.
                raise APIError(401, "the token is invalid or was signed out", "invalid_token")
            g.user, g.token = found
    return g.user


def require_user() -> User:
    user = current_user()
    if user is None:
        raise APIError(401, "sign in: send 'Authorization: Bearer <token>'")
    return user


def current_token() -> Token | None:
    current_user()
    return g.token
