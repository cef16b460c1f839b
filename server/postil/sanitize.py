"""Turn a note's Markdown into HTML that is safe to insert into an element, once, on write.

bleach stays behind `render_note` and `clean_post_html` so it could be swapped without touching
callers. Raw HTML in a note is shown as text (markdown-it with html off), and the cleaner is a
second wall behind that. A note's links keep their target only when it is an absolute http(s)
URL or a mailto: address: a relative or `//host` link would point somewhere different on every
page the note is shown on (the post, the notebook, an export), so it stays text.

One note's rendering cost is bounded by counts taken from the note itself, never by a clock, so
the same note renders the same on every process: a note that would take markdown-it or the
linkifier far longer than its length suggests is shown as escaped plain text paragraphs instead.
"""

from __future__ import annotations

import html
import re
import string
from functools import lru_cache
from typing import TYPE_CHECKING

# bleach (with html5lib) and markdown-it load on the first note or post rendered, not with the
# store: the `postil` commands that render nothing start without them.
if TYPE_CHECKING:
    import bleach
    from markdown_it import MarkdownIt

NOTE_TAGS = frozenset(
    {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
     "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
)
PROTOCOLS = frozenset({"http", "https", "mailto"})

# The one link rule of notes: an absolute http(s) URL with a host, or a mailto: address. Anything
# else (`/path`, `path`, `../x`, `#frag`, `?q`, `//host`, `https:path`) resolves against the page
# the note is shown on. Leading spaces and tabs inside the scheme are refused rather than
# normalised as a browser would: refusing leaves text, never a link to somewhere unintended.
_ABSOLUTE_LINK = re.compile(r"(?:https?://[^/?#\\\s]|mailto:[^\s])", re.IGNORECASE)


def is_absolute_link(url: str) -> bool:
    """Return whether a note may link to `url`: absolute http(s) with a host, or mailto."""
    return _ABSOLUTE_LINK.match(url) is not None


def _note_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("title", "rel") or (name == "href" and is_absolute_link(value))
    return tag == "ol" and name == "start"


NOTE_ATTRIBUTES = {"a": _note_attribute, "ol": _note_attribute}

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
    import bleach
    from bleach.linkifier import LinkifyFilter

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
    import bleach

    return bleach.Cleaner(tags=POST_TAGS, attributes=POST_ATTRIBUTES, protocols=PROTOCOLS,
                          strip=True, strip_comments=True)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("strikethrough")
    # With html off these two rules return at once; out of the chains they are not even tried
    # at every line and every "<" (the sanitising tests compare with the full preset).
    md.disable(["html_block", "html_inline"])
    # A link or image whose destination fails this stays as the Markdown that was typed.
    md.validateLink = is_absolute_link
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """Write `![alt](src)` as a link to the image: notes show no images (nothing loads from a
    note), and the cleaner used to strip the tag and leave an empty paragraph behind."""
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    src = token.attrGet("src") or ""
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(title)}"' if title else ""
    return f'<a href="{escapeHtml(src)}"{title_attr}>{escapeHtml(alt or src)}</a>'


# What one note may cost to render, counted in the note rather than timed (bench/note_render.py
# measures what they allow). markdown-it spends roughly the same on every line break and ASCII
# punctuation character (a run of "![" costs it 15 µs a character, prose 0.03 µs): a 50,000
# character technical text has about 9,000 of them, prose far fewer.
MAX_MARKUP = 10_000
# Characters of HTML markdown-it may write, at most 16 times the note's length (a short list item
# or emphasis writes about 12) plus some, and never more than MAX_RENDERED: a link reference defined
# once with a long URL and used thousands of times would otherwise turn a 50 KB note into 80 MB of
# stored HTML, or a 2 KB note into 200 KB.
MAX_RENDERED = 200_000
RENDERED_PER_CHARACTER = 16
RENDERED_SLACK = 2_000
# The linkifier's pattern starts again at every word boundary and runs to the end of the unbroken
# text there, so its cost grows with the square of each run's length (a run of "(" or "a-a-a-").
# Long runs (64 characters and more) may add up to this many squared characters: one 2,000
# character URL, or four of 1,000.
MAX_LINKIFY = 4_000_000
LONG_RUN = 64

_NOT_MARKUP = str.maketrans("", "", string.punctuation + "\n")
_TAG_OR_LONG_RUN = re.compile(rf"<[^>]*>|([^\s<>]{{{LONG_RUN},}})")


def render_note(markdown: str) -> str:
    """Render a note's Markdown to sanitised HTML (escaped paragraphs when too costly)."""
    if not markdown:
        return ""
    rendered = within_cost(markdown)
    if rendered is None:
        return plain_note_html(markdown)
    inert = _already_inert(rendered)
    if inert is not None:
        return inert
    return _note_cleaner().clean(rendered).strip()


def within_cost(markdown: str) -> str | None:
    """Return markdown-it's HTML for a note, or None when rendering and cleaning it would cost
    more than the limits above allow."""
    if markup_count(markdown) > MAX_MARKUP:
        return None
    allowed = min(MAX_RENDERED, RENDERED_PER_CHARACTER * len(markdown) + RENDERED_SLACK)
    if _PLAIN_NOTE.fullmatch(markdown):
        # Plain prose: what markdown-it makes of it is known without asking it (below).
        lines = markdown.count("\n") + 1
        if _plain_size(markdown, lines) > allowed:
            return None
        rendered = "<p>" + markdown.replace('"', "&quot;") + "</p>\n"
        return None if linkify_cost(rendered) > MAX_LINKIFY else rendered
    if ("*" in markdown and _EMPHASIS_NOTE.fullmatch(markdown)
            and _emphasis_size_bound(markdown) <= allowed):
        # Prose with words in *emphasis* or **strong**: known too (below).
        rendered = "<p>" + _EMPHASIS_SPAN.sub(_emphasis_html, markdown.replace('"', "&quot;")) \
            + "</p>\n"
        return None if linkify_cost(rendered) > MAX_LINKIFY else rendered
    md = _markdown()
    env: dict = {}
    tokens = md.parse(markdown, env)
    if _rendered_size(tokens) > allowed:
        return None
    _unlink_empty_links(tokens)
    rendered = md.renderer.render(tokens, md.options, env)
    return None if linkify_cost(rendered) > MAX_LINKIFY else rendered


# A note markdown-it gives no meaning to: lines that each start with a letter and end with
# neither a space nor a line break, joined by single line breaks, holding no control or
# whitespace character but the space, and none of the characters markdown-it's inline rules
# start at (`!#$%&*+-:<=>@[\]^_`{}~`, and `|` for tables). No block rule starts at a letter
# (lists start at a marker or a digit, headings at `#`, code at four spaces, quotes at `>`),
# so the lines are one paragraph, and the inline rules see only text and the line breaks:
# markdown-it writes `<p>`, the text with `"` escaped (`&`, `<` and `>` are not in it), each
# line break as it is, and `</p>` and a line break. tests/server/test_sanitize.py compares this
# with markdown-it on tens of thousands of generated notes, most of them near this line.
_PLAIN_CHAR = r"[^\s\x00-\x1f\x7f-\x9f!#$%&*+\-:<=>@\[\\\]^_`{|}~]"
_PLAIN_LINE = rf"[^\W\d_](?: *{_PLAIN_CHAR})*"
_PLAIN_NOTE = re.compile(rf"{_PLAIN_LINE}(?:\n{_PLAIN_LINE})*")


# Plain prose (as above) in which a span of one line may be put in `*emphasis*` or `**strong**`,
# in the one shape where markdown-it's delimiter rules leave no choice. The opening run (one or
# two `*`) follows a space or one of `("'/` and is followed by a letter or digit, so it can open
# and cannot close; the closing run, the same length, follows a letter or digit and is followed
# by the line's end, a space or one of `.,;?'")/`, so it can close and cannot open; between them
# plain text, no `*`. Each closer then pairs with the opener just before it, and markdown-it
# writes the span as `<em>`/`<strong>` around its text, the rest as a plain note.
# tests/server/test_sanitize.py compares this with markdown-it on generated notes too.
_WORD_CHAR = r"[^\W_]"
_EMPHASIS_TEXT = rf"{_WORD_CHAR}(?: *{_PLAIN_CHAR})*(?<={_WORD_CHAR})"
_EMPHASIS = (rf"""(?<=[ ("'/])(?:\*{_EMPHASIS_TEXT}\*|\*\*{_EMPHASIS_TEXT}\*\*)"""
             rf"""(?=[ \n.,;?'")/]|\Z)""")
_EMPHASIS_LINE = rf"[^\W\d_](?: *(?:{_PLAIN_CHAR}|{_EMPHASIS}))*"
_EMPHASIS_NOTE = re.compile(rf"{_EMPHASIS_LINE}(?:\n{_EMPHASIS_LINE})*")
# In a note `_EMPHASIS_NOTE` matched (with `"` escaped), every `*` run is one of a pair.
_EMPHASIS_SPAN = re.compile(r"(\*\*?)([^*]+)\1")


def _emphasis_html(match: re.Match) -> str:
    tag = "em" if len(match.group(1)) == 1 else "strong"
    return f"<{tag}>{match.group(2)}</{tag}>"


def _emphasis_size_bound(markdown: str) -> int:
    """At least `_rendered_size` of such a note's tokens: those of a plain note of as many
    lines, and for each span its open and close tokens and two text tokens more (32, at least
    two `*` a span)."""
    lines = markdown.count("\n") + 1
    return 8 * 3 + 16 * lines + 16 * markdown.count("*") + len(markdown)


def _plain_size(markdown: str, lines: int) -> int:
    """`_rendered_size` of a plain note's tokens: paragraph open and close, the inline token,
    and in it one text token per line and a soft break between lines."""
    return 8 * 3 + 8 * lines + (len(markdown) - (lines - 1)) + 8 * (lines - 1)


def markup_count(markdown: str) -> int:
    """Count the line breaks and ASCII punctuation characters markdown-it has to look at."""
    return len(markdown) - len(markdown.translate(_NOT_MARKUP))


def _rendered_size(tokens) -> int:
    """Return about how many characters of HTML `tokens` render to (text counted unescaped)."""
    size = 0
    pending = [tokens]
    while pending:
        for token in pending.pop():
            size += 8 + sum(len(str(value)) for value in token.attrs.values())
            if token.children:
                pending.append(token.children)
            else:
                size += len(token.content)
    return size


def _unlink_empty_links(tokens) -> None:
    """Drop the link tags around `[text]()`, the one link markdown-it makes without asking
    validateLink; its text stays. (Links cannot contain links: the next close is its own.)"""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        kept, dropping = [], False
        for child in token.children:
            if child.type == "link_open" and not is_absolute_link(child.attrGet("href") or ""):
                dropping = True
            elif child.type == "link_close" and dropping:
                dropping = False
            else:
                kept.append(child)
        token.children = kept


def linkify_cost(rendered: str) -> int:
    """Return the squared lengths of the long unbroken text runs the linkifier would scan."""
    return sum(len(run) ** 2 for run in _TAG_OR_LONG_RUN.findall(rendered) if run)


# Control characters become what the note cleaner makes of them.
_PLAIN_CONTROLS = str.maketrans(
    {0: "\ufffd", **{c: "?" for c in (*range(1, 9), 11, 12, *range(14, 32))}})
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def plain_note_html(markdown: str) -> str:
    """Render a note as its text, escaped: one paragraph per blank-line-separated block, line
    breaks kept. Its cost is linear in the note's length, whatever the note holds."""
    from markdown_it.common.utils import escapeHtml

    text = markdown.replace("\r\n", "\n").replace("\r", "\n").translate(_PLAIN_CONTROLS)
    paragraphs = (block.strip("\n") for block in _BLANK_LINE.split(text))
    return "\n".join("<p>" + "<br>\n".join(escapeHtml(line) for line in block.split("\n")) + "</p>"
                     for block in paragraphs if block.strip())


# What markdown-it writes for plain prose: allow-listed tags without attributes, and text in which
# only &, <, > and " can appear escaped. The cleaner would hand such HTML back as it is, but for
# two spellings, and parsing it with html5lib costs more than the rest of a create together.
_INERT = re.compile(
    r"(?:<(?:/?(?:p|em|strong|del|s|code|pre|blockquote|ul|ol|li|h[1-6]))>|<br />|<hr />"
    r"|&amp;(?![#0-9A-Za-z])|&(?:lt|gt|quot);|[^<>&\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff])*"
)
# What every match of the linkifier's pattern holds: its host's last dot, between a word
# character or `-` and the first letter of a top-level domain (ASCII letters, or a letter that
# matches one ignoring case). Text without it is not searched with that long pattern at all.
_URL_HINT = re.compile(r"[\w-]\.[^\W\d_]")
_RESPELL = {"<br />": "<br>", "<hr />": "<hr>"}
_RESPELL_RE = re.compile("|".join(map(re.escape, _RESPELL)))


def _already_inert(rendered: str) -> str | None:
    """Return what the note cleaner would make of `rendered` when that is certain, else None.

    Certain means: every tag is an allow-listed one without attributes, no character the HTML
    parser treats specially, and nothing the linkifier would turn into a link (its own pattern
    decides). The sanitising tests compare this with the cleaner on thousands of generated notes.
    """
    from bleach.linkifier import URL_RE

    if _INERT.fullmatch(rendered) is None or (_URL_HINT.search(rendered)
                                              and URL_RE.search(rendered)):
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
