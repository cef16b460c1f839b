"""Notes are Markdown rendered to HTML and cleaned on write; WordPress post HTML is cleaned too.

Allowed inputs are checked against their exact output; evil ones are parsed and must contain
nothing active, whatever text survives.
"""

from __future__ import annotations

import functools
import json
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest

from postil.sanitize import (
    clean_post_html,
    html_to_text,
    is_absolute_link,
    plain_note_html,
    plain_title,
    render_note,
)

NOFOLLOW = 'rel="nofollow noopener"'

ALLOWED = [
    ("**bold** idea", "<p><strong>bold</strong> idea</p>"),
    ("*em* and _em_", "<p><em>em</em> and <em>em</em></p>"),
    ("~~gone~~", "<p><s>gone</s></p>"),
    ("`a<b`", "<p><code>a&lt;b</code></p>"),
    ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
    ("# Head\n\n## Sub", "<h1>Head</h1>\n<h2>Sub</h2>"),
    ("line one  \nline two", "<p>line one<br>\nline two</p>"),
    ("---", "<hr>"),
    ("a < b & c", "<p>a &lt; b &amp; c</p>"),
    ("[link](https://example.org/)",
     f'<p><a href="https://example.org/" {NOFOLLOW}>link</a></p>'),
    ('[t](https://e.org/ "A title")',
     f'<p><a href="https://e.org/" title="A title" {NOFOLLOW}>t</a></p>'),
    ("[x](https://e.org/a?b=1&c=2)",
     f'<p><a href="https://e.org/a?b=1&amp;c=2" {NOFOLLOW}>x</a></p>'),
    ("see https://example.org/x.",
     f'<p>see <a href="https://example.org/x" {NOFOLLOW}>https://example.org/x</a>.</p>'),
    ("www.example.org", f'<p><a href="http://www.example.org" {NOFOLLOW}>www.example.org</a></p>'),
    ("<https://e.org/a>", f'<p><a href="https://e.org/a" {NOFOLLOW}>https://e.org/a</a></p>'),
    ("[mail](mailto:a@example.org)", '<p><a href="mailto:a@example.org">mail</a></p>'),
    ("```\nhttps://example.org/in-code\n```",
     "<pre><code>https://example.org/in-code\n</code></pre>"),  # code is not linkified
    # A note shows no images (nothing loads from a note): an image becomes a link to it.
    ("see ![a chart](https://e.org/c.png) here",
     f'<p>see <a href="https://e.org/c.png" {NOFOLLOW}>a chart</a> here</p>'),
    ("![](https://e.org/c.png)",
     f'<p><a href="https://e.org/c.png" {NOFOLLOW}>https://e.org/c.png</a></p>'),
    ("", ""),
]


@pytest.mark.parametrize("markdown, html", ALLOWED, ids=[m[:30] or "empty" for m, _ in ALLOWED])
def test_allowed_markdown_renders_exactly(markdown, html):
    assert render_note(markdown) == html


class Parsed(HTMLParser):
    """Every element and attribute of a fragment, entity-decoded, as a browser would see them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


ACTIVE_TAGS = {"script", "style", "svg", "math", "iframe", "object", "embed", "img", "form",
               "input", "button", "link", "meta", "base", "noscript", "template", "details",
               "video", "audio", "source", "frame", "frameset"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def assert_inert(html: str) -> None:
    for tag, attrs in Parsed(html).elements:
        assert tag not in ACTIVE_TAGS, f"<{tag}> in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} in {html!r}"
            assert name != "style", f"style attribute in {html!r}"
            if name in URL_ATTRS:
                scheme = "".join(value.split()).lower().split(":", 1)[0]
                assert scheme not in ("javascript", "data", "vbscript", "file"), \
                    f"{name}={value!r} in {html!r}"


@pytest.mark.parametrize("html", [
    "<script>x</script>", '<a href=" java\tscript:x">a</a>', '<a href="&#106;avascript:x">a</a>',
    '<p onclick="x">a</p>', '<p style="x">a</p>', "<svg></svg>", '<a href="DATA:text/html,x">a</a>',
])
def test_the_inertness_check_catches_active_html(html):
    with pytest.raises(AssertionError):
        assert_inert(html)


EVIL = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[c](javascript:alert(1))",
    "[c](JaVaScRiPt:alert(1))",
    "[c]( javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[a]",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div onclick="alert(1)">x</div>',
    "<details open ontoggle=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    "<scr<script>ipt>alert(1)</script>",
    "<a href='javascript:alert(1)'",
    "<!--<script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    'https://example.org/"onmouseover=alert(1)',
    '[x](https://e.org/ "t\\" onmouseover=\\"alert(1)")',
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<<img src=x onerror=alert(1)>>",
    "**<img src=x onerror=alert(1)>**",
    "`<script>` is fine in code, <script>alert(1)</script> is not",
]


@pytest.mark.parametrize("markdown", EVIL)
def test_evil_notes_come_out_inert(markdown):
    assert_inert(render_note(markdown))


POST_EVIL = [
    "<script>alert(1)</script><p>a</p>",
    "<p>x<script>alert(1)</p>",
    '<p class="x" style="color:red" onclick="y">Hello</p>',
    '<a href="javascript:alert(1)">j</a>',
    '<a href=" JAVASCRIPT:alert(1)">j</a>',
    '<a href="data:text/html,x">d</a>',
    '<svg><g onload="x"><text>hi</text></g></svg><p>b</p>',
    '<iframe src="https://e.org"></iframe><p>d</p>',
    '<img src="a.png" onerror="x()">',
    '<form action="x"><input name=a><button>go</button></form>',
    "<style>p{color:red}</style><p>s</p>",
    '<object data="x.swf"></object><embed src="x.swf">',
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    '<base href="https://evil.example/">',
]


@pytest.mark.parametrize("html", POST_EVIL)
def test_evil_post_html_comes_out_inert(html):
    assert_inert(clean_post_html(html))


@pytest.mark.parametrize("html, cleaned", [
    ('<p class="x" style="color:red">Hello <a href="https://e.org/" target="_blank">e</a></p>',
     '<p>Hello <a href="https://e.org/">e</a></p>'),
    ("<h2>Sub</h2><blockquote><p><em>q</em></p></blockquote>",
     "<h2>Sub</h2><blockquote><p><em>q</em></p></blockquote>"),
    ("<ul><li>a</li></ul><ol start=\"2\"><li>b</li></ol>",
     '<ul><li>a</li></ul><ol start="2"><li>b</li></ol>'),
    ("<table><tr><td style=\"x\">1</td></tr></table>",
     "<table><tbody><tr><td>1</td></tr></tbody></table>"),
    ("<figure><img src=\"a.png\"><figcaption>cap</figcaption></figure>",
     "<figure><figcaption>cap</figcaption></figure>"),
    ("<!-- a comment --><p>c</p>", "<p>c</p>"),
    ("<script>alert(1)</script><p>after</p>", "<p>after</p>"),
])
def test_post_html_keeps_structure_and_drops_the_rest(html, cleaned):
    assert clean_post_html(html) == cleaned


def test_post_text_is_one_block_a_line_with_entities_decoded():
    html = "<h2>Title &amp; more</h2><p>One<br>two</p><ul><li>a</li><li>b</li></ul>"
    assert html_to_text(html) == "Title & more\nOne\ntwo\na\nb"
    assert html_to_text("<style>p{}</style><p>x</p><script>y()</script>") == "x"


def test_titles_become_plain_text():
    assert plain_title("The <em>AI</em> Race &#8211; Goes   Global") == \
        "The AI Race \u2013 Goes Global"


def test_the_api_stores_the_sanitised_html(client, alice, create):
    made = create(alice, note="[c](javascript:alert(1)) <img src=x onerror=alert(1)> **ok**")
    assert_inert(made["note_html"])
    assert "<strong>ok</strong>" in made["note_html"]
    assert made["note"].startswith("[c](javascript:")  # the source is kept as typed


# Pieces of notes people write, and pieces that stress the parser: the notes made from them
# either skip the cleaner or go through it, and must come out the same either way.
NOTE_PIECES = [
    "word", "Another", "sentence.", "end.", " ", "  ", "\n", "\n\n", "  \n", "\t", "*", "**", "_",
    "__", "~~", "`", "```", "    ", "# ", "## ", "> ", "- ", "* ", "1. ", "3) ", "---", "***",
    "&", "&amp;", "&copy;", "&#46;", "&#x3C;", "&nbsp;", "<", ">", "<b>", "</p>", "<!-- c -->",
    '"', "'", "\\", "\\*", "[", "]", "(", ")", "[text](https://example.org/a)", "![i](x.png)",
    "<https://example.org>", "example.com", "www.example.org", "a@b.org", "e.g.", "3.14",
    "x.y", "file.txt", "U.S.", "é", "中文", "😀", "\u00a0", "\u200b", "\x0c", "\r\n", "\x00",
    "\x1f", "\x7f", "\x85", "\ufeff", "\ufffd", "javascript:alert(1)", "|", "| a | b |", ":", "=",
    "===", "+", "%", "1.", "-1", "[x]", "ftp://h.org", "a.b.c", "dot.", ".dot",
]


def _cleaned(markdown: str) -> str:
    from postil.sanitize import _markdown, _note_cleaner

    return _note_cleaner().clean(_markdown().render(markdown)).strip()


def test_notes_that_skip_the_cleaner_come_out_as_the_cleaner_would_make_them():
    from postil.sanitize import _already_inert, _markdown

    rng = random.Random(1334)
    skipped = 0
    for _ in range(6000):
        note = "".join(rng.choice(NOTE_PIECES) for _ in range(rng.randint(1, 14)))
        if _already_inert(_markdown().render(note)) is not None:
            skipped += 1
        assert render_note(note) == _cleaned(note), repr(note)
    # Plain prose is the common note; if it stopped skipping the cleaner, creates would slow
    # several times over without any test failing.
    assert skipped > 1000
    for note in ["a *short* note", "Two paragraphs.\n\nThe second, with `code`.", "- one\n- two"]:
        assert _already_inert(_markdown().render(note)) is not None, note


@functools.lru_cache(maxsize=1)
def _reference_markdown():
    """The note renderer's markdown-it with the full CommonMark preset (the html rules in
    their chains, though off)."""
    from markdown_it import MarkdownIt

    from postil import sanitize

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("strikethrough")
    md.validateLink = sanitize.is_absolute_link
    md.add_render_rule("image", sanitize._image_as_link)
    return md


def _reference_within_cost(note: str) -> str | None:
    """`sanitize.within_cost` as it was before plain notes skipped markdown-it."""
    from postil import sanitize

    md = _reference_markdown()
    if sanitize.markup_count(note) > sanitize.MAX_MARKUP:
        return None
    tokens = md.parse(note, {})
    allowed = min(sanitize.MAX_RENDERED,
                  sanitize.RENDERED_PER_CHARACTER * len(note) + sanitize.RENDERED_SLACK)
    if sanitize._rendered_size(tokens) > allowed:
        return None
    sanitize._unlink_empty_links(tokens)
    rendered = md.renderer.render(tokens, md.options, {})
    return None if sanitize.linkify_cost(rendered) > sanitize.MAX_LINKIFY else rendered


# Pieces of plain prose and of everything at the edge of "plain": each character markdown-it
# starts a rule at, digits and list markers at a line's start, every kind of whitespace and
# control character, letters of other scripts, numerals that are not ASCII digits.
PLAIN_PIECES = [
    "word", "Word", "é", "Été", "中文", "ß", "x", "Ⅻ", "²", "ª", "\u0301", " ", " ", "  ",
    "\n", "\n", "\n\n", " \n", "\n ", "\n    ", ".", ",", "'", '"', "(", ")", "/", ";", "?",
    "1", "42", "1.", "2)", "\u200b", "\ufffd", "😀", *"!#$%&*+-:<=>@[\\]^_`{|}~",
    "\t", "\r", "\r\n", "\x00", "\x0b", "\x0c", "\x1c", "\x7f", "\x85",
    "\u00a0", "\u2003", "\u2028", "\u3000",
    "&amp;", "www.example.org", "example.com", "a@b.org", "http", "https://example.org/a",
    "===", "---", "Setext\n===", "Item\n- two", "Line\n1. two", "Line\n# head", "Line\n> quote",
]


def test_plain_notes_skip_markdown_it_and_come_out_as_it_makes_them():
    """The plain-note path of `within_cost` is taken only where markdown-it would write what
    it writes: compared on 40,000 generated notes (and through `render_note`, which goes on
    to the cleaner or around it as before)."""
    from postil import sanitize

    rng = random.Random(1616)
    plain = 0
    for i in range(40_000):
        # Mostly words and spaces, so that many notes are plain and the rest one piece away.
        note = "".join(rng.choice(PLAIN_PIECES[:3]) if rng.random() < 0.5
                       else rng.choice(PLAIN_PIECES) for _ in range(rng.randint(1, 12)))
        expected = _reference_within_cost(note)
        if sanitize._PLAIN_NOTE.fullmatch(note):
            plain += 1
            tokens = sanitize._markdown().parse(note)
            assert sanitize._plain_size(note, note.count("\n") + 1) == \
                sanitize._rendered_size(tokens), repr(note)
        assert sanitize.within_cost(note) == expected, repr(note)
        if i % 8 == 0:
            assert render_note(note) == _cleaned(note), repr(note)
    assert plain > 5_000  # the path is taken often enough for this to test it
    for note in ["A short note", "Two lines\nof prose, with (brackets) and \"quotes\"."]:
        assert sanitize._PLAIN_NOTE.fullmatch(note), note
        assert render_note(note) == _cleaned(note)


def test_plain_notes_keep_the_cost_limits():
    """A long plain note is refused by the same size and linkify limits as before."""
    from postil import sanitize

    for note in ["a\n" * 24_999 + "a", "a" * 3_000, ("a" * 70 + " ") * 600 + "a"]:
        assert sanitize._PLAIN_NOTE.fullmatch(note)
        assert sanitize.within_cost(note) == _reference_within_cost(note)
    assert sanitize.within_cost("a\n" * 24_999 + "a") is None  # too much HTML for its length
    assert sanitize.within_cost("a" * 3_000) is None  # one 3,000-character run to linkify


# Pieces of prose with emphasis in the one shape that skips markdown-it, and the pieces at its
# edge: runs of one to three `*`, a `*` beside a space, a line break, `_`, punctuation, a letter
# of another script, a combining mark, a digit, other spaces.
EMPHASIS_GOOD = [
    "word", " word", " ", " *word*", " **word**", " *two words*", " **Été x**", " (*a*)",
    ' "**b c**"', " '*x*'", " /*y*/", "*.", "*,", ".", ",", "\nLine", " *中文*", " *1*", " *ª²*",
]
EMPHASIS_EDGE = [
    "*", "**", "***", " *", "* ", "_", "*_", "_*", "\n", "\n\n", "\n ", "é", "1", "²", "\u00a0",
    "\t", "*\n", "\n*", "!", ":", "-", "~", "&", "\u0301", "\u2003", "😀", "(", ")", "[", "`",
    "\\", "  ", "*a", "a*", "**a*", "*a**",
]


def test_notes_with_simple_emphasis_skip_markdown_it_and_come_out_as_it_makes_them():
    """Prose with `*em*` and `**strong**` spans markdown-it can only read one way is written
    without it, exactly as it writes it: compared on 40,000 generated notes near that shape."""
    from postil import sanitize

    rng = random.Random(1617)
    taken = 0
    for i in range(40_000):
        note = "Word" + "".join(rng.choice(EMPHASIS_GOOD) if rng.random() < 0.8
                                else rng.choice(EMPHASIS_EDGE) for _ in range(rng.randint(1, 10)))
        if "*" in note and sanitize._EMPHASIS_NOTE.fullmatch(note):
            taken += 1
            assert sanitize._emphasis_size_bound(note) >= sanitize._rendered_size(
                sanitize._markdown().parse(note)), repr(note)
        assert sanitize.within_cost(note) == _reference_within_cost(note), repr(note)
        if i % 8 == 0:
            assert render_note(note) == _cleaned(note), repr(note)
    assert taken > 5_000  # the path is taken often enough for this to test it
    for note, html in [("a *short* note", "<p>a <em>short</em> note</p>"),
                       ('Read **this**, then (*that*)\nand "*more words*".',
                        "<p>Read <strong>this</strong>, then (<em>that</em>)\nand "
                        "&quot;<em>more words</em>&quot;.</p>")]:
        assert sanitize._EMPHASIS_NOTE.fullmatch(note), note
        assert render_note(note) == html == _cleaned(note)


def test_notes_with_emphasis_keep_the_cost_limits():
    """A long note of emphasis is refused by the same size and linkify limits as before, and
    the shape is checked in time linear in the note (no backtracking to speak of)."""
    from postil import sanitize

    for note in ["a" + " *b*\nc" * 12_000, "a *" + "b" * 3_000 + "*", "a " + "*b* " * 10_000 + "c",
                 "a" + " *b" * 30_000, "a *" + "b c " * 5_000 + "d"]:
        assert sanitize.within_cost(note) == _reference_within_cost(note)
    assert sanitize._EMPHASIS_NOTE.fullmatch("a" + " *b*\nc" * 12_000)
    assert sanitize.within_cost("a *" + "b" * 3_000 + "*") is None  # one long run to linkify


def test_the_linkifier_is_asked_only_where_it_could_find_a_link():
    """`_already_inert` searches with the linkifier's pattern only text holding `_URL_HINT`:
    on generated text built from hosts, schemes, dots and the letters that match ASCII ones
    ignoring case, every text the pattern finds something in holds the hint."""
    from bleach.linkifier import URL_RE

    from postil import sanitize

    pieces = ["example", "org", "com", "io", "a", "x-y", "-", "_", ".", "..", " ", "\n", "/",
              "http://", "https://", "mailto:", "a@b", ":8080", "(", ")", "<p>", "</p>", "é",
              "1", "42", "ſ", "K", "ı", "İ", "ß", "ﬁ", "Ⅻ", "²", "中文", "\u00a0", "&amp;",
              "www.", ".org", ".COM", ".ſe", ".K", "e.g.", "end. Next", "v1.2"]
    rng = random.Random(1618)
    found = 0
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        if URL_RE.search(text):
            found += 1
            assert sanitize._URL_HINT.search(text), repr(text)
    assert found > 1_500  # the pattern finds something often enough for this to test it
    assert sanitize._URL_HINT.search("<p>see example.org</p>")
    assert not sanitize._URL_HINT.search("<p>a <em>short</em> note. Another one.</p>")


@pytest.mark.parametrize("markdown", EVIL)
def test_evil_notes_never_skip_the_cleaner_unless_inert(markdown):
    from postil.sanitize import _already_inert, _markdown

    fast = _already_inert(_markdown().render(markdown))
    if fast is not None:
        assert_inert(fast)
        assert fast == _cleaned(markdown)


# A note's link keeps its target only when that is an absolute http(s) URL or a mailto: address;
# anything that would resolve against the page showing the note stays the text that was typed.
RELATIVE_LINKS = [
    ("[x](/path)", "<p>[x](/path)</p>"),
    ("[x](path/page)", "<p>[x](path/page)</p>"),
    ("[x](../up)", "<p>[x](../up)</p>"),
    ("[x](#frag)", "<p>[x](#frag)</p>"),
    ("[x](?q=1)", "<p>[x](?q=1)</p>"),
    ("[x](//evil.example/)", "<p>[x](//evil.example/)</p>"),
    ("[x](https:evil)", "<p>[x](https:evil)</p>"),
    ("[x](https:/evil.example)", "<p>[x](https:/evil.example)</p>"),
    ("[x](https:///evil.example)", "<p>[x](https:///evil.example)</p>"),
    ("![chart](/c.png)", "<p>![chart](/c.png)</p>"),
    ("![chart](//evil.example/c.png)", "<p>![chart](//evil.example/c.png)</p>"),
    ("[x][r]\n\n[r]: //evil.example/", "<p>[x][r]</p>\n<p>[r]: //evil.example/</p>"),
    ("<//evil.example/>", "<p>&lt;//evil.example/&gt;</p>"),
    ("[x]()", "<p>x</p>"),
    ("[x](<>)", "<p>[x](&lt;&gt;)</p>"),
]


@pytest.mark.parametrize("markdown, html", RELATIVE_LINKS, ids=[m for m, _ in RELATIVE_LINKS])
def test_relative_and_protocol_relative_links_stay_text(markdown, html):
    assert render_note(markdown) == html


@pytest.mark.parametrize("html", [
    '<a href="/path">x</a>', '<a href="//evil.example/">x</a>', '<a href="#f">x</a>',
    '<a href="?q">x</a>', '<a href="path">x</a>', '<a href="&#47;&#47;evil.example">x</a>',
])
def test_the_cleaner_drops_relative_targets_too(html):
    from postil.sanitize import _note_cleaner

    cleaned = _note_cleaner().clean(html)
    assert all("href" not in attrs for _, attrs in Parsed(cleaned).elements), cleaned
    assert ">x</a>" in cleaned


# The same table runs in the extension's allow-list (tests/extension/shared/note-html.test.mjs).
LINK_CASES = json.loads((Path(__file__).resolve().parent.parent / "fixtures" /
                         "note-link-cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", LINK_CASES, ids=[c["url"] for c in LINK_CASES])
def test_the_note_link_rule(case):
    assert is_absolute_link(case["url"]) is case["kept"]


@pytest.mark.parametrize("url", ["https://example.org/a", "HTTP://EXAMPLE.ORG", "mailto:a@b.org",
                                 "http://[::1]:8000/x"])
def test_absolute_links_keep_their_target(url):
    assert f'href="{url}"' in render_note(f"[x]({url})")


TAIL = " **bold** [x](https://example.org/)"
TAIL_AS_TEXT = " **bold** [x](https://example.org/)</p>"


# Notes that would make markdown-it or the linkifier work far longer than their length suggests
# (issue 12: a note of "![" * 25000 took 0.4-0.7 s; 50,000 "(" took 30 s in the linkifier; a link
# reference used a hundred times wrote 200 KB of HTML, or 40 KB from a 1 KB note) are shown as
# escaped text: the Markdown after the hostile run is not rendered either.
HOSTILE = {
    "image openers": "![" * 5_001,
    "emphasis runs": "*_" * 5_001,
    "line flood": "a\n" * 10_001,
    "parenthesis run": "(" * 2_100,
    "hyphenated run": "a-" * 1_100,
    "reference flood": "[r]: https://example.org/" + "b" * 2_000 + "\n\n" + "[r] " * 100,
    "short reference flood": "[r]: https://example.org/" + "b" * 400 + "\n\n" + "[r] " * 100,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_costly_notes_render_as_escaped_text(name):
    note = HOSTILE[name] + TAIL
    html = render_note(note)
    assert html == plain_note_html(note)
    assert html.endswith(TAIL_AS_TEXT)
    assert "<strong>" not in html and "<a " not in html


def test_the_full_size_note_of_the_issue_renders_as_escaped_text():
    note = "![" * 24_980 + TAIL
    assert len(note) <= 50_000
    assert render_note(note) == "<p>" + "![" * 24_980 + TAIL_AS_TEXT


def test_notes_just_inside_the_cost_limits_render_as_markdown():
    for head in ("![ " * 4_000, "a\n" * 9_000, "(" * 1_900, "a-" * 900,
                 "[r]: https://example.org/" + "b" * 400 + "\n\n" + "[r] " * 20):
        html = render_note(head + TAIL)
        assert "<strong>bold</strong>" in html, head[:10]
        assert 'href="https://example.org/"' in html


def test_plain_text_keeps_paragraphs_and_line_breaks_escaped():
    assert plain_note_html("one\r\ntwo\n \n<b>three</b> & \"four\"\n\n\n") == \
        '<p>one<br>\ntwo</p>\n<p>&lt;b&gt;three&lt;/b&gt; &amp; &quot;four&quot;</p>'
    assert plain_note_html("a\x01b\x0cc") == "<p>a?b?c</p>"
    assert_inert(plain_note_html("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>"))
