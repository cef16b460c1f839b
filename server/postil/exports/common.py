"""Helpers the formatters share: grouping by post, passage links, Markdown escaping, file names."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote, unquote, urlsplit

# Passage links (text fragments) follow one rule with the extension's notebook/passage.js; the
# links both must give are tests/fixtures/text-fragment-cases.json. A long quote is named by its
# first and last words; the stored prefix and suffix, by a few whole words next to the quote.
FRAGMENT_EDGE_WORDS = 4
FRAGMENT_WHOLE_WORDS = 8
FRAGMENT_CONTEXT_WORDS = 4
# White space and line breaks spelled out, so that Python's and JavaScript's `\s` cannot differ.
_SPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_LINE_BREAK = re.compile("\r\n|[\n\r\u2028\u2029]")
# A token that ends a sentence (closing quotes and brackets allowed): a paragraph may end there.
_ENDS_SENTENCE = re.compile("[.!?:;][\"'\u201d\u2019)\\]]*$")


def by_post(annotations: Iterable[dict]) -> Iterator[tuple[dict, Iterator[dict]]]:
    """Group consecutive annotations of the same post: (post summary, its annotations)."""
    # Callers use up each group before asking for the next, as groupby requires.
    for _, group in itertools.groupby(annotations, key=lambda a: a["post"]["id"]):
        first = next(group)
        yield first["post"], itertools.chain((first,), group)  # noqa: B031


def thread_depths(items: Iterable[dict]) -> Iterator[tuple[dict, int, bool]]:
    """Yield (annotation, depth, answers_one_here) for a post's annotations in thread order.

    Depth 0 is an annotation that answers nothing; a reply is one deeper than the annotation it
    answers when that came before it here. A reply whose parent is not here (another reader's
    annotation, left out of an export of one author's) is at depth 1 with `answers_one_here`
    false, so a formatter can say so.
    """
    depths: dict[str, int] = {}
    for annotation in items:
        parent = annotation.get("reply_to")
        if parent is None:
            depth, here = 0, True
        elif parent in depths:
            depth, here = depths[parent] + 1, True
        else:
            depth, here = 1, False
        depths[annotation["id"]] = depth
        yield annotation, depth, here


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


def _words(text: str) -> list[str]:
    return [w for w in _SPACE.split(text) if w]


def _wordy(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def _fragment_prefix(text: str) -> str:
    lines = _LINE_BREAK.split(text)
    tokens = _words(lines[-1])
    breaks = [i for i, token in enumerate(tokens) if _ENDS_SENTENCE.search(token)]
    if breaks:
        tokens = tokens[breaks[-1] + 1:]
    elif len(lines) == 1 and not _SPACE.match(text[:1]):
        tokens = tokens[1:]  # cut at a fixed length: the first word may be the end of a longer one
    prefix = " ".join(tokens[-FRAGMENT_CONTEXT_WORDS:])
    return prefix if _wordy(prefix) else ""


def _fragment_suffix(text: str) -> str:
    lines = _LINE_BREAK.split(text)
    tokens = _words(lines[0])
    breaks = [i for i, token in enumerate(tokens) if _ENDS_SENTENCE.search(token)]
    if breaks:
        tokens = tokens[:breaks[0] + 1]
    elif len(lines) == 1 and not _SPACE.match(text[-1:]):
        tokens = tokens[:-1]
    suffix = " ".join(tokens[:FRAGMENT_CONTEXT_WORDS])
    return suffix if _wordy(suffix) else ""


def _start_and_end(exact: str) -> tuple[str, str | None] | None:
    tokens: list[str] = []
    breaks: list[bool] = []
    for line in _LINE_BREAK.split(exact):
        line_words = _words(line)
        for i, token in enumerate(line_words):
            tokens.append(token)
            breaks.append(i == len(line_words) - 1 or bool(_ENDS_SENTENCE.search(token)))
    if not tokens:
        return None
    if not any(breaks[:-1]) and len(tokens) <= FRAGMENT_WHOLE_WORDS:
        return " ".join(tokens), None
    first = 0
    while first < FRAGMENT_EDGE_WORDS - 1 and first < len(tokens) - 2 and not breaks[first]:
        first += 1
    last = len(tokens) - 1
    while last > len(tokens) - FRAGMENT_EDGE_WORDS and last > first + 1 and not breaks[last - 1]:
        last -= 1
    if last <= first:
        return " ".join(tokens), None
    return " ".join(tokens[:first + 1]), " ".join(tokens[last:])


def text_fragment(annotation: dict) -> str | None:
    """Return a `:~:text=` directive that scrolls a browser to the highlighted passage.

    Browsers match each part at word boundaries inside one block of text, so a quote that is
    long or runs across lines or sentences (where a paragraph may end) is named by its first and
    last words, and the prefix and suffix (cut at a fixed length, often mid-word, and perhaps
    across a paragraph) keep only whole words of the quote's own line and sentence.
    """
    selector = text_quote(annotation)
    exact = selector.get("exact") if selector else annotation.get("quote")
    start_end = _start_and_end(str(exact or ""))
    if start_end is None:
        return None
    start, end = start_end
    prefix = _fragment_prefix(str(selector.get("prefix") or "")) if selector else ""
    suffix = _fragment_suffix(str(selector.get("suffix") or "")) if selector else ""
    parts = [_fragment_part(prefix) + "-"] if prefix else []
    parts.append(_fragment_part(start))
    if end:
        parts.append(_fragment_part(end))
    if suffix:
        parts.append("-" + _fragment_part(suffix))
    return ":~:text=" + ",".join(parts)


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


# Unicode's format characters (Cf: the bidi controls U+202A-U+202E, U+2066-U+2069, U+200E/F,
# U+061C, zero-width ones) are invisible: in a name they make "evil\u202Efdp.md" show as
# "evildm.pdf". Surrogates (Cs) cannot be written to a zip at all; line and paragraph separators
# (Zl, Zp) break a name in two wherever it is shown.
_DROPPED_CATEGORIES = frozenset({"Cf", "Cs"})
_SPACED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def _visible(name: str) -> str:
    """Drop invisible format characters; turn control characters and line breaks into spaces."""
    out = []
    for char in name:
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES:
            continue
        out.append(" " if category in _SPACED_CATEGORIES else char)
    return "".join(out)


def safe_filename(name: str, max_chars: int = 80) -> str:
    """Return a file name that is valid on Windows, macOS and Linux and in an Obsidian vault.

    It shows as what it is: no bidi overrides or other invisible characters survive.
    """
    name = _visible(unicodedata.normalize("NFC", name))
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
