"""Annotations over HTTP: create, read, patch, delete; idempotent ids, ETags, tombstones, sync."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from conftest import annotation_body


def get(client, reader, uid):
    return client.get(f"/api/annotations/{uid}", headers=reader.headers)


# ---------------------------------------------------------------- create and read

def test_create_returns_201_location_etag_and_the_stored_annotation(client, alice):
    body = annotation_body(note="See *this*", tags=["History", "margins"], color="green")
    res = client.post("/api/annotations", json=body, headers=alice.headers)
    assert res.status_code == 201
    made = res.get_json()
    assert res.headers["Location"].endswith(f"/api/annotations/{body['id']}")
    assert res.headers["ETag"] == '"1"'
    assert made["id"] == body["id"]
    assert made["user"] == "alice"
    assert made["quote"] == "notes in the margin"  # taken from the TextQuoteSelector
    assert made["selectors"] == body["selectors"]
    assert made["note"] == "See *this*"
    assert made["note_html"] == "<p>See <em>this</em></p>"
    assert (made["color"], made["tags"], made["visibility"]) == ("green", ["History", "margins"],
                                                                 "private")
    assert made["version"] == 1 and made["deleted"] is False
    assert made["created"].endswith("Z") and made["created"] == made["updated"]
    post = made["post"]
    assert (post["site"], post["post_id"], post["title"]) == ("blog.example.org", 42, "On margins")

    again = get(client, alice, body["id"])
    assert again.status_code == 200
    assert again.headers["ETag"] == '"1"'
    assert {k: v for k, v in again.get_json().items() if k != "links"} == \
        {k: v for k, v in made.items() if k != "links"}


def test_defaults_are_private_yellow_without_tags(client, alice):
    body = annotation_body()
    for k in ("color", "tags", "visibility", "note"):
        del body[k]
    made = client.post("/api/annotations", json=body, headers=alice.headers).get_json()
    assert (made["visibility"], made["color"], made["tags"], made["note"], made["note_html"]) == \
        ("private", "yellow", [], "", "")


def test_the_server_chooses_an_id_when_none_is_sent(client, alice):
    body = annotation_body()
    del body["id"]
    res = client.post("/api/annotations", json=body, headers=alice.headers)
    assert res.status_code == 201
    assert uuid.UUID(res.get_json()["id"])


def test_a_page_note_has_no_selectors(client, alice):
    made = client.post("/api/annotations", json=annotation_body(selectors=[], note="whole page"),
                       headers=alice.headers).get_json()
    assert made["selectors"] == [] and made["quote"] == ""


def test_tags_are_trimmed_and_deduplicated_case_insensitively(client, alice, create):
    made = create(alice, tags=[" china ", "China", "strategy  notes", "CHINA"])
    assert made["tags"] == ["china", "strategy notes"]


def test_a_non_wordpress_page_is_keyed_by_its_normalised_url(client, alice, create):
    post = {"site": "news.example.com", "post_id": None,
            "url": "https://www.news.example.com/story/?utm_source=x&id=4#comments"}
    first = create(alice, post=post)
    second = create(alice, post=post | {"url": "http://news.example.com/story?id=4"})
    assert first["post"]["post_id"] is None
    assert first["post"]["id"] == second["post"]["id"]
    assert first["post"]["site"] == "news.example.com"


def test_the_same_wordpress_post_at_its_three_urls_is_one_post(client, alice, create):
    site = "https://d3.harvard.edu/future-proof-with-ai/"
    urls = ["https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/",
            "https://d3.harvard.edu/the-ai-race-goes-global/",
            "https://d3.harvard.edu/future-proof-with-ai/?p=1334"]
    made = [create(alice, post={"site": site, "post_id": 1334, "url": u}) for u in urls]
    assert len({m["post"]["id"] for m in made}) == 1
    assert made[0]["post"]["site"] == "d3.harvard.edu/future-proof-with-ai"
    res = client.get("/api/annotations?site=d3.harvard.edu/future-proof-with-ai&post_id=1334",
                     headers=alice.headers).get_json()
    assert res["total"] == 3


# ---------------------------------------------------------------- idempotent create

def test_creating_the_same_id_twice_is_a_no_op_returning_the_stored_one(client, alice, create):
    body = annotation_body(note="first")
    first = client.post("/api/annotations", json=body, headers=alice.headers)
    assert first.status_code == 201
    retry = client.post("/api/annotations", json=body | {"note": "changed on retry"},
                        headers=alice.headers)
    assert retry.status_code == 200
    assert retry.get_json()["note"] == "first"
    assert retry.get_json()["version"] == 1
    listing = client.get("/api/annotations", headers=alice.headers).get_json()
    assert listing["total"] == 1


def test_the_id_of_another_users_public_annotation_is_a_409_and_changes_nothing(
        client, alice, bob):
    # Bob can see it, so the 409 tells him nothing; a private one's id is free for him
    # (tests/server/test_id_oracles.py).
    body = annotation_body(note="alice's", visibility="public")
    assert client.post("/api/annotations", json=body, headers=alice.headers).status_code == 201
    for visibility in ("private", "public"):
        res = client.post("/api/annotations",
                          json=body | {"note": "bob's", "visibility": visibility},
                          headers=bob.headers)
        assert res.status_code == 409
        assert res.get_json()["error"]["code"] == "conflict"
    assert get(client, alice, body["id"]).get_json()["note"] == "alice's"
    assert client.get("/api/annotations?user=bob", headers=bob.headers).get_json()["total"] == 0


def test_an_uppercase_id_is_the_same_annotation(client, alice):
    body = annotation_body()
    client.post("/api/annotations", json=body, headers=alice.headers)
    upper = body | {"id": body["id"].upper()}
    assert client.post("/api/annotations", json=upper, headers=alice.headers).status_code == 200
    assert get(client, alice, body["id"].upper()).get_json()["id"] == body["id"]


# ---------------------------------------------------------------- patch and ETags

def test_patch_changes_fields_bumps_version_and_etag(client, alice, create):
    made = create(alice)
    time.sleep(0.002)
    res = client.patch(f"/api/annotations/{made['id']}", headers=alice.headers,
                       json={"note": "**new**", "color": "pink", "tags": ["a", "b"],
                             "visibility": "public"})
    assert res.status_code == 200
    out = res.get_json()
    assert res.headers["ETag"] == '"2"'
    assert (out["note"], out["note_html"], out["color"], out["tags"], out["visibility"],
            out["version"]) == ("**new**", "<p><strong>new</strong></p>", "pink", ["a", "b"],
                                "public", 2)
    assert out["updated"] > made["updated"]
    assert out["created"] == made["created"]
    stored = get(client, alice, made["id"]).get_json()
    assert stored["note_html"] == "<p><strong>new</strong></p>" and stored["version"] == 2


def test_patch_selectors_moves_the_quote_with_them(client, alice, create):
    made = create(alice)
    new = [{"type": "TextQuoteSelector", "exact": "a later passage entirely"},
           {"type": "TextPositionSelector", "start": 900, "end": 924}]
    out = client.patch(f"/api/annotations/{made['id']}", json={"selectors": new},
                       headers=alice.headers).get_json()
    assert out["selectors"] == new
    assert out["quote"] == "a later passage entirely"
    found = client.get("/api/annotations?q=passage", headers=alice.headers).get_json()
    assert [a["id"] for a in found["items"]] == [made["id"]]
    assert client.get("/api/annotations?q=margin", headers=alice.headers).get_json()["total"] == 0


def test_if_match_current_version_succeeds_and_stale_is_412(client, alice, create):
    made = create(alice, note="v1")
    uid = made["id"]
    ok = client.patch(f"/api/annotations/{uid}", json={"note": "v2"},
                      headers=alice.headers | {"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = client.patch(f"/api/annotations/{uid}", json={"note": "lost update"},
                         headers=alice.headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.get_json()["error"]["code"] == "precondition_failed"
    assert get(client, alice, uid).get_json()["note"] == "v2"
    stale_delete = client.delete(f"/api/annotations/{uid}",
                                 headers=alice.headers | {"If-Match": '"1"'})
    assert stale_delete.status_code == 412
    assert get(client, alice, uid).status_code == 200


@pytest.fixture
def someone_writes_between_read_and_write(monkeypatch):
    """Let another writer commit a change right after a PATCH or DELETE has checked the version.

    That is the window PostgreSQL's read committed leaves open to two concurrent requests.
    """
    from postil import store
    from postil.models import Annotation

    original = store.annotations.check_version
    calls = []

    def interleaved(annotation, if_match):
        original(annotation, if_match)
        if not calls:
            calls.append(annotation.uid)
            Annotation.update(note="theirs", version=Annotation.version + 1).where(
                Annotation.pk == annotation.pk).execute()

    monkeypatch.setattr(store.annotations, "check_version", interleaved)
    return calls


def test_a_concurrent_write_makes_a_stale_if_match_412_not_a_lost_update(
        client, alice, create, someone_writes_between_read_and_write):
    made = create(alice, note="mine")
    res = client.patch(f"/api/annotations/{made['id']}", json={"note": "ours"},
                       headers=alice.headers | {"If-Match": '"1"'})
    assert someone_writes_between_read_and_write == [made["id"]]
    assert res.status_code == 412
    stored = get(client, alice, made["id"]).get_json()
    assert (stored["note"], stored["version"]) == ("theirs", 2)


def test_a_concurrent_write_never_shares_a_version_without_if_match(
        client, alice, create, someone_writes_between_read_and_write):
    made = create(alice, note="mine")
    res = client.patch(f"/api/annotations/{made['id']}", json={"color": "blue"},
                       headers=alice.headers)
    assert res.status_code == 200
    out = res.get_json()
    # Applied on top of the other write: both changes are there, under a version of its own.
    assert (out["note"], out["color"], out["version"]) == ("theirs", "blue", 3)
    assert res.headers["ETag"] == '"3"'


def test_a_concurrent_write_makes_a_stale_conditional_delete_412(
        client, alice, create, someone_writes_between_read_and_write):
    made = create(alice, note="mine")
    res = client.delete(f"/api/annotations/{made['id']}",
                        headers=alice.headers | {"If-Match": '"1"'})
    assert res.status_code == 412
    assert get(client, alice, made["id"]).get_json()["note"] == "theirs"


def test_if_none_match_gives_304(client, alice, create):
    made = create(alice)
    res = client.get(f"/api/annotations/{made['id']}", headers=alice.headers | {
        "If-None-Match": '"1"'})
    assert res.status_code == 304
    assert res.headers["ETag"] == '"1"'


def test_another_users_public_annotation_cannot_be_changed(client, alice, bob, create):
    made = create(alice, visibility="public", note="mine")
    res = client.patch(f"/api/annotations/{made['id']}", json={"note": "bob was here"},
                       headers=bob.headers)
    assert res.status_code == 403
    assert client.delete(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 403
    assert get(client, alice, made["id"]).get_json()["note"] == "mine"


# ---------------------------------------------------------------- delete, tombstones, sync

def test_delete_leaves_a_tombstone_seen_only_with_include_deleted(client, alice, create):
    made = create(alice, note="secret thoughts", tags=["x"])
    res = client.delete(f"/api/annotations/{made['id']}", headers=alice.headers)
    assert res.status_code == 204 and res.data == b""
    assert get(client, alice, made["id"]).status_code == 410
    assert client.get("/api/annotations", headers=alice.headers).get_json()["total"] == 0
    listing = client.get("/api/annotations?include_deleted=1", headers=alice.headers).get_json()
    assert listing["total"] == 1
    tomb = listing["items"][0]
    assert tomb["id"] == made["id"] and tomb["deleted"] is True
    assert (tomb["note"], tomb["quote"], tomb["tags"], tomb["selectors"]) == ("", "", [], [])
    assert tomb["version"] == 2


def test_deleting_twice_is_still_204(client, alice, create):
    made = create(alice)
    assert client.delete(f"/api/annotations/{made['id']}", headers=alice.headers).status_code == 204
    assert client.delete(f"/api/annotations/{made['id']}", headers=alice.headers).status_code == 204


def test_a_deleted_annotation_cannot_be_patched(client, alice, create):
    made = create(alice)
    client.delete(f"/api/annotations/{made['id']}", headers=alice.headers)
    res = client.patch(f"/api/annotations/{made['id']}", json={"note": "zombie"},
                       headers=alice.headers)
    assert res.status_code == 410


def test_updated_since_returns_every_change_including_tombstones(client, alice, create):
    untouched = create(alice, note="old")
    edited = create(alice, note="to edit")
    deleted = create(alice, note="to delete")
    time.sleep(0.005)
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.005)
    client.patch(f"/api/annotations/{edited['id']}", json={"note": "edited"},
                 headers=alice.headers)
    client.delete(f"/api/annotations/{deleted['id']}", headers=alice.headers)
    added = create(alice, note="new")
    changed = client.get(f"/api/annotations?updated_since={since}&sort=updated&order=asc",
                         headers=alice.headers).get_json()
    assert [a["id"] for a in changed["items"]] == [edited["id"], deleted["id"], added["id"]]
    assert [a["deleted"] for a in changed["items"]] == [False, True, False]
    assert changed["total"] == 3
    assert untouched["id"] not in [a["id"] for a in changed["items"]]
    live_only = client.get("/api/annotations", query_string={
        "updated_since": since, "include_deleted": "0", "sort": "updated", "order": "asc"},
        headers=alice.headers).get_json()
    assert [a["id"] for a in live_only["items"]] == [edited["id"], added["id"]]
    # An offset time means the same instant.
    local = datetime.fromisoformat(since.replace("Z", "+00:00")).astimezone(
        timezone(timedelta(hours=2))).isoformat()
    same = client.get("/api/annotations", query_string={"updated_since": local},
                      headers=alice.headers).get_json()
    assert same["total"] == 3


def test_create_then_read_back(client, alice, create):
    made = create(alice, note="**bold** idea")
    res = client.get(f"/api/annotations/{made['id']}", headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["note_html"] == "<p><strong>bold</strong> idea</p>"
    assert res.headers["ETag"] == '"1"'
