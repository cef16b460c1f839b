"""Who is asking: bearer tokens on every request, the client's address, and helpers views use
to demand a user."""

from __future__ import annotations

from flask import current_app, g, request

from . import config
from .errors import APIError
from .models import Token, User
from .store import accounts


def bearer() -> str | None:
    """The bearer token this request sends, or None: the scheme is read without regard to case
    (`bearer`, `Bearer`), as HTTP says; every check of "is a token sent" asks here."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def client_address() -> str | None:
    """Return the address of the client making the request, the one sign-ins are counted by
    and the request log names.

    The only place that decides it. The socket's peer, unless that peer is a trusted proxy
    (POSTIL_TRUSTED_PROXIES): then `X-Forwarded-For` is read from the right, each hop having been
    appended by the proxy before it, and the first address that is not itself a trusted proxy is
    the client. Items to its left were written by that client and prove nothing. A hop that is
    not an address ends the walk at the last proxy known; every hop trusted, the left-most one.
    """
    peer = request.remote_addr
    trusted = current_app.config.get("TRUSTED_PROXIES")
    if not trusted or not config.is_trusted_proxy(peer, trusted):
        return peer
    client = peer
    for hop in reversed(request.environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = hop.strip()
        if not config.is_trusted_proxy(hop, trusted):
            return hop if _is_address(hop) else client
        client = hop
    return client


def _is_address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def token_policy() -> accounts.TokenPolicy:
    return accounts.TokenPolicy.from_config(current_app.config)


def current_user() -> User | None:
    """Return the signed-in user, or None for an anonymous reader."""
    if "user" not in g:
        g.user, g.token = None, None
        token = bearer()
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
