"""Parsing at the edge: what a request carries becomes one checked value, or `Invalid` saying where.

Pure functions, tested without the app or a database; the HTTP answers they lead to are pinned
by test_errors.py.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from conftest import annotation_body
from postil import parse
from postil.domain_errors import Invalid


def test_a_wordpress_post_key_is_normalised_and_keeps_the_wordpress_id():
    key = parse.post_key({"site": "HTTPS://Blog.Example.org/", "post_id": 42,
                          "url": "https://blog.example.org/on-margins/", "title": "On margins"})
    assert (key.site, key.post_id, key.url_key, key.post_pk) == ("blog.example.org", 42, None,
                                                                 None)
    assert key.title == "On margins"


def test_a_page_that_is_not_a_post_is_keyed_by_its_url():
    key = parse.post_key({"post_id": None, "url": "https://Example.org/a/?utm_source=x"})
    assert key.post_id is None and key.site == "example.org"
    assert key.url_key is not None and "utm_source" not in key.url_key


def test_a_post_named_by_its_row_id_is_a_post_pk():
    assert parse.post_key({"id": 7}) == parse.PostKey(post_pk=7)


@pytest.mark.parametrize("spec, field", [
    ("blog.example.org#42", "post"),
    ({"site": "blog.example.org", "post_id": "42"}, "post.post_id"),
    ({"post_id": None}, "post.url"),
    ({"id": 0}, "post.id"),
])
def test_a_bad_post_key_names_its_field(spec, field):
    with pytest.raises(Invalid) as info:
        parse.post_key(spec)
    assert info.value.field == field


def test_a_create_body_is_checked_once_with_its_note_rendered():
    body = annotation_body(note="a *short* note", tags=["History", "history", " art "])
    new = parse.create_body(body)
    assert new.uid == body["id"]
    assert new.fields["note_html"] == "<p>a <em>short</em> note</p>"
    assert new.fields["tags"] == ["History", "art"]
    assert new.post.post_id == 42


def test_a_create_body_without_an_id_gets_a_new_one():
    body = annotation_body()
    del body["id"]
    assert len(parse.create_body(body).uid) == 36


def test_unknown_fields_are_refused_and_read_only_ones_ignored():
    with pytest.raises(Invalid) as info:
        parse.create_body(annotation_body(colour="red"))
    assert info.value.field == "colour"
    assert parse.patch_body({"note": "n", "version": 3, "links": {}}).keys() == {
        "note", "note_html"}


def test_a_patch_with_new_selectors_and_no_quote_takes_the_quote_from_them():
    fields = parse.patch_body({"selectors": [{"type": "TextQuoteSelector", "exact": "new"}]})
    assert fields["quote"] == "new"


def test_no_if_match_is_no_precondition():
    assert parse.precondition([]) is None


# (If-Match lines, stored version, passes): RFC 9110 13.1.1, strong comparison; anything that is
# not "*" or a list of entity-tags is a false condition, never a 400.
IF_MATCH_CASES = [
    (["*"], 7, True),
    (['"3"'], 3, True),
    (['"2", "3"'], 3, True),
    (['"2"', '"3"'], 3, True),
    (['"3"'], 4, False),
    (['W/"3"'], 3, False),
    (['"03"'], 3, False),
    (['"stale-version-0"'], 3, False),
    (['""'], 3, False),
    (["3"], 3, False),
    (["seven"], 3, False),
    (['"3'], 3, False),
    (['"3" junk'], 3, False),
]


@pytest.mark.parametrize("lines, version, passes", IF_MATCH_CASES)
def test_if_match_admits_only_a_strong_tag_of_the_stored_version(lines, version, passes):
    assert parse.precondition(lines).admits(version) is passes


def test_query_filters_are_checked_and_typed():
    f = parse.query_filters(MultiDict([("site", "Blog.Example.org"), ("post", "12"),
                                       ("tag", "a"), ("tag", "b"), ("limit", "5")]))
    assert (f.site, f.post_pk, f.tags, f.limit) == ("blog.example.org", 12, ["a", "b"], 5)
    assert parse.query_filters(MultiDict({"updated_since": "2026-01-01"})).include_deleted


def test_a_cursor_comes_back_as_given_and_only_for_its_own_order():
    token = parse.encode_cursor("created", "desc", 1_700_000_000_000_000, 41)
    assert parse.decode_cursor(token, "created", "desc") == (1_700_000_000_000_000, 41)
    with pytest.raises(Invalid):
        parse.decode_cursor(token, "updated", "desc")
