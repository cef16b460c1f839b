"""A post's URL and title that came from someone's private annotation are shown to them only.

Alice highlights a draft through its preview link (a key in the query, a working title); Bob then
annotates the same WordPress post. Nothing Bob or an anonymous reader can reach may show Alice's
address or title: answers, lists, searches, popular passages, every export format, the W3C
containers. A public annotation or WordPress itself makes a URL everyone's.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import annotation_body

SECRET_URL = "https://blog.example.org/2026/05/on-margins/?preview=true&key=K3Y-S3CRET"
SECRET_TITLE = "Draft: the unannounced margin study"
SECRETS = ("K3Y-S3CRET", "unannounced")
BOB_URL = "https://blog.example.org/2026/05/on-margins/"
BOB_ADDRESS = "https://blog.example.org/2026/05/on-margins"  # Bob's URL as its key writes it
KEY_URL = "https://blog.example.org/?p=42"  # what the key alone gives


def post_spec(url, title):
    return {"site": "blog.example.org", "post_id": 42, "url": url, "title": title}


def create(client, reader, **over):
    res = client.post("/api/annotations", json=annotation_body(**over), headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def body_text(res) -> str:
    data = res.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode() + n for n in z.namelist())
    return data.decode()


def everything(client, reader, post_pk: int) -> dict[str, str]:
    """Every answer a reader can get that could name the post's URL or title."""
    h = reader.headers
    paths = {
        "annotations": "/api/annotations",
        "posts": "/api/posts",
        "post": f"/api/posts/{post_pk}",
        "popular": f"/api/posts/{post_pk}/popular",
        "w3c all": "/w3c/annotations/",
        "w3c post": f"/w3c/posts/{post_pk}/",
        "w3c post page": f"/w3c/posts/{post_pk}/?page=0",
    }
    for fmt in ("markdown", "zip", "json", "jsonld", "csv", "html"):
        paths[f"export {fmt}"] = f"/api/export?format={fmt}"
    out = {}
    for name, path in paths.items():
        res = client.get(path, headers=h)
        out[name] = f"{res.status_code} {body_text(res)}"
    return out


@pytest.fixture
def draft(client, alice):
    """Alice's private highlight made through the preview link."""
    return create(client, alice, post=post_spec(SECRET_URL, SECRET_TITLE))


def test_the_author_of_the_private_annotation_still_sees_her_url(client, alice, draft):
    assert draft["post"]["url"] == SECRET_URL
    assert draft["post"]["title"] == SECRET_TITLE
    items = client.get("/api/posts", headers=alice.headers).get_json()["items"]
    assert [(p["url"], p["title"]) for p in items] == [(SECRET_URL, SECRET_TITLE)]


@pytest.mark.parametrize("bob_visibility", ["private", "public"])
def test_no_other_reader_is_shown_the_url_or_title_of_a_private_annotation(
        client, alice, bob, anon, draft, bob_visibility):
    post_pk = draft["post"]["id"]
    # Bob annotates the same post without naming a URL or title: nothing of his replaces Alice's.
    mine = create(client, bob, post={"site": "blog.example.org", "post_id": 42},
                  visibility=bob_visibility)
    assert mine["post"]["url"] == KEY_URL and mine["post"]["title"] == ""
    for reader in (bob, anon):
        for name, answer in everything(client, reader, post_pk).items():
            for secret in SECRETS:
                assert secret not in answer, f"{reader.name} saw {secret!r} in {name}"
    # Searching for it finds nothing either.
    for q in SECRETS:
        res = client.get("/api/posts", query_string={"q": q}, headers=bob.headers)
        assert res.get_json()["items"] == []
    assert client.get("/api/annotations", query_string={"url": SECRET_URL},
                      headers=bob.headers).get_json()["total"] == 0


def test_a_public_annotation_makes_its_url_and_title_everyones(client, alice, bob, anon, draft):
    public = create(client, bob, post=post_spec(BOB_URL, "On margins"), visibility="public")
    assert public["post"]["url"] == BOB_URL
    for reader in (alice, bob, anon):
        shown = client.get(f"/api/posts/{draft['post']['id']}", headers=reader.headers)
        assert shown.status_code == 200
        assert (shown.get_json()["url"], shown.get_json()["title"]) == (BOB_URL, "On margins")


def test_a_later_private_annotation_does_not_replace_a_shown_url(client, alice, bob, draft):
    create(client, bob, post=post_spec(BOB_URL, "On margins"))  # private: Bob's only
    res = client.get(f"/api/posts/{draft['post']['id']}", headers=alice.headers).get_json()
    assert (res["url"], res["title"]) == (SECRET_URL, SECRET_TITLE)
    res = client.get(f"/api/posts/{draft['post']['id']}", headers=bob.headers).get_json()
    assert (res["url"], res["title"]) == (BOB_ADDRESS, "On margins")  # his own, not hers


def test_registering_the_post_from_wordpress_makes_its_url_everyones(app, client, alice, bob,
                                                                    draft):
    import json
    from pathlib import Path

    doc = json.loads((Path(__file__).resolve().parent.parent / "fixtures" /
                      "wp-post-multisite.json").read_text(encoding="utf-8"))
    doc |= {"id": 42, "link": BOB_URL,
            "_links": {"self": [{"href": "https://blog.example.org/wp-json/wp/v2/posts/42"}]}}
    res = client.put("/api/posts", json=doc, headers=bob.headers)
    assert res.status_code in (200, 201), res.get_json()
    # Only Alice's private draft named it, so to Bob it is new, numbered as a new post would be
    # (tests/server/test_post_fields_privacy.py); her draft moved with it.
    post_pk = res.get_json()["id"]
    mine = client.get(f"/api/annotations/{draft['id']}", headers=alice.headers).get_json()
    assert mine["post"]["id"] == post_pk
    for reader in (alice, bob):
        shown = client.get(f"/api/posts/{post_pk}", headers=reader.headers).get_json()
        assert shown["url"] == doc["link"]
        assert not any(s in shown["url"] + shown["title"] for s in SECRETS)


def test_a_page_that_is_not_a_wordpress_post_falls_back_to_its_normalised_address(
        client, alice, bob):
    page = "https://notes.example.com/essay?id=7&session=S3SSION"
    theirs = create(client, alice, post={"url": page, "title": "Essay (logged in)",
                                         "post_id": None})
    mine = create(client, bob, post={"url": "https://notes.example.com/essay?id=7&session=S3SSION",
                                     "post_id": None})
    assert theirs["post"]["id"] == mine["post"]["id"]
    assert mine["post"]["title"] == ""
    assert mine["post"]["url"].startswith("https://notes.example.com/essay")


def test_a_readers_later_private_annotation_updates_what_only_they_are_shown(client, alice,
                                                                             bob):
    # Her first highlight came from a page that gave no title; a later one names it.
    first = create(client, alice, post=post_spec(SECRET_URL, ""))
    later = create(client, alice, post=post_spec(SECRET_URL, SECRET_TITLE))
    assert later["post"]["title"] == SECRET_TITLE
    res = client.get(f"/api/posts/{first['post']['id']}", headers=alice.headers).get_json()
    assert (res["url"], res["title"]) == (SECRET_URL, SECRET_TITLE)
    mine = create(client, bob, post=post_spec(BOB_URL, "On margins"))
    assert (mine["post"]["url"], mine["post"]["title"]) == (BOB_ADDRESS, "On margins")


def test_another_reader_is_shown_their_own_address_and_title_everywhere(client, alice, bob, anon,
                                                                       draft):
    post_pk = draft["post"]["id"]
    mine = create(client, bob, post=post_spec(BOB_URL + "?utm_source=feed", "On margins"))
    assert (mine["post"]["url"], mine["post"]["title"]) == (BOB_ADDRESS, "On margins")
    answers = everything(client, bob, post_pk)
    for name, answer in answers.items():
        for secret in SECRETS:
            assert secret not in answer, f"bob saw {secret!r} in {name}"
    for name in ("annotations", "posts", "post", "export markdown", "export csv", "export json",
                 "export html", "w3c all"):
        assert "On margins" in answers[name], name
    # He finds it by what he is shown, and still not by what he is not.
    for q, found in (("On margins", [post_pk]), ("2026/05/on-margins", [post_pk]),
                     ("utm_source", []), *((secret, []) for secret in SECRETS)):
        res = client.get("/api/posts", query_string={"q": q}, headers=bob.headers)
        assert [p["id"] for p in res.get_json()["items"]] == found, q
    # A later visit without a title keeps the title he was shown; a new address replaces it.
    again = create(client, bob, post=post_spec(BOB_URL, ""))
    assert (again["post"]["url"], again["post"]["title"]) == (BOB_ADDRESS, "On margins")
    moved = create(client, bob, post=post_spec("https://blog.example.org/on-margins-2/", "v2"))
    assert (moved["post"]["url"], moved["post"]["title"]) == (
        "https://blog.example.org/on-margins-2", "v2")
    # Alice still has hers; an anonymous reader sees no private post at all.
    res = client.get(f"/api/posts/{post_pk}", headers=alice.headers).get_json()
    assert (res["url"], res["title"]) == (SECRET_URL, SECRET_TITLE)
    assert client.get(f"/api/posts/{post_pk}", headers=anon.headers).status_code == 404


def test_a_reader_at_the_same_address_gets_their_own_title_not_the_first_readers(client, alice,
                                                                                bob, draft):
    # The same preview link, which Bob was given too; his page said something else.
    mine = create(client, bob, post=post_spec(SECRET_URL, ""))
    assert mine["post"]["title"] == ""  # Alice's title is hers, even for the same address
    assert mine["post"]["url"] == "https://blog.example.org/2026/05/on-margins?key=K3Y-S3CRET&preview=true"
    mine = create(client, bob, post=post_spec(SECRET_URL, "Preview"))
    assert mine["post"]["title"] == "Preview"
    res = client.get(f"/api/posts/{draft['post']['id']}", headers=alice.headers).get_json()
    assert (res["url"], res["title"]) == (SECRET_URL, SECRET_TITLE)


def test_a_public_annotation_without_a_title_leaves_no_private_title_behind(client, alice,
                                                                            anon, draft):
    create(client, alice, post=post_spec(BOB_URL, ""), visibility="public")
    res = client.get(f"/api/posts/{draft['post']['id']}", headers=anon.headers).get_json()
    assert (res["url"], res["title"]) == (BOB_URL, "")


def test_a_reader_is_shown_their_own_scheme_not_the_first_readers(client, alice, bob):
    create(client, alice, post=post_spec(SECRET_URL.replace("https:", "http:"), SECRET_TITLE))
    mine = create(client, bob, post=post_spec(BOB_URL, "On margins"))
    assert mine["post"]["url"] == BOB_ADDRESS  # https, as Bob read it


def test_search_matches_only_the_address_and_title_a_reader_is_shown(client, alice, bob, draft):
    create(client, bob, post=post_spec("https://blog.example.org/old-slug/", "Old working title"))
    mine = create(client, bob, post=post_spec("https://blog.example.org/new-slug/", "New title"))
    assert (mine["post"]["url"], mine["post"]["title"]) == (
        "https://blog.example.org/new-slug", "New title")
    found = {q: [p["post_id"] for p in client.get("/api/posts", query_string={"q": q},
                                                   headers=bob.headers).get_json()["items"]]
             for q in ("Old working", "old-slug", "New title", "https://blog.example.org/new-slug",
                       "%", "_", "K3Y", "%K3Y%", "unann_unced", "preview")}
    assert found == {"Old working": [], "old-slug": [], "New title": [42],
                     "https://blog.example.org/new-slug": [42], "%": [], "_": [], "K3Y": [],
                     "%K3Y%": [], "unann_unced": [], "preview": []}


def test_readers_at_the_same_time_each_see_their_own(app, client, alice, make_user, draft):
    import threading

    readers = [make_user(f"reader{i}") for i in range(8)]
    wrong: list = []

    def run(reader):
        own = app.test_client()
        for k in range(3):
            got = own.post("/api/annotations", headers=reader.headers, json=annotation_body(
                post=post_spec(f"https://blog.example.org/{reader.name}/{k}/",
                               f"{reader.name} {k}"))).get_json()["post"]
            listed = own.get("/api/posts", headers=reader.headers).get_json()["items"][0]
            for shown in (got, listed):
                if (shown["url"], shown["title"]) != (
                        f"https://blog.example.org/{reader.name}/{k}", f"{reader.name} {k}"):
                    wrong.append((reader.name, k, shown["url"], shown["title"]))

    threads = [threading.Thread(target=run, args=(r,)) for r in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert wrong == []


def test_a_private_annotation_does_not_rewrite_the_url_and_title_others_see(client, alice, bob,
                                                                             anon):
    post = {"site": "blog.example.org", "post_id": 42,
            "url": "https://blog.example.org/on-margins/", "title": "On margins"}
    public = annotation_body(visibility="public", post=post)
    assert client.post("/api/annotations", json=public, headers=bob.headers).status_code == 201
    secret = post | {"url": "https://blog.example.org/on-margins/?preview=true&key=SECRET",
                     "title": "Alice's working title"}
    res = client.post("/api/annotations", json=annotation_body(post=secret),
                      headers=alice.headers)
    assert res.status_code == 201
    seen = client.get(f"/api/annotations/{public['id']}", headers=anon.headers).get_json()
    assert (seen["post"]["url"], seen["post"]["title"]) == (post["url"], post["title"])
    listed = client.get("/api/posts", headers=anon.headers).get_json()["items"]
    assert [(p["url"], p["title"]) for p in listed] == [(post["url"], post["title"])]


def test_the_bare_shortlink_finds_only_the_annotations_a_reader_may_see(client, alice, bob,
                                                                      anon, draft):
    # The shortlink is made from the post key, which everyone is shown; it finds the post, and
    # the visibility rule still decides which annotations come back.
    for reader, expected in ((alice, {draft["id"]}), (bob, set()), (anon, set())):
        res = client.get("/api/annotations", query_string={"url": KEY_URL},
                         headers=reader.headers)
        assert {a["id"] for a in res.get_json()["items"]} == expected
        assert not any(s in res.get_data(as_text=True) for s in SECRETS) or reader is alice
    # The preview address, with its key, is still Alice's alone.
    res = client.get("/api/annotations", query_string={"url": SECRET_URL}, headers=bob.headers)
    assert res.get_json()["items"] == []
