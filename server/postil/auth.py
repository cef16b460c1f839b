"""Who is asking: bearer tokens on every request, the client's address, and helpers views use
to demand a user."""

from __future__ import annotations

from flask import current_app, g, request

from .errors import APIError
from .models import Token, User
from .store import accounts


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def client_address() -> str | None:
    """Return the address of the client making the request, the one sign-ins are counted by.

    The only place that decides it: the socket's peer (a proxy in front of the server makes
    that the proxy's; trusting its forwarded headers is for this function alone to learn).
    """
    return request.remote_addr


def token_policy() -> accounts.TokenPolicy:
    return accounts.TokenPolicy.from_config(current_app.config)


def current_user() -> User | None:
    """Return the signed-in user, or None for an anonymous reader."""
    if "user" not in g:
        g.user, g.token = None, None
        token = _bearer()
        if token is not None:
            found = accounts.session_for(token, token_policy())
            if found is None:
                # A wrong token is an error, not silent anonymity: the client must sign in again.
                raise APIError(401, "the token is invalid, expired or was signed out",
                               "invalid_token")
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
