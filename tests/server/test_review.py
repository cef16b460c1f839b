"""Defects found in the pre-release review: each test failed before its fix."""

from __future__ import annotations

LD = "application/ld+json"
W3C_DOC = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
           "target": "https://blog.example.org/page/"}
NESTED = "[" * 100_000 + "]" * 100_000


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
