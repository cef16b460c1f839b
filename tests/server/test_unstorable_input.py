"""Input that no JSON parser or database column can hold is refused with a 4xx, never a 500.

JSON nested too deeply, numbers that are not finite, lone surrogates (which no database can
encode), and values longer or larger than their column: each is a 400 that stores nothing (an
id beyond the column is simply not found), and in an import it fails its own item only.
"""

from __future__ import annotations

import json

import pytest

from conftest import annotation_body

LD = "application/ld+json"
W3C_DOC = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
           "target": "https://blog.example.org/page/"}
NESTED = "[" * 100_000 + "]" * 100_000


def native_file(*annotations) -> dict:
    return {"format": "postil-export", "format_version": 1, "annotations": list(annotations)}


def test_w3c_create_with_json_nested_too_deeply_is_400(client, alice):
    res = client.post("/w3c/annotations/", data=NESTED,
                      headers={**alice.headers, "Content-Type": LD})
    assert res.status_code == 400, res.get_data(as_text=True)[:200]
    assert res.get_json()["error"]["code"] == "invalid_json"


def test_w3c_replace_with_json_nested_too_deeply_is_400(client, alice, create):
    a = create(alice)
    res = client.put(f"/w3c/annotations/{a['id']}", data=NESTED,
                     headers={**alice.headers, "Content-Type": LD, "If-Match": '"1"'})
    assert res.status_code == 400, res.get_data(as_text=True)[:200]
    assert res.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(client, alice, bob, number):
    body = json.dumps(annotation_body(visibility="public", selectors=[
        {"type": "RangeSelector", "startSelector": {"type": "XPathSelector", "value": "/p[1]"},
         "endSelector": {"type": "XPathSelector", "value": "/p[2]", "n": 0}}]))
    body = body.replace('"n": 0', f'"n": {number}')
    res = client.post("/api/annotations", data=body,
                      headers={**alice.headers, "Content-Type": "application/json"})
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    # Stored, it would make every answer that lists it something JSON parsers refuse.
    listing = client.get("/api/annotations", headers=bob.headers)
    assert json.loads(listing.get_data(as_text=True))["total"] == 0


LONE = "\\udcff"  # as JSON writes it; Python's parser makes it a lone surrogate


def raw_json(value, text: str) -> str:
    """JSON for `value`, with every "LONE" in its strings written as the escape of a lone
    surrogate (which json.dumps of a Python str cannot produce)."""
    return json.dumps(value).replace("LONE", text)


@pytest.mark.parametrize("over", [
    {"note": "LONE"}, {"quote": "LONE"}, {"tags": ["LONE"]},
    {"selectors": [{"type": "TextQuoteSelector", "exact": "aLONE"}]},
    {"selectors": [{"type": "RangeSelector", "startSelector": {"value": "LONE"},
                    "endSelector": {}}]},
    {"post": {"site": "blog.example.org", "post_id": 42, "title": "LONE"}},
    {"post": {"site": "LONE.example.org", "post_id": 42}},
    {"post": {"post_id": None, "url": "https://blog.example.org/LONE"}},
])
def test_lone_surrogates_are_a_400_not_a_500(client, alice, over):
    res = client.post("/api/annotations", data=raw_json(annotation_body(**over), LONE),
                      headers={**alice.headers, "Content-Type": "application/json"})
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    assert client.get("/api/annotations", headers=alice.headers).get_json()["total"] == 0


def test_lone_surrogates_in_a_patch_w3c_or_sign_in_are_a_400(client, alice, create):
    a = create(alice)
    json_headers = {**alice.headers, "Content-Type": "application/json"}
    res = client.patch(f"/api/annotations/{a['id']}", data=raw_json({"note": "LONE"}, LONE),
                       headers=json_headers)
    assert res.status_code == 400
    doc = {**W3C_DOC, "bodyValue": "LONE"}
    res = client.post("/w3c/annotations/", data=raw_json(doc, LONE), headers=json_headers)
    assert res.status_code == 400
    res = client.post("/api/tokens", data=raw_json({"username": "LONE", "password": "x"}, LONE),
                      headers={"Content-Type": "application/json"})
    assert res.status_code in (400, 401)
    wp = {"id": 5, "link": "https://wp.example/LONE/", "title": {"rendered": "LONE"},
          "_links": {"self": [{"href": "https://wp.example/wp-json/wp/v2/posts/5"}]}}
    res = client.put("/api/posts", data=raw_json(wp, LONE), headers=json_headers)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]


def test_an_import_with_a_lone_surrogate_fails_that_item_not_the_import(client, alice,
                                                                        monkeypatch):
    from postil import export_api

    monkeypatch.setattr(export_api, "IMPORT_BATCH", 2)
    items = [annotation_body() for _ in range(3)] + [annotation_body(note="LONE")]
    res = client.post("/api/import", data=raw_json(native_file(*items), LONE),
                      headers={**alice.headers, "Content-Type": "application/json"})
    # A failure here must not be a 500 after the earlier batches were committed.
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    assert res.get_json()["created"] == 3
    assert [f["index"] for f in res.get_json()["failed"]] == [3]


@pytest.mark.parametrize("home", ["https://wp.example/" + "x" * 250,
                                  "https://wp.example/" + "%C3%A9" * 250])
def test_put_post_with_a_site_longer_than_its_column_is_400(client, alice, home):
    wp = {"id": 5, "link": f"{home}/hello/",
          "_links": {"self": [{"href": f"{home}/wp-json/wp/v2/posts/5"}]}}
    res = client.put("/api/posts", json=wp, headers=alice.headers)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    assert client.get("/api/posts", headers=alice.headers).get_json()["total"] == 0


def test_put_post_with_an_id_beyond_the_column_is_400(client, alice):
    wp = {"id": 2**63, "link": "https://wp.example/hello/",
          "_links": {"self": [{"href": f"https://wp.example/wp-json/wp/v2/posts/{2**63}"}]}}
    res = client.put("/api/posts", json=wp, headers=alice.headers)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]


def test_a_page_url_whose_host_is_too_long_for_the_site_column_is_400(client, alice):
    host = ("a" * 60 + ".") * 6 + "com"
    body = annotation_body(post={"post_id": None, "url": f"https://{host}/page"})
    res = client.post("/api/annotations", json=body, headers=alice.headers)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    # In an import it fails its own item; the others are stored.
    res = client.post("/api/import", json=native_file(annotation_body(), body),
                      headers=alice.headers)
    assert res.status_code == 200
    assert (res.get_json()["created"], len(res.get_json()["failed"])) == (1, 1)


def test_a_tag_that_lower_casing_makes_too_long_is_400(client, alice, create):
    tag = "\u0130" * 64  # "İ": lower() makes each one two characters
    res = client.post("/api/annotations", json=annotation_body(tags=[tag]), headers=alice.headers)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    a = create(alice)
    res = client.patch(f"/api/annotations/{a['id']}", json={"tags": [tag]}, headers=alice.headers)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    res = client.post("/api/import", json=native_file(annotation_body(tags=[tag])),
                      headers=alice.headers)
    assert res.status_code == 200 and len(res.get_json()["failed"]) == 1


def test_huge_post_pk_is_404(client, alice):
    huge = "99999999999999999999999"
    for path in (f"/api/posts/{huge}", f"/api/posts/{huge}/popular"):
        res = client.get(path, headers=alice.headers)
        assert res.status_code == 404
        assert res.get_json()["error"]["code"] == "not_found"
