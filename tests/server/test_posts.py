"""Posts: registering a WordPress REST post, listing and reading posts, popular passages."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from postil import db
from postil.models import Post

FIXTURE = json.loads((Path(__file__).resolve().parent.parent / "fixtures" /
                      "wp-post-multisite.json").read_text(encoding="utf-8"))
SUBSITE = "d3.harvard.edu/future-proof-with-ai"


def put_post(client, reader, doc=None):
    return client.put("/api/posts", json=doc or FIXTURE, headers=reader.headers)


def stored_post(app, post_pk: int) -> Post:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            return Post.get_by_id(post_pk)
        finally:
            db.database.close()


def test_put_registers_the_wordpress_post_under_its_subsite_key(client, alice):
    res = put_post(client, alice)
    assert res.status_code == 201
    post = res.get_json()
    assert (post["site"], post["post_id"]) == (SUBSITE, 1334)
    assert post["url"] == FIXTURE["link"]
    assert post["title"] == "Notes on a Test Post \u2013 Margins"  # entity decoded, no HTML
    assert (post["type"], post["slug"], post["modified_gmt"]) == (
        "post", "the-ai-race-goes-global", "2026-05-14T13:46:45")
    assert post["annotation_count"] == 0
    assert res.headers["Location"].endswith(f"/api/posts/{post['id']}")

    got = client.get(f"/api/posts/{post['id']}").get_json()  # anyone may read a registered post
    assert got["title"] == post["title"]
    assert "Readers have always written notes in the margin of the books they loved." in got["text"]
    assert "A second paragraph keeps the structure worth keeping." in got["text"]
    assert "<" not in got["text"]


def test_put_again_updates_the_same_record_and_keeps_modified_gmt(client, alice, app):
    first = put_post(client, alice).get_json()
    doc = copy.deepcopy(FIXTURE)
    doc["modified_gmt"] = "2026-06-01T08:00:00"
    doc["title"]["rendered"] = "A New Title"
    doc["content"]["rendered"] = "<p>Rewritten text.</p>"
    res = put_post(client, alice, doc)
    assert res.status_code == 200
    again = res.get_json()
    assert again["id"] == first["id"]
    assert (again["modified_gmt"], again["title"]) == ("2026-06-01T08:00:00", "A New Title")
    assert client.get(f"/api/posts/{first['id']}").get_json()["text"] == "Rewritten text."
    assert client.get("/api/posts").get_json()["total"] == 1


def test_post_html_is_sanitised_and_its_text_kept(client, alice, app):
    doc = copy.deepcopy(FIXTURE)
    doc["content"]["rendered"] = (
        '<p onclick="steal()" style="color:red">Kept <b>words</b>'
        '<script>document.cookie</script></p><style>p{}</style>'
        '<a href="javascript:alert(1)">a link</a><iframe src="https://evil.example/"></iframe>'
        '<svg><script>alert(2)</script></svg><img src=x onerror=alert(3)>')
    post = put_post(client, alice, doc).get_json()
    text = client.get(f"/api/posts/{post['id']}").get_json()["text"]
    assert "Kept words" in text and "a link" in text
    for gone in ("document.cookie", "alert", "p{}", "steal"):
        assert gone not in text
    html = stored_post(app, post["id"]).content_html
    for gone in ("<script", "onclick", "style", "javascript:", "<iframe", "<svg", "onerror",
                 "<img"):
        assert gone not in html.lower()
    assert "<b>words</b>" in html


def test_annotations_from_every_url_of_the_post_join_the_registered_record(client, alice, create):
    post = put_post(client, alice).get_json()
    for url in (FIXTURE["link"], FIXTURE["yoast_head_json"]["canonical"],
                FIXTURE["guid"]["rendered"]):
        made = create(alice, post={"site": "https://d3.harvard.edu/future-proof-with-ai/",
                                   "post_id": 1334, "url": url, "title": "reader's title"})
        assert made["post"]["id"] == post["id"]
        assert made["post"]["title"] == post["title"]  # WordPress's own title wins
    assert client.get(f"/api/posts/{post['id']}",
                      headers=alice.headers).get_json()["annotation_count"] == 3


def test_a_post_on_a_non_ascii_host_is_one_post_however_its_host_is_written(client, alice,
                                                                             create):
    # WordPress writes its own links as the site is configured, often in Unicode; browsers hand
    # the extension the same host in Punycode.
    doc = json.loads(json.dumps(FIXTURE).replace("d3.harvard.edu", "B\u00fccher.example"))
    post = put_post(client, alice, doc).get_json()
    assert (post["site"], post["post_id"]) == ("xn--bcher-kva.example/future-proof-with-ai", 1334)
    made = create(alice, post={"site": "https://xn--bcher-kva.example/future-proof-with-ai/",
                               "post_id": 1334,
                               "url": "https://xn--bcher-kva.example/future-proof-with-ai/?p=1334"})
    assert made["post"]["id"] == post["id"]
    for site in ("bücher.example/future-proof-with-ai", "https://www.BÜCHER.example/future-proof-with-ai/"):
        found = client.get("/api/annotations", query_string={"site": site, "post_id": 1334},
                           headers=alice.headers).get_json()
        assert [a["id"] for a in found["items"]] == [made["id"]], site


def test_a_newer_modified_gmt_seen_by_a_reader_is_kept_an_older_one_ignored(client, alice,
                                                                           create):
    post = {"site": "blog.example.org", "post_id": 9}
    made = create(alice, post=post | {"modified_gmt": "2026-05-14T13:46:45"})
    create(alice, post=post | {"modified_gmt": "2026-06-01T09:00:00"})
    create(alice, post=post | {"modified_gmt": "2026-01-01T00:00:00"})
    got = client.get(f"/api/posts/{made['post']['id']}", headers=alice.headers).get_json()
    assert got["modified_gmt"] == "2026-06-01T09:00:00"


def test_put_requires_sign_in(client, anon):
    res = put_post(client, anon)
    assert res.status_code == 401
    assert client.get("/api/posts").get_json()["total"] == 0


def test_posts_list_counts_and_filters(client, alice, bob, anon, create):
    registered = put_post(client, alice).get_json()
    create(alice, post={"site": SUBSITE, "post_id": 1334}, visibility="public")
    create(alice, post={"site": SUBSITE, "post_id": 1334})  # private
    create(bob, post={"site": SUBSITE, "post_id": 1334}, visibility="public")
    other = create(alice, post={"site": "blog.example.org", "post_id": 7,
                                "url": "https://blog.example.org/seven/", "title": "Seven"})

    mine = client.get("/api/posts", headers=alice.headers).get_json()
    counts = {p["id"]: p["annotation_count"] for p in mine["items"]}
    assert counts == {registered["id"]: 3, other["post"]["id"]: 1}
    assert mine["total"] == 2

    theirs = client.get("/api/posts", headers=anon.headers).get_json()
    assert {p["id"]: p["annotation_count"] for p in theirs["items"]} == {registered["id"]: 2}

    by_site = client.get("/api/posts", query_string={"site": "https://www.blog.example.org/"},
                         headers=alice.headers).get_json()
    assert [p["title"] for p in by_site["items"]] == ["Seven"]
    by_q = client.get("/api/posts?q=margins", headers=alice.headers).get_json()
    assert [p["id"] for p in by_q["items"]] == [registered["id"]]
    by_url_word = client.get("/api/posts?q=seven", headers=alice.headers).get_json()
    assert by_url_word["total"] == 1


def test_posts_q_treats_percent_and_underscore_as_text(client, alice):
    doc = copy.deepcopy(FIXTURE)
    doc["title"]["rendered"] = "Save 50% on snake_case"
    put_post(client, alice, doc)
    other = copy.deepcopy(FIXTURE)
    other["id"] = 99
    other["_links"]["self"][0]["href"] = other["_links"]["self"][0]["href"].replace("1334", "99")
    other["title"]["rendered"] = "Save 500 on snakeXcase"
    put_post(client, alice, other)
    for q, titles in (("50%", ["Save 50% on snake_case"]), ("e_c", ["Save 50% on snake_case"]),
                      ("save", ["Save 50% on snake_case", "Save 500 on snakeXcase"])):
        res = client.get("/api/posts", query_string={"q": q}).get_json()
        assert [p["title"] for p in res["items"]] == titles, q


def test_posts_pages_with_limit_and_cursor(client, alice, create):
    for i in range(5):
        create(alice, post={"site": "blog.example.org", "post_id": 100 + i})
    first = client.get("/api/posts?limit=2", headers=alice.headers).get_json()
    assert first["total"] == 5 and len(first["items"]) == 2 and first["next_cursor"]
    seen = [p["post_id"] for p in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/posts?limit=2&cursor={cursor}", headers=alice.headers).get_json()
        seen += [p["post_id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [100, 101, 102, 103, 104]
    assert client.get("/api/posts?limit=0", headers=alice.headers).get_json() == {
        "total": 5, "items": [], "next_cursor": None}


def test_an_unknown_post_is_404(client, alice):
    assert client.get("/api/posts/999", headers=alice.headers).status_code == 404
    assert client.get("/api/posts/999/popular", headers=alice.headers).status_code == 404


# ---------------------------------------------------------------- popular passages

def test_popular_counts_public_highlights_only_without_names(client, alice, bob, make_user,
                                                           create):
    carol = make_user("carol")
    post = {"site": "blog.example.org", "post_id": 42}

    def highlight(reader, exact, visibility="public"):
        return create(reader, post=post, visibility=visibility,
                      selectors=[{"type": "TextQuoteSelector", "exact": exact}])

    highlight(alice, "the famous line")
    highlight(bob, "the famous line")
    highlight(carol, "  the famous line ")  # the same passage, selected a little wider
    highlight(alice, "a quieter line")
    highlight(bob, "a quieter line", visibility="private")
    highlight(carol, "a secret line", visibility="private")
    gone = highlight(carol, "a deleted line")
    client.delete(f"/api/annotations/{gone['id']}", headers=carol.headers)
    create(alice, post=post, selectors=[], visibility="public", note="a page note")

    post_pk = gone["post"]["id"]
    for reader in (alice, carol):
        res = client.get(f"/api/posts/{post_pk}/popular", headers=reader.headers)
        assert res.status_code == 200
        body = res.get_json()
        assert body["items"] == [{"quote": "the famous line", "count": 3},
                                 {"quote": "a quieter line", "count": 1}]
        raw = res.get_data(as_text=True)
        for name in ("alice", "bob", "carol"):
            assert name not in raw


# Who may register or rewrite a post: everyone who reads it sees what PUT /api/posts writes.
@pytest.mark.parametrize(("editors", "open_signup", "allowed"), [
    (None, False, {"alice", "bob"}),  # sign-up closed: the operator made every account
    (None, True, set()),  # anyone could have an account: only `postil post add`
    (["*"], True, {"alice", "bob"}),
    (["alice"], False, {"alice"}),
    (["alice", "carol"], True, {"alice"}),
])
def test_only_post_editors_may_register_or_rewrite_posts(app, client, alice, bob, editors,
                                                         open_signup, allowed):
    app.config.update(POST_EDITORS=editors, OPEN_SIGNUP=open_signup)
    for reader in (alice, bob):
        doc = json.loads(json.dumps(FIXTURE))
        doc["title"]["rendered"] = f"Title by {reader.name}"
        res = put_post(client, reader, doc)
        if reader.name in allowed:
            assert res.status_code in (200, 201), res.get_json()
            assert res.get_json()["title"] == f"Title by {reader.name}"
        else:
            assert res.status_code == 403
            assert res.get_json()["error"]["code"] == "forbidden"
            assert "POSTIL_POST_EDITORS" in res.get_json()["error"]["message"]
    titles = {p["title"] for p in client.get("/api/posts", headers=alice.headers)
              .get_json()["items"]}
    expected = {f"Title by {sorted(allowed)[-1]}"} if allowed else set()
    assert titles == expected


def test_post_editors_come_from_the_environment(monkeypatch):
    from postil import config

    monkeypatch.setenv("POSTIL_POST_EDITORS", " alice, bob ,")
    assert config.from_env()["POST_EDITORS"] == ["alice", "bob"]
    monkeypatch.setenv("POSTIL_POST_EDITORS", "")
    assert config.from_env()["POST_EDITORS"] is None
