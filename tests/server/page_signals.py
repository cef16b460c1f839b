"""What a page says about which post it is, read from its HTML and Link header the way the
extension's post-key module reads a live document (DESIGN §1's order of signals), built on
postil.postkey's rules. The server never reads pages; the tests use this to check those rules
give one key for a post at every URL it is reached by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from postil import postkey

BODY_CLASS = re.compile(r"(?:^|\s)(?:postid|page-id)-(\d+)(?:\s|$)")
ARTICLE_ID = re.compile(r"^post-(\d+)$")


@dataclass
class PageSignals:
    """What a page says about itself; every field optional."""

    url: str
    rest_root: str | None = None
    rest_alternate: str | None = None
    shortlink: str | None = None
    body_class: str | None = None
    article_ids: tuple[str, ...] = ()
    canonical: str | None = None


def key_from_signals(s: PageSignals) -> postkey.PostKey:
    """Apply DESIGN §1's order of signals; say which one gave the post id."""
    post_id, signal = None, "url"
    # An archive page links its term's REST route (custom taxonomies too); only a post names a post.
    archive = "archive" in (s.body_class or "").split()
    candidates = [
        ("rest-link", lambda: postkey.post_id_from_rest_href(s.rest_alternate)
         if s.rest_alternate and not archive else None),
        ("shortlink", lambda: postkey.post_id_from_shortlink(s.shortlink) if s.shortlink else None),
        ("body-class", lambda: _body_class_id(s.body_class)),
        ("article-id", lambda: _article_id(s.article_ids)),
    ]
    for name, get in candidates:
        try:
            value = get()
        except postkey.PostKeyError:
            value = None
        if value is not None:
            post_id, signal = value, name
            break
    if post_id is None:
        return postkey.PostKey(site=site_from_page(s), post_id=None,
                               url_key=postkey.normalise_url(s.canonical or s.url), signal="url")
    return postkey.PostKey(site=site_from_page(s), post_id=post_id, url_key=None, signal=signal)


def site_from_page(s: PageSignals) -> str:
    for get in (
        lambda: postkey.site_from_rest_root(s.rest_root) if s.rest_root else None,
        lambda: postkey.site_from_shortlink(s.shortlink) if s.shortlink else None,
    ):
        try:
            value = get()
        except postkey.PostKeyError:
            value = None
        if value:
            return value
    return postkey._host_port(postkey._split(s.url))


def _body_class_id(body_class: str | None) -> int | None:
    match = BODY_CLASS.search(body_class or "")
    return int(match.group(1)) if match else None


def _article_id(ids: tuple[str, ...]) -> int | None:
    found = [int(m.group(1)) for m in (ARTICLE_ID.match(i) for i in ids) if m]
    return found[0] if len(found) == 1 else None


class _HeadParser(HTMLParser):
    def __init__(self, signals: PageSignals):
        super().__init__(convert_charrefs=True)
        self.s = signals
        self.articles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        href = a.get("href", "")
        if tag == "link" and href:
            if "https://api.w.org/" in rel and not self.s.rest_root:
                self.s.rest_root = href
            elif "alternate" in rel and a.get("type", "").lower() == "application/json":
                self.s.rest_alternate = self.s.rest_alternate or href
            elif "shortlink" in rel:
                self.s.shortlink = self.s.shortlink or href
            elif "canonical" in rel:
                self.s.canonical = self.s.canonical or href
        elif tag == "body":
            self.s.body_class = a.get("class", "")
        elif tag == "article" and a.get("id"):
            self.articles.append(a["id"])


LINK_HEADER_PART = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    """Parse an HTTP Link header into (href, params) pairs."""
    out = []
    for match in LINK_HEADER_PART.finditer(value or ""):
        params = {}
        for p in match.group(2).split(";"):
            if "=" in p:
                k, v = p.split("=", 1)
                params[k.strip().lower()] = v.strip().strip('"')
        out.append((match.group(1), params))
    return out


def signals_from_html(html: str, url: str, link_header: str | None = None) -> PageSignals:
    """Read the WordPress signals from a page's HTML and its HTTP Link header."""
    s = PageSignals(url=url)
    for href, params in parse_link_header(link_header or ""):
        rel = params.get("rel", "").lower().split()
        if "https://api.w.org/" in rel:
            s.rest_root = s.rest_root or href
        elif "alternate" in rel and params.get("type", "").lower() == "application/json":
            s.rest_alternate = s.rest_alternate or href
        elif "shortlink" in rel:
            s.shortlink = s.shortlink or href
    parser = _HeadParser(s)
    parser.feed(html)
    s.article_ids = tuple(parser.articles)
    return s
