"""Helpers the formatters share: grouping by post, passage links, Markdown escaping, file names."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote, unquote, urlsplit

# How much of a long quote a passage link names at each end; browsers find the rest between.
FRAGMENT_EDGE_WORDS = 4
FRAGMENT_WHOLE_WORDS = 8
FRAGMENT_CONTEXT_WORDS = 3


def by_post(annotations: Iterable[dict]) -> Iterator[tuple[dict, Iterator[dict]]]:
    """Group consecutive annotations of the same post: (post summary, its annotations)."""
    # Callers use up each group before asking for the next, as groupby requires.
    for _, group in itertools.groupby(annotations, key=lambda a: a["post"]["id"]):
        first = next(group)
        yield first["post"], itertools.chain((first,), group)  # noqa: B031


def day(iso_time: str | None) -> str:
    return (iso_time or "")[:10]


def is_web_url(url: str | None) -> bool:
    return bool(url) and re.match(r"^https?://[^\s/?#]+", url, re.I) is not None


def link_url(url: str) -> str:
    """Return the URL with characters that would end a Markdown or HTML link percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def text_quote(annotation: dict) -> dict | None:
    return next((s for s in annotation.get("selectors") or []
                 if s.get("type") == "TextQuoteSelector"), None)


def _fragment_part(text: str) -> str:
    # Text directives give '-', ',' and '&' meanings of their own, so they must be escaped too.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment(annotation: dict) -> str | None:
    """Return a `:~:text=` directive that scrolls a browser to the highlighted passage.

    Browsers match the directive's pieces at word boundaries inside one block of text, so long
    quotes are named by their first and last words, quotes across paragraphs by their first and
    last lines, and the prefix and suffix (which the extension cuts at a fixed length, often
    mid-word) lose their cut word.
    """
    selector = text_quote(annotation)
    exact = selector["exact"] if selector else annotation.get("quote") or ""
    lines = [" ".join(line.split()) for line in exact.splitlines() if line.strip()]
    if not lines:
        return None
    first_words, last_words = lines[0].split(), lines[-1].split()
    if len(lines) == 1 and len(first_words) <= FRAGMENT_WHOLE_WORDS:
        start, end = lines[0], None
    else:
        start = " ".join(first_words[:FRAGMENT_EDGE_WORDS])
        end = " ".join(last_words[-FRAGMENT_EDGE_WORDS:])
    prefix = suffix = None
    if selector and selector.get("prefix"):
        words = selector["prefix"].splitlines()[-1].split() if selector["prefix"].strip() else []
        if not selector["prefix"].endswith(("\n", "\r")) and len(words) >= 2:
            prefix = " ".join(words[1:][-FRAGMENT_CONTEXT_WORDS:])
    if selector and selector.get("suffix"):
        words = selector["suffix"].splitlines()[0].split() if selector["suffix"].strip() else []
        if not selector["suffix"].startswith(("\n", "\r")) and len(words) >= 2:
            suffix = " ".join(words[:-1][:FRAGMENT_CONTEXT_WORDS])
    directive = "text="
    if prefix:
        directive += _fragment_part(prefix) + "-,"
    directive += _fragment_part(start)
    if end:
        directive += "," + _fragment_part(end)
    if suffix:
        directive += ",-" + _fragment_part(suffix)
    return ":~:" + directive


def passage_url(annotation: dict) -> str | None:
    """Return the post's URL with a text fragment for the passage (the bare URL for page notes)."""
    url = annotation["post"].get("url") or ""
    if not is_web_url(url):
        return None
    base = link_url(url.split("#", 1)[0])
    fragment = text_fragment(annotation)
    return f"{base}#{fragment}" if fragment else base


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#~=$|])")
_MD_LINE_START = re.compile(r"^(\s*)([-+]|\d+[.)])(?=\s|$)", re.M)


def md_text(text: str) -> str:
    """Escape plain text so Markdown (and Obsidian's extensions) show it as typed."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1],
                              text)


def md_line(text: str) -> str:
    return md_text(" ".join(text.split()))


def hashtag(tag: str) -> str:
    """Return a tag as `#tag` that Obsidian and other Markdown tools read as one tag."""
    word = re.sub(r"[^\w/-]+", "-", tag).strip("-") or "tag"
    return "#" + word


_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*#^\[\]]')
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                               *(f"LPT{i}" for i in range(1, 10))})


def safe_filename(name: str, max_chars: int = 80) -> str:
    """Return a file name that is valid on Windows, macOS and Linux and in an Obsidian vault."""
    name = unicodedata.normalize("NFC", name)
    name = " ".join(_UNSAFE_IN_NAME.sub(" ", name).split()).strip(" .")
    name = name[:max_chars].rstrip(" .")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name


def post_file_stem(post: dict) -> str:
    """Name a post's file by its title, else its URL slug, else its key."""
    for candidate in (post.get("title") or "", _url_slug(post.get("url") or "")):
        stem = safe_filename(candidate)
        if stem:
            return stem
    key = f"{post.get('site') or 'post'} {post.get('post_id') or post.get('id')}"
    return safe_filename(key) or "post"


def _url_slug(url: str) -> str:
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    parts = [p for p in path.split("/") if p]
    return unquote(parts[-1]).replace("-", " ") if parts else ""
