"""CORS on /w3c/: a web page on any origin can use the protocol; private stays private.

/api/'s narrower policy is tested in test_cors.py; these tests check that /w3c/ answers every
origin with a wildcard (never with credentials), lets a client read the protocol's headers, and
answers preflights uniformly, whatever the annotation and whoever asks.
"""

from __future__ import annotations

import uuid

import pytest
from test_w3c_protocol import ALL, HOST, PROFILE, doc, ld

ORIGIN = "https://viewer.example.net"
PROTOCOL_HEADERS = {"etag", "link", "location", "allow", "vary", "content-location",
                    "preference-applied"}


def exposed(res) -> set[str]:
    return {h.strip().lower() for h in res.headers.get("Access-Control-Expose-Headers",
                                                       "").split(",") if h.strip()}


def cross(reader, **headers) -> dict:
    return {**ld(reader), "Origin": ORIGIN, **headers}


def preflight(client, path, method, headers="authorization, content-type, if-match, prefer"):
    return client.options(path, headers={"Origin": ORIGIN,
                                         "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


def assert_cors(res):
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in res.headers
    assert PROTOCOL_HEADERS <= exposed(res)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_a_preflight_from_any_origin_is_allowed(client, alice, method):
    made = client.post(ALL, json=doc(), headers=ld(alice)).headers["Location"]
    for path in (ALL, made.removeprefix(HOST), f"/w3c/annotations/{uuid.uuid4()}"):
        res = preflight(client, path, method, "authorization, content-type, if-match, prefer, "
                                              "slug, if-none-match")
        assert res.status_code == 200, path
        assert res.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in res.headers
        methods = {m.strip() for m in res.headers["Access-Control-Allow-Methods"].split(",")}
        assert method in methods
        allowed = {h.strip().lower()
                   for h in res.headers["Access-Control-Allow-Headers"].split(",")}
        assert {"authorization", "content-type", "if-match", "if-none-match", "prefer",
                "slug"} <= allowed


def test_a_preflight_for_a_private_annotation_looks_like_any_other(client, alice):
    """Browsers send no Authorization with a preflight: the owner's PUT must still get through,
    and the answer must not tell a stranger that the annotation exists."""
    made = client.post(ALL, json=doc(), headers=ld(alice)).headers["Location"]
    private = preflight(client, made.removeprefix(HOST), "PUT")
    missing = preflight(client, f"/w3c/annotations/{uuid.uuid4()}", "PUT")
    assert private.status_code == missing.status_code == 200
    assert private.data == missing.data == b""
    cors = {k: v for k, v in private.headers.items() if k.startswith("Access-Control")}
    assert cors == {k: v for k, v in missing.headers.items() if k.startswith("Access-Control")}


def test_get_post_put_delete_expose_the_protocol_headers(client, alice):
    created = client.post(ALL, json=doc(), headers=cross(alice))
    assert created.status_code == 201
    assert_cors(created)
    path = created.headers["Location"].removeprefix(HOST)

    got = client.get(path, headers=cross(alice))
    assert got.status_code == 200
    assert_cors(got)

    put = client.put(path, json=doc(id=created.headers["Location"]),
                     headers=cross(alice, **{"If-Match": got.headers["ETag"]}))
    assert put.status_code == 200, put.get_json()
    assert_cors(put)

    gone = client.delete(path, headers=cross(alice, **{"If-Match": put.headers["ETag"]}))
    assert gone.status_code == 204
    assert_cors(gone)


def test_a_container_read_from_another_origin_exposes_its_headers(client, alice, create):
    create(alice, visibility="public")
    prefer = ('return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"')
    res = client.get(ALL, headers={"Origin": ORIGIN, "Accept": PROFILE, "Prefer": prefer})
    assert res.status_code == 200
    assert_cors(res)
    assert res.headers["Preference-Applied"] == "return=representation"
    assert res.headers["Content-Location"]


def test_errors_are_readable_cross_origin(client, anon):
    res = client.post(ALL, json=doc(), headers=cross(anon))
    assert res.status_code == 401
    assert res.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("visibility", ["private", "public"])
def test_visibility_holds_for_cross_origin_reads(client, alice, bob, anon, create, visibility):
    made = create(alice, visibility=visibility)
    path = f"/w3c/annotations/{made['id']}"
    expected = {"alice": 200, "bob": 200 if visibility == "public" else 404,
                "anonymous": 200 if visibility == "public" else 404}
    for reader in (alice, bob, anon):
        res = client.get(path, headers={**reader.headers, "Origin": ORIGIN})
        assert res.status_code == expected[reader.name], reader.name
        assert res.headers["Access-Control-Allow-Origin"] == "*"
        listed = client.get(ALL, headers={**reader.headers, "Origin": ORIGIN,
                                          "Prefer": 'return=representation;include="http://'
                                                    'www.w3.org/ns/oa#PreferContainedIRIs"'})
        items = listed.get_json().get("first", {}).get("items", [])
        assert (f"{HOST}{path}" in items) == (expected[reader.name] == 200), reader.name


def test_api_policy_is_unchanged_for_an_arbitrary_origin(client):
    res = client.get("/api/annotations", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in res.headers
