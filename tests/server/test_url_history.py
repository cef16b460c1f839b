"""`url=` finds a post by any address it was read at, not only its latest one.

A slug changes, a reader arrives through the shortlink: the post key keeps the annotations
together, and a developer asking by an older address still gets them. An address that came only
from someone's private annotation is matched for them alone.
"""

from __future__ import annotations

from conftest import annotation_body

OLD = "https://blog.example.org/2026/05/on-margins/"
NEW = "https://blog.example.org/2026/05/notes-in-the-margin/"
SHORT = "https://blog.example.org/?p=42"
PREVIEW = "https://blog.example.org/?p=42&preview=true&key=S3CRET"


def create(client, reader, url, **over):
    post = {"site": "blog.example.org", "post_id": 42, "url": url, "title": "On margins"}
    res = client.post("/api/annotations", json=annotation_body(post=post, **over),
                      headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def found(client, reader, url) -> set[str]:
    res = client.get("/api/annotations", query_string={"url": url}, headers=reader.headers)
    assert res.status_code == 200, res.get_json()
    return {a["id"] for a in res.get_json()["items"]}


def test_an_older_slug_still_finds_the_post(client, alice, bob, anon):
    first = create(client, alice, OLD, visibility="public")
    second = create(client, bob, NEW, visibility="public")  # the slug changed
    for reader in (alice, bob, anon):
        assert found(client, reader, NEW) == {first, second}
        assert found(client, reader, OLD) == {first, second}
        # Tracking parameters and a fragment do not make it another address.
        assert found(client, reader, OLD + "?utm_source=feed#section-2") == {first, second}


def test_the_shortlink_finds_the_post_it_was_read_through(client, alice, anon):
    pretty = create(client, alice, OLD, visibility="public")
    short = create(client, alice, SHORT, visibility="public")
    assert found(client, anon, SHORT) == found(client, anon, OLD) == {pretty, short}


def test_a_private_address_is_matched_for_its_reader_alone(client, alice, bob):
    public = create(client, bob, OLD, visibility="public")
    mine = create(client, alice, PREVIEW)  # private, through a preview link
    assert found(client, alice, PREVIEW) == {public, mine}
    assert found(client, bob, PREVIEW) == set()
    assert found(client, bob, OLD) == {public}


def test_registering_the_post_keeps_the_address_readers_used(client, alice, anon):
    import json
    from pathlib import Path

    used = create(client, alice, OLD, visibility="public")
    doc = json.loads((Path(__file__).resolve().parent.parent / "fixtures" /
                      "wp-post-multisite.json").read_text(encoding="utf-8"))
    doc |= {"id": 42, "link": NEW,
            "_links": {"self": [{"href": "https://blog.example.org/wp-json/wp/v2/posts/42"}]}}
    assert client.put("/api/posts", json=doc, headers=alice.headers).status_code in (200, 201)
    assert found(client, anon, NEW) == {used}
    assert found(client, anon, OLD) == {used}


def test_an_address_no_post_was_read_at_finds_nothing(client, alice, anon):
    create(client, alice, OLD, visibility="public")
    assert found(client, anon, "https://blog.example.org/2026/05/elsewhere/") == set()


def test_the_bare_shortlink_finds_the_post_nobody_read_there(client, alice, anon):
    pretty = create(client, alice, OLD, visibility="public")
    assert found(client, anon, SHORT) == {pretty}
    assert found(client, anon, SHORT + "&utm_source=feed") == {pretty}
    # Another post's shortlink, or the same id on another site, is another post.
    assert found(client, anon, "https://blog.example.org/?p=43") == set()
    assert found(client, anon, "https://other.example.org/?p=42") == set()
