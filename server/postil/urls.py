"""The root every absolute link starts from, and links to annotations by id built from it.

The root is decided here and nowhere else, before Flask sees the request: POSTIL_PUBLIC_URL when
it is set, else the request's own scheme and `Host`, and a `Host` the server does not answer to
(POSTIL_ALLOWED_HOSTS) is never used: that request is answered 400 before any view runs, so no
link, redirect or page can carry a name a client made up.

Behind a reverse proxy the socket's peer is the proxy. Only when that peer is one of
POSTIL_TRUSTED_PROXIES are `X-Forwarded-Proto` and `X-Forwarded-Host` taken for the request's
scheme and host (the forwarded host passes the same allowed-hosts check as `Host`), and
`X-Forwarded-For` read by `auth.client_address()`, the one place that decides the client's
address. From any other peer they are ignored. They are left in the request all the same: their
mere presence from an untrusted peer is how /metrics tells a local proxy's relayed request from a
local caller. The WSGI servers are told to leave these headers alone (waitress neither clears
nor applies them, gunicorn trusts no forwarded IPs): this is the only rule.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, request, url_for

from . import config
from .errors import APIError

# A Host header: a bracketed IPv6 address or a name without URL delimiters, and an optional port.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^\[\]:/?#@\\\s]+)(?::[0-9]{1,5})?", re.IGNORECASE)
REFUSED_HOST = "postil.refused_host"
_SCHEMES = ("http", "https")


def _last(value: str) -> str:
    """The right-most item of a comma-separated header: the one the nearest proxy wrote."""
    return value.rsplit(",", 1)[-1].strip()


def host_admitted(host: str, allowed: list[str] | None) -> bool:
    """Return whether `host` (a Host header, port and all) names this server.

    `allowed` lists host names, `.example.org` for that domain and its subdomains; None admits
    every well-formed host. The port is not compared: the server answers on one.
    """
    match = _HOST.fullmatch(host)
    if match is None:
        return False
    if allowed is None:
        return True
    name = match.group(1).lower().rstrip(".")
    return any(name == ref or (ref.startswith(".") and (name == ref[1:] or name.endswith(ref)))
               for ref in allowed)


class PublicRoot:
    """WSGI middleware: refuse unknown hosts, and make the public URL the request's root."""

    def __init__(self, wsgi_app, public_url: str, allowed: list[str] | None,
                 trusted: tuple = ()):
        self.wsgi_app = wsgi_app
        self.allowed = allowed
        self.trusted = trusted
        parts = urlsplit(public_url) if public_url else None
        self.public = (parts.scheme, parts.netloc, parts.path.rstrip("/")) if parts else None

    def __call__(self, environ, start_response):
        if config.is_trusted_proxy(environ.get("REMOTE_ADDR"), self.trusted):
            self._take_forwarded(environ)
        host = environ.get("HTTP_HOST")
        # Without a Host header (HTTP/1.0) werkzeug uses the server's own name and port.
        if host is not None and not host_admitted(host, self.allowed):
            environ[REFUSED_HOST] = host
            environ["HTTP_HOST"] = "localhost"
        if self.public is not None:
            scheme, netloc, path = self.public
            environ.update({"wsgi.url_scheme": scheme, "HTTP_HOST": netloc, "SCRIPT_NAME": path})
        return self.wsgi_app(environ, start_response)

    @staticmethod
    def _take_forwarded(environ) -> None:
        """Use a trusted proxy's forwarded scheme and host as the request's own."""
        proto = _last(environ.get("HTTP_X_FORWARDED_PROTO", "")).lower()
        if proto in _SCHEMES:
            environ["wsgi.url_scheme"] = proto
        host = _last(environ.get("HTTP_X_FORWARDED_HOST", ""))
        if host:
            environ["HTTP_HOST"] = host


# Answered whatever Host a request names: a load balancer or monitor probes by address, and the
# answer holds no link.
HOST_FREE_ENDPOINTS = frozenset({"health.healthz"})


def _refuse_unknown_host() -> None:
    host = request.environ.get(REFUSED_HOST)
    if host is not None and request.endpoint not in HOST_FREE_ENDPOINTS:
        raise APIError(400, f"this server does not answer to the host {host[:100]!r}; "
                            "its operator lists the names it answers to in POSTIL_ALLOWED_HOSTS",
                       "unknown_host")


def init_app(app: Flask) -> None:
    """Decide every request's root from the configuration (see the module's paragraph)."""
    trusted = app.config.get("TRUSTED_PROXIES") or ()
    if isinstance(trusted, str) or any(isinstance(t, str) for t in trusted):
        trusted = config.trusted_proxies(trusted if isinstance(trusted, str) else ",".join(trusted))
    app.config["TRUSTED_PROXIES"] = tuple(trusted)
    app.wsgi_app = PublicRoot(app.wsgi_app, app.config.get("PUBLIC_URL", ""),
                              app.config.get("ALLOWED_HOSTS"), app.config["TRUSTED_PROXIES"])
    # First of the before-request hooks: no other runs for a refused host.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)

_SOME_UID = "00000000-0000-4000-8000-000000000000"
# What the root URL of a request (scheme, host, script path) is made of.
_ROOT_PARTS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")


@lru_cache(maxsize=64)
def _around_uid(endpoint: str, root: tuple, external: bool) -> tuple[str, str]:
    head, tail = url_for(endpoint, uid=_SOME_UID, _external=external).split(_SOME_UID)
    return head, tail


def uid_url(endpoint: str, uid: str, *, external: bool = True) -> str:
    """Return `url_for(endpoint, uid=uid)` for a stored (canonical) annotation id, quicker.

    Every annotation in an answer carries two or three such links, and building each through
    the URL map cost more than the rest of its JSON; the parts around the id are the same for
    every id under one root URL.
    """
    env = request.environ
    head, tail = _around_uid(endpoint, tuple(env.get(k) for k in _ROOT_PARTS), external)
    return head + uid + tail


class UidUrls:
    """`uid_url` for the many ids of one answer: the parts around the id read once per endpoint.

    Made per answer (in a request) and dropped with it, as the root can differ per request.
    """

    def __init__(self) -> None:
        env = request.environ
        self._root = tuple(env.get(k) for k in _ROOT_PARTS)
        self._around: dict[tuple[str, bool], tuple[str, str]] = {}

    def __call__(self, endpoint: str, uid: str, *, external: bool = True) -> str:
        around = self._around.get((endpoint, external))
        if around is None:
            around = self._around[endpoint, external] = _around_uid(endpoint, self._root,
                                                                    external)
        return around[0] + uid + around[1]
