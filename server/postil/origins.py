"""Sites and origins as text: which site a URL is under, and an origin written as browsers send it.

Pure functions (no Flask, no database), used by `parse` for a site's registration and by
`store.sites` for lookups. A site's key is the post key's `site` (DESIGN §1), so the rules of
`postkey` make it; an origin is compared byte for byte with the `Origin` header, so it is
written the browsers' way: lower-case scheme and host, the host in ASCII (Punycode), no default
port, nothing after it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from . import postkey

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ORIGIN = 255


class OriginError(ValueError):
    """Text that is not an http(s) origin."""


def normalise_origin(value: str, *, exact: bool = False) -> str:
    """Return `value` (an origin, or a URL whose origin is meant) as a browser's Origin header.

    `exact`: `value` must be an origin alone (a path, query or fragment is refused).
    """
    if not isinstance(value, str) or not value.strip():
        raise OriginError("an origin is required, such as https://blog.example")
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise OriginError(f"not an http(s) origin: {text!r} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise OriginError(f"not an http(s) origin: {text!r} (write it as https://host)")
    if exact and (parts.path not in ("", "/") or parts.query or parts.fragment):
        raise OriginError(f"an origin has no path, query or fragment: {text!r}")
    if parts.username is not None or parts.password is not None:
        raise OriginError(f"an origin has no user name or password: {text!r}")
    host = parts.hostname.rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    else:
        try:
            host = postkey.ascii_host(host).rstrip(".")
        except postkey.PostKeyError as exc:
            raise OriginError(str(exc)) from None
    if not host:
        raise OriginError(f"an empty host in {text!r}")
    origin = f"{scheme}://{host}"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        origin += f":{port}"
    if len(origin) > MAX_ORIGIN:
        raise OriginError(f"an origin is at most {MAX_ORIGIN} characters")
    return origin


def _as_url(text: str) -> str:
    """An address as a URL: "blog.example/news" is read as https://blog.example/news. An
    address with a user name ("mailto:a@b.example" read so) is no site's."""
    text = text.strip()
    url = text if "://" in text else "https://" + text
    try:
        userinfo = urlsplit(url).username is not None
    except ValueError as exc:
        raise OriginError(f"not an http(s) URL: {text!r} ({exc})") from None
    if userinfo:
        raise OriginError(f"not a site's address: {text!r} (a user name or another scheme)")
    return url


def site_key(url: str) -> str:
    """Return the site key of a site's home URL (or of a key given as it is)."""
    if not isinstance(url, str):
        raise OriginError("a URL is required")
    try:
        return postkey.normalise_site(_as_url(url))
    except postkey.PostKeyError as exc:
        raise OriginError(str(exc)) from None


def candidate_keys(url: str) -> list[str]:
    """Return the site keys a URL could lie under, longest first.

    "https://www.example.org/news/2026/05/a-post/?x=1" -> ["example.org/news/2026/05/a-post",
    "example.org/news/2026/05", "example.org/news/2026", "example.org/news", "example.org"]:
    a site is a (sub)site's home, and a post's page lies at or below it.
    """
    if not isinstance(url, str):
        raise OriginError("a URL is required")
    text = _as_url(url)
    try:
        path = urlsplit(text).path
        whole = postkey.normalise_site(urlsplit(text)._replace(path=path, query="",
                                                               fragment="").geturl())
    except (ValueError, postkey.PostKeyError) as exc:
        raise OriginError(str(exc)) from None
    host, _, rest = whole.partition("/")
    keys = [host]
    for segment in [s for s in rest.split("/") if s]:
        keys.append(f"{keys[-1]}/{segment}")
    return keys[::-1]


def key_candidates_of_post(site: str, url_key: str | None) -> list[str]:
    """Return the site keys a stored post could belong to, longest first: its key's `site`, or
    for a page keyed by its URL, every home that URL lies under."""
    if not url_key:
        return [site]
    host, _, rest = url_key.partition("?")[0].partition("/")
    keys = [host]
    for segment in [s for s in rest.split("/") if s]:
        keys.append(f"{keys[-1]}/{segment}")
    return keys[::-1]
