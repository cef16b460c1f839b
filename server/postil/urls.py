"""Links to annotations by id, built once per root URL instead of once per annotation."""

from __future__ import annotations

from functools import lru_cache

from flask import request, url_for

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
