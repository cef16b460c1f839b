"""GET /api/annotations: every filter, sorting, keyset pagination under writes, full-text search."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import pytest

from conftest import annotation_body

SITE_A = {"site": "https://www.blog.example.org/", "post_id": 42,
          "url": "https://blog.example.org/2026/05/on-margins/", "title": "On margins"}
SITE_B = {"site": "https://d3.harvard.edu/future-proof-with-ai/", "post_id": 1334,
          "url": "https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/"}
OTHER_POST = SITE_A | {"post_id": 43, "url": "https://blog.example.org/2026/06/other/"}
PAGE = {"site": "news.example.com", "post_id": None,
        "url": "https://news.example.com/story?id=9&utm_source=feed"}


def query(client, reader, **params):
    res = client.get("/api/annotations", query_string=params, headers=reader.headers)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def ids(page) -> list[str]:
    return [a["id"] for a in page["items"]]


@pytest.fixture
def library(client, alice, bob, create):
    """A small known set: alice's annotations on three posts and a plain page, and bob's."""
    made = {
        "a1": create(alice, post=SITE_A, tags=["history", "margins"], color="yellow",
                     note="Scribes wrote glosses"),
        "a2": create(alice, post=SITE_A, tags=["history"], color="green", visibility="public",
                     note="A public remark"),
        "a3": create(alice, post=SITE_B, tags=["china", "strategy"], color="blue",
                     selectors=[{"type": "TextQuoteSelector",
                                 "exact": "embedded into the machinery of production"}],
                     note="diffusion beats frontier"),
        "a4": create(alice, post=OTHER_POST, tags=["Margins"], color="yellow", note=""),
        "a5": create(alice, post=PAGE, tags=[], color="pink", note="not WordPress"),
        "b1": create(bob, post=SITE_A, tags=["history"], visibility="public", note="bob public"),
        "b2": create(bob, post=SITE_A, tags=["history"], note="bob private glosses"),
    }
    return {k: v["id"] for k, v in made.items()}


def test_without_filters_a_reader_sees_their_own_and_public_ones_newest_first(client, alice,
                                                                            library):
    page = query(client, alice)
    expected = [library[k] for k in ("b1", "a5", "a4", "a3", "a2", "a1")]
    assert ids(page) == expected
    assert page["total"] == 6 and page["next_cursor"] is None


@pytest.mark.parametrize("params, expected", [
    ({"site": "blog.example.org"}, ["a1", "a2", "a4", "b1"]),
    ({"site": "https://www.Blog.Example.org/"}, ["a1", "a2", "a4", "b1"]),
    ({"site": "blog.example.org", "post_id": "42"}, ["a1", "a2", "b1"]),
    ({"site": "d3.harvard.edu/future-proof-with-ai", "post_id": "1334"}, ["a3"]),
    ({"site": "d3.harvard.edu", "post_id": "1334"}, []),  # the network's root is another site
    ({"post_id": "1334"}, ["a3"]),
    ({"url": "https://blog.example.org/2026/05/on-margins/?utm_campaign=x#frag"},
     ["a1", "a2", "b1"]),
    ({"url": "http://www.news.example.com/story?id=9"}, ["a5"]),
    ({"url": "https://news.example.com/story?id=10"}, []),
    ({"user": "alice"}, ["a1", "a2", "a3", "a4", "a5"]),
    ({"user": "bob"}, ["b1"]),
    ({"user": "nobody"}, []),
    ({"tag": "history"}, ["a1", "a2", "b1"]),
    ({"tag": "HISTORY"}, ["a1", "a2", "b1"]),
    ({"tag": ["history", "margins"]}, ["a1"]),
    ({"tag": ["margins"]}, ["a1", "a4"]),
    ({"tag": ["history", "nope"]}, []),
    ({"color": "yellow"}, ["a1", "a4", "b1"]),
    ({"color": "pink"}, ["a5"]),
    ({"visibility": "public"}, ["a2", "b1"]),
    ({"visibility": "private"}, ["a1", "a3", "a4", "a5"]),
    ({"tag": "history", "visibility": "private", "color": "yellow"}, ["a1"]),
    ({"user": "bob", "color": "yellow"}, ["b1"]),
    ({"q": "glosses"}, ["a1"]),
    ({"q": "remark", "user": "alice"}, ["a2"]),
])
def test_filters(client, alice, library, params, expected):
    page = query(client, alice, sort="created", order="asc", **params)
    assert ids(page) == [library[k] for k in expected]
    assert page["total"] == len(expected)


def test_sort_and_order(client, alice, library):
    asc = ids(query(client, alice, sort="created", order="asc"))
    desc = ids(query(client, alice, sort="created", order="desc"))
    assert asc == list(reversed(desc))
    time.sleep(0.002)
    client.patch(f"/api/annotations/{library['a1']}", json={"color": "purple"},
                 headers=alice.headers)
    by_update = ids(query(client, alice, sort="updated", order="desc"))
    assert by_update[0] == library["a1"]
    assert ids(query(client, alice, sort="updated", order="asc"))[-1] == library["a1"]


def test_include_deleted_shows_tombstones(client, alice, library):
    client.delete(f"/api/annotations/{library['a3']}", headers=alice.headers)
    assert library["a3"] not in ids(query(client, alice))
    page = query(client, alice, include_deleted="1")
    assert library["a3"] in ids(page)
    assert page["total"] == 6
    tomb = next(a for a in page["items"] if a["id"] == library["a3"])
    assert tomb["deleted"] is True
    assert query(client, alice, include_deleted="0")["total"] == 5


def test_limit_zero_gives_only_the_total(client, alice, library):
    page = query(client, alice, limit="0")
    assert page == {"total": 6, "items": [], "next_cursor": None}
    assert query(client, alice, limit="0", tag="history")["total"] == 3


def test_limit_and_cursor_walk_the_pages(client, alice, library):
    everything = ids(query(client, alice))
    first = query(client, alice, limit="4")
    assert ids(first) == everything[:4]
    assert first["total"] == 6 and first["next_cursor"]
    second = query(client, alice, limit="4", cursor=first["next_cursor"])
    assert ids(second) == everything[4:]
    assert second["next_cursor"] is None and second["total"] == 6


def test_a_cursor_is_bound_to_its_sort_and_order(client, alice, library):
    cursor = query(client, alice, limit="2")["next_cursor"]
    res = client.get("/api/annotations", query_string={"limit": "2", "cursor": cursor,
                                                       "order": "asc"}, headers=alice.headers)
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "cursor"


@pytest.mark.parametrize("sort, order", [("created", "desc"), ("created", "asc"),
                                         ("updated", "desc"), ("updated", "asc")])
@pytest.mark.parametrize("tagged", [False, True], ids=["all", "tag"])
def test_pagination_never_skips_or_repeats_while_others_write(client, alice, bob, create,
                                                              sort, order, tagged):
    # With `tagged`, every row has the tag and the walk is `tag=walk`: such pages in creation
    # order are read from the tag's own index, a path of their own.
    tags = {"tags": ["Walk"]} if tagged else {}
    mine = [create(alice, note=f"mine {i}", **tags)["id"] for i in range(8)]
    theirs = [create(bob, visibility="public", note=f"theirs {i}", **tags)["id"]
              for i in range(6)]
    hidden = {create(bob, note=f"bob private {i}", **tags)["id"] for i in range(3)}
    original = set(mine) | set(theirs)
    # Rows deleted mid-walk, chosen from both ends so some are already seen and some are not.
    doomed = [theirs[0], mine[-1], theirs[3], mine[2], theirs[5]]
    seen: list[str] = []
    params = {"limit": "3", "sort": sort, "order": order} | ({"tag": "walk"} if tagged else {})
    page = query(client, alice, **params)
    seen += ids(page)
    step = 0
    while page["next_cursor"]:
        # Between pages: someone adds annotations and deletes others.
        create(bob, visibility="public", note=f"new {step}", **tags)
        create(alice, note=f"new mine {step}", **tags)
        hidden.add(create(bob, note=f"new bob private {step}", **tags)["id"])
        if step < len(doomed):
            owner = bob if doomed[step] in theirs else alice
            res = client.delete(f"/api/annotations/{doomed[step]}", headers=owner.headers)
            assert res.status_code == 204
        step += 1
        page = query(client, alice, cursor=page["next_cursor"], **params)
        seen += ids(page)
        assert step < 50
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert not hidden & set(seen), "another reader's private annotation was listed"
    survivors = original - set(doomed)
    missing = survivors - set(seen)
    assert not missing, f"{len(missing)} rows were skipped"


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_tag_pages_keep_the_order_of_the_unfiltered_list(client, alice, bob, create, order):
    """`tag=` pages come in the same order as the whole list, whatever else filters them: a
    second tag, another reader's private rows in between, edits that change the tags."""
    made = []
    for i in range(12):
        tags = ["common"] + (["rare"] if i % 3 == 0 else [])
        made.append(create(alice, note=f"n{i}", tags=tags)["id"])
        create(bob, note=f"b{i}", tags=["common", "rare"])  # private: never listed for alice
        if i % 4 == 0:
            create(bob, note=f"bp{i}", tags=["Common"], visibility="public")
        time.sleep(0.003)  # times shown to the millisecond: room for the import below
    # An import keeps its own creation date: this one was made between the third and fourth
    # above, though stored after all of them; its tags are then changed by an edit.
    third = query(client, alice, sort="created", order="asc", user="alice")["items"][2]
    between = datetime.fromisoformat(third["created"]) + timedelta(microseconds=1500)
    imported = str(uuid.uuid4())
    res = client.post("/api/import", headers=alice.headers, json={
        "format": "postil-export", "format_version": 1, "annotations": [
            annotation_body(id=imported, note="imported", tags=["common"],
                            created=between.isoformat())]})
    assert res.status_code == 200 and res.get_json()["created"] == 1, res.get_json()
    res = client.patch(f"/api/annotations/{imported}", json={"tags": ["common", "rare"]},
                       headers=alice.headers)
    assert res.status_code == 200
    untagged = made[5]
    res = client.patch(f"/api/annotations/{untagged}", json={"tags": ["other"]},
                       headers=alice.headers)
    assert res.status_code == 200
    retagged = made[7]
    res = client.patch(f"/api/annotations/{retagged}", json={"tags": ["rare", "common"]},
                       headers=alice.headers)
    assert res.status_code == 200

    def walk(**params):
        got, page = [], query(client, alice, sort="created", order=order, limit="2", **params)
        got += page["items"]
        while page["next_cursor"]:
            page = query(client, alice, sort="created", order=order, limit="2",
                         cursor=page["next_cursor"], **params)
            got += page["items"]
        return got

    everything = walk()
    listed = [a["id"] for a in everything]
    just_older = listed[listed.index(imported) + (-1 if order == "asc" else 1)]
    assert just_older == third["id"]
    for tags in (["common"], ["RARE"], ["common", "rare"], ["rare", "common"]):
        wanted = {t.lower() for t in tags}
        expected = [a["id"] for a in everything if wanted <= {t.lower() for t in a["tags"]}]
        assert [a["id"] for a in walk(tag=tags)] == expected, tags
        assert query(client, alice, tag=tags, limit="0")["total"] == len(expected)
    assert untagged not in [a["id"] for a in walk(tag="common")]
    assert retagged in [a["id"] for a in walk(tag="rare")]
    assert len(walk(tag="common")) == 11 + 1 + 3  # alice's 11 still tagged and the import, bob's
    # 3 public


# ---------------------------------------------------------------- full-text search

@pytest.fixture
def texts(client, alice, create):
    return {
        "quote": create(alice, selectors=[{"type": "TextQuoteSelector",
                                           "exact": "the machinery of production"}],
                        note="", tags=[])["id"],
        "note": create(alice, selectors=[], note="Compare with **Taylorism** here",
                       tags=[])["id"],
        "tags": create(alice, selectors=[], note="", tags=["geopolitics", "supply-chain"])["id"],
    }


@pytest.mark.parametrize("q, expected", [
    ("machinery", ["quote"]),
    ("MACHINERY", ["quote"]),
    ("machin*", ["quote"]),  # a trailing * asks for a prefix
    ("machin", []),  # otherwise whole words only
    ("production machinery", ["quote"]),  # all words, any order
    ("machinery Taylorism", []),  # all words must match one annotation
    ("taylorism", ["note"]),
    ("Tayl*", ["note"]),
    ("geopolitics", ["tags"]),
    ("geo*", ["tags"]),
    ("supply", ["tags"]),
    ("nothing-like-this", []),
])
def test_q_searches_quote_note_and_tags(client, alice, texts, q, expected):
    page = query(client, alice, q=q, sort="created", order="asc")
    assert ids(page) == [texts[k] for k in expected]
    assert page["total"] == len(expected)


def test_edited_text_is_found_by_its_new_words_only(client, alice, texts):
    client.patch(f"/api/annotations/{texts['note']}", json={"note": "about Fordism instead"},
                 headers=alice.headers)
    client.patch(f"/api/annotations/{texts['tags']}", json={"tags": ["logistics"]},
                 headers=alice.headers)
    assert ids(query(client, alice, q="taylorism")) == []
    assert ids(query(client, alice, q="fordism")) == [texts["note"]]
    assert ids(query(client, alice, q="geopolitics")) == []
    assert ids(query(client, alice, q="logistics")) == [texts["tags"]]


def test_deleted_text_no_longer_matches(client, alice, texts):
    client.delete(f"/api/annotations/{texts['quote']}", headers=alice.headers)
    assert query(client, alice, q="machinery")["total"] == 0
    assert query(client, alice, q="machinery", include_deleted="1")["total"] == 0


def test_q_with_punctuation_and_quotes_is_safe(client, alice, texts):
    assert ids(query(client, alice, q='"machinery" *')) == [texts["quote"]]
    assert ids(query(client, alice, q="machinery OR taylorism")) == []  # OR is just a word
    assert ids(query(client, alice, q="taylorism) AND (x")) == []
    assert ids(query(client, alice, q="supply-chain")) == [texts["tags"]]
