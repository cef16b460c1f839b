"""The post key of DESIGN §1 as pure functions: which (site, post id) a page or REST post is.

The normaliser table lives in tests/fixtures/post-key-cases.json so the extension's post-key
module runs the very same cases; an `expected` of null means "no key" (a PostKeyError here).
"""

from __future__ import annotations

import json
from pathlib import Path

import page_signals
import pytest
from page_signals import PageSignals

from postil import postkey
from postil.postkey import PostKeyError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = json.loads((FIXTURES / "post-key-cases.json").read_text(encoding="utf-8"))
MULTISITE_POST = json.loads((FIXTURES / "wp-post-multisite.json").read_text(encoding="utf-8"))
FUNCTIONS = {"normaliseSite": postkey.normalise_site, "normaliseUrl": postkey.normalise_url}


def test_the_shared_table_covers_both_normalisers():
    kinds = {c["function"] for c in CASES}
    assert kinds == set(FUNCTIONS)
    assert len({c["name"] for c in CASES}) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_normaliser_case(case):
    normalise = FUNCTIONS[case["function"]]
    if case["expected"] is None:
        with pytest.raises(PostKeyError):
            normalise(case["input"])
    else:
        assert normalise(case["input"]) == case["expected"]


# "www.www.example.com" -> "www.example.com" is the one known exception: stripping www. once
# is the rule, and a second pass strips again.
SITE_CASES = [c for c in CASES if c["function"] == "normaliseSite" and c["expected"]
              and not c["expected"].startswith("www.")]


@pytest.mark.parametrize("case", SITE_CASES, ids=[c["name"] for c in SITE_CASES])
def test_a_normalised_site_normalises_to_itself(case):
    # A client may send a site it already normalised; the key must not drift.
    assert postkey.normalise_site(case["expected"]) == case["expected"]


@pytest.mark.parametrize("url", ["https://e.org/a%00b/", "https://e.org/%1Fx", "https://e.org/a%7F"])
def test_control_characters_in_a_decoded_path_give_no_key(url):
    # PostgreSQL refuses a NUL in text; such a key would be a 500, and means nothing anyway.
    for normalise in (postkey.normalise_url, postkey.normalise_site):
        with pytest.raises(PostKeyError):
            normalise(url)


@pytest.mark.parametrize("href, site", [
    ("https://d3.harvard.edu/future-proof-with-ai/wp-json/", "d3.harvard.edu/future-proof-with-ai"),
    ("https://example.com/wp-json/", "example.com"),
    ("https://www.example.com/wp-json", "example.com"),
    ("http://example.com:8080/blog/wp-json/", "example.com:8080/blog"),
    ("https://example.com:443/blog/wp-json/", "example.com/blog"),
    ("https://example.com/?rest_route=/", "example.com"),
    ("https://example.com/blog/?rest_route=/", "example.com/blog"),
    ("https://example.com/blog/index.php?rest_route=/", "example.com/blog"),
    ("https://example.com/index.php/wp-json/", "example.com"),
])
def test_site_from_rest_root(href, site):
    assert postkey.site_from_rest_root(href) == site


@pytest.mark.parametrize("href, post_id", [
    ("https://d3.harvard.edu/future-proof-with-ai/wp-json/wp/v2/posts/1334", 1334),
    ("https://example.com/wp-json/wp/v2/pages/7", 7),
    ("https://example.com/wp-json/wp/v2/posts/7/", 7),
    ("https://example.com/wp-json/wp/v2/recipe/88", 88),
    ("https://example.com/?rest_route=/wp/v2/posts/12", 12),
    ("https://example.com/?rest_route=%2Fwp%2Fv2%2Fpages%2F13", 13),
    ("https://example.com/index.php/wp-json/wp/v2/posts/14", 14),
    # Not a post: archives link their term, and sub-resources are not the post itself.
    ("https://example.com/wp-json/wp/v2/categories/5", None),
    ("https://example.com/wp-json/wp/v2/tags/6", None),
    ("https://example.com/wp-json/wp/v2/users/19452", None),
    ("https://example.com/wp-json/wp/v2/posts/1334/revisions", None),
    ("https://example.com/wp-json/wp/v2/posts", None),
    ("https://example.com/?rest_route=/", None),
])
def test_post_id_from_rest_href(href, post_id):
    assert postkey.post_id_from_rest_href(href) == post_id


def _key(s: PageSignals) -> tuple:
    k = page_signals.key_from_signals(s)
    return k.site, k.post_id, k.signal, k.url_key


PAGE = "https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/?utm_source=x#top"


@pytest.mark.parametrize("signals, expected", [
    pytest.param(PageSignals(
        url=PAGE,
        rest_root="https://d3.harvard.edu/future-proof-with-ai/wp-json/",
        rest_alternate="https://d3.harvard.edu/future-proof-with-ai/wp-json/wp/v2/posts/1334",
        shortlink="https://d3.harvard.edu/future-proof-with-ai/?p=1334",
        body_class="post-template-default single single-post postid-1334",
        article_ids=("post-1334",),
        canonical="https://d3.harvard.edu/the-ai-race-goes-global/"),
        ("d3.harvard.edu/future-proof-with-ai", 1334, "rest-link", None), id="every signal"),
    pytest.param(PageSignals(
        url=PAGE, rest_alternate="https://d3.harvard.edu/future-proof-with-ai/wp-json/wp/v2/posts/9",
        shortlink="https://d3.harvard.edu/future-proof-with-ai/?p=1334"),
        ("d3.harvard.edu/future-proof-with-ai", 9, "rest-link", None),
        id="the REST link wins over the shortlink"),
    pytest.param(PageSignals(url=PAGE, shortlink="https://d3.harvard.edu/future-proof-with-ai/?p=1334"),
                 ("d3.harvard.edu/future-proof-with-ai", 1334, "shortlink", None),
                 id="shortlink gives site and id"),
    pytest.param(PageSignals(url="https://www.example.com/2026/05/x/",
                             body_class="single postid-77"),
                 ("example.com", 77, "body-class", None), id="body class, site from origin"),
    pytest.param(PageSignals(url="https://example.com/about/", body_class="page page-id-2"),
                 ("example.com", 2, "body-class", None), id="page-id body class"),
    pytest.param(PageSignals(url="https://example.com/x/", article_ids=("post-31",)),
                 ("example.com", 31, "article-id", None), id="a single article"),
    pytest.param(PageSignals(url="https://example.com/x/", article_ids=("post-31", "post-32")),
                 ("example.com", None, "url", "example.com/x"), id="several articles say nothing"),
    pytest.param(PageSignals(url="https://example.com/?rest_route=/",
                             rest_root="https://example.com/?rest_route=/",
                             rest_alternate="https://example.com/?rest_route=/wp/v2/posts/12"),
                 ("example.com", 12, "rest-link", None), id="rest_route site"),
    pytest.param(PageSignals(url="https://example.com/category/news/",
                             rest_root="https://example.com/wp-json/",
                             rest_alternate="https://example.com/wp-json/wp/v2/categories/5",
                             body_class="archive category category-news category-5"),
                 ("example.com", None, "url", "example.com/category/news"),
                 id="a category archive is not post 5"),
    pytest.param(PageSignals(url="https://example.com/cop/policy/",
                             rest_alternate="https://example.com/wp-json/wp/v2/tax_cop/12",
                             body_class="archive tax-tax_cop"),
                 ("example.com", None, "url", "example.com/cop/policy"),
                 id="a custom taxonomy archive is not a post"),
    pytest.param(PageSignals(url="https://news.example.org:8443/story?id=4&utm_medium=social#c",
                             canonical="https://news.example.org:8443/story?id=4"),
                 ("news.example.org:8443", None, "url", "news.example.org:8443/story?id=4"),
                 id="not WordPress: keyed by canonical URL"),
    pytest.param(PageSignals(url="https://example.com/p/?b=2&a=1&fbclid=z"),
                 ("example.com", None, "url", "example.com/p?a=1&b=2"),
                 id="not WordPress, no canonical: the page URL"),
    pytest.param(PageSignals(url="https://example.com/x/", shortlink="https://example.com/?p=abc"),
                 ("example.com", None, "url", "example.com/x"), id="a shortlink without a number"),
    pytest.param(PageSignals(url="https://example.com/x/", shortlink="https://example.com/?p=%C2%B2"),
                 ("example.com", None, "url", "example.com/x"), id="a superscript is no id"),
    pytest.param(PageSignals(url="https://example.com/x/",
                             rest_root="https://example.com/index.php/wp-json/",
                             rest_alternate="https://example.com/index.php/wp-json/wp/v2/posts/3"),
                 ("example.com", 3, "rest-link", None), id="index.php permalinks"),
])
def test_key_from_signals(signals, expected):
    assert _key(signals) == expected


MULTISITE_HEAD = """<!doctype html><html><head>
<title>The AI Race Goes Global</title>
<link rel="canonical" href="https://d3.harvard.edu/the-ai-race-goes-global/" />
<link rel="https://api.w.org/" href="https://d3.harvard.edu/future-proof-with-ai/wp-json/" />
<link rel="alternate" title="JSON" type="application/json"
      href="https://d3.harvard.edu/future-proof-with-ai/wp-json/wp/v2/posts/1334" />
<link rel='shortlink' href='https://d3.harvard.edu/future-proof-with-ai/?p=1334' />
</head><body class="post-template-default single single-post postid-1334 single-format-standard">
<article id="post-1334" class="post-1334 post type-post"><p>Text.</p></article>
</body></html>"""


@pytest.mark.parametrize("url", [
    "https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/",
    "https://d3.harvard.edu/the-ai-race-goes-global/",
    "https://d3.harvard.edu/future-proof-with-ai/?p=1334",
    "https://d3.harvard.edu/future-proof-with-ai/renamed-slug/?utm_source=newsletter",
])
def test_the_worked_example_page_has_one_key_at_every_url(url):
    key = page_signals.key_from_signals(page_signals.signals_from_html(MULTISITE_HEAD, url))
    assert (key.site, key.post_id, key.signal) == (
        "d3.harvard.edu/future-proof-with-ai", 1334, "rest-link")


def test_signals_from_html_reads_every_signal():
    s = page_signals.signals_from_html(MULTISITE_HEAD, "https://d3.harvard.edu/x/")
    assert s.rest_root == "https://d3.harvard.edu/future-proof-with-ai/wp-json/"
    assert s.rest_alternate.endswith("/wp-json/wp/v2/posts/1334")
    assert s.shortlink == "https://d3.harvard.edu/future-proof-with-ai/?p=1334"
    assert s.canonical == "https://d3.harvard.edu/the-ai-race-goes-global/"
    assert "postid-1334" in s.body_class.split()
    assert s.article_ids == ("post-1334",)


def test_signals_from_a_link_header_alone():
    header = ('<https://blog.example.org/wp-json/>; rel="https://api.w.org/", '
              '<https://blog.example.org/wp-json/wp/v2/posts/55>; rel="alternate"; '
              'type="application/json", <https://blog.example.org/?p=55>; rel=shortlink')
    s = page_signals.signals_from_html("<html><body><p>no head</p></body></html>",
                                  "https://blog.example.org/hello/", header)
    key = page_signals.key_from_signals(s)
    assert (key.site, key.post_id, key.signal) == ("blog.example.org", 55, "rest-link")


def test_a_page_without_signals_is_keyed_by_its_url():
    s = page_signals.signals_from_html("<html><head><title>x</title></head><body></body></html>",
                                  "https://www.Example.com/a/?utm_campaign=q&z=1#frag")
    key = page_signals.key_from_signals(s)
    assert (key.site, key.post_id, key.url_key, key.signal) == (
        "example.com", None, "example.com/a?z=1", "url")


@pytest.mark.parametrize("header, expected", [
    ('<https://a.example/wp-json/>; rel="https://api.w.org/"',
     [("https://a.example/wp-json/", {"rel": "https://api.w.org/"})]),
    ('<https://a.example/?p=3>; rel=shortlink, <https://a.example/wp-json/wp/v2/posts/3>; '
     'rel="alternate"; type="application/json"',
     [("https://a.example/?p=3", {"rel": "shortlink"}),
      ("https://a.example/wp-json/wp/v2/posts/3",
       {"rel": "alternate", "type": "application/json"})]),
    ('<https://a.example/x>;REL="Next"', [("https://a.example/x", {"rel": "Next"})]),
    ("", []),
    ("not a link header", []),
])
def test_parse_link_header(header, expected):
    assert page_signals.parse_link_header(header) == expected


# ---------------------------------------------------------------- WordPress REST post JSON

def test_the_multisite_rest_post_is_keyed_by_its_subsite_and_id():
    key = postkey.key_from_rest_post(MULTISITE_POST)
    assert (key.site, key.post_id) == ("d3.harvard.edu/future-proof-with-ai", 1334)
    # The two other URLs of the same post give other strings: only the REST key joins them.
    assert postkey.normalise_url(MULTISITE_POST["link"]) == \
        "d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global"
    assert postkey.normalise_url(MULTISITE_POST["yoast_head_json"]["canonical"]) == \
        "d3.harvard.edu/the-ai-race-goes-global"


def test_a_rest_post_without_links_falls_back_to_its_guid():
    doc = {"id": 1334, "guid": {"rendered": "https://d3.harvard.edu/future-proof-with-ai/?p=1334"}}
    key = postkey.key_from_rest_post(doc)
    assert (key.site, key.post_id, key.signal) == (
        "d3.harvard.edu/future-proof-with-ai", 1334, "shortlink")


def test_a_rest_post_from_an_index_php_site_has_the_home_as_its_site():
    doc = {"id": 3, "_links": {"self": [
        {"href": "https://example.com/blog/index.php/wp-json/wp/v2/posts/3"}]}}
    assert postkey.key_from_rest_post(doc).site == "example.com/blog"


def test_a_rest_post_from_a_rest_route_site():
    doc = {"id": 8, "_links": {"self": [{"href": "https://www.example.com/?rest_route=/wp/v2/posts/8"}]}}
    key = postkey.key_from_rest_post(doc)
    assert (key.site, key.post_id) == ("example.com", 8)


@pytest.mark.parametrize("doc", [
    pytest.param([], id="not an object"),
    pytest.param({"_links": MULTISITE_POST["_links"]}, id="no id"),
    pytest.param({"id": "1334", "_links": MULTISITE_POST["_links"]}, id="string id"),
    pytest.param({"id": 0, "_links": MULTISITE_POST["_links"]}, id="zero id"),
    pytest.param({"id": True, "_links": MULTISITE_POST["_links"]}, id="boolean id"),
    pytest.param({"id": 99, "_links": MULTISITE_POST["_links"]}, id="self names another post"),
    pytest.param({"id": 1334}, id="no links, no guid"),
    pytest.param({"id": 1334, "guid": {"rendered": "https://example.com/?p=7"}},
                 id="guid of another"),
    pytest.param({"id": 1334, "_links": "self"}, id="links not an object"),
    pytest.param({"id": 1334, "_links": {"self": {"href": "https://example.com/wp-json/"}}},
                 id="self not a list"),
    pytest.param({"id": 1334, "_links": {"self": [{"href": "https://example.com/feed/"}]}},
                 id="self not a REST URL"),
])
def test_a_rest_post_that_cannot_give_a_key(doc):
    with pytest.raises(PostKeyError):
        postkey.key_from_rest_post(doc)
