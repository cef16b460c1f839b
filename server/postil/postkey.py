"""The post key of DESIGN §1: normalised sites and page URLs, and the (site, post_id) of a
WordPress REST post.

Pure functions only (no Flask, no database). The extension's `src/post-key` module applies the
same rules inside the browser (it also reads a page's signals, which the server never sees);
tests/fixtures/post-key-cases.json holds the cases both must agree on.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import idna

DEFAULT_PORTS = {"http": "80", "https": "443"}

# Query parameters that say how a reader arrived, never which page they read.
TRACKING_PARAMS = frozenset(
    {"gclid", "fbclid", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
     "_ga", "_gl", "ref", "ref_src", "spm", "amp"}
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

REST_POST_PATH = re.compile(r"/wp/v2/(?P<type>[a-z0-9_-]+)/(?P<id>\d+)/?$", re.IGNORECASE)
# REST routes of /wp/v2/ that name something other than a post of some type (the extension's
# post-key module keeps the same list): a category archive links /wp/v2/categories/ID.
NOT_POST_ROUTES = frozenset(
    {"categories", "tags", "users", "comments", "taxonomies", "types", "statuses", "settings",
     "search", "block-types", "themes", "plugins", "menus", "menu-items", "menu-locations",
     "sidebars", "widgets", "widget-types", "global-styles", "navigation", "font-families"}
)


# C0 controls and DEL; tab, CR and LF never reach here (urlsplit removes them, as browsers do).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PostKeyError(ValueError):
    """A URL or document that cannot give a key."""


@dataclass(frozen=True)
class PostKey:
    site: str
    post_id: int | None
    url_key: str | None
    signal: str


def _split(url: str):
    if not isinstance(url, str) or not url.strip():
        raise PostKeyError("a URL is required")
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise PostKeyError(f"not an http(s) URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise PostKeyError(f"not an http(s) URL: {url!r}")
    if CONTROL.search(hostname):
        raise PostKeyError(f"control characters in the host of {url!r}")
    return parts


# Code points a host may not hold once percent-decoded (the WHATWG URL standard's list, less the
# ones urlsplit has already split at).
FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
# The URL standard reads a host whose last label is a number as an IPv4 address ("0x7f.1").
ENDS_IN_NUMBER = re.compile(r"(?:^|\.)(?:[0-9]+|0[xX][0-9a-fA-F]*)\.?$")


def ascii_host(host: str) -> str:
    """Write a host name as browsers do (the URL standard's "domain to ASCII" and IPv4 parser).

    UTS #46 mapping without transitional processing (so "ß" stays itself), then Punycode for
    every label that is not ASCII: "Bücher.example" -> "xn--bcher-kva.example"; a host ending in
    a number is an IPv4 address, written in dotted decimal ("0x7f.1" -> "127.0.0.1"). The
    extension takes its hosts from the browser's URL parser, so an address typed either way gets
    the same key on both sides.
    """
    if "%" in host:
        host = unquote(host)
    if FORBIDDEN_HOST.search(host):
        raise PostKeyError(f"not a valid host name: {host!r}")
    if not host.isascii():
        try:
            host = idna.uts46_remap(host, std3_rules=False, transitional=False)
        except idna.IDNAError as exc:
            raise PostKeyError(f"not a valid host name: {host!r} ({exc})") from None
    labels = []
    for label in host.lower().split("."):
        if not label.isascii():
            label = "xn--" + label.encode("punycode").decode("ascii")
        labels.append(label)
    host = ".".join(labels)
    return _ipv4(host) if ENDS_IN_NUMBER.search(host) else host


def _ipv4(host: str) -> str:
    parts = host.split(".")
    if parts[-1] == "":
        parts.pop()
    numbers = []
    for part in parts:
        if re.fullmatch(r"0[xX][0-9a-fA-F]*", part):
            numbers.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]+", part):
            numbers.append(int(part, 8))
        elif re.fullmatch(r"0|[1-9][0-9]*", part):
            numbers.append(int(part))
        else:
            raise PostKeyError(f"not a valid IPv4 address: {host!r}")
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]) \
            or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise PostKeyError(f"not a valid IPv4 address: {host!r}")
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return str(ipaddress.IPv4Address(value))


def _host_port(parts) -> str:
    host = parts.hostname.rstrip(".")
    if ":" in host:
        # An IPv6 literal, written as browsers write it ("::ffff:1.2.3.4" -> "::ffff:102:304"),
        # keeps its brackets, or "::1" plus a port would read as another address.
        try:
            if "%" in host:
                raise ValueError("a zone id")
            host = f"[{ipaddress.IPv6Address(host)}]"
        except ValueError as exc:
            raise PostKeyError(f"not a valid IPv6 address: {host!r} ({exc})") from None
    else:
        # urlsplit's `hostname` is str.lower()ed, which writes a final capital sigma as "ς";
        # UTS #46 (browsers) maps every "Σ" to "σ". Map the host as written.
        raw = parts.netloc.rpartition("@")[2].partition(":")[0]
        host = ascii_host(raw if raw.lower() == parts.hostname else host).rstrip(".")
        if not host:
            raise PostKeyError("an empty host name")
        if host.startswith("www."):
            host = host[4:]
    try:
        port = parts.port
    except ValueError as exc:
        raise PostKeyError(f"bad port in URL: {exc}") from None
    if port is not None and str(port) != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host


def _clean_path(path: str) -> str:
    # Percent-decoding only unreserved characters would be purer; decoding everything then
    # re-encoding nothing keeps keys readable, and WordPress slugs are ASCII or percent-encoded
    # UTF-8 either way.
    path = re.sub(r"/{2,}", "/", unquote(path))
    if CONTROL.search(path):
        # A NUL in a key is refused by PostgreSQL (a 500) and means nothing to a reader.
        raise PostKeyError("control characters in the URL path")
    return path.rstrip("/")


@lru_cache(maxsize=4096)  # a reader's highlights name the same few sites over and over
def normalise_site(value: str) -> str:
    """Return the site key for a home URL or an already-normalised site string."""
    if isinstance(value, str) and "://" not in value and value.strip():
        value = "http://" + value.strip()
    parts = _split(value)
    return _host_port(parts) + _clean_path(parts.path)


def site_from_rest_root(href: str) -> str:
    """Return the site for a REST API root (`…/wp-json/` or `…/?rest_route=/`)."""
    parts = _split(href)
    path = parts.path
    if "rest_route=" in parts.query:
        path = re.sub(r"/index\.php$", "", path.rstrip("/"))
    else:
        idx = path.find("/wp-json")
        if idx >= 0:
            path = re.sub(r"/index\.php$", "", path[:idx])
    return _host_port(parts) + _clean_path(path)


def post_id_from_rest_href(href: str) -> int | None:
    """Return the post id in a REST post URL (`…/wp-json/wp/v2/posts/ID` or `?rest_route=`)."""
    parts = _split(href)
    route = dict(parse_qsl(parts.query)).get("rest_route")
    match = REST_POST_PATH.search(route if route else parts.path)
    if not match or match.group("type").lower() in NOT_POST_ROUTES:
        return None
    return int(match.group("id"))


def site_from_rest_href(href: str) -> str:
    """Return the site for a REST resource URL such as a post's `_links.self`."""
    parts = _split(href)
    if "rest_route=" in parts.query:
        return site_from_rest_root(href)
    idx = parts.path.find("/wp-json/")
    if idx < 0:
        raise PostKeyError(f"not a WordPress REST URL: {href!r}")
    # "Almost pretty" permalinks serve the API at /index.php/wp-json/; the home has no index.php.
    return _host_port(parts) + _clean_path(re.sub(r"/index\.php$", "", parts.path[:idx]))


def post_id_from_shortlink(href: str) -> int | None:
    """Return ID from a shortlink `…/?p=ID`."""
    value = dict(parse_qsl(_split(href).query)).get("p", "")
    # ASCII digits only: "²".isdigit() is true and int("²") raises.
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


def site_from_shortlink(href: str) -> str:
    """Return everything before `?p=` of a shortlink, normalised."""
    parts = _split(href)
    return _host_port(parts) + _clean_path(parts.path)


def key_of_shortlink(url: str) -> tuple[str, int] | None:
    """Return (site, post_id) when `url` is a bare WordPress shortlink `…/?p=ID`, else None.

    Only the bare form: a shortlink with other parameters (`&preview=true&key=…`) is an address
    of its own, which a reader may have been shown privately.
    """
    key = normalise_url(url)
    match = re.fullmatch(r"([^?]+)\?p=([0-9]{1,18})", key)
    return (match.group(1), int(match.group(2))) if match else None


def normalise_url(url: str) -> str:
    """Return the key URL of a page that is not a WordPress post.

    Scheme, `www.` and default ports go (http and https show the same article), the fragment and
    tracking parameters go, the remaining query is sorted.
    """
    parts = _split(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    path = _clean_path(parts.path)
    key = _host_port(parts) + (path or "")
    if query:
        key += "?" + urlencode(query)
    return key


def key_from_rest_post(doc: dict) -> PostKey:
    """Return the key of a WordPress REST post JSON: `_links.self` names the site and the id."""
    if not isinstance(doc, dict):
        raise PostKeyError("a WordPress post must be a JSON object")
    post_id = doc.get("id")
    if not isinstance(post_id, int) or isinstance(post_id, bool) or post_id <= 0:
        raise PostKeyError("'id' must be a positive integer")
    links = doc.get("_links")
    selves = links.get("self") if isinstance(links, dict) else None
    first = selves[0] if isinstance(selves, list) and selves else None
    href = first.get("href") if isinstance(first, dict) else None
    if href:
        site = site_from_rest_href(href)
        linked = post_id_from_rest_href(href)
        if linked is not None and linked != post_id:
            raise PostKeyError("'_links.self' names another post than 'id'")
        return PostKey(site=site, post_id=post_id, url_key=None, signal="rest-link")
    guid = (doc.get("guid") or {}).get("rendered") if isinstance(doc.get("guid"), dict) else None
    if guid and post_id_from_shortlink(guid) == post_id:
        return PostKey(site=site_from_shortlink(guid), post_id=post_id, url_key=None,
                       signal="shortlink")
    raise PostKeyError("cannot tell the site: '_links.self' (or a '?p=' guid) is required")
