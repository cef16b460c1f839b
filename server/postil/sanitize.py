"""Turn a note's Markdown into HTML that is safe to insert into an element, once, on write.

bleach stays behind `render_note` and `clean_post_html` so it could be swapped without touching
callers. Raw HTML in a note is shown as text (markdown-it with html off), and the cleaner is a
second wall behind that.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import bleach
from bleach.linkifier import URL_RE, LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

NOTE_TAGS = frozenset(
    {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
     "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
)
NOTE_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})

# Post bodies come from WordPress: keep structure and text, drop everything active.
POST_TAGS = NOTE_TAGS | {"h1", "h2", "figure", "figcaption", "sup", "sub", "cite", "q", "small",
                         "b", "i", "u", "mark", "table", "thead", "tbody", "tr", "th", "td",
                         "dl", "dt", "dd", "abbr", "span", "div"}
POST_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "ol": ["start"]}


def _link_rel(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if href.startswith("mailto:"):
        return attrs
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


@lru_cache(maxsize=1)
def _note_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=NOTE_TAGS,
        attributes=NOTE_ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[lambda source: LinkifyFilter(source, callbacks=[_link_rel],
                                              skip_tags={"pre", "code"})],
    )


@lru_cache(maxsize=1)
def _post_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(tags=POST_TAGS, attributes=POST_ATTRIBUTES, protocols=PROTOCOLS,
                          strip=True, strip_comments=True)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("strikethrough")
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """Write `![alt](src)` as a link to the image: notes show no images (nothing loads from a
    note), and the cleaner used to strip the tag and leave an empty paragraph behind."""
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    src = token.attrGet("src") or ""
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(title)}"' if title else ""
    return f'<a href="{escapeHtml(src)}"{title_attr}>{escapeHtml(alt or src)}</a>'


def render_note(markdown: str) -> str:
    """Render a note's Markdown to sanitised HTML."""
    if not markdown:
        return ""
    rendered = _markdown().render(markdown)
    inert = _already_inert(rendered)
    if inert is not None:
        return inert
    return _note_cleaner().clean(rendered).strip()


# What markdown-it writes for plain prose: allow-listed tags without attributes, and text in which
# only &, <, > and " can appear escaped. The cleaner would hand such HTML back as it is, but for
# two spellings, and parsing it with html5lib costs more than the rest of a create together.
_INERT = re.compile(
    r"(?:<(?:/?(?:p|em|strong|del|s|code|pre|blockquote|ul|ol|li|h[1-6]))>|<br />|<hr />"
    r"|&amp;(?![#0-9A-Za-z])|&(?:lt|gt|quot);|[^<>&\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff])*"
)
_RESPELL = {"<br />": "<br>", "<hr />": "<hr>"}
_RESPELL_RE = re.compile("|".join(map(re.escape, _RESPELL)))


def _already_inert(rendered: str) -> str | None:
    """Return what the note cleaner would make of `rendered` when that is certain, else None.

    Certain means: every tag is an allow-listed one without attributes, no character the HTML
    parser treats specially, and nothing the linkifier would turn into a link (its own pattern
    decides). The sanitising tests compare this with the cleaner on thousands of generated notes.
    """
    if _INERT.fullmatch(rendered) is None or URL_RE.search(rendered):
        return None
    return _RESPELL_RE.sub(lambda m: _RESPELL[m.group(0)], rendered).strip()


_DROP_WITH_CONTENT = re.compile(
    r"<(script|style|noscript|template|iframe|object|svg|math)\b.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


def clean_post_html(source: str) -> str:
    """Keep a WordPress post body's structure and text; drop scripts, styles and attributes."""
    return _post_cleaner().clean(_DROP_WITH_CONTENT.sub("", source or "")).strip()


_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|div|figure|tr|dd|dt)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(source: str) -> str:
    """Return the readable text of an HTML fragment, one block a line."""
    text = _BLOCK_END.sub("\n", _DROP_WITH_CONTENT.sub("", source or ""))
    text = html.unescape(_TAG.sub("", text))
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def plain_title(rendered: str) -> str:
    """Return a WordPress `title.rendered` as plain text."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub("", rendered or ""))).strip()
